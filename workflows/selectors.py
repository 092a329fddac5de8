"""Read-side rules of the process engine: what a version says, who acts, what a user may see."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account
from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS
from wagtail.models import Revision

from forms import selectors as form_selectors
from forms.builder import split_lines
from forms.models import FormDefinition, Submission
from grid import selectors as grid_selectors
from grid.models import Area, Assignment, Department, Role
from grid.prepared import PreparedRead
from sms import services as sms_services

from . import conditions, task_sources
from .models import (
    Countersigner,
    Effect,
    EscalationRung,
    NoticeChannel,
    Overseer,
    ProcessDefinition,
    ProcessEvent,
    ProcessInstance,
    ProcessVersion,
    Stage,
    StageTask,
)

User = Account | AnonymousUser

APPLICANT = "applicant"
# Where a stage's approval may send the process besides a later stage: to its completion.
END = "end"
# Nobody holds this: revisions are made through the tracking page, by whoever has the code.
APPLICANT_PERMISSION = "workflows.applicant"


def queue_permission(role_key: str, area_code: str) -> str:
    """The permission naming one role's queue at one area, such as
    `workflows.queue:street_official@340705001`."""
    return f"workflows.queue:{role_key}@{area_code}"


def department_permission(department_key: str) -> str:
    return f"workflows.department:{department_key}"


@dataclass
class VersionSnapshot:
    """A published version as it was frozen: the definition with its stages and effects, and
    the forms it uses, each as published at that moment."""

    version: ProcessVersion | None
    definition: ProcessDefinition
    stages: list[Stage]
    effects: list[Effect]
    overseers: list[Overseer] = field(default_factory=list)
    ladder: list[EscalationRung] = field(default_factory=list)
    countersigners: list[Countersigner] = field(default_factory=list)
    channels: list[NoticeChannel] = field(default_factory=list)
    forms: dict[int, FormDefinition] = field(default_factory=dict)
    role_keys: dict[int, str] = field(default_factory=dict)
    department_keys: dict[int, str] = field(default_factory=dict)

    @property
    def intake_form(self) -> FormDefinition:
        return self.forms[self.definition.intake_form_id]

    def reviewer_form(self, stage: Stage) -> FormDefinition | None:
        return self.forms.get(stage.reviewer_form_id) if stage.reviewer_form_id else None

    def signers(self, stage: Stage) -> list[Countersigner]:
        return [signer for signer in self.countersigners if signer.stage == stage.key]

    def stage(self, key: str) -> Stage | None:
        return next((stage for stage in self.stages if stage.key == key), None)

    def rung_above(self, level: int) -> EscalationRung | None:
        """The nearest rung of the escalation ladder above `level`."""
        above = [rung for rung in self.ladder if rung.role_level < level]
        return max(above, key=lambda rung: rung.role_level, default=None)

    def stage_index(self, key: str) -> int | None:
        return next((i for i, stage in enumerate(self.stages) if stage.key == key), None)

    def after_approval(self, index: int) -> int:
        """Where approving the stage at `index` leads, before conditions are weighed: the
        stage it names, the end, or the next one."""
        target = self.stages[index].approve_to
        if target == END:
            return len(self.stages)
        found = self.stage_index(target) if target else None
        return found if found is not None else index + 1

    def first_applicable(self, start: int, answers: Callable[[], dict[str, object]]) -> int:
        """The first stage from `start` whose condition holds (`len(stages)`: none is left).
        The answers are read only when a stage has a condition."""
        read: dict[str, object] | None = None
        for index in range(start, len(self.stages)):
            stage = self.stages[index]
            if stage.condition_field and read is None:
                read = answers()
            if conditions.holds(stage, read or {}):
                return index
        return len(self.stages)


# Versions never change once frozen, so their snapshots are kept for the life of the process.
# The key holds the publishing moment as well as the pk: a pk alone could be reused by a test
# database that rolls back.
_SNAPSHOTS: dict[tuple, VersionSnapshot] = {}
_SNAPSHOTS_MAX = 256


def snapshot(version: ProcessVersion) -> VersionSnapshot:
    """The frozen definition of a version."""
    key = (version.pk, version.revision_id, version.published_at)
    cached = _SNAPSHOTS.get(key)
    if cached is None:
        forms = [
            revision.as_object()
            for revision in Revision.objects.filter(pk__in=version.form_revisions.values())
        ]
        cached = build_snapshot(version.revision.as_object(), forms, version)
        if len(_SNAPSHOTS) >= _SNAPSHOTS_MAX:
            _SNAPSHOTS.clear()
        _SNAPSHOTS[key] = cached
    return cached


def build_snapshot(
    definition: ProcessDefinition,
    forms: list[FormDefinition],
    version: ProcessVersion | None,
    stages: list[Stage] | None = None,
) -> VersionSnapshot:
    """A definition with its children and forms as one snapshot: a frozen version's, or (no
    version) a definition being edited, for its diagram. `stages` in their edited order when
    they are not yet saved."""
    stages = list(definition.stages.all()) if stages is None else stages
    ladder = list(definition.ladder.all())
    countersigners = list(definition.countersigners.all())
    role_ids = {s.role_id for s in stages} | {s.escalation_role_id for s in stages}
    role_ids |= {rung.role_id for rung in ladder} | {c.role_id for c in countersigners}
    department_ids = {s.department_id for s in stages} - {None}
    department_ids |= {c.department_id for c in countersigners} - {None}
    return VersionSnapshot(
        version=version,
        definition=definition,
        stages=stages,
        effects=list(definition.effects.all()),
        overseers=list(definition.overseers.all()),
        ladder=ladder,
        countersigners=countersigners,
        channels=list(definition.channels.all()),
        forms={form.pk: form for form in forms},
        role_keys=dict(Role.objects.filter(pk__in=role_ids - {None}).values_list("pk", "key")),
        department_keys=dict(
            Department.objects.filter(pk__in=department_ids).values_list("pk", "key")
            if department_ids
            else []
        ),
    )


def latest_version(definition: ProcessDefinition) -> ProcessVersion | None:
    return definition.versions.select_related("revision").order_by("-number").first()


def open_version(definition: ProcessDefinition) -> ProcessVersion | None:
    """The version new processes start on; none while the definition is unpublished (running
    processes carry on on theirs)."""
    return latest_version(definition) if definition.live else None


def current_stage(process: ProcessInstance) -> Stage | None:
    stages = snapshot(process.version).stages
    return stages[process.stage_index] if process.stage_index < len(stages) else None


def completes(process: ProcessInstance) -> bool:
    """Whether routing ends the process now (the flow's `finish`): nothing sends it back or
    away, and it is decided or has passed its last stage."""
    return not process.route and (bool(process.outcome) or current_stage(process) is None)


def active_stage(process: ProcessInstance) -> Stage:
    """The stage a task of the process is for: there is one while any task is open."""
    stage = current_stage(process)
    if stage is None:
        raise ValueError(f"process {process.pk} has passed its last stage")
    return stage


def answer_by_label(submission: Submission, label: str) -> object:
    """An answer of a stored submission, found by the label it was submitted under."""
    for name, field_label, _type, _personal in submission.fields_snapshot:
        if field_label == label:
            return submission.form_data.get(name)
    return None


def labelled(submission: Submission) -> dict[str, object]:
    """A stored submission's answers by the labels they were submitted under."""
    return {
        label: submission.form_data.get(name)
        for name, label, _type, _personal in submission.fields_snapshot
    }


def answers_so_far(process: ProcessInstance, latest: Submission | None = None) -> dict:
    """Every answer given in the process by label, the later over the earlier: the intake
    (or its last revision), then the reviewers' forms in the order they were sent, then
    `latest`, a reviewer's answers not yet in the history."""
    answers = labelled(current_intake(process))
    decided = process.events.filter(
        kind=ProcessEvent.Kind.DECIDED, submission__isnull=False
    ).select_related("submission")
    for event in decided.order_by("at", "pk"):
        answers |= labelled(event.submission)
    return answers | (labelled(latest) if latest is not None else {})


def dispatches(stage: Stage) -> bool:
    """Whether approving the stage chooses who handles the stage after it (派单)."""
    return bool(stage.dispatch_role_id or stage.dispatch_departments)


def dispatch_choices(process: ProcessInstance, stage: Stage) -> list[tuple[str, str]]:
    """Whom the stage's actor may dispatch to: the holders of the stage's dispatch role on the
    areas of its level within the process's area ("赵磊 · 第一网格"), then the departments when
    the stage allows them. Values are `a<assignment>` and `d<department>`."""
    choices = []
    if stage.dispatch_role_id:
        holders = Assignment.objects.filter(
            role_id=stage.dispatch_role_id,
            area__level=stage.dispatch_level,
            area__code__startswith=process.area.code,
            user__is_active=True,
        ).order_by("area__code", "user__username")
        choices += [
            (f"a{pk}", f"{f'{first} {last}'.strip() or username} · {area_name}")
            for pk, first, last, username, area_name in holders.values_list(
                "pk", "user__first_name", "user__last_name", "user__username", "area__name"
            )
        ]
    if stage.dispatch_departments:
        choices += [(f"d{pk}", name) for pk, name in Department.objects.values_list("pk", "name")]
    return choices


def dispatch_target(value: str) -> Assignment | Department | None:
    """The assignment or department a dispatch choice's value (`a12`, `d3`) names; whether the
    stage offers it is the decision's own check (`services.dispatch`)."""
    kind, key = value[:1], value[1:]
    if not key.isdigit():
        return None
    if kind == "a":
        return Assignment.objects.filter(pk=key).first()
    return Department.objects.filter(pk=key).first() if kind == "d" else None


def barred_from(process: ProcessInstance, stage: Stage) -> list[int]:
    """Separation of duties: the users who decided the stage this one must be kept apart
    from, in this process."""
    if not stage.distinct_from:
        return []
    return list(
        Task.objects.filter(
            process=process,
            flow_task=process.flow_class.review,
            status=STATUS.DONE,
            owner__isnull=False,
            data__stage_key=stage.distinct_from,
        )
        .values_list("owner_id", flat=True)
        .distinct()
    )


def separation_refusal(user: User, task: Task) -> str | None:
    """Why the user may not take a task they otherwise could: they decided the stage it
    must be kept apart from."""
    data = task.data or {}
    if not user.is_authenticated or user.pk not in data.get("barred", []):
        return None
    return _(
        "You decided an earlier stage of this process, so someone else must take “%(stage)s”."
    ) % {"stage": data.get("stage_name", "")}


def current_intake(process: ProcessInstance) -> Submission:
    """The applicant's latest answers: the last revision if they revised, else the intake."""
    revised = (
        process.events.filter(kind=ProcessEvent.Kind.RESUBMITTED, submission__isnull=False)
        .select_related("submission")
        .order_by("-at", "-pk")
        .first()
    )
    return revised.submission if revised else process.submission


def department_named(value: object) -> Department | None:
    """A department from a form answer: its key or its name."""
    if not value:
        return None
    text = str(value).strip()
    return Department.objects.filter(Q(key=text) | Q(name=text)).first()


HOLDERS: PreparedRead[Assignment] = PreparedRead(
    lambda role_key, area_code: Assignment.objects.filter(
        role__key=role_key, area__code=area_code
    ).select_related("user"),
    "\x00role",
    "\x00area",
)


def holders(role_key: str, area_code: str) -> list[Assignment]:
    """Assignments of the role with `role_key` on the area with `area_code`, with their users
    (asked whenever a task is offered to a queue: a prepared read)."""
    return HOLDERS(role_key, area_code)


@dataclass(frozen=True)
class Channels:
    in_app: bool
    email: bool
    sms: bool


def channels(process: ProcessInstance, event: str) -> Channels:
    """How the process's definition (as its version froze it) tells people of `event`."""
    for row in snapshot(process.version).channels:
        if row.event == event:
            return Channels(row.in_app, row.email, row.sms)
    return Channels(True, True, event == NoticeChannel.Event.APPLICANT_UPDATE)


def work_mobiles(users) -> dict[int, str]:
    """Each user's work mobile: the first mobile number among the work phones of their role
    assignments (a landline takes no text messages)."""
    found: dict[int, str] = {}
    phones = (
        Assignment.objects.filter(user__in=users)
        .exclude(work_phone="")
        .order_by("pk")
        .values_list("user_id", "work_phone")
    )
    for user_id, phone in phones:
        if user_id not in found and sms_services.mobile(phone):
            found[user_id] = phone
    return found


def department_clerks(department: Department) -> QuerySet:
    return Assignment.objects.filter(department=department).select_related("user")


def open_tasks(user: User) -> QuerySet[StageTask]:
    """Human tasks the user owns or may take: Viewflow's own queue filter over the
    pseudo-permissions of grid assignments."""
    if not user.is_authenticated:
        return StageTask.objects.none()
    tasks = StageTask.objects.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED])
    mine = Q(owner=user) | Q(status=STATUS.NEW, owner__isnull=True)
    return tasks.user_queue(user).filter(mine)


