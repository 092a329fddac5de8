"""Process definitions as designed in the admin (stages, effects, overseers) and their frozen
versions."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import DraftStateMixin, Orderable, Revision, RevisionMixin
from wagtail.search import index

from forms.models import FormDefinition
from grid.models import Area, Department, Role

LEVEL_CHOICES = Area.Level.choices


class ProcessDefinition(DraftStateMixin, RevisionMixin, index.Indexed, ClusterableModel):
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
        PLACE = (
            "place",
            _(
                "Where it happens: the address, building, area code or point (longitude, latitude) "
                "given in a field"
            ),
        )

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
    asks_verdict = models.BooleanField(
        _("ask the applicant's verdict"),
        default=False,
        help_text=_(
            "Once the process is approved, the tracking page asks the applicant whether it was "
            "resolved and how satisfied they are (1–5)."
        ),
    )
    reopen_stage = models.CharField(
        _("“not resolved” reopens at"),
        max_length=50,
        blank=True,
        help_text=_("The stage the process reopens at. Empty: a verdict never reopens it."),
    )
    reopen_days = models.PositiveSmallIntegerField(
        _("days to reopen"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("How many days after completion “not resolved” still reopens the process."),
    )

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        verbose_name = _("process definition")
        verbose_name_plural = _("process definitions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConditionOperator(models.TextChoices):
    EQUALS = "equals", _("is")
    NOT_EQUALS = "not_equals", _("is not")
    ONE_OF = "one_of", _("is one of")
    AT_LEAST = "at_least", _("is at least")
    AT_MOST = "at_most", _("is at most")
    EMPTY = "empty", _("is empty")
    NOT_EMPTY = "not_empty", _("is not empty")


def condition_fields() -> tuple[models.CharField, models.CharField, models.TextField]:
    """The three fields of a condition, the same on stages and effects."""
    return (
        models.CharField(
            _("runs only when the answer to"),
            max_length=255,
            blank=True,
            help_text=_(
                "Optional: the label of a field of the intake form or of a reviewer form before "
                "it. When the answer does not meet the condition, this is skipped."
            ),
        ),
        models.CharField(
            _("condition"), max_length=16, choices=ConditionOperator.choices, blank=True
        ),
        models.TextField(
            _("condition value"),
            blank=True,
            help_text=_(
                "One value per line for “is one of”; a number for “at least” and “at most”."
            ),
        ),
    )


class Stage(Orderable):
    """One step of a definition: who acts, with which form, which outcomes, by when."""

    class Actor(models.TextChoices):
        ROLE = "role", _("A role at a level of the process's area")
        DEPARTMENT = "department", _("A department")
        DEPARTMENT_FIELD = "department_field", _("The department named in a field")
        DISPATCHED = "dispatched", _("Whoever an earlier stage dispatched it to")
        COUNTERSIGN = "countersign", _("Several actors together (countersign)")

    class Rule(models.TextChoices):
        ALL = "all", _("all of them approve")
        ANY = "any", _("any one of them approves")
        AT_LEAST = "at_least", _("at least a number of them approve")

    class Rejection(models.TextChoices):
        VETO = "veto", _("one rejection rejects")
        VOTE = "vote", _("a rejection is one vote against")

    Operator = ConditionOperator

    class DeadlineUnit(models.TextChoices):
        HOURS = "hours", _("hours")
        WORKING_DAYS = "working_days", _("working days")

    definition = ParentalKey(ProcessDefinition, on_delete=models.CASCADE, related_name="stages")
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
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("When a department acts: which one."),
    )
    department_field = models.CharField(
        _("department field"),
        max_length=255,
        blank=True,
        help_text=_("When the department named in a field acts: the label of that intake field."),
    )
    dispatch_role = models.ForeignKey(
        Role,
        verbose_name=_("dispatches to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Dispatch (派单): on approving, this stage's actor chooses who handles the stage "
            "after it among the holders of this role, e.g. one of the grid workers."
        ),
    )
    dispatch_level = models.PositiveSmallIntegerField(
        _("dispatch level"),
        choices=LEVEL_CHOICES,
        null=True,
        blank=True,
        help_text=_(
            "The level of the areas, within the process's area, whose holders are offered."
        ),
    )
    dispatch_departments = models.BooleanField(
        _("may dispatch to a department"),
        default=False,
        help_text=_("The chosen department handles the stage after it."),
    )
    distinct_from = models.CharField(
        _("not by whoever decided"),
        max_length=50,
        blank=True,
        help_text=_(
            "Separation of duties: an earlier stage whose decider may not act on this one, "
            "e.g. the check is never made by whoever handled the case."
        ),
    )
    # The condition (workflows.conditions): when it does not hold, the stage is skipped.
    condition_field, condition_operator, condition_values = condition_fields()
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
    approve_to = models.CharField(
        _("approval goes to"),
        max_length=50,
        blank=True,
        help_text=_(
            "Empty: the next stage that applies. Or a later stage, or “end” to complete the "
            "process."
        ),
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
    countersign_rule = models.CharField(
        _("countersign completes when"),
        max_length=16,
        choices=Rule.choices,
        default=Rule.ALL,
        help_text=_("When several actors countersign: the stage's countersigners, below."),
    )
    countersign_count = models.PositiveSmallIntegerField(
        _("how many must approve"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("For “at least a number of them”."),
    )
    countersign_rejection = models.CharField(
        _("a countersigner's rejection"),
        max_length=8,
        choices=Rejection.choices,
        default=Rejection.VETO,
    )
    warning_percent = models.PositiveSmallIntegerField(
        _("warn at (percent of the deadline)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("Tell whoever has the task when this share of its time has passed, e.g. 75."),
    )
    escalation_reassigns = models.BooleanField(
        _("reassign up the ladder when overdue"),
        default=False,
        help_text=_(
            "At the deadline the task goes to the next role up the process's escalation ladder, "
            "with a new deadline; again at that deadline, up to the top of the ladder."
        ),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.name


def effect_choices() -> list[tuple[str, str]]:
    # The effects registry is filled once every app is ready, and imports these models.
    from ..effects import choices

    return choices()


class Effect(Orderable):
    """What happens when a process ends, from the generic effect library (workflows.effects)."""

    class When(models.TextChoices):
        APPROVED = "approved", _("when approved")
        REJECTED = "rejected", _("when rejected")
        ALWAYS = "always", _("whatever the outcome")

    definition = ParentalKey(ProcessDefinition, on_delete=models.CASCADE, related_name="effects")
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
        ProcessDefinition,
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
    # The condition (workflows.conditions): when it does not hold, the effect does not run.
    condition_field, condition_operator, condition_values = condition_fields()

    class Meta(Orderable.Meta):
        verbose_name = _("effect")
        verbose_name_plural = _("effects")

    def __str__(self) -> str:
        return self.kind


class Countersigner(Orderable):
    """One of the actors of a countersigning stage: a role at a level of the process's area, or
    a department. Each gets a task of their own; the stage's rule settles it."""

    definition = ParentalKey(
        ProcessDefinition, on_delete=models.CASCADE, related_name="countersigners"
    )
    stage = models.CharField(_("stage"), max_length=50, help_text=_("The countersigning stage."))
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
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Or a department, instead of a role."),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("countersigner")
        verbose_name_plural = _("countersigners")

    def __str__(self) -> str:
        return f"{self.stage}: {self.department or self.role}"


