"""The registers hanging off the grids: buildings, households and their members, units and
facilities, and the tags that mark households and residents who need care."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from ..fields import CreditCodeField, IDNumberField, PhoneField
from .areas import grid_field

# The permission to see people's ID numbers, phones and names unmasked.
PERSONAL_DATA_CODENAME = "view_personal_data"


PERSONAL_DATA_PERMISSION = f"grid.{PERSONAL_DATA_CODENAME}"


class Tag(models.Model):
    """A mark admins define for households and residents who need care or attention (独居老人,
    低保户, 党员…). A sensitive tag is personal data: grid.selectors.tags_shown."""

    class Colour(models.TextChoices):
        # Each readable on white and as white text on it (contrast at least 5.4:1).
        RED = "#b42318", _("Red")
        ORANGE = "#b54708", _("Orange")
        GREEN = "#067647", _("Green")
        BLUE = "#175cd3", _("Blue")
        PURPLE = "#6941c6", _("Purple")
        GREY = "#475467", _("Grey")

    name = models.CharField(_("name"), max_length=50, unique=True)
    short = models.CharField(
        _("mark"),
        max_length=2,
        help_text=_(
            "One or two characters drawn on the household status map instead of an icon, "
            "for example 独 or 残."
        ),
    )
    colour = models.CharField(_("colour"), max_length=7, choices=Colour.choices, default=Colour.RED)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_(
            "Shown in full only to those who may see personal data where the household is; to "
            "others it is not shown at all (not even that a hidden tag exists)."
        ),
    )
    visit_interval_days = models.PositiveSmallIntegerField(
        _("visit every (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_(
            "Households with this tag (or a member with it) are due a visit this often. "
            "Empty: no care list."
        ),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def css_class(self) -> str:
        """The class that gives the tag's colour (grid/static/grid/tags.css): pages under the
        public Content-Security-Policy may not set a style attribute."""
        return f"tag-{self.colour.removeprefix('#')}"


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


class KnownCountQuerySet(models.QuerySet):
    """A queryset whose row count may be told (from the areas' kept counts) rather than
    counted: a million households take a third of a second to count. A count, told or
    counted, is kept by this object (as its rows would be), never by the querysets filtered
    from it; the admin's list asks twice."""

    known_count: int | None = None

    def count(self) -> int:
        if self.known_count is None:
            self.known_count = super().count()
        return self.known_count


class Household(ClusterableModel):
    objects = KnownCountQuerySet.as_manager()
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
    tags = models.ManyToManyField(
        Tag, verbose_name=_("tags"), blank=True, related_name="households"
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
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="residents")

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