def overdue(now) -> Q:
    """Open tasks past their deadline."""
    return Q(deadline__due_at__lt=now)


def due_soon(now) -> Q:
    """Open tasks warned of their deadline and not yet past it."""
    return Q(deadline__warned_at__isnull=False, deadline__due_at__gte=now)


def task_counts(user: User) -> dict[str, int]:
    """The user's open tasks as every screen counts them: `mine` are in their inbox (taken, or
    dispatched to them), `waiting` in the queues they may take from. The tasks of the
    registered sources (`task_sources`) are each open and in the user's inbox."""
    now = timezone.now()
    counts = open_tasks(user).aggregate(
        open=Count("pk"),
        mine=Count("pk", filter=Q(owner=user) if user.is_authenticated else Q(pk=None)),
        waiting=Count("pk", filter=Q(owner__isnull=True)),
        due_soon=Count("pk", filter=due_soon(now)),
        overdue=Count("pk", filter=overdue(now)),
    )
    if user.is_authenticated:
        for source in task_sources.task_sources():
            found = source.counts(user)
            counts["open"] += found.open
            counts["mine"] += found.open
            counts["due_soon"] += found.due_soon
            counts["overdue"] += found.overdue
    return counts


def process_visibility(user: User, prefix: str = "") -> Q:
    """Processes a user may see: those they work, not those of their area. Platform admins see
    all; others the processes they applied for, those with a task (open or past) they own or
    owned or that is or was offered to their role or department, and those their role oversees
    by the process's version."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if grid_selectors.jurisdiction_codes(user) is grid_selectors.EVERYWHERE:
        return Q()
    with_task = Task.objects.filter(
        Q(owner=user) | Q(owner_permission__in=user.get_all_permissions())
    ).values("process_id")
    return (
        Q(**{f"{prefix}applicant": user})
        | Q(**{f"{prefix}pk__in": with_task})
        | overseen(user, prefix)
    )


def overseen(user: User, prefix: str = "") -> Q:
    """Processes whose version names an overseer role the user holds on an area at the
    overseer's level that contains the process's area."""
    return reduce(
        or_,
        (
            Q(**{f"{prefix}version_id": version_id, f"{prefix}area__code__startswith": code})
            for version_id, code in overseen_places(user)
        ),
        Q(pk__in=[]),
    )


_OVERSEEN_ATTR = "_workflow_overseen_places"


def overseen_places(user: User) -> list[tuple[int, str]]:
    """(version, area code) pairs the user oversees, worked out once per request."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, _OVERSEEN_ATTR):
        held: dict[tuple[int, int], list[str]] = {}
        for role_id, level, code in Assignment.objects.filter(
            user=user, area__isnull=False
        ).values_list("role_id", "area__level", "area__code"):
            held.setdefault((role_id, level), []).append(code)
        places = [
            (version_id, code)
            for version_id, role_id, level in (version_overseers() if held else [])
            for code in held.get((role_id, level), [])
        ]
        setattr(user, _OVERSEEN_ATTR, places)
    return getattr(user, _OVERSEEN_ATTR)


