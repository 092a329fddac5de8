"""Importing a registry file: read it (grid.tabular), check every row and column (the resources
in grid.resources), and write it all or nothing.

The file is checked and written in chunks so that memory stays flat however long it is; lookups
(areas, buildings, existing records) are fetched once per chunk, never per row. A real import
runs inside one transaction: if any row is in error, or the process dies midway, nothing is
written. A dry run writes nothing at all.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import selectors
from .tabular import FileError, Table, open_table

# The report keeps this many errors; the count covers all of them.
MAX_ERRORS = 1000

Progress = Callable[[int, int], None]


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    resource: str
    dry_run: bool
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    empty_rows: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    encoding: str = ""

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, column, str(message)))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ImportReport":
        errors = [RowError(**error) for error in data.get("errors", [])]
        return cls(**{**data, "errors": errors})


class ImportContext:
    """What one import knows beyond a single row: who imports, where they may import, what
    the file has already said, and what is already in the database."""

    def __init__(self, user: AbstractBaseUser | None, report: ImportReport, dry_run: bool):
        self.user = user
        self.report = report
        self.dry_run = dry_run
        # None: everywhere (a command run without --user, or a superuser).
        self.codes = selectors.jurisdiction_codes(user) if user is not None else None
        # One uuid ties the audit entries of one import together, as Wagtail does per action.
        self.log_uuid = uuid.uuid4()
        self.state: dict[str, Any] = {}

    @property
    def writing(self) -> bool:
        """Rows are written only in a real import and only while no row has been in error."""
        return not self.dry_run and self.report.ok

    def in_scope(self, code: str) -> bool:
        return self.codes is None or any(code.startswith(prefix) for prefix in self.codes)


def chunks(table: Table, report: ImportReport, size: int) -> Iterator[list[tuple[int, list[Any]]]]:
    chunk: list[tuple[int, list[Any]]] = []
    for number, cells in table.rows:
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            report.empty_rows += 1
            continue
        chunk.append((number, cells))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_file(
    resource_name: str,
    stream: IO[bytes],
    *,
    user: AbstractBaseUser | None,
    dry_run: bool,
    encoding: str = "",
    progress: Progress | None = None,
    on_success: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Check (and unless `dry_run`, write) a whole file; never writes part of it.
    `on_success` runs inside the import's transaction once every row is written."""
    from .resources import get_resource

    resource = get_resource(resource_name)
    report = ImportReport(resource=resource_name, dry_run=dry_run)
    try:
        table = open_table(stream, encoding)
        report.encoding = table.encoding
        columns = resource.map_header(table.header, report)
        if not report.ok:
            return report
        context = ImportContext(user, report, dry_run)
        if dry_run:
            run_chunks(resource, table, columns, context, progress)
        else:
            with transaction.atomic():
                run_chunks(resource, table, columns, context, progress)
                if not report.ok:
                    transaction.set_rollback(True)
                elif on_success is not None:
                    on_success(report)
    except FileError as error:
        report.error(1, "", str(error))
    except IntegrityError:
        report.error(
            1,
            "",
            _(
                "The registry changed while this file was being imported (another user "
                "saved a record this file also names). Nothing was imported: import it again."
            ),
        )
    report.errors.sort(key=lambda error: error.row)
    return report


def run_chunks(resource, table: Table, columns, context: ImportContext, progress) -> None:
    done = 0
    for chunk in chunks(table, context.report, resource.chunk_rows):
        resource.import_chunk(chunk, columns, context)
        done += len(chunk)
        context.report.rows = done
        if progress is not None:
            progress(done + context.report.empty_rows, table.estimated_rows)
    resource.finish(context)
