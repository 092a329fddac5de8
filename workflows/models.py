"""Configurable processes as data: a definition (a snippet with drafts and published versions),
its ordered stages and completion effects; the process and task records that extend Viewflow's
own tables; the history and notifications they produce.

The engine never reads a live definition while a process runs: a process is pinned to a
`WorkflowVersion`, the Wagtail revision frozen when the definition was published. The run-time
records are kept out of Wagtail's reference index: they hold no content that references pages or
snippets an editor would look up, and indexing them costs statements on every transition."""

from contextlib import contextmanager

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from viewflow.workflow.managers import TaskQuerySet
from viewflow.workflow.models import Process, Task
from wagtail.models import DraftStateMixin, Orderable, Revision, RevisionMixin
from wagtail.search import index

from forms.models import FormDefinition, Submission
from grid.models import Area, Department, Role

LEVEL_CHOICES = Area.Level.choices


class WorkflowDefinition(DraftStateMixin, RevisionMixin, index.Indexed, ClusterableModel):
    """An approval process designed in the admin: who starts it, where it runs, the stages it
    goes through and what happens at the end."""

    class Starter(models.TextChoices):
        ANYONE = "anyone", _("Anyone, without an account")
        SIGNED_IN = "signed_in", _("Signed-in users")
        ROLE = "role", _("Holders of a role")

    class AreaSource(models.TextChoices):
        CHOSEN = "chosen", _("Chosen by the applicant among areas of a level")
        APPLICANT = "applicant", _("The applicant's own area (from their role)")
        FIELD = "field", _("The area named in a field of the intake form")

    name = models.CharField(_("name"), max_length=200)
    key = models.SlugField(
        _("key"),
        max_length=80,
        unique=True,
        help_text=_("A short unique name in Latin letters, used in files and the Open311 API."),
    )
    description = models.TextField(_("description"), blank=True)
    intake_form = models.ForeignKey(
        FormDefinition,
        verbose_name=_("intake form"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("What the applicant fills in to start the process."),
    )
    starter = models.CharField(
        _("who may start it"), max_length=16, choices=Starter.choices, default=Starter.ANYONE
    )
    starter_role = models.ForeignKey(
        Role,
        verbose_name=_("starting role"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("When only holders of a role may start it."),
    )
    area_source = models.CharField(
        _("how the process finds its area"),
        max_length=16,
        choices=AreaSource.choices,
        default=AreaSource.FIELD,
    )
    area_level = models.PositiveSmallIntegerField(
        _("area level"),
        choices=LEVEL_CHOICES,
        default=Area.Level.COMMUNITY,
        help_text=_("The level of the area the process runs in."),
    )
    area_field = models.CharField(
        _("area field"),
        max_length=255,
        blank=True,
        help_text=_("When the area is named in the intake form: the label of that field."),
    )
    public_service = models.BooleanField(
        _("open to the public (Open311)"),
        default=False,
        help_text=_("List this process as a service that report apps may file requests to."),
    )

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        verbose_name = _("process definition")
        verbose_name_plural = _("process definitions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Stage(Orderable):
    """One step of a definition: who acts, with which form, which outcomes, by when."""

    class Actor(models.TextChoices):
        ROLE = "role", _("A role at a level of the process's area")
        DEPARTMENT_FIELD = "department_field", _("The department named in a field")

    class DeadlineUnit(models.TextChoices):
        HOURS = "hours", _("hours")
        WORKING_DAYS = "working_days", _("working days")

    definition = ParentalKey(WorkflowDefinition, on_delete=models.CASCADE, related_name="stages")
    key = models.SlugField(
        _("key"), max_length=50, help_text=_("Unique within the process; used in files.")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("Shown in the task inbox."))
    actor = models.CharField(
        _("who acts"), max_length=20, choices=Actor.choices, default=Actor.ROLE
    )
    role = models.ForeignKey(
        Role,
        verbose_name=_("role"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role_level = models.PositiveSmallIntegerField(
        _("at the level of"),
        choices=LEVEL_CHOICES,
        null=True,
        blank=True,
        help_text=_(
            "The role's holder on this level's area containing the process's area, e.g. the "
            "street official of the street that contains the community."
        ),
    )
    department_field = models.CharField(
        _("department field"),
        max_length=255,
        blank=True,
        help_text=_("When a department acts: the label of the intake field naming it."),
    )
    reviewer_form = models.ForeignKey(
        FormDefinition,
        verbose_name=_("reviewer form"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Optional: what the reviewer fills in; the answers are kept with the process."),
    )
    approve_label = models.CharField(
        _("approve button"),
        max_length=50,
        blank=True,
        help_text=_("What approving is called at this stage, e.g. Accept. Default: Approve."),
    )
    allow_reject = models.BooleanField(_("may reject"), default=True)
    allow_return = models.BooleanField(_("may return for revision"), default=True)
    return_to = models.CharField(
        _("returns go to"),
        max_length=50,
        blank=True,
        default="applicant",
        help_text=_("“applicant”, or the key of an earlier stage."),
    )
    allow_refer = models.BooleanField(
        _("may refer to a department"),
        default=False,
        help_text=_("The department answers and the process comes back to this stage."),
    )
    deadline = models.PositiveSmallIntegerField(
        _("deadline"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(999)],
    )
    deadline_unit = models.CharField(
        _("deadline unit"),
        max_length=16,
        choices=DeadlineUnit.choices,
        default=DeadlineUnit.WORKING_DAYS,
    )
    escalation_role = models.ForeignKey(
        Role,
        verbose_name=_("escalate to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Notified once when the deadline passes."),
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=LEVEL_CHOICES, null=True, blank=True
    )

    class Meta(Orderable.Meta):
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.name


def effect_choices() -> list[tuple[str, str]]:
    from .effects import choices

    return choices()


class Effect(Orderable):
    """What happens when a process ends, from the generic effect library (workflows.effects)."""

    class When(models.TextChoices):
        APPROVED = "approved", _("when approved")
        REJECTED = "rejected", _("when rejected")
        ALWAYS = "always", _("whatever the outcome")

    definition = ParentalKey(WorkflowDefinition, on_delete=models.CASCADE, related_name="effects")
    kind = models.CharField(_("effect"), max_length=40, choices=effect_choices)
    when = models.CharField(_("when"), max_length=16, choices=When.choices, default=When.APPROVED)
    role = models.ForeignKey(
        Role,
        verbose_name=_("role"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role_level = models.PositiveSmallIntegerField(
        _("at the level of"), choices=LEVEL_CHOICES, null=True, blank=True
    )
    notify_applicant = models.BooleanField(_("notify the applicant"), default=False)
    message = models.TextField(
        _("message"),
        blank=True,
        help_text=_("For notifications: {code}, {process}, {area} and {outcome} are filled in."),
    )
    followup = models.ForeignKey(
        WorkflowDefinition,
        verbose_name=_("follow-up process"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    field_map = models.JSONField(
        _("field mapping"),
        default=dict,
        blank=True,
        help_text=_("Which intake fields (by label) give the effect its inputs."),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("effect")
        verbose_name_plural = _("effects")

    def __str__(self) -> str:
        return self.kind


class Overseer(Orderable):
    """A role that sees every process of a definition at one level of the process's area (such
    as the director of the community a grid incident is in), without acting on it."""

    definition = ParentalKey(WorkflowDefinition, on_delete=models.CASCADE, related_name="overseers")
    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="+"
    )
    role_level = models.PositiveSmallIntegerField(
        _("at the level of"),
        choices=LEVEL_CHOICES,
        help_text=_(
            "The role's holder on this level's area containing the process's area, e.g. the "
            "director of the community a grid is in."
        ),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("overseer")
        verbose_name_plural = _("overseers")

    def __str__(self) -> str:
        return f"{self.role} @ {self.get_role_level_display()}"


class WorkflowVersion(models.Model):
    """A published definition, frozen: the Wagtail revision of the definition and the revisions
    of its forms at the moment of publishing. Processes run on the version they started on."""

    wagtail_reference_index_ignore = True

    definition = models.ForeignKey(
        WorkflowDefinition,
        verbose_name=_("process definition"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("version"))
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    form_revisions = models.JSONField(
        _("form revisions"), default=dict, help_text=_("Form definition pk → revision pk.")
    )
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("process version")
        verbose_name_plural = _("process versions")
        ordering = ["definition", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "number"], name="version_unique_number")
        ]

    def __str__(self) -> str:
        return _("%(name)s, version %(number)d") % {
            "name": self.definition.name,
            "number": self.number,
        }


class WorkflowProcess(Process):
    """One run of a definition version; Viewflow's process row is the system of record."""

    wagtail_reference_index_ignore = True

    class Outcome(models.TextChoices):
        OPEN = "", _("In progress")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Route(models.TextChoices):
        NEXT = "", _("next stage")
        APPLICANT = "applicant", _("back to the applicant")
        REFER = "refer", _("to a department")

    version = models.ForeignKey(
        WorkflowVersion,
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

    class Meta:
        verbose_name = _("process")
        verbose_name_plural = _("processes")

    def __str__(self) -> str:
        return f"{self.version.definition.name} {self.number}"

    @property
    def tracking_code(self) -> str:
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
        from .selectors import task_visibility

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

    @contextmanager
    def activation(self):
        """Viewflow's activation, with the task re-read under the process lock together with
        the process and what every transition reads of it (its version, area and intake), in
        one query instead of five. The area's boundary, which no transition reads, is left out."""
        with self.flow_task.flow_class.lock(self.process_id):
            self.refresh_from_db(
                from_queryset=StageTask.objects.select_related(
                    "process__workflowprocess__version",
                    "process__workflowprocess__area",
                    "process__workflowprocess__submission",
                ).defer("process__workflowprocess__area__boundary")
            )
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
    def overdue_at(self):
        deadline = getattr(self, "deadline", None)
        return deadline.overdue_at if deadline else None


class TaskDeadline(models.Model):
    """When a stage's task is due, and when it was found overdue; only tasks with a deadline
    have one, so overdue tasks are found in SQL."""

    task = models.OneToOneField(
        Task, primary_key=True, on_delete=models.CASCADE, related_name="deadline"
    )
    due_at = models.DateTimeField(_("due"), db_index=True)
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)

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

    class Outcome(models.TextChoices):
        NONE = "", "—"
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for revision")
        REFERRED = "referred", _("Referred to a department")

    process = models.ForeignKey(WorkflowProcess, on_delete=models.CASCADE, related_name="events")
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
    answers = models.ForeignKey(
        Submission,
        verbose_name=_("reviewer's answers"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("process event")
        verbose_name_plural = _("process events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.stage_name}"


class Notification(models.Model):
    """An in-app notification; the same text is emailed when the user has an address."""

    wagtail_reference_index_ignore = True

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workflow_notifications"
    )
    process = models.ForeignKey(
        WorkflowProcess, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
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


class PeriodicRun(models.Model):
    """One run of a periodic job (the deadline check), so that staff can see that it runs:
    a timer nobody watches fails silently."""

    wagtail_reference_index_ignore = True

    job = models.CharField(_("job"), max_length=50)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    handled = models.PositiveIntegerField(_("handled"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["job", "-started_at"], name="periodic_run_latest")]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"
