"""The demo city: a deterministic district built from fixtures/demo/*.json.

Every record is generated from a random generator seeded by its area's code, so each run
produces the same city; records are matched by their natural keys, so a second run creates
nothing and changes nothing.
"""

import datetime
import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from grid import counts
from grid.models import (
    Area,
    Assignment,
    Building,
    Department,
    Facility,
    Household,
    Resident,
    Role,
    Unit,
)
from grid.validators import CREDIT_CHARS, credit_check_char, id_check_char

DEMO_DIR: Path = settings.BASE_DIR / "fixtures" / "demo"
DEMO_PASSWORD = "grid-demo-2026"
DISTRICT_BOX = (117.78, 30.90, 117.90, 30.96)  # west, south, east, north (Tongling)
FLATS_PER_LANDING = 2
HOUSEHOLD_SIZES = [1, 2, 2, 3, 3, 3, 4, 4, 5]


def load(name: str) -> Any:
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


def rectangle(west: float, south: float, east: float, north: float) -> dict:
    corners = [(west, south), (east, south), (east, north), (west, north), (west, south)]
    return {
        "type": "Polygon",
        "coordinates": [[[round(x, 6), round(y, 6)] for x, y in corners]],
    }


def split(box: tuple[float, float, float, float], parts: int, vertical: bool) -> list[tuple]:
    """Cut a box into equal strips, side by side (vertical cuts) or stacked."""
    west, south, east, north = box
    if vertical:
        step = (east - west) / parts
        return [(west + i * step, south, west + (i + 1) * step, north) for i in range(parts)]
    step = (north - south) / parts
    return [(west, south + i * step, east, south + (i + 1) * step) for i in range(parts)]


@dataclass
class AreaSpec:
    code: str
    name: str
    parent_code: str | None
    kind: str
    households: int
    box: tuple[float, float, float, float]


def area_specs(city: dict) -> list[AreaSpec]:
    district = city["district"]
    specs = [AreaSpec(district["code"], district["name"], None, "", 0, DISTRICT_BOX)]
    for street, street_box in zip(
        city["streets"], split(DISTRICT_BOX, len(city["streets"]), True), strict=True
    ):
        street_code = district["code"] + street["code"]
        specs.append(AreaSpec(street_code, street["name"], district["code"], "", 0, street_box))
        communities = street["communities"]
        for community, community_box in zip(
            communities, split(street_box, len(communities), False), strict=True
        ):
            community_code = street_code + community["code"]
            specs.append(
                AreaSpec(community_code, community["name"], street_code, "", 0, community_box)
            )
            for grid, grid_box in zip(
                community["grids"], split(community_box, len(community["grids"]), True), strict=True
            ):
                specs.append(
                    AreaSpec(
                        community_code + grid["code"],
                        grid["name"],
                        community_code,
                        grid["kind"],
                        grid["households"],
                        grid_box,
                    )
                )
    return specs


def build_areas(specs: list[AreaSpec], created: Counter) -> dict[str, Area]:
    areas = {area.code: area for area in Area.objects.filter(code__in=[s.code for s in specs])}
    for spec in specs:  # parents come before their children
        if spec.code in areas:
            continue
        area = Area(
            code=spec.code,
            name=spec.name,
            parent=areas.get(spec.parent_code) if spec.parent_code else None,
            kind=spec.kind,
            boundary=rectangle(*spec.box),
        )
        area.full_clean()
        area.save()
        areas[spec.code] = area
        created["areas"] += 1
    return areas