def version_overseers() -> list[tuple[int, int, int]]:
    """(version, role, level) of every published version's overseers. Versions never change,
    so the list is kept in the cache (shared by app servers) until a version is added or
    removed, rather than read from every version's frozen revision on each request."""
    versions = ProcessVersion.objects.aggregate(count=Count("pk"), last=Max("pk"))
    key = f"workflows:version-overseers:{versions['count']}:{versions['last']}"
    found = cache.get(key)
    if found is None:
        found = [
            (version.pk, overseer.role_id, overseer.role_level)
            for version in ProcessVersion.objects.select_related("revision")
            for overseer in snapshot(version).overseers
        ]
        cache.set(key, found, timeout=None)
    return found


def visible_processes(user: User) -> QuerySet[ProcessInstance]:
    return ProcessInstance.objects.filter(process_visibility(user))


def task_visibility(user: User) -> Q:
    return process_visibility(user, prefix="process__processinstance__")


def may_view_process(user: User, process: ProcessInstance) -> bool:
    return visible_processes(user).filter(pk=process.pk).exists()


def intake_for(user: User, process: ProcessInstance) -> tuple[list[form_selectors.Answer], bool]:
    """The applicant's latest answers with their files (a photo of the problem), and whether
    personal data is among them in full: shown unmasked only to those who see who sent them
    (forms.selectors.sees_identity; a referred department never does)."""
    intake = current_intake(process)
    answers = form_selectors.answers(intake, form_selectors.submission_files(intake))
    unmasked = form_selectors.sees_identity(user, intake, process.area)
    shown = form_selectors.shown_answers(answers, unmasked)
    return shown, unmasked and form_selectors.shows_personal_data(answers)


