"""The grid registry: the area tree, the registers hanging off it, and who holds which role."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from . import validators
from .fields import CreditCodeField, IDNumberField, PhoneField

# The permission to see people's ID numbers, phones and names unmasked.
PERSONAL_DATA_CODENAME = "view_personal_data"
PERSONAL_DATA_PERMISSION = f"grid.{PERSONAL_DATA_CODENAME}"


class AreaQuerySet(models.QuerySet):
    def grids(self) -> "AreaQuerySet":
        return self.filter(level=Area.Level.GRID)

    def within(self, area: "Area") -> "AreaQuerySet":
        """The area and everything below it: codes are prefixes of their descendants' codes."""
        return self.filter(code__startswith=area.code)


class Area(models.Model):
    class Level(models.IntegerChoices):
        DISTRICT = 0, _("District")
        STREET = 1, _("Street")
        COMMUNITY = 2, _("Community")
        GRID = 3, _("Responsibility grid")

    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential grid")
        UNIT = "unit", _("Unit grid")

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, editable=False)
    code = models.CharField(
        _("code"),
        max_length=15,
        unique=True,
        validators=[RegexValidator(r"^\d+$", _("A code is made of digits only."))],
        help_text=_(
            "District: its 6-digit administrative division code. Street, community and grid: "
            "the parent's code followed by 3 digits."
        ),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("grid kind"),
        max_length=16,
        choices=Kind.choices,
        blank=True,
        help_text=_(
            "Responsibility grids only: residential, or a unit grid for a large self-contained "
            "non-residential organisation."
        ),
    )
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        validators=[validators.validate_boundary],
        help_text=_("A GeoJSON Polygon or MultiPolygon in longitude/latitude (WGS 84)."),
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level=3) & ~Q(kind="")) | (~Q(level=3) & Q(kind="")),
                name="area_kind_only_on_grids",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs) -> None:
        self.level = self.parent.level + 1 if self.parent else self.Level.DISTRICT
        super().save(*args, **kwargs)

    @property
    def is_grid(self) -> bool:
        return self.level == self.Level.GRID

    def clean(self) -> None:
        self.level = self.parent.level + 1 if self.parent else self.Level.DISTRICT
        errors: dict[str, list] = {}
        if self.parent and self.parent.level >= self.Level.GRID:
            errors["parent"] = [_("A responsibility grid cannot contain other areas.")]
        elif self.code:
            try:
                validators.validate_area_code(self.code, self.parent.code if self.parent else None)
            except ValidationError as error:
                errors["code"] = error.messages
        if self.is_grid and not self.kind:
            errors["kind"] = [_("Choose whether this grid is residential or a unit grid.")]
        if not self.is_grid and self.kind:
            errors["kind"] = [_("Only responsibility grids have a kind.")]
        if errors:
            raise ValidationError(errors)


def grid_field(related_name: str) -> models.ForeignKey:
    """The responsibility grid a register's record belongs to."""
    return models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name=related_name,
        limit_choices_to={"level": Area.Level.GRID},
    )


class Building(models.Model):
    grid = grid_field("buildings")
    name = models.CharField(_("name"), max_length=100, help_text=_("For example 3号楼."))
    address = models.CharField(_("address"), max_length=200)
    floors = models.PositiveSmallIntegerField(
        _("floors"), validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    units = models.PositiveSmallIntegerField(
        _("entrances"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("The number of entrances (单元) of the building."),
    )

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["grid__code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "name"], name="building_unique_name_in_grid")
        ]

    def __str__(self) -> str:
        return self.name


class Household(ClusterableModel):
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="households"
    )
    door_number = models.CharField(
        _("door number"), max_length=32, help_text=_("Entrance and flat, for example 2-301.")
    )
    registered_population = models.PositiveSmallIntegerField(
        _("registered population"),
        default=0,
        validators=[MaxValueValidator(99)],
        help_text=_("People registered (户籍人口) at this address."),
    )

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        # Creation order follows entrance, floor and flat; text order would put 1-1001 before 1-101.
        ordering = ["building__grid__code", "building_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "door_number"], name="household_unique_door_in_building"
            )
        ]

    def __str__(self) -> str:
        return f"{self.building.name} {self.door_number}"


class Resident(models.Model):
    """A member of a household. Name, ID number and phone are personal data: scoped, masked
    in lists and audited (see grid.audit)."""

    class Relation(models.TextChoices):
        HOUSEHOLDER = "householder", _("Householder")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        GRANDPARENT = "grandparent", _("Grandparent")
        SIBLING = "sibling", _("Brother or sister")
        CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
        TENANT = "tenant", _("Tenant")
        OTHER = "other", _("Other")

    household = ParentalKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(_("full name"), max_length=50)
    id_number = IDNumberField(_("ID number"), unique=True, null=True, blank=True)
    phone = PhoneField(_("phone"), blank=True)
    relation = models.CharField(
        _("relation to householder"), max_length=16, choices=Relation.choices
    )

    personal_fields = ("name", "id_number", "phone")

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["household", "pk"]
        # Held by a role's group like any permission, and used only inside the areas the role
        # is held on (grid.selectors.can_see_personal_data).
        permissions = [(PERSONAL_DATA_CODENAME, _("Can see personal data in full"))]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Empty ID numbers are stored as NULL so that the uniqueness constraint ignores them.
        self.id_number = self.id_number or None


