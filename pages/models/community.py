"""Records of the community services kept beside the pages: volunteers signed up for
activities and the work access list."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grid.models import Area, Department

from .content import VolunteerActivityPage


class ActivitySignup(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Place confirmed")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    activity = models.ForeignKey(
        VolunteerActivityPage,
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="signups",
    )
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="activity_signups",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    hours = models.DecimalField(
        _("hours served"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)

    class Meta:
        verbose_name = _("activity sign-up")
        verbose_name_plural = _("activity sign-ups")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"], name="signup_once_per_activity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.activity} · {self.get_status_display()}"


class AccessListEntry(models.Model):
    """An approved piece of department work admitted into a community (社区工作准入清单).
    Created by `pages.services.publish_access_entry`, e.g. when an access request is approved."""

    community = models.ForeignKey(
        Area,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="access_entries",
        limit_choices_to={"level": Area.Level.COMMUNITY},
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="access_entries",
    )
    content = models.CharField(_("work admitted"), max_length=300)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reference = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        help_text=_("The approval this entry comes from, for example a process number."),
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("access list entry")
        verbose_name_plural = _("access list entries")
        ordering = ["community__code", "-starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"],
                condition=~models.Q(reference=""),
                name="access_entry_unique_reference",
            )
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.content}"

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = [_("The period must end on or after its first day.")]
        if self.community_id and self.community.level != Area.Level.COMMUNITY:
            errors["community"] = [_("Choose a community.")]
        elif self.community_id and self.department_id:
            # A street office's work is admitted only in its own street's communities.
            outside = self.department.outside_street([self.community])
            if outside:
                errors["community"] = outside
        if errors:
            raise ValidationError(errors)
