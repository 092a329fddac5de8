"""Volunteers: residents registered to help in a community."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..fields import IDNumberField, PhoneField
from .areas import Area


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
