"""The demo's tags (fixtures/demo/tags.json) and who carries them in the grid worker's grid
(五松社区 第一网格), as its grid worker would have marked them: an elderly householder living
alone is 独居老人, a few residents are party members, veterans or disabled, a few households
low-income. One building shows a mark on each of six floors, so that its household status
map has something to show, sensitive tags among them.

Every choice comes from a generator seeded by the household's building and door, so each run
marks the same people; marks are matched to those on record, so a second run adds nothing."""

import random
from collections import Counter

from django.db import models, transaction

from grid import validators
from grid.models import Area, Building, Household, Resident, Tag

from .registry import load

TAGGED_GRID = "340705001001001"
# Born in these years or before: elderly, and among the elderly living alone, of key care.
ELDERLY_BORN_BY = 1955
KEY_CARE_BORN_BY = 1946
# What the first household of each floor of the showcase building gets: (on whom, tag).
SHOWCASE = [
    ("householder", "党员"),
    ("household", "低保户"),
    ("householder", "残疾人"),
    ("householder", "退役军人"),
    ("householder", "流动人口"),
    ("household", "重点关注"),
]


def build() -> Counter:
    created: Counter = Counter()
    with transaction.atomic():
        tags = {}
        for order, spec in enumerate(load("tags.json")):
            tag, made = Tag.objects.get_or_create(
                name=spec["name"],
                defaults={
                    "short": spec["short"],
                    "colour": Tag.Colour[spec["colour"].upper()],
                    "sensitive": spec["sensitive"],
                    "visit_interval_days": spec["visit_interval_days"],
                    "sort_order": order,
                },
            )
            tags[tag.name] = tag
            created["tags"] += made
        grid = Area.objects.filter(code=TAGGED_GRID).first()
        if grid is not None:
            households, residents = marks(grid, tags)
            created["tagged households"] += add(Household, households)
            created["tagged residents"] += add(Resident, residents)
    return created


def marks(grid: Area, tags: dict[str, Tag]) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """(household id, tag id) and (resident id, tag id) of the grid's marks."""
    households: set[tuple[int, int]] = set()
    residents: set[tuple[int, int]] = set()
    homes = (
        Household.objects.filter(building__grid=grid)
        .select_related("building")
        .prefetch_related("members")
        .order_by("building__name", "door_number")
    )
    firsts: dict[str, Household] = {}  # the showcase building's first household per floor
    # The first building (in the order they were built) tall enough.
    showcase = Building.objects.filter(grid=grid, floors__gte=len(SHOWCASE)).first()
    for home in homes:
        members = list(home.members.all())
        rng = random.Random(f"tags-{home.building.name}-{home.door_number}")
        householder = next((m for m in members if m.relation == "householder"), None)
        if len(members) == 1 and householder and born(householder) <= ELDERLY_BORN_BY:
            households.add((home.pk, tags["独居老人"].pk))
            if born(householder) <= KEY_CARE_BORN_BY:
                households.add((home.pk, tags["重点关注"].pk))
        if rng.random() < 0.01:
            households.add((home.pk, tags["低保户"].pk))
        if householder and rng.random() < 0.005:
            residents.add((householder.pk, tags["流动人口"].pk))
        for member in members:
            chance = rng.random()
            adult = born(member) <= 2006
            if adult and chance < 0.006:
                residents.add((member.pk, tags["党员"].pk))
            elif adult and chance < 0.009 and male(member) and born(member) >= 1955:
                residents.add((member.pk, tags["退役军人"].pk))
            elif chance > 0.997:
                residents.add((member.pk, tags["残疾人"].pk))
        entrance, _dash, flat = home.door_number.partition("-")
        if showcase is not None and home.building_id == showcase.pk and entrance == "1":
            firsts.setdefault(flat[:-2], home)  # the demo's doors: entrance-floor-flat, 1-301
    for floor, (on, name) in enumerate(SHOWCASE, start=1):
        home = firsts.get(str(floor))
        if home is None:
            continue
        householder = next((m for m in home.members.all() if m.relation == "householder"), None)
        if on == "household":
            households.add((home.pk, tags[name].pk))
        elif householder is not None:
            residents.add((householder.pk, tags[name].pk))
    return households, residents


def born(resident: Resident) -> int:
    """The year of birth the ID number gives (9999 without one: never elderly, never adult)."""
    birth = validators.id_birth_date(resident.id_number) if resident.id_number else None
    return birth.year if birth else 9999


def male(resident: Resident) -> bool:
    return bool(resident.id_number) and int(resident.id_number[16]) % 2 == 1


def add(model: type[models.Model], marks: set[tuple[int, int]]) -> int:
    """Put the marks missing on record; how many that was."""
    through = model.tags.through
    owner = f"{model._meta.model_name}_id"
    owners = {pk for pk, _tag in marks}
    on_record = set(through.objects.filter(**{f"{owner}__in": owners}).values_list(owner, "tag_id"))
    missing = sorted(marks - on_record)
    through.objects.bulk_create([through(**{owner: pk, "tag_id": tag}) for pk, tag in missing])
    return len(missing)
