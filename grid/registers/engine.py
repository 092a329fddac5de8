"""The registry's spreadsheets: one django-import-export resource per register.

A resource declares its columns (import-export fields with a translatable header, accepted in
Chinese and English, and a widget that reads the cell), exports rows with import-export's
`export_resource`, and imports a chunk of rows at a time: each cell is read by its widget and
checked by the model field's own validators, related records are named by natural keys and
looked up once per chunk, every area must lie in the importing user's jurisdiction, and records
are matched to what is already in the database by their natural key. import-export's own
row-by-row import (a savepoint, a query per foreign key and a diff per row) is not used.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources

from .. import validators
from ..import_records import ImportContext, ImportReport
from ..models import (
    Area,
)
from ..widgets import (
    KeyWidget,
    TextWidget,
)

BATCH = 1000
CELL_CACHE = 10_000


def normalize_header(text: str) -> str:
    return re.sub(r"[\s_\-*:：()（）]", "", str(text)).casefold()


class Column(fields.Field):
    """A spreadsheet column: an import-export field whose header is translatable and is
    recognised in English and in Chinese. Unless `validated` is false, the model field of the
    same name checks each cell with its own validators; `required` columns must be in the file
    and their cells filled."""

    def __init__(
        self,
        attribute: str,
        label: Promise,
        widget=None,
        *,
        validated: bool = True,
        required: bool = False,
        example: Any = "",
    ):
        super().__init__(attribute=attribute, column_name=label, widget=widget or TextWidget())
        self.label = label
        self.model_field_name = attribute if validated else None
        self.required = required
        self.example = example

    def header_names(self) -> set[str]:
        names = {normalize_header(self.attribute)}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                names.add(normalize_header(str(self.label)))
        return names


@dataclass
class Cell:
    """A column found in the file: where it is, its header as written, and how to read it."""

    column: Column
    index: int
    header: str
    model_field: models.Field | None
    # Cells repeat (grid codes, buildings, relations): each distinct value is read once.
    seen: dict = field(default_factory=dict)

    def clean(self, raw: Any) -> Any:
        try:
            return self.seen[raw]
        except KeyError:
            pass
        except TypeError:  # an unhashable cell value
            return self.read(raw)
        value = self.read(raw)
        if len(self.seen) >= CELL_CACHE:
            self.seen.clear()
        self.seen[raw] = value
        return value

    def read(self, raw: Any) -> Any:
        value = self.column.widget.clean(raw)
        if value is None or value == "":
            if self.column.required:
                raise ValidationError(_("This cell must be filled in."))
            return value
        if self.model_field is not None:
            # The widget has already mapped choices and blanks; the field converts the value
            # and runs its validators (length, ID number, phone, credit code...).
            value = self.model_field.to_python(value)
            self.model_field.run_validators(value)
        return value


class Row:
    __slots__ = ("errors", "number", "values")

    def __init__(self, number: int, values: dict[str, Any]):
        self.number = number
        self.values = values
        self.errors = 0


class RegistryResource(resources.ModelResource):
    """Columns, export and the shared steps of importing one register."""

    slug: ClassVar[str]
    title: ClassVar[Promise]
    chunk_rows: ClassVar[int] = 2000
    # Whether matching a chunk needs only what was on record before the import and what
    # earlier rows of the file said, never what earlier chunks wrote: then a chunk's reads
    # may run while the chunk before is written (`Writer`).
    reads_before_import: ClassVar[bool] = False
    # Whether its rows carry people's ID numbers and phones (exported whole).
    personal_data: ClassVar[bool] = False
    # How a record reaches its area ("" for areas themselves); None: not limited to areas.
    area_path: ClassVar[str | None]
    # Attributes (after related records are resolved) that identify a record, and the ones
    # stored on the model.
    key: ClassVar[tuple[str, ...]]
    stored: ClassVar[tuple[str, ...]]
    unique: ClassVar[tuple[str, ...]] = ()
    # Which admin permissions importing needs (exporting needs "view" on the first model).
    record_models: ClassVar[tuple[type[models.Model], ...]]

    class Meta:
        fields = ()

    # -- columns -------------------------------------------------------------------------

    def columns(self) -> list[Column]:
        return [field for field in self.get_export_fields() if isinstance(field, Column)]

    def headers(self) -> list[str]:
        return self.get_export_headers()

    def example_row(self) -> list[Any]:
        return [column.example for column in self.columns()]

    def map_header(self, header: list[str], report: ImportReport) -> dict[str, Cell]:
        by_name: dict[str, Column] = {}
        for column in self.columns():
            for name in column.header_names():
                by_name[name] = column
        found: dict[str, Cell] = {}
        unknown = []
        for index, text in enumerate(header):
            column = by_name.get(normalize_header(text or ""))
            if column is None:
                if text and str(text).strip():
                    unknown.append(str(text).strip())
                continue
            if column.attribute in found:
                report.error(
                    1,
                    str(text),
                    _("The column “%(column)s” appears twice.") % {"column": column.label},
                )
                continue
            found[column.attribute] = Cell(
                column, index, str(text).strip(), self.model_field(column)
            )
        for column in self.columns():
            if column.required and column.attribute not in found:
                report.error(
                    1,
                    str(column.label),
                    _("The required column “%(column)s” is missing.") % {"column": column.label},
                )
        if unknown:
            report.notices.append(
                _("These columns are not part of this register and were ignored: %(columns)s")
                % {"columns": "、".join(unknown)}
            )
        return found

    def model_field(self, column: Column) -> models.Field | None:
        if column.model_field_name is None:
            return None
        return self._meta.model._meta.get_field(column.model_field_name)

    def clean_row(self, number: int, cells: list[Any], columns: dict[str, Cell], context) -> Row:
        row = Row(number, {})
        for attribute, cell in columns.items():
            raw = cells[cell.index] if cell.index < len(cells) else None
            try:
                row.values[attribute] = cell.clean(raw)
            except ValidationError as error:
                self.fail(row, cell.header, "; ".join(error.messages), context)
            except (ValueError, TypeError) as error:
                self.fail(row, cell.header, str(error), context)
        return row

    @staticmethod
    def fail(row: Row, header: str, message: str, context: ImportContext) -> None:
        row.errors += 1
        context.report.error(row.number, header, message)

    # -- one chunk of rows ---------------------------------------------------------------

    def clean_chunk(self, chunk, columns: dict[str, Cell], context: ImportContext) -> list[Row]:
        """Each row's cells checked and converted, without the database: this runs while the
        chunk before is being written."""
        return [self.clean_row(number, cells, columns, context) for number, cells in chunk]

    def import_rows(
        self, rows: list[Row], columns: dict[str, Cell], context: ImportContext
    ) -> None:
        """Match a chunk's cleaned rows against the database and each other, and write them."""
        rows = self.order([row for row in rows if not row.errors])
        self.resolve(rows, columns, context)
        rows = [row for row in rows if not row.errors]
        key_header = columns[self.key_columns()[0]].header
        seen: dict[tuple, int] = context.state.setdefault("keys", {})
        for row in rows:
            key = tuple(row.values[attribute] for attribute in self.key)
            if key in seen:
                self.fail(
                    row,
                    key_header,
                    _("This record is already in row %(row)d.") % {"row": seen[key]},
                    context,
                )
            else:
                seen[key] = row.number
        rows = [row for row in rows if not row.errors]
        existing = self.fetch_existing(rows)
        self.check_unique(rows, existing, columns, context)
        new, changed = [], []
        for row in rows:
            key = tuple(row.values[attribute] for attribute in self.key)
            before = existing.get(key)
            self.check(row, before, columns, context)
            if row.errors:
                continue
            if before is None:
                new.append(row)
                continue
            fields_changed = [
                attribute
                for attribute in self.stored
                if attribute in row.values and row.values[attribute] != before[attribute]
            ]
            if fields_changed:
                changed.append((row, before))
            else:
                context.report.unchanged += 1
        context.report.new += len(new)
        context.report.updated += len(changed)
        if context.writing:
            context.write(self.write, new, changed, context)

    def key_columns(self) -> list[str]:
        """The file's columns behind the key, for errors about the key."""
        return [attribute.removesuffix("_id") for attribute in self.key]

    def order(self, rows: list[Row]) -> list[Row]:
        return rows

    def resolve(self, rows: list[Row], columns: dict[str, Cell], context: ImportContext) -> None:
        """Turn the natural keys of related records into ids; a row naming a record that does
        not exist, or lies outside the jurisdiction, is in error."""

    def check(self, row: Row, before: dict | None, columns, context: ImportContext) -> None:
        """Rules beyond single cells."""

    def fetch_existing(self, rows: list[Row]) -> dict[tuple, dict]:
        if not rows:
            return {}
        keys = {tuple(row.values[attribute] for attribute in self.key) for row in rows}
        lookup = Q()
        for index, attribute in enumerate(self.key):
            values = {key[index] for key in keys}
            matches = Q(**{f"{attribute}__in": values - {None}})
            lookup &= matches | Q(**{f"{attribute}__isnull": True}) if None in values else matches
        found = {}
        for record in self.model_objects().filter(lookup).values("pk", *self.stored):
            key = tuple(record[attribute] for attribute in self.key)
            if key in keys:
                found[key] = record
        return found

    def check_unique(self, rows: list[Row], existing, columns, context: ImportContext) -> None:
        """Unique values (other than the key) may appear once in the file and must not belong
        to another record in the database."""
        for attribute in self.unique:
            if attribute not in columns:
                continue
            header = columns[attribute].header
            seen: dict[Any, int] = context.state.setdefault(f"unique-{attribute}", {})
            values = {row.values[attribute] for row in rows if row.values.get(attribute)}
            owners = dict(
                self.model_objects()
                .filter(**{f"{attribute}__in": values})
                .values_list(attribute, "pk")
            )
            for row in rows:
                value = row.values.get(attribute)
                if not value:
                    continue
                if value in seen:
                    self.fail(
                        row,
                        header,
                        _("This value is already in row %(row)d.") % {"row": seen[value]},
                        context,
                    )
                    continue
                seen[value] = row.number
                before = existing.get(tuple(row.values[a] for a in self.key))
                owner = owners.get(value)
                if owner is not None and (before is None or before["pk"] != owner):
                    self.fail(
                        row,
                        header,
                        _("Another %(record)s already has this value.")
                        % {"record": self._meta.model._meta.verbose_name},
                        context,
                    )

    def model_objects(self) -> QuerySet:
        return self._meta.model._default_manager.all()

    def write(self, new: list[Row], changed: list[tuple[Row, dict]], context) -> None:
        model = self._meta.model
        model.objects.bulk_create(
            [model(**self.stored_values(row)) for row in new], batch_size=BATCH
        )
        if changed:
            update_fields = [
                attribute
                for attribute in self.stored
                if attribute in changed[0][0].values and attribute not in self.key
            ]
            model.objects.bulk_update(
                [model(pk=before["pk"], **self.stored_values(row)) for row, before in changed],
                update_fields,
                batch_size=BATCH,
            )

    def stored_values(self, row: Row) -> dict[str, Any]:
        return {
            attribute: value
            for attribute, value in row.values.items()
            if attribute in self.stored and value is not None
        }

    def finish(self, context: ImportContext) -> None:
        """After the last chunk."""

    def written_under(self, context: ImportContext) -> set[str] | None:
        """The codes of the areas under which the import may have written (None: anywhere,
        as for records shown everywhere): those its rows were found on."""
        return AreaIndex.of(context).named

    # -- export --------------------------------------------------------------------------

    def export_values(self, queryset: QuerySet) -> Iterator[dict[str, Any]]:
        """Dictionaries keyed by column attribute, for `export_resource`."""
        names = [column.attribute for column in self.columns()]
        # Related records are exported by their keys, under names free on the model.
        aliases = {
            f"{name}_key": expression for name, expression in self.export_expressions().items()
        }
        plain = [name for name in names if f"{name}_key" not in aliases]
        for values in queryset.values(*plain, **aliases).iterator(chunk_size=BATCH):
            for alias in aliases:
                values[alias.removesuffix("_key")] = values.pop(alias)
            yield values

    def export_expressions(self) -> dict[str, Any]:
        return {}

    def exported_to(self, queryset: QuerySet, user) -> QuerySet:
        """The rows of the user's jurisdiction this register exports to them: all, unless a
        register's rows name people the user may not see."""
        return queryset

    def export_rows(self, queryset: QuerySet) -> Iterator[list[Any]]:
        for values in self.export_values(queryset):
            yield self.export_resource(values)


