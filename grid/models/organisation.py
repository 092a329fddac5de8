"""Departments, roles and who holds which role where."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..fields import PhoneField
from .areas import Area


class Department(models.Model):
    """A government functional department that works in the communities, or a street's own
    office (街道办事处), which works only within its street."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    phone = PhoneField(_("phone"), blank=True)
    street = models.OneToOneField(
        Area,
        verbose_name=_("street"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="office",
        limit_choices_to={"level": Area.Level.STREET},
        help_text=_(
            "Only for a street office: the street it is the office of. The street's officials "
            "who may define returns act for it without being assigned to it, and its returns "
            "and access list entries stay within the street."
        ),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.street_id and self.street.level != Area.Level.STREET:
            raise ValidationError({"street": _("Choose a street.")})

    def outside_street(self, areas: Iterable[Area]) -> list[str]:
        """Why a street office may not work in these areas: one refusal for each area outside
        its street. Any other department works anywhere."""
        street = self.street
        if street is None:
            return []
        return [
            _("%(area)s is not in %(street)s: %(office)s works only within its own street.")
            % {"area": area.name, "street": street.name, "office": self.name}
            for area in areas
            if not area.code.startswith(street.code)
        ]


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
