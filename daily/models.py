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

    panels = [
        FieldPanel("name"),
        FieldPanel("grid_kind"),
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