def effect_texts(snapshot: VersionSnapshot) -> list[str]:
    from .effects import EFFECTS

    return [
        f"{EFFECTS[effect.kind].label} ({effect.get_when_display()})"
        for effect in snapshot.effects
        if effect.kind in EFFECTS
    ]


def timeline(process: ProcessInstance, user: User) -> list[ProcessEvent]:
    """The full history for staff, each decision with its reviewer's answers and each revision
    with the applicant's. To those who do not see who applied (forms.selectors.sees_identity,
    as for the intake) the applicant stays hidden there too: their name on what they sent,
    and personal answers masked."""
    unmasked = form_selectors.sees_identity(user, process.submission, process.area)
    from_applicant = (ProcessEvent.Kind.SUBMITTED, ProcessEvent.Kind.RESUBMITTED)
    events = list(
        process.events.select_related(
            "actor", "assignee", "submission__definition", "department"
        ).order_by("at", "pk")
    )
    for event in events:
        answers = form_selectors.answers(event.submission) if event.submission_id else []
        # A reviewer's answers follow their own form's seal; the applicant's, the intake's.
        shows = unmasked
        if event.submission_id and event.kind not in from_applicant:
            shows = form_selectors.sees_identity(user, event.submission, process.area)
        event.shown_answers = [
            (a.label, a.text) for a in form_selectors.shown_answers(answers, shows)
        ]
        event.shown_actor = event.actor if unmasked or event.kind not in from_applicant else None
    return events


