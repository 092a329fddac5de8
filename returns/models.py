"""A return (报表): a form a department asks the communities or grids of some areas to fill in
once per period, each community admitting it on its access list; and each area's filing."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from forms.models import FormDefinition, Submission
from grid.models import Area, Department, Tag
from pages.models import AccessListEntry


class Return(ClusterableModel):
    class Period(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        ONCE = "once", _("Once")

    FILING_LEVELS = [
        (Area.Level.COMMUNITY, Area.Level.COMMUNITY.label),
        (Area.Level.GRID, Area.Level.GRID.label),
    ]

    title = models.CharField(_("title"), max_length=200)
    department = models.ForeignKey(
        Department,
        verbose_name=_("asked by"),
        on_delete=models.PROTECT,
        related_name="returns",
    )
    form = models.ForeignKey(
        FormDefinition,
        verbose_name=_("form"),
        on_delete=models.PROTECT,
        related_name="returns",
        help_text=_("The form each area fills in; its number fields are summed up the areas."),
    )
    period = models.CharField(_("period"), max_length=16, choices=Period.choices)
    level = models.PositiveSmallIntegerField(
        _("filed by"), choices=FILING_LEVELS, default=Area.Level.COMMUNITY
    )
    areas = ParentalManyToManyField(
        Area,
        verbose_name=_("within"),
        related_name="+",
        help_text=_("Every community (or grid) of these areas files the return."),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    due_days = models.PositiveSmallIntegerField(
        _("due (days after the period)"),
        default=5,
        help_text=_("0: due on the period's last day."),
    )
    remind_days = models.PositiveSmallIntegerField(_("reminder (days before it is due)"), default=3)
    access_entries = ParentalManyToManyField(
        AccessListEntry,
        verbose_name=_("admitted by"),
        related_name="returns",
        help_text=_(
            "The entries of the community work access list that admit this return: one of "
            "the asking department for each community that files it, covering its dates."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-starts_on", "title"]

    def __str__(self) -> str:
        return self.title


def figure_choices():
    from .figures import choices  # the figures count models of apps that import this one

    return choices()


class Binding(Orderable):
    """A field of the return's form filled in from a figure the registers already know."""

    return_form = ParentalKey(Return, on_delete=models.CASCADE, related_name="bindings")
    field = models.CharField(
        _("field"), max_length=255, help_text=_("The label of a field of the form.")
    )
    figure = models.CharField(_("filled in with"), max_length=40, choices=figure_choices)
    tag = models.ForeignKey(
        Tag,
        verbose_name=_("tag"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For figures counting those with a tag."),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("pre-filled field")
        verbose_name_plural = _("pre-filled fields")

    def __str__(self) -> str:
        return self.field


class Filing(models.Model):
    """One area's answers to a return for one period: filed once, then amended by its filers
    until the period's due day or sent back for correction by the asking side."""

    class State(models.TextChoices):
        FILED = "filed", _("Filed")
        RETURNED = "returned", _("Sent back")
        REFILED = "refiled", _("Refiled")

    return_form = models.ForeignKey(
        Return, verbose_name=_("return"), on_delete=models.PROTECT, related_name="filings"
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="filings"
    )
    period_start = models.DateField(_("period"))
    submission = models.OneToOneField(
        Submission, verbose_name=_("answers"), on_delete=models.PROTECT, related_name="filing"
    )
    # What the registers said when it was filed, by field name: the filer's corrections are
    # the answers that differ.
    prefilled = models.JSONField(_("pre-filled"), default=dict, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("filed at"))
    late = models.BooleanField(_("late"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.FILED)
    # Raised by every change: a form or a send-back opened at another version is refused, so
    # that nobody acts on answers they have not seen.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("filing")
        verbose_name_plural = _("filings")
        ordering = ["return_form", "-period_start", "area__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["return_form", "area", "period_start"], name="filing_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.return_form} · {self.area} · {self.period_start}"


class FilingEvent(models.Model):
    """A filing's history after it was filed: each send-back with its reason, and each
    amendment or refiling with the answers it replaced."""

    class Kind(models.TextChoices):
        SENT_BACK = "sent_back", _("Sent back")
        AMENDED = "amended", _("Amended")
        REFILED = "refiled", _("Refiled")

    filing = models.ForeignKey(
        Filing, verbose_name=_("filing"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    reason = models.TextField(_("reason"), blank=True)
    # The answers before an amendment or refiling, by field name: the next version's (or the
    # filing's own) answers say what they became.
    answers = models.JSONField(_("previous answers"), default=dict, blank=True)

    class Meta:
        verbose_name = _("filing event")
        verbose_name_plural = _("filing events")
        ordering = ["filing", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.filing_id} · {self.at:%Y-%m-%d %H:%M}"


class Notice(models.Model):
    """A reminder or an overdue notice sent for an area's filing of one period: kept so that
    each is sent once, whichever server's job runs first."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        OVERDUE = "overdue", _("Overdue")

    return_form = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="notices")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["return_form", "area", "period_start", "kind"], name="notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.area_id} · {self.period_start}"