class EscalationRung(Orderable):
    """One rung of a definition's escalation ladder: the role, at a level of the process's
    area, that an overdue task of a reassigning stage goes to from the level below."""

    definition = ParentalKey(ProcessDefinition, on_delete=models.CASCADE, related_name="ladder")
    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="+"
    )
    role_level = models.PositiveSmallIntegerField(_("at the level of"), choices=LEVEL_CHOICES)

    class Meta(Orderable.Meta):
        verbose_name = _("escalation rung")
        verbose_name_plural = _("escalation ladder")

    def __str__(self) -> str:
        return f"{self.role} @ {self.get_role_level_display()}"


class Overseer(Orderable):
    """A role that sees every process of a definition at one level of the process's area (such
    as the director of the community a grid incident is in), without acting on it."""

    definition = ParentalKey(ProcessDefinition, on_delete=models.CASCADE, related_name="overseers")
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


class NoticeChannel(Orderable):
    """How the people of one kind of notice are told: in the app, by e-mail, by text message.
    Without a row, an event goes in the app and by e-mail, and the applicant's also by text
    message (sent only where the platform has a template for it)."""

    class Event(models.TextChoices):
        TASK_OFFERED = "task_offered", _("A task is offered")
        DEADLINE_WARNING = "deadline_warning", _("A task is due soon")
        TASK_ESCALATED = "task_escalated", _("An overdue task is passed up")
        APPLICANT_UPDATE = "applicant_update", _("The applicant hears of a decision")

    definition = ParentalKey(ProcessDefinition, on_delete=models.CASCADE, related_name="channels")
    event = models.CharField(_("notice"), max_length=32, choices=Event.choices)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)
    sms = models.BooleanField(
        _("by text message"),
        default=False,
        help_text=_(
            "To the work mobile of staff (their role assignment) or the phone the applicant gave."
        ),
    )

    class Meta(Orderable.Meta):
        # One row per notice is a rule of the definition (services.definition_problems), which
        # names the notice; a database constraint would stop the admin's form with field names.
        verbose_name = _("notice channel")
        verbose_name_plural = _("notice channels")

    def __str__(self) -> str:
        return str(self.get_event_display())


class ProcessVersion(models.Model):
    """A published definition, frozen: the Wagtail revision of the definition and the revisions
    of its forms at the moment of publishing. Processes run on the version they started on."""

    wagtail_reference_index_ignore = True

    definition = models.ForeignKey(
        ProcessDefinition,
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
