"""Exporting a register: the rows a user may see, in the columns its import reads, audited."""

import io
from collections.abc import Iterator
from typing import IO

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils.translation import ngettext
from wagtail.log_actions import log

from . import audit, selectors
from .import_records import Progress
from .models import ExportRecord
from .registers import RegistryResource
from .tabular import CSV, csv_chunks, write_xlsx


def scoped(resource: RegistryResource, queryset: QuerySet, user: AbstractBaseUser | None):
    """Only what the user may see, and of a register with personal data only the rows whose
    people they may see in full; None (a command without --user) sees everything."""
    if user is None or resource.area_path is None:
        return queryset
    queryset = selectors.in_scope(queryset, user, resource.area_path)
    if resource.personal_data:
        queryset = selectors.in_personal_data_scope(queryset, user, resource.area_path)
    return resource.exported_to(queryset, user)


PROGRESS_EVERY = 1000


class CountingRows:
    """The export's rows, counted as they stream past, for the audit entry and for the
    progress of an export job."""

    def __init__(self, rows: Iterator[list], progress: Progress | None = None, total: int = 0):
        self.rows = rows
        self.count = 0
        self.progress = progress
        self.total = total

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            if self.progress is not None and self.count % PROGRESS_EVERY == 0:
                self.progress(self.count, self.total)
            yield row


def record_export(
    resource: RegistryResource,
    *,
    user: AbstractBaseUser | None,
    file_format: str,
    rows: int,
    filters: dict,
) -> ExportRecord:
    record = ExportRecord.objects.create(
        user=user, resource=resource.slug, file_format=file_format, rows=rows, filters=filters
    )
    log(
        instance=record,
        action=audit.EXPORT,
        user=user,
        title=ngettext(
            "%(register)s: %(count)d row exported",
            "%(register)s: %(count)d rows exported",
            rows,
        )
        % {"register": resource.title, "count": rows},
        data={
            "register": resource.slug,
            "format": file_format,
            "rows": rows,
            "filters": filters,
            "personal_data": resource.personal_data,
        },
    )
    return record


def export_csv(
    resource: RegistryResource,
    queryset: QuerySet,
    *,
    user: AbstractBaseUser | None,
    filters: dict,
    progress: Progress | None = None,
    total: int = 0,
) -> Iterator[bytes]:
    """CSV, streamed; the audit entry is written once the last row has gone out."""
    rows = CountingRows(resource.export_rows(scoped(resource, queryset, user)), progress, total)
    yield from csv_chunks(resource.headers(), rows)
    record_export(resource, user=user, file_format=CSV, rows=rows.count, filters=filters)


def export_to(
    resource: RegistryResource,
    queryset: QuerySet,
    target: IO[bytes],
    *,
    file_format: str,
    user: AbstractBaseUser | None,
    filters: dict,
    progress: Progress | None = None,
    total: int = 0,
) -> int:
    """CSV or XLSX into a file (a download's or an export job's), audited; returns the rows."""
    rows = CountingRows(resource.export_rows(scoped(resource, queryset, user)), progress, total)
    if file_format == CSV:
        for chunk in csv_chunks(resource.headers(), rows):
            target.write(chunk)
    else:
        write_xlsx(target, resource.headers(), rows)
    record_export(resource, user=user, file_format=file_format, rows=rows.count, filters=filters)
    return rows.count


def template_xlsx(resource: RegistryResource) -> bytes:
    """An empty workbook with the register's headers and one example row."""
    target = io.BytesIO()
    write_xlsx(target, resource.headers(), [resource.example_row()])
    return target.getvalue()


def filename(resource: RegistryResource, file_format: str, suffix: str = "") -> str:
    return f"{resource.slug}{suffix}.{file_format}"
