"""Searching the registers: a term of three characters or more is found anywhere in a field, a
shorter one at its start; each field is looked up in its own table (members' names, buildings'
names), each household listed once; every term must match. On PostgreSQL the trigram indexes
that make it fast at a million households exist."""

import pytest
from django.db import connection

from grid import search
from grid.models import Household

from .factories import (
    BuildingFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    valid_id_number,
    worker_on,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def households():
    grid = GridFactory()
    east, west = BuildingFactory(grid=grid, name="东苑3栋"), BuildingFactory(grid=grid, name="西苑")
    found = {
        "zhang": HouseholdFactory(building=east, door_number="101"),
        "wang": HouseholdFactory(building=west, door_number="102"),
        "li": HouseholdFactory(building=west, door_number="东-1"),
    }
    ResidentFactory(household=found["zhang"], name="张秀英")
    ResidentFactory(household=found["zhang"], name="张秀兰")  # two members match "张秀"
    ResidentFactory(household=found["wang"], name="王张明")
    ResidentFactory(household=found["li"], name="李四")
    return grid, found


FIELDS = ("door_number", "building__name", "members__name")


def matches(text: str) -> list[str]:
    return sorted(h.door_number for h in search.search(Household.objects.all(), FIELDS, text))


def test_a_long_term_is_found_anywhere_a_short_one_at_the_start(households):
    assert matches("秀英") == []  # two characters: only at the start of a name
    assert matches("张秀") == ["101"]  # once, though two of its members match
    assert matches("张明") == []  # "王张明" contains it but does not start with it
    assert matches("王张明") == ["102"]
    assert matches("张") == ["101"]
    assert matches("苑3栋") == ["101"]  # three characters: anywhere in the building's name


def test_every_term_must_match_in_some_field(households):
    assert matches("东苑 张秀") == ["101"]
    assert matches("西苑 李四") == ["东-1"]
    assert matches("西苑 张秀") == []
    assert matches("东") == ["101", "东-1"]  # a building's name or a door number


def test_a_whole_id_number_is_the_value_itself_and_a_part_is_found_inside(households):
    _grid, found = households
    # Born in Beijing, unlike the factory's residents.
    number = next(
        n for n in (valid_id_number(i, region="110101") for i in range(100)) if n.endswith("X")
    )
    other = valid_id_number(200, region="110101")
    ResidentFactory(household=found["wang"], id_number=number)
    ResidentFactory(household=found["li"], id_number=other)
    fields = (*FIELDS, "members__id_number")

    def found_by(text):
        return sorted(h.door_number for h in search.search(Household.objects.all(), fields, text))

    assert found_by(number) == ["102"]
    assert found_by(number.lower()) == ["102"]  # typed with a small x
    assert found_by(number[:-1]) == ["102"]  # 17 characters: contained
    assert found_by(number[-6:]) == ["102"]
    assert found_by(number + "1") == []  # longer than any ID number
    # The district's code: both (and any other resident whose number holds those six digits,
    # such as a factory's born on 10 October 1961: "19611010 1").
    assert {"102", "东-1"} <= set(found_by(number[:6]))
    if connection.vendor == "postgresql":
        query = search.keys_matching(Household, "members__id_number", number).query
        sql, params = query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
        assert "grid_resident_id_number" in plan and "trgm" not in plan


def test_the_household_list_finds_a_member_once(households, client):
    grid, found = households
    client.force_login(worker_on(grid))
    link = f"/admin/grid/household/edit/{found['zhang'].pk}/"
    once = client.get("/admin/grid/household/").content.decode().count(link)  # one row's links
    page = client.get("/admin/grid/household/", {"q": "张秀"}).content.decode()
    assert once and page.count(link) == once
    assert f"/admin/grid/household/edit/{found['wang'].pk}/" not in page


def test_the_trigram_indexes_exist_on_postgresql_only():
    with connection.cursor() as cursor:
        names = {
            index
            for table in ("grid_resident", "grid_building", "grid_household")
            for index in connection.introspection.get_constraints(cursor, table)
        }
    trigram = {name for name in names if name.endswith("_trgm")}
    if connection.vendor == "postgresql":
        assert {"grid_resident_name_trgm", "grid_building_address_trgm"} <= trigram
    else:
        assert trigram == set()
