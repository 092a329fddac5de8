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

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources

from . import audit, bulk, services, validators
from .imports import ImportContext, ImportReport
from .models import (
    Area,
    Assignment,
    Building,
    Department,
    Facility,
    Household,
    Resident,
    Role,
    Unit,
)
from .widgets import (
    ChoiceWidget,
    DateWidget,
    GeoJSONWidget,
    IDNumberWidget,
    KeyWidget,
    NullableTextWidget,
    NumberWidget,
    TextWidget,
    WholeNumberWidget,
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
    # Areas are few and name each other as parents: check them in one chunk.
    chunk_rows: ClassVar[int] = 2000
    # How a record reaches its area ("" for areas themselves); None: not limited to areas.
    # Whether its rows carry people's ID numbers and phones (exported whole).
    personal_data: ClassVar[bool] = False
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

    def import_chunk(self, chunk, columns: dict[str, Cell], context: ImportContext) -> None:
        rows = [self.clean_row(number, cells, columns, context) for number, cells in chunk]
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
            self.write(new, changed, context)

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

    def export_rows(self, queryset: QuerySet) -> Iterator[list[Any]]:
        for values in self.export_values(queryset):
            yield self.export_resource(values)


class AreaIndex:
    """Areas named in the file, looked up once per chunk by code."""

    def __init__(self, context: ImportContext):
        self.context = context
        self.known: dict[str, tuple[int | None, int] | None] = {}

    def fetch(self, codes: Iterable[str]) -> None:
        missing = {code for code in codes if code and code not in self.known}
        if not missing:
            return
        for pk, code, level in Area.objects.filter(code__in=missing).values_list(
            "pk", "code", "level"
        ):
            self.known[code] = (pk, level)
        for code in missing:
            self.known.setdefault(code, None)

    def add(self, code: str, pk: int | None, level: int) -> None:
        self.known[code] = (pk, level)

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


def grid_code() -> Column:
    return Column(
        "grid",
        gettext_lazy("grid code"),
        KeyWidget(),
        validated=False,
        required=True,
        example="340705001001001",
    )


class AreaResource(RegistryResource):
    slug = "areas"
    title = gettext_lazy("Areas")
    area_path = ""
    key = ("code",)
    stored = ("code", "name", "parent_id", "kind", "boundary")
    record_models = (Area,)
    chunk_rows = 50_000

    code = Column(
        "code", gettext_lazy("code"), KeyWidget(), required=True, example="340705001001009"
    )
    name = Column("name", gettext_lazy("name"), required=True, example="第九网格")
    parent = Column(
        "parent", gettext_lazy("parent code"), KeyWidget(), validated=False, example="340705001001"
    )
    kind = Column(
        "kind",
        gettext_lazy("grid kind"),
        ChoiceWidget(Area.Kind),
        example=Area.Kind.RESIDENTIAL.label,
    )
    boundary = Column("boundary", gettext_lazy("boundary"), GeoJSONWidget())

    class Meta:
        model = Area
        fields = ("code", "name", "parent", "kind", "boundary")

    def export_expressions(self) -> dict[str, Any]:
        return {"parent": F("parent__code")}

    def order(self, rows):
        # Parents before children, whatever order the file has.
        return sorted(rows, key=lambda row: len(row.values["code"]))

    def resolve(self, rows, columns, context) -> None:
        areas = AreaIndex.of(context)
        areas.fetch(row.values["code"] for row in rows)
        areas.fetch(row.values["code"][:-3] for row in rows)
        code_header = columns["code"].header
        for row in rows:
            code = row.values["code"]
            parent_code = code[:-3] if len(code) > validators.DISTRICT_CODE_LENGTH else None
            given = row.values.pop("parent", None)
            if "parent" in columns and (given or None) != parent_code:
                message = _(
                    "An area's parent is the area whose code starts its own: %(parent)s."
                ) % {"parent": parent_code or "—"}
                self.fail(row, columns["parent"].header, message, context)
                continue
            try:
                validators.validate_area_code(code, parent_code)
            except ValidationError as error:
                self.fail(row, code_header, "; ".join(error.messages), context)
                continue
            # Only platform admins create districts (see services.check_area_parent).
            if not context.in_scope(code) or (parent_code is None and context.codes is not None):
                message = _("Area %(code)s is outside your jurisdiction.") % {"code": code}
                self.fail(row, code_header, message, context)
                continue
            row.values["level"] = len(code) // validators.SEGMENT_LENGTH - 2
            row.values["parent_id"] = None
            if parent_code is not None:
                try:
                    row.values["parent_id"] = areas.find(parent_code)
                except ValueError as error:
                    self.fail(row, code_header, str(error), context)

    def check(self, row, before, columns, context) -> None:
        values = row.values
        header = columns["kind"].header if "kind" in columns else columns["code"].header
        kind = values.get("kind", before["kind"] if before else "")
        if values["level"] == Area.Level.GRID and not kind:
            message = _("Choose whether this grid is residential or a unit grid.")
            self.fail(row, header, message, context)
        elif values["level"] != Area.Level.GRID and kind:
            self.fail(row, header, _("Only responsibility grids have a kind."), context)
        if not row.errors and before is None:
            # Later rows may name this area as their parent.
            AreaIndex.of(context).add(values["code"], None, values["level"])

    def write(self, new, changed, context) -> None:
        areas = AreaIndex.of(context)
        by_level: dict[int, list[Row]] = {}
        for row in new:
            by_level.setdefault(row.values["level"], []).append(row)
        # Each level needs the ids of the one above, which may be new too.
        for level in sorted(by_level):
            rows = by_level[level]
            for row in rows:
                if row.values["parent_id"] is None and level > Area.Level.DISTRICT:
                    row.values["parent_id"] = areas.find(row.values["code"][:-3])
            created = Area.objects.bulk_create(
                [Area(level=level, **self.stored_values(row)) for row in rows], batch_size=BATCH
            )
            for area in created:
                areas.add(area.code, area.pk, level)
        super().write([], changed, context)


class GridRecordResource(RegistryResource):
    """A register whose records belong to a responsibility grid and are named by grid and
    name."""

    area_path = "grid"
    key = ("grid_id", "name")

    def export_expressions(self) -> dict[str, Any]:
        return {"grid": F("grid__code")}

    def resolve(self, rows, columns, context) -> None:
        resolve_grids(self, rows, columns, context)


class BuildingResource(GridRecordResource):
    slug = "buildings"
    title = gettext_lazy("Buildings")
    stored = ("grid_id", "name", "address", "floors", "units")
    record_models = (Building,)

    grid = grid_code()
    name = Column("name", gettext_lazy("building name"), required=True, example="3栋")
    address = Column("address", gettext_lazy("address"), required=True, example="长江路1号")
    floors = Column("floors", gettext_lazy("floors"), WholeNumberWidget(), required=True, example=6)
    units = Column("units", gettext_lazy("entrances"), WholeNumberWidget(), example=2)

    class Meta:
        model = Building
        fields = ("grid", "name", "address", "floors", "units")


class UnitResource(GridRecordResource):
    slug = "units"
    title = gettext_lazy("Units")
    stored = ("grid_id", "name", "unit_type", "credit_code", "address", "phone")
    unique = ("credit_code",)
    record_models = (Unit,)

    name = Column("name", gettext_lazy("unit name"), required=True, example="长江路小学")
    unit_type = Column(
        "unit_type",
        gettext_lazy("type"),
        ChoiceWidget(Unit.Type),
        required=True,
        example=Unit.Type.SCHOOL.label,
    )
    credit_code = Column(
        "credit_code", gettext_lazy("unified social credit code"), NullableTextWidget()
    )
    address = Column("address", gettext_lazy("address"), required=True, example="长江路8号")
    phone = Column("phone", gettext_lazy("phone"))
    grid = grid_code()

    class Meta:
        model = Unit
        fields = ("name", "unit_type", "credit_code", "address", "phone", "grid")


class FacilityResource(GridRecordResource):
    slug = "facilities"
    title = gettext_lazy("Facilities")
    stored = ("grid_id", "name", "facility_type", "location", "latitude", "longitude")
    record_models = (Facility,)

    name = Column("name", gettext_lazy("facility name"), required=True, example="五松广场")
    facility_type = Column(
        "facility_type",
        gettext_lazy("type"),
        ChoiceWidget(Facility.Type),
        required=True,
        example=Facility.Type.SQUARE.label,
    )
    grid = grid_code()
    location = Column("location", gettext_lazy("location"))
    latitude = Column("latitude", gettext_lazy("latitude"), NumberWidget(), example=30.93)
    longitude = Column("longitude", gettext_lazy("longitude"), NumberWidget(), example=117.81)

    class Meta:
        model = Facility
        fields = ("name", "facility_type", "grid", "location", "latitude", "longitude")


class DepartmentResource(RegistryResource):
    slug = "departments"
    title = gettext_lazy("Departments")
    area_path = None
    key = ("key",)
    stored = ("key", "name", "description", "phone")
    unique = ("name",)
    record_models = (Department,)

    key_column = Column("key", gettext_lazy("key"), required=True, example="civil_affairs")
    name = Column("name", gettext_lazy("name"), required=True, example="区民政局")
    description = Column("description", gettext_lazy("description"))
    phone = Column("phone", gettext_lazy("phone"))

    class Meta:
        model = Department
        fields = ("key_column", "name", "description", "phone")


class AssignmentResource(RegistryResource):
    slug = "assignments"
    title = gettext_lazy("Role assignments")
    area_path = "area"
    key = ("user_id", "role_id", "area_id", "department_id")
    stored = ("user_id", "role_id", "area_id", "department_id", "work_phone")
    record_models = (Assignment,)

    user = Column(
        "user",
        gettext_lazy("username"),
        KeyWidget(),
        validated=False,
        required=True,
        example="grid_worker",
    )
    role = Column(
        "role",
        gettext_lazy("role key"),
        KeyWidget(),
        validated=False,
        required=True,
        example="grid_worker",
    )
    area = Column(
        "area", gettext_lazy("area code"), KeyWidget(), validated=False, example="340705001001001"
    )
    department = Column("department", gettext_lazy("department key"), KeyWidget(), validated=False)
    work_phone = Column("work_phone", gettext_lazy("work phone"))

    class Meta:
        model = Assignment
        fields = ("user", "role", "area", "department", "work_phone")

    def key_columns(self) -> list[str]:
        return ["user"]

    def export_expressions(self) -> dict[str, Any]:
        return {
            "user": F("user__username"),
            "role": F("role__key"),
            "area": F("area__code"),
            "department": F("department__key"),
        }

    def resolve(self, rows, columns, context) -> None:
        usernames = {row.values["user"] for row in rows}
        users = dict(
            get_user_model().objects.filter(username__in=usernames).values_list("username", "pk")
        )
        roles = {role.key: role for role in Role.objects.select_related("group")}
        department_keys = {row.values.get("department") for row in rows} - {None, ""}
        departments = dict(
            Department.objects.filter(key__in=department_keys).values_list("key", "pk")
        )
        areas = AreaIndex.of(context)
        areas.fetch(row.values.get("area") for row in rows)
        for row in rows:
            values = row.values
            user_id = users.get(values.pop("user"))
            if user_id is None:
                self.fail(row, columns["user"].header, _("There is no such user."), context)
            role = roles.get(values.pop("role"))
            if role is None:
                self.fail(row, columns["role"].header, _("There is no such role."), context)
            area_code = values.pop("area", "") or ""
            department_key = values.pop("department", "") or ""
            values.update(user_id=user_id, role_id=role and role.pk, area_id=None)
            values["department_id"] = None
            if area_code:
                try:
                    values["area_id"] = areas.find(area_code)
                except ValueError as error:
                    self.fail(row, columns["area"].header, str(error), context)
            if department_key:
                values["department_id"] = departments.get(department_key)
                if values["department_id"] is None:
                    self.fail(
                        row,
                        columns["department"].header,
                        _("There is no such department."),
                        context,
                    )
            if row.errors or role is None:
                continue
            self.check_role(row, role, area_code, columns, context)

    def check_role(self, row, role: Role, area_code: str, columns, context) -> None:
        values = row.values
        role_header = columns["role"].header
        if role.scope == Role.Scope.AREA and (not area_code or values["department_id"]):
            self.fail(row, role_header, _("This role is held on an area: choose one."), context)
        elif role.scope == Role.Scope.DEPARTMENT and (values["department_id"] is None or area_code):
            self.fail(
                row, role_header, _("This role is held on a department: choose one."), context
            )
        elif context.user is not None and not services.can_grant(
            context.user, role, Area(code=area_code) if area_code else None
        ):
            self.fail(row, role_header, _("You cannot grant this role on this area."), context)


class HouseholdResource(RegistryResource):
    """Households with their members: one row per member, the household's columns repeated
    (a household without members is one row with empty member columns). Households are
    matched by grid, building and door number; members by ID number, or by name within their
    household when they have none. An empty ID number cell never clears one on record."""

    slug = "households"
    personal_data = True
    title = gettext_lazy("Households and members")
    area_path = "building__grid"
    key = ("building_id", "door_number")
    stored = ("building_id", "door_number", "registered_population")
    record_models = (Household, Resident)
    member_fields = ("name", "id_number", "phone", "relation")

    grid = grid_code()
    building = Column(
        "building",
        gettext_lazy("building"),
        KeyWidget(),
        validated=False,
        required=True,
        example="3栋",
    )
    door_number = Column("door_number", gettext_lazy("door number"), required=True, example="2-301")
    registered_population = Column(
        "registered_population",
        gettext_lazy("registered population"),
        WholeNumberWidget(),
        example=3,
    )
    # Members' columns are checked by the Resident model's fields.
    member_name = Column("name", gettext_lazy("full name"), example="王建国")
    id_number = Column("id_number", gettext_lazy("ID number"), IDNumberWidget())
    birth_date = Column("birth_date", gettext_lazy("birth date"), DateWidget(), validated=False)
    phone = Column("phone", gettext_lazy("phone"), example="13912345678")
    relation = Column(
        "relation",
        gettext_lazy("relation to householder"),
        ChoiceWidget(Resident.Relation),
        example=Resident.Relation.HOUSEHOLDER.label,
    )

    class Meta:
        model = Household
        fields = (
            "grid",
            "building",
            "door_number",
            "registered_population",
            "member_name",
            "id_number",
            "birth_date",
            "phone",
            "relation",
        )

    def example_row(self) -> list[Any]:
        import datetime

        from .validators import id_check_char

        first17 = "34070519800315001"
        row = super().example_row()
        row[5] = first17 + id_check_char(first17)
        row[6] = datetime.date(1980, 3, 15)
        return row

    def model_field(self, column: Column) -> models.Field | None:
        if column.attribute in self.member_fields:
            return Resident._meta.get_field(column.attribute)
        return super().model_field(column)

    # -- export --------------------------------------------------------------------------

    def export_values(self, queryset):
        rows = (
            Household.objects.filter(pk__in=queryset.values("pk"))
            .order_by("building__grid__code", "building__name", "building_id", "pk", "members")
            .values(
                "door_number",
                "registered_population",
                grid=F("building__grid__code"),
                building_name=F("building__name"),
                name=F("members__name"),
                id_number=F("members__id_number"),
                phone=F("members__phone"),
                relation=F("members__relation"),
            )
        )
        for values in rows.iterator(chunk_size=BATCH):
            values["building"] = values.pop("building_name")
            values["birth_date"] = (
                validators.id_birth_date(values["id_number"]) if values["id_number"] else None
            )
            yield values

    # -- import --------------------------------------------------------------------------

    def import_chunk(self, chunk, columns, context) -> None:
        rows = [self.clean_row(number, cells, columns, context) for number, cells in chunk]
        self.resolve_buildings([row for row in rows if not row.errors], columns, context)
        rows = [row for row in rows if not row.errors]
        plans, new_plans, changed_plans = self.plan_households(rows, columns, context)
        members = self.plan_members(rows, plans, columns, context)
        report = context.report
        for row in rows:
            if row.errors:
                continue
            plan = plans[row.values["household"]]
            first = plan.first_row == row.number
            member = members.get(row.number)
            if (first and plan.pk is None) or (member and member.record is None):
                report.new += 1
            elif (first and plan.changed) or (member and member.changed):
                report.updated += 1
            else:
                report.unchanged += 1
        if context.writing:
            self.write_households(new_plans, changed_plans)
            self.write_members(members.values(), plans, context)

    def resolve_buildings(self, rows, columns, context) -> None:
        """The building column names a building of the row's grid."""
        resolve_grids(self, rows, columns, context)
        rows = [row for row in rows if not row.errors]
        buildings: dict[int, dict[str, int]] = context.state.setdefault("buildings", {})
        grid_ids = {row.values["grid_id"] for row in rows} - set(buildings)
        for grid_id in grid_ids:
            buildings[grid_id] = {}
        for pk, grid_id, name in Building.objects.filter(grid_id__in=grid_ids).values_list(
            "pk", "grid_id", "name"
        ):
            buildings[grid_id][name] = pk
        missing = []
        for row in rows:
            pk = buildings[row.values["grid_id"]].get(row.values["building"])
            if pk is None:
                missing.append(row)
            else:
                row.values["building_id"] = pk
        if not missing:
            return
        elsewhere: dict[str, list[str]] = {}
        for name, code in Building.objects.filter(
            name__in={row.values["building"] for row in missing}
        ).values_list("name", "grid__code"):
            if context.in_scope(code):
                elsewhere.setdefault(name, []).append(code)
        for row in missing:
            name = row.values["building"]
            if name in elsewhere:
                message = _(
                    "Building %(building)s is not in this grid: it is in grid %(grids)s."
                ) % {"building": name, "grids": "、".join(elsewhere[name])}
            else:
                message = _(
                    "There is no building %(building)s in this grid: import the buildings first."
                ) % {"building": name}
            self.fail(row, columns["building"].header, message, context)

    def plan_households(self, rows, columns, context):
        """Each household the file names, once: the first row that names it decides its
        registered population, and later rows must agree."""
        plans: dict[tuple, HouseholdPlan] = context.state.setdefault("households", {})
        for row in rows:
            row.values["household"] = (row.values["building_id"], row.values["door_number"])
        # The households on record, fetched once per building the file names.
        existing: dict[tuple, tuple] = context.state.setdefault("doors", {})
        fetched: set[int] = context.state.setdefault("buildings_fetched", set())
        buildings = {row.values["building_id"] for row in rows} - fetched
        if buildings:
            fetched |= buildings
            for pk, building_id, door, population in Household.objects.filter(
                building_id__in=buildings
            ).values_list("pk", "building_id", "door_number", "registered_population"):
                existing[(building_id, door)] = (pk, population)
        new_plans, changed_plans = [], []
        for row in rows:
            key = row.values["household"]
            population = row.values.get("registered_population")
            plan = plans.get(key)
            if plan is None:
                pk, before = existing.pop(key, (None, None))
                plan = plans[key] = HouseholdPlan(
                    key=key,
                    pk=pk,
                    population=population if population is not None else before,
                    first_row=row.number,
                    changed=pk is not None and population is not None and population != before,
                )
                if pk is None:
                    new_plans.append(plan)
                elif plan.changed:
                    changed_plans.append(plan)
            elif population is not None and plan.population not in (None, population):
                self.fail(
                    row,
                    columns["registered_population"].header,
                    _("This household's registered population is %(population)d in row %(row)d.")
                    % {"population": plan.population, "row": plan.first_row},
                    context,
                )
        return plans, new_plans, changed_plans

    def plan_members(self, rows, plans, columns, context) -> dict[int, "MemberPlan"]:
        """Each row that names a member, matched to the member on record (by ID number, or
        by name within the household) and checked for duplicates in the file and against
        the database."""
        seen_ids: dict[str, int] = context.state.setdefault("id_numbers", {})
        seen_names: dict[tuple, int] = context.state.setdefault("names", {})
        member_rows = [row for row in rows if not row.errors and self.names_member(row)]
        ids = {row.values["id_number"] for row in member_rows if row.values.get("id_number")}
        by_id = {
            record["id_number"]: record
            for record in Resident.objects.filter(id_number__in=ids).values(
                "pk", "household_id", *self.member_fields
            )
        }
        # Members without an ID number are matched by name among those on record.
        household_ids = {
            plans[row.values["household"]].pk
            for row in member_rows
            if not row.values.get("id_number")
        } - {None}
        on_record: dict[int, list[dict]] = {}
        for record in Resident.objects.filter(household_id__in=household_ids).values(
            "pk", "household_id", *self.member_fields
        ):
            on_record.setdefault(record["household_id"], []).append(record)
        owners = self.describe_households(
            {
                record["household_id"]
                for row in member_rows
                if (record := by_id.get(row.values.get("id_number")))
                and record["household_id"] != plans[row.values["household"]].pk
            },
            context,
        )
        members: dict[int, MemberPlan] = {}
        for row in member_rows:
            values = row.values
            plan = plans[values["household"]]
            for attribute in ("name", "relation"):
                if not values.get(attribute):
                    self.fail(
                        row,
                        self.header(attribute, columns),
                        _("A member needs a name and a relation to the householder."),
                        context,
                    )
                    break
            if row.errors:
                continue
            id_number = values.get("id_number")
            if id_number:
                self.check_birth_date(row, columns, context)
                header = columns["id_number"].header
                record = by_id.get(id_number)
                if id_number in seen_ids:
                    message = _("This ID number is already in row %(row)d.") % {
                        "row": seen_ids[id_number]
                    }
                    self.fail(row, header, message, context)
                    continue
                seen_ids[id_number] = row.number
                if record is not None and record["household_id"] != plan.pk:
                    owner = owners.get(
                        record["household_id"], _("a household outside your jurisdiction")
                    )
                    message = _(
                        "This ID number is already registered to a member of %(household)s."
                    ) % {"household": owner}
                    self.fail(row, header, message, context)
                    continue
            else:
                name_key = (values["household"], values["name"])
                if name_key in seen_names:
                    message = _("This member is already in row %(row)d.") % {
                        "row": seen_names[name_key]
                    }
                    self.fail(row, columns["name"].header, message, context)
                    continue
                seen_names[name_key] = row.number
                record = next(
                    (r for r in on_record.get(plan.pk, ()) if r["name"] == values["name"]), None
                )
            changed = []
            if record is not None:
                changed = [
                    attribute
                    for attribute in self.member_fields
                    if values.get(attribute) is not None
                    and attribute in values
                    and values[attribute] != record[attribute]
                ]
            members[row.number] = MemberPlan(row, record, changed)
        return members

    def names_member(self, row: Row) -> bool:
        values = row.values
        return any(values.get(attribute) for attribute in (*self.member_fields, "birth_date"))

    def header(self, attribute: str, columns: dict[str, Cell]) -> str:
        if attribute in columns:
            return columns[attribute].header
        return next(str(c.label) for c in self.columns() if c.attribute == attribute)

    def check_birth_date(self, row, columns, context) -> None:
        birth_date = row.values.get("birth_date")
        if birth_date is None:
            return
        expected = validators.id_birth_date(row.values["id_number"])
        if birth_date != expected:
            self.fail(
                row,
                columns["birth_date"].header,
                _("The birth date does not match the ID number, which gives %(date)s.")
                % {"date": expected.isoformat()},
                context,
            )

    def describe_households(self, household_ids: set[int], context) -> dict[int, str]:
        """How to name the households that already hold an ID number: in full inside the
        jurisdiction, not at all outside it."""
        described = {}
        for pk, code, building, door in Household.objects.filter(pk__in=household_ids).values_list(
            "pk", "building__grid__code", "building__name", "door_number"
        ):
            if context.in_scope(code):
                described[pk] = f"{building} {door} ({code})"
        return described

    def write_households(self, new_plans, changed_plans) -> None:
        ids = bulk.insert(
            Household,
            ("building", "door_number", "registered_population"),
            [(plan.key[0], plan.key[1], plan.population or 0) for plan in new_plans],
        )
        for plan, pk in zip(new_plans, ids, strict=True):
            plan.pk = pk
        Household.objects.bulk_update(
            [
                Household(pk=plan.pk, registered_population=plan.population)
                for plan in changed_plans
            ],
            ["registered_population"],
            batch_size=BATCH,
        )

    def write_members(self, members, plans, context) -> None:
        created: list[tuple] = []
        updated: list[tuple[Resident, dict]] = []
        for member in members:
            values = member.row.values
            household_id = plans[values["household"]].pk
            if member.record is None:
                created.append(
                    (
                        household_id,
                        values["name"],
                        values.get("id_number"),
                        values.get("phone") or "",
                        values["relation"],
                    )
                )
            elif member.changed:
                record = member.record
                resident = Resident(
                    pk=record["pk"],
                    household_id=household_id,
                    **{field: record[field] for field in self.member_fields},
                )
                for attribute in member.changed:
                    setattr(resident, attribute, values[attribute])
                updated.append((resident, record))
        fields = ("household", *self.member_fields)
        ids = bulk.insert(Resident, fields, created)
        Resident.objects.bulk_update(
            [resident for resident, _before in updated], list(self.member_fields), batch_size=BATCH
        )
        personal = Resident.personal_fields
        audit.log_bulk(
            Resident,
            [
                *(
                    (pk, dict(zip(fields, row, strict=True)), None)
                    for pk, row in zip(ids, created, strict=True)
                ),
                *(
                    (resident.pk, {f: getattr(resident, f) for f in personal}, before)
                    for resident, before in updated
                ),
            ],
            user=context.user,
            log_uuid=context.log_uuid,
        )


@dataclass(slots=True)
class HouseholdPlan:
    """What the file says about one household."""

    key: tuple[int, str]
    pk: int | None
    population: int | None
    first_row: int
    changed: bool


@dataclass(slots=True)
class MemberPlan:
    """A row naming a member: the member on record (None for a new one) and what changes."""

    row: Row
    record: dict | None
    changed: list[str]


RESOURCES: dict[str, type[RegistryResource]] = {
    resource.slug: resource
    for resource in (
        AreaResource,
        BuildingResource,
        HouseholdResource,
        UnitResource,
        FacilityResource,
        DepartmentResource,
        AssignmentResource,
    )
}


def get_resource(name: str) -> RegistryResource:
    return RESOURCES[name]()


def resource_for_model(model: type[models.Model]) -> RegistryResource | None:
    for resource in RESOURCES.values():
        if resource._meta.model is model:
            return resource()
    return None