def build_organisation(org: dict, created: Counter) -> tuple[dict, dict]:
    departments = {d.key: d for d in Department.objects.all()}
    for row in org["departments"]:
        if row["key"] not in departments:
            departments[row["key"]] = Department.objects.create(**row)
            created["departments"] += 1
    build_street_offices(created)
    roles = {r.key: r for r in Role.objects.select_related("group")}
    for order, row in enumerate(org["roles"]):
        if row["key"] in roles:
            continue
        group, group_created = Group.objects.get_or_create(name=row["name"])
        if group_created:
            # A role's permissions are one set, or several put together.
            sets = row["permissions"]
            names = [
                name
                for key in ([sets] if isinstance(sets, str) else sets)
                for name in org["permission_sets"][key]
            ]
            group.permissions.set(permissions(names))
        roles[row["key"]] = Role.objects.create(
            key=row["key"],
            name=row["name"],
            scope=row["scope"],
            level=row["level"],
            is_public=row["public"],
            group=group,
            sort_order=order,
        )
        created["roles"] += 1
    return departments, roles


def build_street_offices(created: Counter) -> None:
    """Each street's own office (街道办事处), which the street's officials act for."""
    for street in Area.objects.filter(level=Area.Level.STREET, office__isnull=True):
        Department.objects.create(
            key=f"street_office_{street.code}",
            name=f"{street.name}办事处",
            description="街道统筹规划、指导和综合协调本街道社区工作。",
            street=street,
        )
        created["departments"] += 1


def permissions(names: list[str]) -> list[Permission]:
    if not names:
        return []
    query = Q()
    for name in names:
        app_label, codename = name.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query))
    if len(found) != len(names):
        missing = set(names) - {f"{p.content_type.app_label}.{p.codename}" for p in found}
        raise ValueError(f"Unknown permissions in the demo roles: {sorted(missing)}")
    return found


def build_users(org: dict, areas: dict, departments: dict, roles: dict, created: Counter) -> None:
    User = get_user_model()
    for row in org["users"]:
        user = User.objects.filter(username=row["username"]).first()
        if user is None:
            user = User.objects.create_user(
                username=row["username"],
                password=DEMO_PASSWORD,
                first_name=row["name"],
                email=f"{row['username']}@demo.peoples-grid.invalid",
                is_superuser=row.get("superuser", False),
                is_staff=row.get("superuser", False),
            )
            created["users"] += 1
        _assignment, assignment_created = Assignment.objects.get_or_create(
            user=user,
            role=roles[row["role"]],
            area=areas.get(row.get("area")),
            department=departments.get(row.get("department")),
            defaults={"work_phone": row.get("work_phone", "")},
        )
        created["assignments"] += assignment_created


