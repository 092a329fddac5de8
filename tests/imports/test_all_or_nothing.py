"""An import with any error, or one that dies midway, changes nothing; importing the same file
again changes nothing either."""

import sys

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grid.models import Household, PersonalDataLogEntry, Resident
from grid.registers import HouseholdResource
from grid.registers.households import ChunkWrites

from .conftest import new_id
from .helpers import audit_entries, errors, fail_write, households, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 3 rows, so that a file of a dozen rows is written in several steps."""
    monkeypatch.setattr(HouseholdResource, "chunk_rows", 3)


def many(city, count, start=0):
    return [
        [city.grid.code, "3栋", f"2-{n}", 1, f"居民{n}", new_id(100 + n), "", "户主"]
        for n in range(start, start + count)
    ]


def test_error_in_the_last_chunk_undoes_the_earlier_chunks(city, small_chunks):
    before = snapshot()
    logs = audit_entries()
    rows = many(city, 10)
    rows.append([city.grid.code, "3栋", "2-99", 1, "坏行", "340705199003150000", "", "户主"])
    report = households(rows)
    assert [row for row, _column, _message in errors(report)] == [12]
    assert snapshot() == before
    assert audit_entries() == logs


def test_a_crash_midway_changes_nothing(city, small_chunks, monkeypatch):
    before = snapshot()
    # Chunks are written in a second thread: its failure must still undo the earlier ones.
    fail_write(monkeypatch, 3)
    with pytest.raises(RuntimeError):
        households(many(city, 10))
    assert snapshot() == before


def test_a_concurrent_change_is_reported_and_undoes_everything(city, monkeypatch):
    before = snapshot()
    number = new_id(7)
    original = ChunkWrites.write

    def someone_else_saves_first(self):
        Resident.objects.create(
            household=city.household, name="抢先", id_number=number, relation="child"
        )
        return original(self)

    monkeypatch.setattr(ChunkWrites, "write", someone_else_saves_first)
    report = households([[city.grid.code, "3栋", "1-102", 1, "张三", number, "", "户主"]])
    assert report.errors[0].message.startswith("The registry changed while this file")
    assert snapshot() == before


def test_dry_run_writes_nothing(city):
    before = snapshot()
    report = households(many(city, 4), dry_run=True)
    assert (report.new, report.error_count) == (4, 0)
    assert snapshot() == before


def test_reimporting_the_same_file_is_a_no_op(city, small_chunks):
    rows = [*many(city, 5), [city.grid.code, "3栋", "2-0", 1, "无证成员", "", "", "子女"]]
    first = households(rows)
    assert (first.new, first.error_count) == (6, 0)
    after_first = snapshot()
    logs = audit_entries()
    again = households(rows)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 6)
    assert snapshot() == after_first
    assert audit_entries() == logs


def test_lookups_do_not_grow_with_rows(city):
    """Areas, buildings, households and members are fetched once per chunk, not per row."""
    with CaptureQueriesContext(connection) as few:
        households(many(city, 3), dry_run=True)
    with CaptureQueriesContext(connection) as lots:
        households(many(city, 300, start=1000), dry_run=True)
    assert len(lots) == len(few)
    assert Household.objects.count() == 2


def test_chunks_written_behind_are_whole_with_their_audit_entries(city, small_chunks):
    """Each chunk is written on a second thread while the next is checked: every member lands
    in its household, with its audit entry, also when the content types are not cached yet (a
    query while a chunk is being written is refused)."""
    ContentType.objects.clear_cache()
    logs = audit_entries()
    report = households(many(city, 10))
    assert report.ok and report.new == 10
    members = dict(
        Resident.objects.filter(name__startswith="居民").values_list(
            "name", "household__door_number"
        )
    )
    assert members == {f"居民{n}": f"2-{n}" for n in range(10)}
    entries = PersonalDataLogEntry.objects.order_by("pk")[logs:]
    assert {entry.object_id for entry in entries} == {
        str(pk)
        for pk in Resident.objects.filter(name__startswith="居民").values_list("pk", flat=True)
    }


def test_the_interpreter_switches_promptly_while_chunks_are_written(
    city, small_chunks, monkeypatch
):
    """The writing thread gets the interpreter back within half a millisecond while an import
    writes, and the process's interval is as it was afterwards, also after a failure."""
    before = sys.getswitchinterval()
    original = ChunkWrites.write
    seen = []

    def write(self):
        seen.append(sys.getswitchinterval())
        return original(self)

    monkeypatch.setattr(ChunkWrites, "write", write)
    assert households(many(city, 7)).ok
    assert seen and all(interval <= 0.0005 for interval in seen)
    assert sys.getswitchinterval() == before
    fail_write(monkeypatch, 2)
    with pytest.raises(RuntimeError):
        households(many(city, 7, start=50))
    assert sys.getswitchinterval() == before
