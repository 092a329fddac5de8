"""The registers read and written one row per record: areas, buildings, units, facilities,
departments and role assignments."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import geometry, selectors, services, validators
from ..models import (
    BOX_FIELDS,
    Area,
    Assignment,
    Building,
    Department,
    Facility,
    Role,
    Unit,
)
from ..widgets import (
    ChoiceWidget,
    GeoJSONWidget,
    KeyWidget,
    NullableTextWidget,
    NumberWidget,
    WholeNumberWidget,
)
from .engine import (
    BATCH,
    AreaIndex,
    Column,
    RegistryResource,
    Row,
    grid_code,
    resolve_grids,
)


class AreaResource(RegistryResource):
    slug = "areas"
    title = gettext_lazy("Areas")
    area_path = ""
    key = ("code",)
    stored = ("code", "name", "parent_id", "kind", "boundary", *BOX_FIELDS)
    record_models = (Area,)
    # Areas are few and name each other as parents: check them in one chunk.
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

    def written_under(self, context) -> None:
        return None  # the tree itself changed: every count and page

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
        if "boundary" in values:  # its box is stored with it, as Area.save does
            box = geometry.boundary_box(values["boundary"]) or (None,) * len(BOX_FIELDS)
            values.update(zip(BOX_FIELDS, box, strict=True))
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

    def written_under(self, context) -> None:
        return None  # departments are named everywhere


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

    def exported_to(self, queryset, user):
        return selectors.without_hidden_volunteers(queryset, user)

    def export_expressions(self) -> dict[str, Any]:
        return {
            "user": F("user__username"),
            "role": F("role__key"),
            "area": F("area__code"),
            "department": F("department__key"),
        }

    def resolve(self, rows, columns, context) -> None:
        usernames = {row.values["user"] for row in rows}
        # As in the assignment form: an account outside the importer's reach is no such user,
        # so that an import does not tell which usernames (volunteers' phones) exist.
        accounts = (
            get_user_model().objects.all()
            if context.user is None
            else selectors.assignable_accounts(context.user)
        )
        users = dict(accounts.filter(username__in=usernames).values_list("username", "pk"))
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
