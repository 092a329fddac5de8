"""Searching a city of 1,000,000 households: find-my-grid (the public's search by address,
building, unit or area name, with each grid's household count) and the household list searched
by a resident's name or ID number (whole, or its last six characters), as a district official
whose jurisdiction is the whole city.

The household list counts the whole jurisdiction from the areas' kept counts; a search counts
its matches (one that matches every row, such as the district's code among ID numbers, takes
seconds to count at this size and is not among the figures).

The city: 10 streets × 10 communities × 10 grids, 50 buildings per grid with their own
addresses, 20 households per building, one resident (the householder) per household with a
name drawn from the demo's name lists. Each query is timed 7 times after one warm-up; the
figures are min / median / max in milliseconds and the queries one run issues."""

import datetime
import json
import random
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.test import Client

from grid.models import Area, Assignment, Building, Household, Resident, Role
from grid.public import find_grids
from grid.validators import id_check_char

from .forms import timed_work

STREETS = COMMUNITIES = GRIDS = 10  # per district, per street, per community
BUILDINGS = 50  # per grid
HOUSEHOLDS = 20  # per building: 10 × 10 × 10 × 50 × 20 = 1,000,000
BATCH = 20_000


def names(count: int) -> list[str]:
    lists = json.loads((settings.BASE_DIR / "fixtures" / "demo" / "names.json").read_text())
    given = lists["given_male"] + lists["given_female"]
    rng = random.Random(7)
    return [
        rng.choice(lists["surnames"])
        + rng.choice(given)
        + (rng.choice(lists["given_second"]) if rng.random() < 0.7 else "")
        for _ in range(count)
    ]


def id_number(n: int) -> str:
    """Unique for n below 10,000,000: a thousand people born on each day from 1940."""
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=n // 1000)
    first17 = f"340705{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def build_city() -> Area:
    district = Area.objects.create(code="340705", name="铜官区")
    grids = []
    for s in range(1, STREETS + 1):
        street = Area.objects.create(code=f"340705{s:03d}", name=f"第{s}街道", parent=district)
        for c in range(1, COMMUNITIES + 1):
            community = Area.objects.create(
                code=f"{street.code}{c:03d}", name=f"{s}街{c}社区", parent=street
            )
            grids += [
                Area.objects.create(
                    code=f"{community.code}{g:03d}",
                    name=f"第{g}网格",
                    parent=community,
                    kind="residential",
                )
                for g in range(1, GRIDS + 1)
            ]
    buildings = Building.objects.bulk_create(
        (
            Building(
                grid=grid,
                name=f"{b}号楼",
                address=f"长江路{g * BUILDINGS + b}号",
                floors=6,
                units=2,
            )
            for g, grid in enumerate(grids)
            for b in range(1, BUILDINGS + 1)
        ),
        batch_size=BATCH,
    )
    people = names(len(buildings) * HOUSEHOLDS)
    for start in range(0, len(buildings), BATCH // HOUSEHOLDS):
        with transaction.atomic():
            households = Household.objects.bulk_create(
                (
                    Household(building=building, door_number=f"{1 + h // 2}0{1 + h % 2}")
                    for building in buildings[start : start + BATCH // HOUSEHOLDS]
                    for h in range(HOUSEHOLDS)
                ),
                batch_size=BATCH,
            )
            Resident.objects.bulk_create(
                (
                    Resident(
                        household=household,
                        name=people[household.pk % len(people)],
                        id_number=id_number(household.pk),
                        relation=Resident.Relation.HOUSEHOLDER,
                    )
                    for household in households
                ),
                batch_size=BATCH,
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return district


def district_official(district: Area):
    user = get_user_model().objects.create_user("bench_district", password="pw")
    group = Group.objects.create(name="bench search")
    group.permissions.set(
        Permission.objects.filter(
            codename__in=["access_admin", "view_household", "view_personal_data"]
        )
    )
    role = Role.objects.create(key="district_official", name="区级管理员", group=group)
    Assignment.objects.create(user=user, role=role, area=district)
    return user


def run() -> dict:
    started = time.perf_counter()
    district = build_city()
    built = time.perf_counter() - started
    client = Client()
    client.force_login(district_official(district))
    resident = Resident.objects.order_by("pk")[500_000]
    two_characters = next(
        name for name in Resident.objects.values_list("name", flat=True)[:1000] if len(name) == 2
    )

    def listed(query: str) -> Callable[[], object]:
        def get():
            response = client.get("/admin/grid/household/", {"q": query})
            assert response.status_code == 200, response.status_code
            return response

        return get

    figures = {
        "households": Household.objects.count(),
        "build_seconds": round(built, 1),
        "find_my_grid_address": timed_work(lambda: find_grids("长江路12345号")),
        "find_my_grid_community": timed_work(lambda: find_grids("5街7社区")),
        "find_my_grid_street_word": timed_work(lambda: find_grids("长江路99")),
        "household_list": timed_work(listed("")),
        "household_search_full_name": timed_work(listed(resident.name)),
        "household_search_two_characters": timed_work(listed(two_characters)),
        # A whole ID number is compared for equality; a part goes through the trigrams, as the
        # whole number did before (its first 17 characters show what that cost).
        "household_search_id_number": timed_work(listed(resident.id_number)),
        "household_search_id_number_first_17": timed_work(listed(resident.id_number[:17])),
        "household_search_id_number_last_six": timed_work(listed(resident.id_number[-6:])),
    }
    assert find_grids("长江路12345号"), "the address is found"
    assert resident.name in listed(resident.name)().content.decode()
    return figures
