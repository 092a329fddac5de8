"""The command line: import_registry's exit codes, dry run and summary; export_registry's
formats."""

import pytest
from django.core.management import execute_from_command_line
from wagtail.models import ModelLogEntry

from grid import audit
from grid.models import Household, ImportJob, PersonalDataLogEntry

from .conftest import new_id
from .files import csv_bytes, read_csv
from .helpers import HOUSEHOLD_HEADER, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """A command run from the command line closes every connection when it ends, which would
    close the test's own (and its transaction) on PostgreSQL."""
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)


def manage(*args) -> int:
    try:
        execute_from_command_line(["manage.py", *args])
    except SystemExit as exit:
        return exit.code
    return 0


def write(tmp_path, rows, name="households.csv"):
    path = tmp_path / name
    path.write_bytes(csv_bytes([HOUSEHOLD_HEADER, *rows]))
    return str(path)


def test_import_exits_zero_and_summarises(city, tmp_path, capsys):
    path = write(tmp_path, [[city.grid.code, "3栋", "1-102", 1, "张三", new_id(5), "", "户主"]])
    assert manage("import_registry", "households", path, "--user", city.worker.username) == 0
    out = capsys.readouterr().out
    assert "1 rows: 1 new, 0 updated, 0 unchanged, 0 errors, 0 empty rows skipped." in out
    assert Household.objects.filter(door_number="1-102").exists()
    job = ImportJob.objects.get()
    assert (job.status, job.user) == (ImportJob.Status.IMPORTED, city.worker)
    entry = PersonalDataLogEntry.objects.get(action=audit.CREATE, user=city.worker)
    assert entry.area == city.grid.code  # the report scopes it by the member's grid
    assert ModelLogEntry.objects.filter(action=audit.IMPORT).count() == 1
    # A changed phone is logged with the same area.
    path = write(
        tmp_path, [[city.grid.code, "3栋", "1-102", 1, "张三", new_id(5), "13912345678", "户主"]]
    )
    assert manage("import_registry", "households", path, "--user", city.worker.username) == 0
    entry = PersonalDataLogEntry.objects.get(action=audit.CHANGE, user=city.worker)
    assert (entry.data["fields"], entry.area) == (["phone"], city.grid.code)


def test_import_exits_one_on_errors_and_names_them(city, tmp_path, capsys):
    before = snapshot()
    path = write(
        tmp_path,
        [
            [city.grid.code, "3栋", "1-102", 1, "张三", new_id(5), "", "户主"],
            [city.grid.code, "3栋", "1-103", 1, "李四", new_id(6), "123", "户主"],
        ],
    )
    assert manage("import_registry", "households", path) == 1
    captured = capsys.readouterr()
    assert "row 3, column “电话”: Enter a mainland mobile number" in captured.err
    assert "Nothing was imported" in captured.err
    assert snapshot() == before


def test_dry_run_writes_nothing(city, tmp_path, capsys):
    before = snapshot()
    path = write(tmp_path, [[city.grid.code, "3栋", "1-102", 1, "张三", new_id(5), "", "户主"]])
    assert manage("import_registry", "households", path, "--dry-run") == 0
    assert "Dry run: nothing was written." in capsys.readouterr().out
    assert snapshot() == before
    assert not ImportJob.objects.exists()


def test_import_of_a_missing_file_or_user(city, tmp_path):
    assert manage("import_registry", "households", str(tmp_path / "none.csv")) == 1
    path = write(tmp_path, [])
    assert manage("import_registry", "households", path, "--user", "nobody") == 1


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_format_follows_the_extension(city, tmp_path, suffix):
    path = tmp_path / f"households.{suffix}"
    assert manage("export_registry", "households", str(path)) == 0
    data = path.read_bytes()
    if suffix == "csv":
        assert len(read_csv(data)) == 3
    else:
        assert data.startswith(b"PK")
    entry = ModelLogEntry.objects.get(action=audit.EXPORT)
    assert (entry.data["rows"], entry.data["format"], entry.user) == (2, suffix, None)


def test_export_to_an_unknown_format_fails(city, tmp_path):
    assert manage("export_registry", "households", str(tmp_path / "households.pdf")) == 1
