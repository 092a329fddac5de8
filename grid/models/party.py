"""Party building (党建): the party organisations of the jurisdiction (a community's committee,
the branches of its grids) and their members, who are residents on the registers."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .areas import Area
from .registers import Resident


class PartyOrganisation(models.Model):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Party committee")
        GENERAL_BRANCH = "general_branch", _("General party branch")
        BRANCH = "branch", _("Party branch")

    name = models.CharField(_("name"), max_length=100, help_text=_("For example 第一网格党支部."))
    kind = models.CharField(
        pgettext_lazy("party organisation", "kind"), max_length=16, choices=Kind.choices
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="party_organisations",
        limit_choices_to={"level__gte": Area.Level.COMMUNITY},
        help_text=_("The community of a committee, the grid of a grid's branch."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("under"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        ordering = ["area__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="party_organisation_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PartyMember(models.Model):
    """A resident's membership of a party organisation; who they are is the register's."""

    class Duty(models.TextChoices):
        SECRETARY = "secretary", pgettext_lazy("party duty", "Secretary")
        DEPUTY = "deputy", pgettext_lazy("party duty", "Deputy secretary")
        COMMITTEE = "committee", pgettext_lazy("party duty", "Committee member")
        MEMBER = "member", pgettext_lazy("party duty", "Member")

    organisation = models.ForeignKey(
        PartyOrganisation,
        verbose_name=_("party organisation"),
        on_delete=models.CASCADE,
        related_name="members",
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="party"
    )
    duty = models.CharField(_("duty"), max_length=16, choices=Duty.choices, default=Duty.MEMBER)
    joined_on = models.DateField(_("joined the party on"), null=True, blank=True)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["organisation", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "resident"], name="party_member_once_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.resident}"