@dataclass
class DiagramStage:
    key: str
    name: str
    actor_text: str
    outcomes_text: str
    return_text: str
    deadline_text: str
    condition_text: str = ""
    approve_text: str = ""
    dispatch_text: str = ""
    separation_text: str = ""


def countersign_text(
    stage: Stage,
    snapshot: VersionSnapshot,
    roles: dict[int, str],
    departments: dict[int, str],
    levels: Mapping[int, object],
) -> str:
    names = [
        departments.get(signer.department_id, "?")
        if signer.department_id
        else _("%(role)s of the %(level)s")
        % {"role": roles.get(signer.role_id, "?"), "level": levels.get(signer.role_level, "?")}
        for signer in snapshot.signers(stage)
    ]
    rule = stage.get_countersign_rule_display()
    if stage.countersign_rule == Stage.Rule.AT_LEAST:
        rule = _("at least %(count)d of them approve") % {"count": stage.countersign_count or 0}
    return _("Countersigned by %(names)s: done when %(rule)s; %(rejection)s") % {
        "names": "、".join(names),
        "rule": rule,
        "rejection": stage.get_countersign_rejection_display(),
    }


def condition_text(stage: Stage) -> str:
    if not stage.condition_field:
        return ""
    values = "、".join(split_lines(stage.condition_values))
    operator = stage.get_condition_operator_display()
    if stage.condition_operator in conditions.UNARY:
        values = ""
    return _("Only when “%(field)s” %(operator)s %(values)s") % {
        "field": stage.condition_field,
        "operator": operator,
        "values": values,
    }


