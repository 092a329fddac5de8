"""Each area's building and household counts (of its whole subtree) are kept on the area:
saves, moves and deletes change them at once, along the grid's ancestors and nowhere else;
imports count again under the grids they wrote in, `recount_areas` everything; find-my-grid
reads them."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from grid import counts
from grid.models import Area, Building, Household
from grid.public import find_grids

from .factories import (
    BuildingFactory,
    CommunityFactory,
    GridFactory,
    HouseholdFactory,
    StreetFactory,
    valid_id_number,
)
from .imports.files import csv_bytes
from .imports.helpers import households, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    street = StreetFactory()
    near, far = CommunityFactory(parent=street), CommunityFactory(parent=street)
    return {
        "district": street.parent,
        "street": street,
        "near": near,
        "far": far,
        "grid": GridFactory(parent=near),
        "other grid": GridFactory(parent=near),
        "far grid": GridFactory(parent=far),
    }


def stored(city) -> dict[str, tuple[int, int]]:
    areas = {area.pk: area for area in Area.objects.all()}
    return {
        name: (areas[a.pk].building_count, areas[a.pk].household_count) for name, a in city.items()
    }


def truth(city) -> dict[str, tuple[int, int]]:
    """What counting the rows says, per area and its subtree."""
    return {
        name: (
            Building.objects.filter(grid__code__startswith=area.code).count(),
            Household.objects.filter(building__grid__code__startswith=area.code).count(),
        )
        for name, area in city.items()
    }


def test_a_new_household_counts_in_its_grid_and_every_ancestor_only(city):
    building = BuildingFactory(grid=city["grid"])
    HouseholdFactory(building=building)
    HouseholdFactory(building=BuildingFactory(grid=city["far grid"]))
    assert stored(city) == truth(city)
    assert stored(city)["grid"] == (1, 1) and stored(city)["street"] == (2, 2)
    assert stored(city)["other grid"] == (0, 0) and stored(city)["far"] == (1, 1)


def test_moving_and_deleting_change_the_counts_of_both_places(city):
    building = BuildingFactory(grid=city["grid"])
    household = HouseholdFactory(building=building)
    HouseholdFactory(building=building)
    other = BuildingFactory(grid=city["far grid"])

    household.building = other
    household.save()
    assert stored(city) == truth(city) and stored(city)["far"] == (1, 1)

    building.grid = city["other grid"]  # a building moves with its households
    building.save()
    assert stored(city) == truth(city) and stored(city)["other grid"] == (1, 1)
    assert stored(city)["grid"] == (0, 0)

    building.households.get().delete()
    building.delete()
    household.delete()
    assert stored(city) == truth(city)
    assert stored(city)["district"] == stored(city)["far"] == (1, 0)


def test_a_row_read_without_its_place_is_counted_right_when_saved(city):
    household = HouseholdFactory(building=BuildingFactory(grid=city["grid"]))
    moved = Household.objects.only("pk", "door_number").get(pk=household.pk)
    moved.building = BuildingFactory(grid=city["far grid"])
    moved.save()
    assert stored(city) == truth(city)


def test_reading_rows_without_their_place_costs_no_query(city, django_assert_num_queries):
    HouseholdFactory.create_batch(5, building=BuildingFactory(grid=city["grid"]))
    with django_assert_num_queries(1):
        list(Household.objects.only("pk"))


def test_bulk_writes_are_counted_by_recount_and_by_the_command(city):
    building = Building.objects.create(
        grid=city["grid"], name="1号楼", address="长江路1号", floors=6
    )
    Household.objects.bulk_create(
        Household(building=building, door_number=str(n)) for n in range(7)
    )
    assert stored(city)["grid"] == (1, 0)  # bulk_create sends no signal
    counts.recount()
    assert stored(city) == truth(city) and stored(city)["street"] == (1, 7)

    Area.objects.update(household_count=0, building_count=0)
    out = io.StringIO()
    call_command("recount_areas", stdout=out)
    assert stored(city) == truth(city) and out.getvalue().strip()


def test_a_recount_under_some_areas_counts_those_and_their_ancestors_only(city):
    for grid in (city["grid"], city["far grid"]):
        building = Building.objects.create(grid=grid, name="1号楼", address="长江路1号", floors=6)
        Household.objects.bulk_create(
            Household(building=building, door_number=str(n)) for n in range(3)
        )
    counts.recount(codes={city["grid"].code})
    assert stored(city)["grid"] == stored(city)["near"] == truth(city)["near"] == (1, 3)
    # The far grid's households, written past the signals, are not counted again there...
    assert stored(city)["far grid"] == stored(city)["far"] == (1, 0)
    # ...and the street and district sum their children as stored.
    assert stored(city)["street"] == stored(city)["district"] == (2, 3)


def test_an_import_counts_what_it_wrote(city):
    code = city["grid"].code
    header = ["网格编码", "楼栋名称", "地址", "层数", "单元数"]
    rows = [[code, "8栋", "长江路8号", 6, 2], [code, "9栋", "长江路9号", 6, 2]]
    assert run("buildings", csv_bytes([header, *rows])).ok
    members = [
        [code, "8栋", "101", 1, "张三", valid_id_number(1), "", "户主"],
        [code, "9栋", "102", 1, "李四", valid_id_number(2), "", "户主"],
    ]
    assert households(members).ok
    assert stored(city) == truth(city) and stored(city)["near"] == (2, 2)


def test_find_my_grid_shows_the_kept_counts_without_counting_rows(city, django_assert_num_queries):
    building = BuildingFactory(grid=city["grid"], address="长江路88号")
    HouseholdFactory.create_batch(3, building=building)
    with django_assert_num_queries(5) as queries:
        found = find_grids("长江路88号")
    assert [(match.grid, match.grid.household_count) for match in found] == [(city["grid"], 3)]
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)


def test_the_demo_city_counts_agree_with_its_rows(demo_city):
    wrong = [
        area.code
        for area in Area.objects.annotate(rows=Count("buildings"))
        if area.level == Area.Level.GRID and area.building_count != area.rows
    ]
    assert not wrong
    district = Area.objects.get(level=Area.Level.DISTRICT)
    assert district.household_count == Household.objects.count() > 0
    assert district.building_count == Building.objects.count()
