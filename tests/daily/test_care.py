"""Households that need care: a tag with a visit interval puts its households (and those with a
member carrying it) on the care list of the workers who visit their grid once the last visit
is that long ago; the grids' cards count households not visited in 30 days; the household
status map draws each building's doors from the registry with their tags and no names, in as
many queries for 200 households as for 10."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from daily import selectors
from daily.models import Visit
from grid.models import Tag

from ..factories import (
    BuildingFactory,
    CommunityFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
)
from .factories import visitor

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 10)


@pytest.fixture
def city():
    grid = GridFactory(parent=CommunityFactory(name="五松社区"), name="第一网格")
    building = BuildingFactory(grid=grid, name="3栋", floors=6, units=2)
    alone = Tag.objects.create(name="独居老人", short="独", visit_interval_days=7)
    poor = Tag.objects.create(
        name="低保户", short="保", sensitive=True, visit_interval_days=30, sort_order=1
    )
    party = Tag.objects.create(name="党员", short="党", sort_order=2)
    return {"grid": grid, "building": building, "alone": alone, "poor": poor, "party": party}


def visited(household, worker, on: datetime.date) -> Visit:
    return Visit.objects.create(
        household=household, grid=household.building.grid, visitor=worker, visited_on=on, met="户主"
    )


def test_the_care_list_follows_the_tags_intervals(city):
    worker = visitor(city["grid"])
    building = city["building"]
    never = HouseholdFactory(building=building, door_number="1-101")
    never.tags.add(city["alone"])
    recent = HouseholdFactory(building=building, door_number="1-102")
    recent.tags.add(city["alone"])
    visited(recent, worker, DAY - datetime.timedelta(days=6))
    late = HouseholdFactory(building=building, door_number="1-201")
    late.tags.add(city["alone"], city["party"])
    visited(late, worker, DAY - datetime.timedelta(days=10))
    member_tagged = HouseholdFactory(building=building, door_number="2-301")
    ResidentFactory(household=member_tagged).tags.add(city["poor"])
    visited(member_tagged, worker, DAY - datetime.timedelta(days=30))
    HouseholdFactory(building=building, door_number="2-302").tags.add(city["party"])

    due = selectors.care_due(worker, today=DAY)
    assert [(row.household.door_number, row.overdue_days) for row in due] == [
        ("1-101", 7),
        ("1-201", 3),
        ("2-301", 0),
    ]
    assert [tag.name for tag in due[1].tags] == ["独居老人"]  # the tags that ask for visits
    assert due[2].last_visit == DAY - datetime.timedelta(days=30)
    # A day later the recent one is due too.
    assert len(selectors.care_due(worker, today=DAY + datetime.timedelta(days=1))) == 4

    # Without personal data the sensitive tag still puts the household on the list, unnamed.
    masked = visitor(city["grid"], personal_data=False)
    row = next(r for r in selectors.care_due(masked, today=DAY) if r.household == member_tagged)
    assert row.tags == []
    # Someone who visits another grid has no care list here.
    assert selectors.care_due(visitor(GridFactory()), today=DAY) == []


def test_a_grid_card_counts_households_not_visited_in_30_days(client, city):
    worker = visitor(city["grid"])
    doors = [HouseholdFactory(building=city["building"], door_number=f"1-{n}01") for n in (1, 2, 3)]
    today = datetime.date.today()
    visited(doors[0], worker, today - datetime.timedelta(days=3))
    visited(doors[0], worker, today - datetime.timedelta(days=1))
    visited(doors[1], worker, today - datetime.timedelta(days=45))
    client.force_login(worker)
    page = client.get("/today/").content.decode()
    assert "2 households not visited in 30 days" in page


def test_the_status_map_draws_the_registrys_doors_and_tags(city):
    building = city["building"]
    for door in ("1-101", "1-102", "1-201", "1-601", "2-302", "底商A"):
        HouseholdFactory(building=building, door_number=door)
    tagged = building.households.get(door_number="1-201")
    tagged.tags.add(city["alone"])
    ResidentFactory(household=tagged, name="李桂兰").tags.add(city["poor"])

    shown = selectors.building_map(visitor(city["grid"]), building)
    first, second = shown.entrances
    assert (first.number, first.flats, second.number, second.flats) == (1, 2, 2, 2)
    assert [floor for floor, _doors in first.floors] == [6, 5, 4, 3, 2, 1]
    by_flat = {door.flat: door for _floor, doors in first.floors for door in doors}
    assert [tag.short for tag in by_flat["201"].tags] == ["独", "保"]
    assert by_flat["202"].household is None and by_flat["601"].household is not None
    assert [door.flat for door in shown.others] == ["底商A"]
    assert [tag.name for tag in shown.legend] == ["独居老人", "低保户"]

    masked = selectors.building_map(visitor(city["grid"], personal_data=False), building)
    by_flat = {door.flat: door for _floor, doors in masked.entrances[0].floors for door in doors}
    assert [tag.short for tag in by_flat["201"].tags] == ["独"]


def test_the_status_map_asks_as_many_queries_for_200_households_as_for_10(client, city):
    worker = visitor(city["grid"])
    client.force_login(worker)
    small = BuildingFactory(grid=city["grid"], name="1栋", floors=5, units=1)
    large = BuildingFactory(grid=city["grid"], name="2栋", floors=25, units=4)
    for building, count in ((small, 10), (large, 200)):
        for n in range(count):
            entrance, rest = divmod(n, 50)
            floor, flat = divmod(rest, 2)
            household = HouseholdFactory(
                building=building, door_number=f"{entrance + 1}-{floor + 1}{flat + 1:02d}"
            )
            if n % 7 == 0:
                household.tags.add(city["alone"])
                ResidentFactory(household=household).tags.add(city["poor"])

    counts = []
    for building in (small, large):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/today/buildings/{building.pk}/")
        assert page.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # Two marks on every seventh door, and the legend's two.
    assert page.content.decode().count('class="daily-mark tag-') == 2 * len(range(0, 200, 7)) + 2