def diagram(snapshot: VersionSnapshot) -> list[DiagramStage]:
    """The stages as an admin designed them: who acts, the outcomes, where returns go, by when."""
    from .services import allowed_outcomes

    role_ids = (
        {
            role_id
            for s in snapshot.stages
            for role_id in (s.role_id, s.escalation_role_id, s.dispatch_role_id)
        }
        | {rung.role_id for rung in snapshot.ladder}
        | {c.role_id for c in snapshot.countersigners}
    )
    roles = dict(Role.objects.filter(pk__in=role_ids - {None}).values_list("pk", "name"))
    departments = dict(
        Department.objects.filter(pk__in=snapshot.department_keys).values_list("pk", "name")
    )
    levels = dict(Area.Level.choices)
    names = {stage.key: stage.name for stage in snapshot.stages}
    result = []
    for stage in snapshot.stages:
        if stage.actor == Stage.Actor.ROLE:
            actor = _("%(role)s of the %(level)s") % {
                "role": roles.get(stage.role_id, "?"),
                "level": levels.get(stage.role_level, "?"),
            }
        elif stage.actor == Stage.Actor.DEPARTMENT:
            actor = departments.get(stage.department_id, "?")
        elif stage.actor == Stage.Actor.DISPATCHED:
            actor = _("Whoever it is dispatched to")
        elif stage.actor == Stage.Actor.COUNTERSIGN:
            actor = countersign_text(stage, snapshot, roles, departments, levels)
        else:
            actor = _("The department named in “%(field)s”") % {"field": stage.department_field}
        approve = ""
        if stage.approve_to == END:
            approve = _("approval completes the process")
        elif stage.approve_to:
            approve = _("approval goes to %(stage)s") % {"stage": names.get(stage.approve_to, "?")}
        dispatch = ""
        if stage.dispatch_role_id:
            dispatch = _("dispatches to a %(role)s of the %(level)s") % {
                "role": roles.get(stage.dispatch_role_id, "?"),
                "level": levels.get(stage.dispatch_level, "?"),
            }
        if stage.dispatch_departments:
            dispatch = (
                _("%(dispatch)s or a department") % {"dispatch": dispatch}
                if dispatch
                else _("dispatches to a department")
            )
        separation = ""
        if stage.distinct_from:
            separation = _("not by whoever decided %(stage)s") % {
                "stage": names.get(stage.distinct_from, "?")
            }
        returns = ""
        if stage.allow_return:
            returns = (
                _("returns to the applicant")
                if stage.return_to == APPLICANT
                else _("returns to %(stage)s") % {"stage": names.get(stage.return_to, "?")}
            )
        deadline = ""
        if stage.deadline:
            deadline = f"{stage.deadline} {stage.get_deadline_unit_display()}"
            if stage.warning_percent:
                deadline += " · " + _("warning at %(percent)d%%") % {
                    "percent": stage.warning_percent
                }
            if stage.escalation_role_id:
                deadline += " → " + _("escalates to %(role)s") % {
                    "role": roles.get(stage.escalation_role_id, "?")
                }
            if stage.escalation_reassigns:
                deadline += " → " + _("reassigned up the ladder: %(ladder)s") % {
                    "ladder": " › ".join(roles.get(rung.role_id, "?") for rung in snapshot.ladder)
                }
        result.append(
            DiagramStage(
                key=stage.key,
                name=stage.name,
                actor_text=actor,
                outcomes_text=" / ".join(label for _key, label in allowed_outcomes(stage)),
                return_text=returns,
                deadline_text=deadline,
                condition_text=condition_text(stage),
                approve_text=approve,
                dispatch_text=dispatch,
                separation_text=separation,
            )
        )
    return result


def public_timeline(process: ProcessInstance) -> QuerySet[ProcessEvent]:
    """What the applicant sees: every step, and effects only when they carry a message for them."""
    return (
        process.events.exclude(kind=ProcessEvent.Kind.EFFECT, public_message="")
        .only("at", "kind", "stage_name", "outcome", "public_message")
        .order_by("at", "pk")
    )


def awaits_verdict(process: ProcessInstance) -> bool:
    """Whether the tracking page asks the applicant's verdict: the definition asks it, the
    process was approved, and no verdict was given since it was last completed."""
    if not snapshot(process.version).definition.asks_verdict:
        return False
    if process.outcome != ProcessInstance.Outcome.APPROVED or process.finished is None:
        return False
    return not process.verdicts.filter(at__gte=process.finished).exists()


def process_by_code(code: str) -> ProcessInstance | None:
    return (
        ProcessInstance.objects.filter(submission__reference=code.strip().upper())
        .select_related("version__definition", "area", "submission")
        .first()
    )


AREA_BY_CODE: PreparedRead[Area] = PreparedRead(
    lambda code: Area.objects.defer("boundary").filter(code=code), "\x00code"
)


def area_for_code(code: str) -> Area | None:
    """The area with `code` (codes are unique), without its boundary: asked at every start."""
    found = AREA_BY_CODE(code)
    return found[0] if found else None


def submissions_waiting_for_a_process() -> list[Submission]:
    """Stored submissions from a page with a process attached that has not started."""
    return list(
        Submission.objects.filter(page__formpage__processpage__isnull=False, process__isnull=True)
        .select_related("page")
        .order_by("submit_time")
    )
