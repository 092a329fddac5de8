"""The area tree: district, streets, communities and responsibility grids."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .. import geometry, validators

BOX_FIELDS = ("bbox_west", "bbox_south", "bbox_east", "bbox_north")


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
    # The boundary's box (geometry.boundary_box), kept with it: what locating a point filters on.
    bbox_west = models.FloatField(null=True, editable=False)
    bbox_south = models.FloatField(null=True, editable=False)
    bbox_east = models.FloatField(null=True, editable=False)
    bbox_north = models.FloatField(null=True, editable=False)
    # Of the whole subtree, kept by grid.counts: what pages, find-my-grid and the size rule read.
    building_count = models.PositiveIntegerField(_("buildings"), default=0, editable=False)
    household_count = models.PositiveIntegerField(_("households"), default=0, editable=False)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["bbox_south", "bbox_north"], name="area_bbox_latitudes"),
            models.Index(fields=["bbox_west", "bbox_east"], name="area_bbox_longitudes"),
        ]
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
        self.set_box()
        if kwargs.get("update_fields") is not None and "boundary" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], *BOX_FIELDS}
        super().save(*args, **kwargs)

    def set_box(self) -> None:
        box = geometry.boundary_box(self.boundary)
        for name, value in zip(BOX_FIELDS, box or (None,) * 4, strict=True):
            setattr(self, name, value)

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


def grid_field(related_name: str) -> "models.ForeignKey[Area, Area]":
    """The responsibility grid a register's record belongs to."""
    return models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name=related_name,
        limit_choices_to={"level": Area.Level.GRID},
    )