class Unit(models.Model):
    """An organisation in the jurisdiction (辖区单位)."""

    class Type(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        SCHOOL = "school", _("School")
        HOSPITAL = "hospital", _("Hospital")
        MARKET = "market", _("Market")
        GOVERNMENT = "government", _("Government office")
        NGO = "ngo", _("Social organisation (NGO)")
        PROPERTY = "property", _("Property management")
        CULTURE = "culture", _("Cultural or sports venue")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    unit_type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    credit_code = CreditCodeField(
        _("unified social credit code"), unique=True, null=True, blank=True
    )
    address = models.CharField(_("address"), max_length=200)
    phone = PhoneField(_("phone"), blank=True)
    grid = grid_field("units")

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["grid__code", "name"]
        # Imports match units by grid and name.
        indexes = [models.Index(fields=["grid", "name"], name="unit_grid_name_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.credit_code = self.credit_code or None


class Facility(models.Model):
    class Type(models.TextChoices):
        ROAD = "road", _("Road")
        PUBLIC_TOILET = "public_toilet", _("Public toilet")
        PARK = "park", _("Park or green space")
        SQUARE = "square", _("Square")
        SPORTS = "sports", _("Fitness facility")
        PARKING = "parking", _("Car park")
        BUS_STOP = "bus_stop", _("Bus stop")
        WASTE = "waste", _("Waste collection point")
        HYDRANT = "hydrant", _("Fire hydrant")
        STREETLIGHT = "streetlight", _("Street lights")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    facility_type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    grid = grid_field("facilities")
    location = models.CharField(_("location"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["grid__code", "name"]
        # Imports match facilities by grid and name.
        indexes = [models.Index(fields=["grid", "name"], name="facility_grid_name_idx")]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A government functional department that works in the communities."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    phone = PhoneField(_("phone"), blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    class Scope(models.TextChoices):
        AREA = "area", _("Held on an area")
        DEPARTMENT = "department", _("Held on a department")

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("held on"), max_length=16, choices=Scope.choices, default=Scope.AREA)
    level = models.PositiveSmallIntegerField(
        _("usual level"),
        choices=Area.Level.choices,
        null=True,
        blank=True,
        help_text=_("The level of area this role is normally held on."),
    )
    group = models.ForeignKey(
        Group,
        verbose_name=_("permissions group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="roles",
        help_text=_("Holders of this role get this group's permissions, within their areas."),
    )
    is_public = models.BooleanField(
        _("shown to the public"),
        default=False,
        help_text=_("Holders are listed as the people responsible for their area on public pages."),
    )
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["sort_order", "key"]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """A user holds a role on an area (or, for department clerks, on a department)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="assignments"
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    work_phone = PhoneField(
        _("work phone"),
        blank=True,
        help_text=_("A work number residents may call; never a private number."),
    )
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["role__sort_order", "area__code", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(area__isnull=False) & Q(department__isnull=True))
                | (Q(area__isnull=True) & Q(department__isnull=False)),
                name="assignment_on_area_xor_department",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "area"],
                condition=Q(area__isnull=False),
                name="assignment_unique_on_area",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "department"],
                condition=Q(department__isnull=False),
                name="assignment_unique_on_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.area or self.department}"

    def clean(self) -> None:
        if self.role_id is None:
            return
        if self.role.scope == Role.Scope.AREA and (self.area is None or self.department):
            raise ValidationError({"area": _("This role is held on an area: choose one.")})
        if self.role.scope == Role.Scope.DEPARTMENT and (self.department is None or self.area):
            raise ValidationError(
                {"department": _("This role is held on a department: choose one.")}
            )


class ImportJob(models.Model):
    """One import of a registry file: the uploaded file until it is imported, the dry run's and
    then the import's report, kept for the user who uploaded it. The import itself runs in
    grid.tasks, inline or in a worker."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking the file")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Importing")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Not imported")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
    )
    resource = models.CharField(_("register"), max_length=32)
    file = models.FileField(_("file"), upload_to="registry-imports/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    language = models.CharField(_("language"), max_length=16)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="importjob_user_created_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)


class ExportRecord(models.Model):
    """Who exported which register, how many rows and with which filters: the audit log's
    entry for the export is written against this record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="registry_exports",
    )
    resource = models.CharField(_("register"), max_length=32)
    file_format = models.CharField(_("format"), max_length=8)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("exported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("registry export")
        verbose_name_plural = _("registry exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.resource} ({self.rows})"


class Volunteer(models.Model):
    """A community volunteer, activated when the community approves their registration.
    Name, ID number and phone are personal data, like a resident's."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="volunteer",
    )
    community = models.ForeignKey(
        Area,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="volunteers",
        limit_choices_to={"level": Area.Level.COMMUNITY},
    )
    grid = models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grid_volunteers",
        limit_choices_to={"level": Area.Level.GRID},
    )
    name = models.CharField(_("full name"), max_length=50)
    id_number = IDNumberField(_("ID number"), unique=True, null=True, blank=True)
    phone = PhoneField(_("phone"))
    skills = models.TextField(_("skills"), blank=True)
    availability = models.CharField(_("hours available"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    personal_fields = ("name", "id_number", "phone")

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["community__code", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.id_number = self.id_number or None