class AreaIndex:
    """Areas named in the file, looked up once per chunk by code."""

    def __init__(self, context: ImportContext):
        self.context = context
        self.known: dict[str, tuple[int | None, int] | None] = {}
        self.codes: dict[int, str] = {}
        # The codes of the areas rows were found on: where the import writes.
        self.named: set[str] = set()

    def fetch(self, codes: Iterable[str]) -> None:
        missing = {code for code in codes if code and code not in self.known}
        if not missing:
            return
        for pk, code, level in Area.objects.filter(code__in=missing).values_list(
            "pk", "code", "level"
        ):
            self.known[code] = (pk, level)
            self.codes[pk] = code
        for code in missing:
            self.known.setdefault(code, None)

    def add(self, code: str, pk: int | None, level: int) -> None:
        self.known[code] = (pk, level)
        if pk is not None:
            self.codes[pk] = code

    def code(self, pk: int) -> str:
        """The code of an area found or added before."""
        return self.codes[pk]

    def find(self, code: str, level: int | None = None) -> int | None:
        """The area's id (None for one this file creates in a dry run); ValueError if the code
        is unknown, outside the jurisdiction or of another level."""
        if not self.context.in_scope(code):
            raise ValueError(_("Area %(code)s is outside your jurisdiction.") % {"code": code})
        entry = self.known.get(code)
        if entry is None:
            raise ValueError(_("There is no area with code %(code)s.") % {"code": code})
        if level is not None and entry[1] != level:
            raise ValueError(
                _("Area %(code)s is a %(level)s, not a %(expected)s.")
                % {
                    "code": code,
                    "level": Area.Level(entry[1]).label,
                    "expected": Area.Level(level).label,
                }
            )
        self.named.add(code)
        return entry[0]

    @classmethod
    def of(cls, context: ImportContext) -> "AreaIndex":
        if "areas" not in context.state:
            context.state["areas"] = cls(context)
        return context.state["areas"]


def resolve_grids(resource, rows: list[Row], columns: dict[str, Cell], context) -> None:
    """The `grid` column names a responsibility grid by code, inside the jurisdiction."""
    areas = AreaIndex.of(context)
    areas.fetch(row.values["grid"] for row in rows)
    header = columns["grid"].header
    for row in rows:
        try:
            row.values["grid_id"] = areas.find(row.values.pop("grid"), Area.Level.GRID)
        except ValueError as error:
            resource.fail(row, header, str(error), context)


def example_id_number() -> str:
    """A valid ID number, for the example rows of the registers that ask for one."""
    first17 = "34070519800315001"
    return first17 + validators.id_check_char(first17)


def area_key(attribute: str, label: Promise) -> Column:
    """A required column naming an area by its code."""
    return Column(
        attribute, label, KeyWidget(), validated=False, required=True, example="340705001001001"
    )


def grid_code() -> Column:
    return area_key("grid", gettext_lazy("grid code"))
