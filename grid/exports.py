"""Exporting a register: the rows a user may see, in the columns its import reads, audited."""

import io
from collections.abc import Iterator
from typing import IO

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils.translation import ngettext
from wagtail.log_actions import log

from . import audit, selectors
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


class CountingRows:
    """The export's rows, counted as they stream past, for the audit entry."""

    def __init__(self, rows: Iterator[list]):
        self.rows = rows
        self.count = 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
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
) -> Iterator[bytes]:
    """CSV, streamed; the audit entry is written once the last row has gone out."""
    rows = CountingRows(resource.export_rows(scoped(resource, queryset, user)))
    yield from csv_chunks(resource.headers(), rows)
    record_export(resource, user=user, file_format=CSV, rows=rows.count, filters=filters)


def export_xlsx(
    resource: RegistryResource,
    queryset: QuerySet,
    target: IO[bytes],
    *,
    user: AbstractBaseUser | None,
    filters: dict,
) -> int:
    rows = CountingRows(resource.export_rows(scoped(resource, queryset, user)))
    write_xlsx(target, resource.headers(), rows)
    record_export(resource, user=user, file_format="xlsx", rows=rows.count, filters=filters)
    return rows.count


def template_xlsx(resource: RegistryResource) -> bytes:
    """An empty workbook with the register's headers and one example row."""
    target = io.BytesIO()
    write_xlsx(target, resource.headers(), [resource.example_row()])
    return target.getvalue()


def filename(resource: RegistryResource, file_format: str, suffix: str = "") -> str:
    return f"{resource.slug}{suffix}.{file_format}"
