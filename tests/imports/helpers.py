import io

from wagtail.models import ModelLogEntry

from grid import exports
from grid.imports import ImportReport, import_file
from grid.models import Household, PersonalDataLogEntry, Resident
from grid.registers import get_resource

from .files import csv_bytes

HOUSEHOLD_HEADER = [
    "网格编码",
    "楼栋",
    "门牌号",
    "户籍人口",
    "姓名",
    "身份证号",
    "电话",
    "与户主关系",
]
# The same with a birth date column in place of the phone.
WITH_BIRTH_DATE = [*HOUSEHOLD_HEADER[:6], "出生日期", "与户主关系"]


def audit_entries() -> int:
    """Entries in both audit logs."""
    return ModelLogEntry.objects.count() + PersonalDataLogEntry.objects.count()


def run(resource, data: bytes, user=None, dry_run=False, encoding="") -> ImportReport:
    return import_file(resource, io.BytesIO(data), user=user, dry_run=dry_run, encoding=encoding)


def households(rows, user=None, dry_run=False, header=HOUSEHOLD_HEADER) -> ImportReport:
    return run("households", csv_bytes([header, *rows]), user=user, dry_run=dry_run)


def snapshot() -> tuple:
    """Everything a household import may change, to compare before and after."""
    return (
        sorted(
            Household.objects.values_list("building_id", "door_number", "registered_population")
        ),
        sorted(
            Resident.objects.values_list(
                "household__building_id",
                "household__door_number",
                "name",
                "id_number",
                "phone",
                "relation",
            )
        ),
    )


def errors(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(error.row, error.column, error.message) for error in report.errors]


def export(resource: str, file_format: str) -> bytes:
    """Everything of a register, exported as a command without --user does."""
    register = get_resource(resource)
    queryset = register._meta.model.objects.all()
    if file_format == "csv":
        return b"".join(exports.export_csv(register, queryset, user=None, filters={}))
    target = io.BytesIO()
    exports.export_to(register, queryset, target, file_format="xlsx", user=None, filters={})
    return target.getvalue()


def fail_write(monkeypatch, number: int) -> None:
    """The `number`th chunk's write fails, as when the worker is killed midway."""
    from grid.registers.households import ChunkWrites

    original = ChunkWrites.write
    calls = []

    def write(self):
        calls.append(1)
        if len(calls) == number:
            raise RuntimeError("the worker was killed")
        return original(self)

    monkeypatch.setattr(ChunkWrites, "write", write)