class PersonFactory:
    """Synthetic residents with valid, unique ID numbers."""

    def __init__(self, names: dict):
        self.names = names
        self.used_ids: set[str] = set()

    def name(self, rng: random.Random, female: bool) -> str:
        given = self.names["given_female" if female else "given_male"]
        surname = rng.choice(self.names["surnames"])
        if rng.random() < 0.7:
            return surname + rng.choice(self.names["given_second"]) + rng.choice(given)
        return surname + rng.choice(given)

    def id_number(self, rng: random.Random, birth: datetime.date, female: bool) -> str:
        region = rng.choice(self.names["id_regions"])
        sequence = rng.randrange(0, 999, 2) + (0 if female else 1)
        while True:
            first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
            number = first17 + id_check_char(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number
            sequence += 2

    @staticmethod
    def phone(rng: random.Random) -> str:
        return f"1{rng.choice('35789')}{rng.randrange(0, 10**9):09d}"

    def person(self, rng: random.Random, relation: str, born: tuple[int, int], female: bool):
        birth = datetime.date(rng.randint(*born), rng.randint(1, 12), rng.randint(1, 28))
        adult = birth.year <= datetime.date.today().year - 18
        return Resident(
            name=self.name(rng, female),
            id_number=self.id_number(rng, birth, female),
            phone=self.phone(rng) if adult and rng.random() < 0.85 else "",
            relation=relation,
        )

    def household_members(self, rng: random.Random) -> list[Resident]:
        size = rng.choice(HOUSEHOLD_SIZES)
        head_female = rng.random() < 0.35
        head_year = rng.randint(1945, 1995)
        members = [self.person(rng, "householder", (head_year, head_year), head_female)]
        if size >= 2 and rng.random() < 0.8:
            members.append(
                self.person(rng, "spouse", (head_year - 3, head_year + 3), not head_female)
            )
        while len(members) < size:
            if head_year < 1965 and rng.random() < 0.5:
                relation, born = "grandchild", (max(head_year + 50, 1995), 2022)
            elif head_year > 1975 and rng.random() < 0.25:
                relation, born = "parent", (head_year - 32, head_year - 22)
            else:
                relation, born = "child", (max(head_year + 20, 1965), min(head_year + 40, 2024))
            members.append(self.person(rng, relation, born, rng.random() < 0.5))
        return members


@dataclass
class PlannedHousehold:
    building_key: tuple[str, str]
    door_number: str
    members: list[Resident]


def plan_grid(
    spec: AreaSpec, index: int, names: dict, people: PersonFactory
) -> tuple[list[dict], list[PlannedHousehold]]:
    rng = random.Random(spec.code)
    compound = names["compounds"][index % len(names["compounds"])]
    road = names["roads"][index % len(names["roads"])]
    buildings: list[dict] = []
    households: list[PlannedHousehold] = []
    remaining = spec.households
    number = 0
    while remaining > 0:
        number += 1
        floors = rng.choice([5, 6, 6, 7, 11, 18])
        entrances = rng.choice([1, 2, 2, 3])
        building = {
            "name": f"{compound}{number}栋",
            "address": f"{road}{rng.randint(1, 399)}号",
            "floors": floors,
            "units": entrances,
        }
        buildings.append(building)
        doors = [
            f"{entrance}-{floor}{flat:02d}"
            for entrance in range(1, entrances + 1)
            for floor in range(1, floors + 1)
            for flat in range(1, FLATS_PER_LANDING + 1)
        ][:remaining]
        remaining -= len(doors)
        for door in doors:
            households.append(
                PlannedHousehold((spec.code, building["name"]), door, people.household_members(rng))
            )
    return buildings, households


def build_households(specs: list[AreaSpec], areas: dict, names: dict, created: Counter) -> None:
    people = PersonFactory(names)
    planned_buildings: dict[tuple[str, str], dict] = {}
    planned_households: list[PlannedHousehold] = []
    grids = [spec for spec in specs if spec.kind == Area.Kind.RESIDENTIAL]
    for index, spec in enumerate(grids):
        buildings, households = plan_grid(spec, index, names, people)
        planned_buildings.update({(spec.code, b["name"]): b for b in buildings})
        planned_households.extend(households)

    existing_buildings = {(b.grid.code, b.name): b for b in Building.objects.select_related("grid")}
    new_buildings = [
        Building(grid=areas[key[0]], **fields)
        for key, fields in planned_buildings.items()
        if key not in existing_buildings
    ]
    Building.objects.bulk_create(new_buildings, batch_size=500)
    created["buildings"] += len(new_buildings)
    buildings = existing_buildings | {(b.grid.code, b.name): b for b in new_buildings}

    existing_doors = set(
        Household.objects.values_list("building__grid__code", "building__name", "door_number")
    )
    todo = [h for h in planned_households if (*h.building_key, h.door_number) not in existing_doors]
    new_households = [
        Household(
            building=buildings[h.building_key],
            door_number=h.door_number,
            registered_population=len(h.members),
        )
        for h in todo
    ]
    Household.objects.bulk_create(new_households, batch_size=1000)
    created["households"] += len(new_households)

    taken_ids = set(
        Resident.objects.filter(
            id_number__in=[m.id_number for h in todo for m in h.members]
        ).values_list("id_number", flat=True)
    )
    residents = []
    for household, plan in zip(new_households, todo, strict=True):
        for member in plan.members:
            member.household = household
            if member.id_number in taken_ids:
                member.id_number = None
            residents.append(member)
    Resident.objects.bulk_create(residents, batch_size=2000)
    created["residents"] += len(residents)
    counts.recount()  # written in bulk, past the per-row signals


def credit_code(rng: random.Random, authority: str, region: str) -> str:
    body = "".join(rng.choice(CREDIT_CHARS) for _ in range(9))
    first17 = f"{authority}{region}{body}"
    return first17 + credit_check_char(first17)


def build_units_and_facilities(
    specs: list[AreaSpec], areas: dict, names: dict, registers: dict, created: Counter
) -> None:
    community_names = {s.code: s.name for s in specs}
    grids = [spec for spec in specs if spec.kind]
    units: list[Unit] = []
    facilities: list[Facility] = []
    for index, spec in enumerate(grids):
        rng = random.Random(f"units-{spec.code}")
        words = {
            "compound": names["compounds"][index % len(names["compounds"])],
            "road": names["roads"][index % len(names["roads"])],
            "community": community_names[spec.parent_code].removesuffix("社区"),
        }
        templates = rng.sample(registers["grid_units"], 2)
        if spec.kind == Area.Kind.UNIT:
            templates = [registers["unit_grid_units"][spec.name]]
        for template in templates:
            units.append(
                Unit(
                    name=template["name"].format(**words),
                    unit_type=template["type"],
                    credit_code=credit_code(rng, template["authority"], spec.code[:6]),
                    address=f"{words['road']}{rng.randint(1, 399)}号",
                    phone=f"0562-{rng.randint(2, 8)}{rng.randrange(0, 10**6):06d}",
                    grid=areas[spec.code],
                )
            )
        west, south, east, north = spec.box
        for template in rng.sample(registers["facilities"], 3):
            facilities.append(
                Facility(
                    name=template["name"].format(**words),
                    facility_type=template["type"],
                    grid=areas[spec.code],
                    location=f"{words['road']}{rng.randint(1, 399)}号附近",
                    longitude=round(rng.uniform(west, east), 6),
                    latitude=round(rng.uniform(south, north), 6),
                )
            )
    existing_units = set(Unit.objects.values_list("grid__code", "name"))
    new_units = [u for u in units if (u.grid.code, u.name) not in existing_units]
    Unit.objects.bulk_create(new_units)
    created["units"] += len(new_units)
    existing_facilities = set(Facility.objects.values_list("grid__code", "name"))
    new_facilities = [f for f in facilities if (f.grid.code, f.name) not in existing_facilities]
    Facility.objects.bulk_create(new_facilities)
    created["facilities"] += len(new_facilities)


@transaction.atomic
def build() -> Counter:
    """Build (or complete) the demo city; returns how many records of each kind were created."""
    created: Counter = Counter()
    names = load("names.json")
    org = load("organisation.json")
    specs = area_specs(load("areas.json"))
    areas = build_areas(specs, created)
    departments, roles = build_organisation(org, created)
    build_users(org, areas, departments, roles, created)
    build_households(specs, areas, names, created)
    build_units_and_facilities(specs, areas, names, load("registers.json"), created)
    return created


def logins() -> list[tuple[str, str, str]]:
    """(username, role, where) for each demo user, for printing."""
    org = load("organisation.json")
    role_names = {r["key"]: r["name"] for r in org["roles"]}
    area_names = dict(Area.objects.values_list("code", "name"))
    department_names = {d["key"]: d["name"] for d in org["departments"]}

    def where(row: dict) -> str:
        if "department" in row:
            return department_names[row["department"]]
        code = row["area"]
        # Name the community with its grid: every community has a 第一网格.
        return " ".join(
            area_names.get(code[:n], "") for n in range(max(6, len(code) - 3), len(code) + 1, 3)
        )

    return [(row["username"], role_names[row["role"]], where(row)) for row in org["users"]]
