"""The summary rows the dashboards sum up the areas: what the registers hold on each area
(`AreaFigures`, `AreaTagCount`), and what happened there each day (`AreaDay`, `ProcessDay`).
Each row carries its area's code, so that a level's figures are one grouped query over the
rows whose code starts with the level's, however large the city. `refresh` writes them; an
area whose data changed waits in `Stale` until the worker refreshes it."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from grid.models import Area, Tag
from workflows.models import ProcessDefinition


class AreaFigures(models.Model):
    area = models.OneToOneField(Area, on_delete=models.CASCADE, related_name="figures")
    code = models.CharField(max_length=15, db_index=True)
    residents = models.PositiveIntegerField(default=0)
    residents_60_plus = models.PositiveIntegerField(default=0)
    units = models.PositiveIntegerField(default=0)
    workers = models.PositiveIntegerField(default=0)
    party_organisations = models.PositiveIntegerField(default=0)
    processes_open = models.PositiveIntegerField(default=0)
    processes_overdue = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        permissions = [("view_dashboard", _("Can see the dashboards"))]

    def __str__(self) -> str:
        return self.code


class AreaTagCount(models.Model):
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=15, db_index=True)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    households = models.PositiveIntegerField(default=0)
    residents = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "tag"], name="tag_count_once")]

    def __str__(self) -> str:
        return f"{self.code} {self.tag_id}"


class AreaDay(models.Model):
    """A grid's rounds and visits of one day; with `rollup`, the sum of a community's grids,
    which levels above the community read instead of every grid's rows."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=15)
    day = models.DateField()
    rollup = models.BooleanField(default=False)
    inspections = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "day", "rollup"], name="area_day_once")
        ]
        indexes = [models.Index(fields=["rollup", "day", "code"], name="area_day_day_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.day}"


# ProcessDay's counts: summed alike into rollups and dashboards.
PROCESS_COUNTS = (
    "started",
    "closed",
    "closed_on_time",
    "approved",
    "rejected",
    "verdicts",
    "satisfied",
    "satisfaction",
)


class ProcessDay(models.Model):
    """Processes of one definition at one area, by the day they started or closed; with
    `rollup`, the sum over a community and everything under it, which levels above the
    community read with the rows of areas above communities."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=15)
    level = models.PositiveSmallIntegerField()
    day = models.DateField()
    rollup = models.BooleanField(default=False)
    definition = models.ForeignKey(ProcessDefinition, on_delete=models.CASCADE, related_name="+")
    # The processes' category: their answer to the intake form's category field (see
    # dashboards.services.category_field), "" where it has none.
    category = models.CharField(max_length=255, blank=True, default="")
    started = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_on_time = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # Applicants' verdicts given that day: how many, how many satisfied (4 or 5 of 5), and the
    # sum of their satisfaction, for the average.
    verdicts = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    satisfaction = models.PositiveIntegerField(default=0)
    # Days each process closed that day took, for the median.
    close_days = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "day", "definition", "category", "rollup"],
                name="process_day_once",
            )
        ]
        indexes = [models.Index(fields=["rollup", "day", "code"], name="process_day_day_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.day} {self.definition_id}"


class Stale(models.Model):
    """An area whose summary rows wait to be refreshed."""

    area = models.OneToOneField(Area, on_delete=models.CASCADE, related_name="+")
    marked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.area_id)


class AppraisalWeights(models.Model):
    """How much each figure counts in a street's appraisal score (考核), set by the street."""

    street = models.OneToOneField(
        Area,
        verbose_name=_("street"),
        on_delete=models.CASCADE,
        related_name="appraisal_weights",
        limit_choices_to={"level": Area.Level.STREET},
    )
    rounds = models.PositiveSmallIntegerField(_("rounds made"), default=25)
    care = models.PositiveSmallIntegerField(_("care visits in time"), default=25)
    on_time = models.PositiveSmallIntegerField(_("tasks closed on time"), default=25)
    satisfaction = models.PositiveSmallIntegerField(_("residents satisfied"), default=15)
    returns = models.PositiveSmallIntegerField(_("returns filed on time"), default=10)

    class Meta:
        verbose_name = _("appraisal weights")
        verbose_name_plural = _("appraisal weights")

    def __str__(self) -> str:
        return str(self.street)
