"""Processes as they run: the process, its tasks and deadlines, its history and the
notifications it sends."""

from contextlib import contextmanager

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.managers import TaskQuerySet
from viewflow.workflow.models import Process, Task

from forms.models import Submission
from grid import bulk
from grid.models import Area, Assignment, Department
from grid.prepared import PreparedRead

from .definitions import ProcessVersion


class ProcessInstance(Process):
    """One run of a definition version; Viewflow's process row is the system of record."""

    wagtail_reference_index_ignore = True

    class Outcome(models.TextChoices):
        OPEN = "", _("In progress")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")

    class Route(models.TextChoices):
        NEXT = "", _("next stage")
        APPLICANT = "applicant", _("back to the applicant")
        REFER = "refer", _("to a department")

    version = models.ForeignKey(
        ProcessVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="processes",
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="processes"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submission = models.OneToOneField(
        Submission, verbose_name=_("intake"), on_delete=models.PROTECT, related_name="process"
    )
    stage_index = models.PositiveSmallIntegerField(_("stage"), default=0)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, blank=True, default=""
    )
    route = models.CharField(max_length=16, choices=Route.choices, blank=True, default="")
    referred_to = models.ForeignKey(
        Department,
        verbose_name=_("referred to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Whom the last dispatch chose: a role holder on an area, or a department. Stages handled
    # by "whoever was dispatched" go there, again after a return.
    dispatched_to = models.ForeignKey(
        Assignment,
        verbose_name=_("dispatched to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dispatched_department = models.ForeignKey(
        Department,
        verbose_name=_("dispatched to department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("process")
        verbose_name_plural = _("processes")

    def __str__(self) -> str:
        return f"{self.version.definition.name} {self.number}"

    @property
    def reference(self) -> str:
        """The applicant's key to their application (with it one reads and revises it): shown
        to the applicant and never on a staff screen."""
        return self.submission.reference

    @property
    def number(self) -> str:
        """The public number staff and the applicant both quote: tells nothing, opens nothing."""
        return _("No. %(number)s") % {"number": self.pk}


class StageTaskQuerySet(TaskQuerySet):
    def filter_available(self, flow_classes, user):
        """Viewflow's dashboards list the tasks of processes the user may see: those in their
        jurisdiction, and those they own or may take by their queue permissions."""
        # The selectors read these models: imported when Viewflow first asks.
        from ..selectors import task_visibility

        return super().filter_available(flow_classes, user).filter(task_visibility(user))


class StageTask(Task):
    """Viewflow's task as the engine reads it: which stage it belongs to (kept in the task's own
    data, so the inbox shows the stage's name) and its deadline, if the stage has one. A proxy:
    the dozen gateway and start tasks of a process cost no extra rows."""

    objects = StageTaskQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def save(self, *args, **kwargs) -> None:
        # A task stored once it has run (flows.StoredOnceRun) is linked to the one before it
        # when stored.
        arrived_from = self.__dict__.pop("arrived_from", None)
        super().save(*args, **kwargs)
        if arrived_from is not None:
            link = Task.previous.through(from_task_id=self.pk, to_task_id=arrived_from.pk)
            bulk.insert_objects([link])

    @contextmanager
    def activation(self):
        """Viewflow's activation, with the task re-read under the process lock together with
        the process and what every transition reads of it (its version, area and intake), in
        one prepared query instead of five. The area's boundary, which no transition reads, is
        left out."""
        with self.flow_task.flow_class.lock(self.process_id):
            (fresh,) = TRANSITION_READ(self.pk)
            # The task becomes the row just read, as `refresh_from_db` would make it.
            vars(self).clear()
            vars(self).update(vars(fresh))
            yield self.flow_task.activation_class(self)

    @property
    def stage_key(self) -> str:
        return (self.data or {}).get("stage_key", "")

    @property
    def stage_name(self) -> str:
        return (self.data or {}).get("stage_name", "")

    @property
    def title(self) -> str:
        return self.stage_name or super().title

    @property
    def due_at(self):
        deadline = getattr(self, "deadline", None)
        return deadline.due_at if deadline else None

    @property
    def warned_at(self):
        deadline = getattr(self, "deadline", None)
        return deadline.warned_at if deadline else None

    @property
    def overdue_at(self):
        deadline = getattr(self, "deadline", None)
        return deadline.overdue_at if deadline else None


TRANSITION_READ: PreparedRead[StageTask] = PreparedRead(
    lambda pk: (
        StageTask.objects.select_related(
            "process__processinstance__version",
            "process__processinstance__area",
            "process__processinstance__submission",
        )
        .defer("process__processinstance__area__boundary")
        .filter(pk=pk)
    ),
    -1,
)


class TaskDeadline(models.Model):
    """When a stage's task is due, and when it was found overdue; only tasks with a deadline
    have one, so overdue tasks are found in SQL."""

    task = models.OneToOneField(
        Task, primary_key=True, on_delete=models.CASCADE, related_name="deadline"
    )
    due_at = models.DateTimeField(_("due"), db_index=True)
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True, db_index=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("task deadline")
        verbose_name_plural = _("task deadlines")

    def __str__(self) -> str:
        return f"{self.task_id}: {self.due_at}"


class ProcessEvent(models.Model):
    """The history of a process: decisions, returns, referrals, deadlines and the end."""

    wagtail_reference_index_ignore = True

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        DECIDED = "decided", _("Decided")
        RESUBMITTED = "resubmitted", _("Revised and submitted again")
        ANSWERED = "answered", _("Department answered")
        OVERDUE = "overdue", _("Deadline passed")
        COMPLETED = "completed", _("Completed")
        EFFECT = "effect", _("Effect")
        WARNED = "warned", _("Deadline near")
        ESCALATED = "escalated", _("Escalated")
        COUNTERSIGNED = "countersigned", _("Countersign settled")
        MOVED = "moved", _("Moved to another area")
        VERDICT = "verdict", _("Applicant's verdict")
        REOPENED = "reopened", _("Reopened")
        WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")

    class Outcome(models.TextChoices):
        NONE = "", "—"
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for revision")
        REFERRED = "referred", _("Referred to a department")

    process = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=16, choices=Kind.choices)
    stage_name = models.CharField(_("stage"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, blank=True, default=""
    )
    comment = models.TextField(_("internal note"), blank=True)
    public_message = models.TextField(_("message to the applicant"), blank=True)
    # What was sent with the event: the reviewer's form of a decision, or the applicant's
    # answers again in a revision.
    submission = models.ForeignKey(
        Submission,
        verbose_name=_("answers sent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Whom a dispatch chose, when it chose a person.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dispatched to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("process event")
        verbose_name_plural = _("process events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.stage_name}"


class Verdict(models.Model):
    """What the applicant said of a completed process: resolved or not, and how satisfied."""

    wagtail_reference_index_ignore = True

    process = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="verdicts")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    resolved = models.BooleanField(_("resolved"))
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    reopened = models.BooleanField(_("reopened the process"), default=False)

    class Meta:
        verbose_name = _("verdict")
        verbose_name_plural = _("verdicts")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.process_id}: {self.satisfaction}/5"


class Notification(models.Model):
    """An in-app notification; the same text is emailed when the user has an address."""

    wagtail_reference_index_ignore = True

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workflow_notifications"
    )
    process = models.ForeignKey(
        ProcessInstance, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text
