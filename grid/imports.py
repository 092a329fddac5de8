"""Importing a registry file: read it (grid.tabular), check every row and column (the resources
in grid.registers), and write it all or nothing.

The file is checked and written in chunks so that memory stays flat however long it is; lookups
(areas, buildings, existing records) are fetched once per chunk, never per row. A real import
runs inside one transaction: if any row is in error, or the process dies midway, nothing is
written. A dry run writes nothing at all.
"""

from collections.abc import Callable, Iterator
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import counts
from .import_records import ImportContext, ImportReport, Progress, Writer
from .registers import get_resource
from .tabular import FileError, Table, open_table


def blank(cells: list[Any]) -> bool:
    for cell in cells:
        if cell is not None and (not isinstance(cell, str) or cell.strip()):
            return False
    return True


def chunks(table: Table, report: ImportReport, size: int) -> Iterator[list[tuple[int, list[Any]]]]:
    chunk: list[tuple[int, list[Any]]] = []
    for number, cells in table.rows:
        if blank(cells):
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
                else:
                    # Rows went in in bulk, past the per-row signals.
                    counts.recount(codes=resource.written_under(context))
                    if on_success is not None:
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
    """Each chunk's cells are checked while the chunk before is still being written (see
    `Writer`); then its rows are matched against the database and written."""
    done = 0
    read_beside = resource.reads_before_import and not context.dry_run
    with Writer(read_beside=read_beside) as context.writer:
        for chunk in chunks(table, context.report, resource.chunk_rows):
            rows = resource.clean_chunk(chunk, columns, context)
            if not context.writer.read_beside:
                context.writer.wait()
            resource.import_rows(rows, columns, context)
            done += len(chunk)
            context.report.rows = done
            if progress is not None:
                progress(done + context.report.empty_rows, table.estimated_rows)
    context.writer = None
    resource.finish(context)
