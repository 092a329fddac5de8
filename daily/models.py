"""Inspection rounds (巡查): what a round of a grid checks, set by admins per kind of grid, and
each round a worker makes, item by item."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.models import Orderable

from grid.models import Area
from grid.storage import private_storage


class Checklist(ClusterableModel):
    """What a round of a grid of one kind (residential or unit) checks."""

    grid_kind = models.CharField(
        _("grid kind"), max_length=16, choices=Area.Kind.choices, unique=True
    )
    name = models.CharField(_("name"), max_length=100)
    report_process = models.ForeignKey(
        "workflows.ProcessDefinition",
        verbose_name=_("report problems as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "The process a problem found on a round starts in one tap (a grid incident), "
            "its form filled in from the finding. Empty: problems are not reported from rounds."
        ),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("grid_kind"),
        FieldPanel("report_process"),
        InlinePanel("items", label=_("items"), min_num=1),
    ]

    class Meta:
        verbose_name = _("inspection checklist")
        verbose_name_plural = _("inspection checklists")
        ordering = ["grid_kind"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(Orderable):
    checklist = ParentalKey(Checklist, on_delete=models.CASCADE, related_name="items")
    label = models.CharField(_("item"), max_length=100)
    guidance = models.CharField(
        _("what to look at"),
        max_length=200,
        blank=True,
        help_text=_("Shown under the item on the worker's phone."),
    )

    panels = [FieldPanel("label"), FieldPanel("guidance")]

    class Meta(Orderable.Meta):
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.label


class InspectionQuerySet(models.QuerySet):
    def with_problem_count(self) -> "InspectionQuerySet":
        return self.annotate(
            problem_count=models.Count("findings", filter=models.Q(findings__problem=True))
        )


class Inspection(models.Model):
    """One round of a grid by one worker: open until they finish it."""

    grid = models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="inspections",
        limit_choices_to={"level": Area.Level.GRID},
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspected by"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    notes = models.TextField(_("general notes"), blank=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["grid", "-started_at"], name="inspection_grid_started")]

    def __str__(self) -> str:
        return f"{self.grid.name} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


class Finding(models.Model):
    """One checklist item of a round: fine, or a problem with a note and photos. The item's
    words are kept as they were, whatever the checklist says later."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="findings"
    )
    sort_order = models.PositiveSmallIntegerField(_("order"))
    item = models.CharField(_("item"), max_length=100)
    guidance = models.CharField(_("what to look at"), max_length=200, blank=True)
    problem = models.BooleanField(_("problem found"), default=False)
    note = models.TextField(_("note"), blank=True)
    # The process a problem was reported as (one per finding).
    process = models.OneToOneField(
        "workflows.ProcessInstance",
        verbose_name=_("reported as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="finding",
    )

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "sort_order"], name="finding_unique_in_inspection"
            )
        ]

    def __str__(self) -> str:
        return self.item


class RoundSave(models.Model):
    """A save of a round as the phone sent it, by the key its form carried: a save sent again
    (kept offline and resent, a double tap) is applied once, photos included."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="saves"
    )
    client_key = models.UUIDField(unique=True, editable=False)
    saved_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        verbose_name = _("save of a round")
        verbose_name_plural = _("saves of rounds")

    def __str__(self) -> str:
        return str(self.client_key)


class FindingPhoto(models.Model):
    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to="inspections/%Y/%m/", storage=private_storage)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.image.name


class Visit(models.Model):
    """A visit to a household or a unit, in the worker's diary of people's feelings (民情日志):
    whom they met, what was raised, how pressing it is, and whether it needs following up."""

    class Category(models.TextChoices):
        HARDSHIP = "hardship", _("Hardship in daily life")
        HEALTH = "health", _("Health and care")
        DISPUTE = "dispute", _("Dispute with neighbours or property management")
        ENVIRONMENT = "environment", _("Environment and facilities")
        SAFETY = "safety", _("Safety")
        POLICY = "policy", _("Question about a policy or service")
        SUGGESTION = "suggestion", _("Opinion or suggestion")
        NOTHING = "nothing", _("Nothing raised")

    class Mood(models.TextChoices):
        CALM = "calm", _("Calm")
        CONCERNED = "concerned", _("Concerned")
        URGENT = "urgent", _("Urgent")

    household = models.ForeignKey(
        "grid.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="visits",
    )
    unit = models.ForeignKey(
        "grid.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="visits",
    )
    # The grid of the household or unit when visited: what the diary is scoped and counted by.
    grid = models.ForeignKey(
        Area, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="visits"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    visited_on = models.DateField(_("visited on"), default=timezone.localdate)
    met = models.CharField(
        _("who was met"),
        max_length=100,
        help_text=_("How they stand to the household, for example 户主本人 or 户主的女儿."),
    )
    category = models.CharField(
        _("what was raised"), max_length=16, choices=Category.choices, default=Category.NOTHING
    )
    text = models.TextField(_("what they said"), blank=True)
    mood = models.CharField(_("urgency"), max_length=16, choices=Mood.choices, default=Mood.CALM)
    follow_up = models.BooleanField(_("needs following up"), default=False)
    followed_up_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    process = models.OneToOneField(
        "workflows.ProcessInstance",
        verbose_name=_("reported as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visit",
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    # Chosen by the phone with the form: a visit sent again (kept offline and resent, a
    # double tap) is stored once.
    client_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [
            models.Index(fields=["household", "-visited_on"], name="visit_household_date"),
            models.Index(fields=["grid", "-visited_on"], name="visit_grid_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(household__isnull=False, unit__isnull=True)
                | models.Q(household__isnull=True, unit__isnull=False),
                name="visit_of_a_household_or_a_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household or self.unit} {self.visited_on:%Y-%m-%d}"

    @property
    def open_follow_up(self) -> bool:
        return self.follow_up and self.followed_up_at is None and self.process_id is None
