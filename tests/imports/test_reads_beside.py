"""A household import run as the worker and the command run it, its transaction the outermost
one: on PostgreSQL each chunk is matched over a connection of its own while the chunk before is
still being written. It must come to what an import reading between writes comes to (inside a
caller's transaction, where it cannot read beside), row for row."""

import pytest
from django.db import connection, connections, transaction

from grid.import_records import Writer
from grid.models import Household, Resident
from grid.registers import HouseholdResource

from .conftest import new_id
from .helpers import audit_entries, errors, fail_write, households, snapshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(HouseholdResource, "chunk_rows", 3)


@pytest.fixture
def writers(monkeypatch) -> list[Writer]:
    """Each import's writer, to tell how it read."""
    made = []
    original = Writer.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(Writer, "__init__", init)
    return made


def inside_a_transaction(rows):
    """The import as a caller's transaction would run it; then undone."""
    with transaction.atomic():
        report = households(rows)
        after = snapshot()
        transaction.set_rollback(True)
    return report, after


def spread_over_chunks(city) -> list[list]:
    """Households and members named again chunks later, a member without an ID number, and a
    household and a member on record."""
    grid = city.grid.code
    return [
        [grid, "3栋", "5-1", 3, "赵一", new_id(11), "", "户主"],
        [grid, "3栋", "5-2", 1, "钱二", new_id(12), "", "户主"],
        [grid, "3栋", "5-1", 3, "赵小", "", "", "子女"],
        [grid, "3栋", "1-101", 2, "王建国", city.householder.id_number, "13900001111", "户主"],
        [grid, "3栋", "5-3", 1, "孙三", new_id(13), "", "户主"],
        [grid, "3栋", "5-1", 3, "赵老", new_id(14), "", "父母"],
        [grid, "3栋", "1-101", 2, "王小", new_id(15), "", "子女"],
    ]


def test_reading_beside_the_writes_comes_to_what_reading_between_them_does(
    city, small_chunks, writers
):
    rows = spread_over_chunks(city)
    between, written_between = inside_a_transaction(rows)
    beside = households(rows)
    assert not writers[0].read_beside
    assert writers[1].read_beside == (connection.vendor == "postgresql")
    assert errors(beside) == errors(between) == []
    assert (beside.new, beside.updated, beside.unchanged) == (6, 1, 0)
    assert (between.new, between.updated, between.unchanged) == (6, 1, 0)
    assert snapshot() == written_between
    assert Resident.objects.get(id_number=city.householder.id_number).phone == "13900001111"
    assert Household.objects.get(building=city.building, door_number="1-101").members.count() == 2
    again = households(rows)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 7)


def test_a_record_named_twice_chunks_apart_is_refused_either_way(city, small_chunks, writers):
    grid = city.grid.code
    rows = [
        [grid, "3栋", "6-1", 2, "周一", new_id(21), "", "户主"],
        [grid, "3栋", "6-1", 2, "周小", "", "", "子女"],
        [grid, "3栋", "6-2", 1, "吴二", new_id(22), "", "户主"],
        [grid, "3栋", "6-3", 1, "郑三", new_id(21), "", "户主"],
        [grid, "3栋", "6-1", 2, "周小", "", "", "子女"],
        [grid, "3栋", "6-4", 1, "冯四", city.other_resident.id_number, "", "户主"],
        [grid, "3栋", "6-2", 2, "吴二", new_id(23), "", "户主"],
    ]
    before = snapshot()
    logs = audit_entries()
    between, _after = inside_a_transaction(rows)
    beside = households(rows)
    assert writers[1].read_beside == (connection.vendor == "postgresql")
    assert errors(beside) == errors(between)
    assert [(row, column) for row, column, _message in errors(beside)] == [
        (5, "身份证号"),
        (6, "姓名"),
        (7, "身份证号"),
        (8, "户籍人口"),
    ]
    assert snapshot() == before
    assert audit_entries() == logs


def test_a_write_that_fails_undoes_everything_and_gives_the_connection_back(
    city, small_chunks, monkeypatch
):
    own = connections["default"]
    before = snapshot()
    fail_write(monkeypatch, 2)
    with pytest.raises(RuntimeError):
        households(spread_over_chunks(city))
    assert connections["default"] is own
    assert snapshot() == before
