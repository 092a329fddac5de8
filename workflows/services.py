"""Write-side rules of the process engine, called by the flow, the views, the admin, commands,
the public pages and the APIs alike. Nothing here knows a particular process: what differs
between processes is the data of their definitions."""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.activation import Activation
from viewflow.workflow.status import STATUS

from forms import selectors as form_selectors
from forms import services as form_services
from forms.builder import SubmissionForm, json_value
from forms.models import FormDefinition, Submission
from grid.models import Area, Department
from grid.validators import code_at_level, code_length

from . import calendar, selectors
from .models import (
    Effect,
    Notification,
    ProcessEvent,
    Stage,
    StageTask,
    TaskDeadline,
    WorkflowDefinition,
    WorkflowProcess,
    WorkflowVersion,
)

logger = logging.getLogger(__name__)
User = Account | AnonymousUser

APPROVE, REJECT, RETURN, REFER = "approve", "reject", "return", "refer"
OUTCOME_LABELS = {
    APPROVE: gettext_lazy("Approve"),
    REJECT: gettext_lazy("Reject"),
    RETURN: gettext_lazy("Return for revision"),
    REFER: gettext_lazy("Refer to a department"),
}
EVENT_OUTCOMES = {
    APPROVE: ProcessEvent.Outcome.APPROVED,
    REJECT: ProcessEvent.Outcome.REJECTED,
    RETURN: ProcessEvent.Outcome.RETURNED,
    REFER: ProcessEvent.Outcome.REFERRED,
}


class StartRefused(Exception):
    """A process cannot start from this submission; the message says why."""


# --- Definitions and versions -------------------------------------------------------------


def definition_problems(definition: WorkflowDefinition) -> list[str]:
    """What keeps a definition from being published: every rule in one place, for the admin,
    imports and tests."""
    problems: list[str] = []
    stages: list[Stage] = list(definition.stages.all())
    if not stages:
        problems.append(_("A process needs at least one stage."))
    keys = [stage.key for stage in stages]
    for key in {k for k in keys if keys.count(k) > 1}:
        problems.append(_("Two stages have the key “%(key)s”.") % {"key": key})
    if definition.starter == WorkflowDefinition.Starter.ROLE and not definition.starter_role_id:
        problems.append(_("Choose the role whose holders may start the process."))
    labels = intake_labels(definition.intake_form)
    if definition.area_source == WorkflowDefinition.AreaSource.FIELD and (
        definition.area_field not in labels
    ):
        problems.append(
            _("The intake form has no field “%(label)s” to take the area from.")
            % {"label": definition.area_field}
        )
    if definition.area_source == WorkflowDefinition.AreaSource.CHOSEN and not any(
        field.field_type == "area" and field.area_level == definition.area_level
        for field in definition.intake_form.fields.all()
    ):
        problems.append(
            _(
                "The intake form needs an area chooser of the process's level for applicants "
                "to choose."
            )
        )
    for index, stage in enumerate(stages):
        problems.extend(stage_problems(definition, stage, keys[:index], labels))
    for effect in definition.effects.all():
        from . import effects

        problems.extend(effects.problems(effect, labels))
    unpublished = [form.title for form in forms_of(definition) if not form.live]
    if unpublished:
        problems.append(
            _("Publish these forms first: %(forms)s.") % {"forms": ", ".join(unpublished)}
        )
    return problems


def stage_problems(
    definition: WorkflowDefinition, stage: Stage, earlier_keys: list[str], labels: set[str]
) -> list[str]:
    problems = []
    name = stage.name or stage.key
    if stage.actor == Stage.Actor.ROLE:
        if not stage.role_id or stage.role_level is None:
            problems.append(
                _("Stage “%(stage)s”: choose the role and its level.") % {"stage": name}
            )
        elif stage.role_level > definition.area_level:
            problems.append(
                _("Stage “%(stage)s”: the role's level is below the process's area.")
                % {"stage": name}
            )
    elif stage.department_field not in labels:
        problems.append(
            _("Stage “%(stage)s”: the intake form has no field “%(label)s”.")
            % {"stage": name, "label": stage.department_field}
        )
    if stage.allow_return and stage.return_to not in (selectors.APPLICANT, *earlier_keys):
        problems.append(
            _("Stage “%(stage)s”: returns must go to the applicant or to an earlier stage.")
            % {"stage": name}
        )
    if stage.escalation_role_id and stage.escalation_level is None:
        problems.append(
            _("Stage “%(stage)s”: choose the level of the escalation role.") % {"stage": name}
        )
    return problems


def intake_labels(form: FormDefinition) -> set[str]:
    return {field.label for field in form.fields.all()}


def forms_of(definition: WorkflowDefinition) -> list[FormDefinition]:
    forms = [definition.intake_form]
    forms.extend(stage.reviewer_form for stage in definition.stages.all() if stage.reviewer_form_id)
    return forms


def freeze_version(definition: WorkflowDefinition, user: Account | None) -> WorkflowVersion:
    """Publishing freezes a version: the definition's live revision and the live revisions of
    its forms (checked live by `definition_problems`). Called when Wagtail publishes."""
    last = definition.versions.order_by("-number").values_list("number", flat=True).first()
    return WorkflowVersion.objects.create(
        definition=definition,
        number=(last or 0) + 1,
        revision_id=definition.live_revision_id,
        form_revisions={str(form.pk): form.live_revision_id for form in forms_of(definition)},
        published_by=user if user is not None and user.is_authenticated else None,
    )


# --- Starting ---------------------------------------------------------------------------


def may_start(definition: WorkflowDefinition, user: User) -> bool:
    if definition.starter == WorkflowDefinition.Starter.ANYONE:
        return True
    if not user.is_authenticated:
        return False
    if definition.starter == WorkflowDefinition.Starter.SIGNED_IN or user.is_superuser:
        return True
    return user.assignments.filter(role_id=definition.starter_role_id).exists()


def resolve_area(snapshot: selectors.VersionSnapshot, submission: Submission, user: User) -> Area:
    definition = snapshot.definition
    level_length = code_length(definition.area_level)
    if definition.area_source == WorkflowDefinition.AreaSource.APPLICANT:
        codes = (
            user.assignments.filter(area__isnull=False).values_list("area__code", flat=True)
            if user.is_authenticated
            else []
        )
        code = next((c[:level_length] for c in codes if len(c) >= level_length), None)
    elif definition.area_source == WorkflowDefinition.AreaSource.CHOSEN:
        code = next(
            (
                value["code"]
                for value in submission.form_data.values()
                if isinstance(value, dict) and len(value.get("code", "")) == level_length
            ),
            None,
        )
    else:
        value = selectors.answer_by_label(submission, definition.area_field)
        text = value.get("code", "") if isinstance(value, dict) else str(value or "").strip()
        area = Area.objects.filter(level=definition.area_level).filter(code=text).first() or (
            Area.objects.filter(level=definition.area_level, name=text).first()
        )
        code = area.code if area else None
    area = selectors.area_for_code(code) if code else None
    if area is None:
        raise StartRefused(_("The process could not find its area from this submission."))
    return area


def start_problems(definition: WorkflowDefinition, form: SubmissionForm, user: User) -> list[str]:
    """Why a valid intake form could not start the process, before anything is stored."""
    version = selectors.open_version(definition)
    if version is None:
        return [_("This process is not open yet.")]
    snapshot = selectors.snapshot(version)
    if not may_start(snapshot.definition, user):
        return [_("Only some users may start this process: sign in with the right account.")]
    answered = form.answered()
    draft = Submission(
        form_data={spec.name: json_value(value) for spec, value in answered},
        fields_snapshot=[[s.name, s.label, s.type, s.personal] for s, _value in answered],
    )
    try:
        resolve_area(snapshot, draft, user)
    except StartRefused as refusal:
        return [str(refusal)]
    return []


def start_process(
    version: WorkflowVersion, submission: Submission, user: User | None = None
) -> WorkflowProcess:
    """Start a process of `version` from a stored intake submission."""
    from .flows import GenericFlow

    user = user or AnonymousUser()
    snapshot = selectors.snapshot(version)
    if not may_start(snapshot.definition, user):
        raise StartRefused(_("You may not start this process."))
    area = resolve_area(snapshot, submission, user)
    # One transaction: a process is never left without its history's first entry.
    with transaction.atomic():
        process = GenericFlow.start.run(
            version=version, submission=submission, user=user, area=area
        )
        scope_to_process(submission, process)
        ProcessEvent.objects.create(process=process, kind=ProcessEvent.Kind.SUBMITTED)
    return process


def scope_to_process(submission: Submission, process: WorkflowProcess) -> None:
    """A process's submissions (intake, revisions, reviewers' answers) are readable only within
    the process's jurisdiction, whether or not their form had an area field."""
    if submission.area_id != process.area_id or not submission.is_scoped:
        submission.area, submission.is_scoped = process.area, True
        submission.save(update_fields=["area", "is_scoped"])


def fill_new_process(
    activation: Activation,
    *,
    version: WorkflowVersion,
    submission: Submission,
    user: User,
    area: Area,
) -> WorkflowProcess:
    """The flow's start node: the process row Viewflow is about to save."""
    process = activation.process
    process.version = version
    process.submission = submission
    process.area = area
    process.applicant = user if user.is_authenticated else None
    return process


def start_for_submission(submission: Submission) -> WorkflowProcess | None:
    """Start the process attached to the page a submission came from, once. Safe to call
    again: a submission that already started its process returns that process."""
    existing = WorkflowProcess.objects.filter(submission=submission).first()
    if existing or submission.page_id is None:
        return existing
    page = submission.page.specific
    definition = getattr(page, "workflow", None)
    if definition is None:
        return None
    version = selectors.open_version(definition)
    if version is None:
        raise StartRefused(_("The process attached to this form has not been published."))
    return start_process(version, submission, submission.user or AnonymousUser())


# --- The flow's callbacks -----------------------------------------------------------------


def has_open_stage(activation: Activation) -> bool:
    process = activation.process
    return (
        not process.route and not process.outcome and selectors.current_stage(process) is not None
    )


def is_returned_to_applicant(activation: Activation) -> bool:
    return activation.process.route == WorkflowProcess.Route.APPLICANT


def is_referred(activation: Activation) -> bool:
    return activation.process.route == WorkflowProcess.Route.REFER


def stage_permission(process: WorkflowProcess, stage: Stage) -> str:
    if stage.actor == Stage.Actor.ROLE:
        role_key = selectors.snapshot(process.version).role_keys[stage.role_id]
        return selectors.queue_permission(
            role_key, code_at_level(process.area.code, stage.role_level)
        )
    department = selectors.department_named(
        selectors.answer_by_label(selectors.current_intake(process), stage.department_field)
    )
    if department is None:
        raise ValidationError(_("The intake names no known department for this stage."))
    return selectors.department_permission(department.key)


def mark_stage(task: StageTask, stage: Stage, name: str, *, with_deadline: bool) -> None:
    """Write the stage into the task before Viewflow saves it; the deadline, if any, is written
    once the task has its key (see `task_created`)."""
    task.data = {**(task.data or {}), "stage_key": stage.key, "stage_name": name}
    due = calendar.deadline(timezone.now(), stage.deadline, stage.deadline_unit)
    task.pending_due_at = due if with_deadline else None


def prepare_review_task(activation: Activation) -> str:
    stage = selectors.active_stage(activation.process)
    mark_stage(activation.task, stage, stage.name, with_deadline=True)
    return stage_permission(activation.process, stage)


def prepare_revision_task(activation: Activation) -> str:
    stage = selectors.active_stage(activation.process)
    name = _("Revision by the applicant (%(stage)s)") % {"stage": stage.name}
    mark_stage(activation.task, stage, name, with_deadline=False)
    return selectors.APPLICANT_PERMISSION


def prepare_referral_task(activation: Activation) -> str:
    stage = selectors.active_stage(activation.process)
    name = _("Answer for %(stage)s") % {"stage": stage.name}
    mark_stage(activation.task, stage, name, with_deadline=True)
    return selectors.department_permission(activation.process.referred_to.key)


def task_created(task: StageTask, process: WorkflowProcess) -> None:
    """A human task exists: keep its deadline and tell the people who may take it."""
    due = getattr(task, "pending_due_at", None)
    if due is not None:
        task.deadline = TaskDeadline.objects.create(task=task, due_at=due)
    notify_task_created(task, process)


def complete_process(activation: Activation) -> None:
    """The flow's last step: settle the outcome, run the effects, tell the applicant."""
    from . import effects

    process = activation.process
    # Not saved here: the end node that follows, in the same transaction, saves the process.
    process.outcome = process.outcome or WorkflowProcess.Outcome.APPROVED
    ProcessEvent.objects.create(
        process=process, kind=ProcessEvent.Kind.COMPLETED, outcome=process.outcome
    )
    # One message tells the applicant of the end: what the effects say to them (a designed
    # notification, their new account), else the engine's own notice.
    process.held_applicant_notices = []
    try:
        for effect in selectors.snapshot(process.version).effects:
            if effect.when in (Effect.When.ALWAYS, process.outcome):
                effects.run(effect, process)
    finally:
        held = process.__dict__.pop("held_applicant_notices")
    notify_applicant(
        process,
        " ".join(held)
        or _("Your application %(code)s is complete: %(outcome)s.")
        % {"code": process.tracking_code, "outcome": process.get_outcome_display()},
    )


# --- Decisions ----------------------------------------------------------------------------


@dataclass
class Decision:
    outcome: str
    comment: str = ""
    public_message: str = ""
    department: Department | None = None
    answers: SubmissionForm | None = None


def allowed_outcomes(stage: Stage) -> list[tuple[str, str]]:
    outcomes = [(APPROVE, stage.approve_label or str(OUTCOME_LABELS[APPROVE]))]
    for allowed, outcome in (
        (stage.allow_reject, REJECT),
        (stage.allow_return, RETURN),
        (stage.allow_refer, REFER),
    ):
        if allowed:
            outcomes.append((outcome, str(OUTCOME_LABELS[outcome])))
    return outcomes


def record_decision(activation: Activation, user: Account, decision: Decision) -> None:
    """Apply a reviewer's decision to the process; Viewflow's `execute` then routes it."""
    process: WorkflowProcess = activation.process
    snapshot = selectors.snapshot(process.version)
    stage = selectors.active_stage(process)
    if decision.outcome not in dict(allowed_outcomes(stage)):
        raise ValidationError(_("This stage does not allow that outcome."))
    if decision.outcome == REFER and decision.department is None:
        raise ValidationError(_("Choose the department to refer to."))
    answers = None
    if decision.answers is not None:
        answers = form_services.store_submission(decision.answers, user=user)
        scope_to_process(answers, process)
    process.route = WorkflowProcess.Route.NEXT
    if decision.outcome == APPROVE:
        process.stage_index += 1
    elif decision.outcome == REJECT:
        process.outcome = WorkflowProcess.Outcome.REJECTED
    elif decision.outcome == RETURN and stage.return_to == selectors.APPLICANT:
        process.route = WorkflowProcess.Route.APPLICANT
    elif decision.outcome == RETURN:
        process.stage_index = snapshot.stage_index(stage.return_to)
    else:
        process.route = WorkflowProcess.Route.REFER
        process.referred_to = decision.department
    process.save(update_fields=["route", "stage_index", "outcome", "referred_to"])
    ProcessEvent.objects.create(
        process=process,
        kind=ProcessEvent.Kind.DECIDED,
        stage_name=stage.name,
        actor=user,
        outcome=EVENT_OUTCOMES[decision.outcome],
        comment=decision.comment,
        public_message=decision.public_message,
        answers=answers,
        department=decision.department,
    )
    if decision.outcome != APPROVE or process.stage_index < len(snapshot.stages):
        notify_applicant(
            process,
            _("%(stage)s on your application %(code)s: %(outcome)s.")
            % {
                "stage": stage.name,
                "code": process.tracking_code,
                "outcome": EVENT_OUTCOMES[decision.outcome].label,
            },
        )


def record_answer(activation: Activation, user: Account, answer: str) -> None:
    """A referred department's answer; the process returns to the stage that referred it."""
    process: WorkflowProcess = activation.process
    ProcessEvent.objects.create(
        process=process,
        kind=ProcessEvent.Kind.ANSWERED,
        stage_name=activation.task.stage_name,
        actor=user,
        comment=answer,
        department=process.referred_to,
    )
    process.route = WorkflowProcess.Route.NEXT
    process.save(update_fields=["route"])


def claim(task: StageTask, user: Account) -> None:
    """Take a task from the queue into one's inbox, with the inbox's permission check."""
    with task.activation() as activation:
        if not activation.task.flow_task.can_assign(user, activation.task):
            raise PermissionDenied(_("You may not take this task."))
        activation.assign(user)


def act_on_task(task: StageTask, user: Account, act) -> None:
    """Take a task and complete it from Python with `act(activation)`, under the process lock
    and with the same permission checks as the inbox (Viewflow's own transitions skip them)."""
    with task.activation() as activation:
        task = activation.task
        flow_task = task.flow_task
        if task.status == STATUS.NEW:
            if not flow_task.can_assign(user, task):
                raise PermissionDenied(_("You may not take this task."))
            activation.assign(user)
        if not flow_task.can_execute(user, task):
            raise PermissionDenied(_("This task belongs to someone else."))
        activation.start(None)
        act(activation)
        activation.execute()


def decide(task: StageTask, user: Account, decision: Decision) -> None:
    act_on_task(task, user, lambda activation: record_decision(activation, user, decision))


def answer_referral(task: StageTask, user: Account, answer: str) -> None:
    act_on_task(task, user, lambda activation: record_answer(activation, user, answer))


def resubmit(process: WorkflowProcess, form: SubmissionForm) -> Submission:
    """The applicant's revision, from the tracking page: store the new answers and send the
    process back to the stage that returned it."""
    task = StageTask.objects.filter(
        process=process, flow_task=process.flow_class.revise, status=STATUS.NEW
    ).first()
    if task is None:
        raise ValidationError(_("This application is not waiting for a revision."))
    with task.activation() as activation:
        if activation.task.status != STATUS.NEW:
            raise ValidationError(_("This application is not waiting for a revision."))
        locked = activation.process
        revised = form_services.store_submission(form, user=locked.applicant)
        scope_to_process(revised, locked)
        ProcessEvent.objects.create(
            process=locked,
            kind=ProcessEvent.Kind.RESUBMITTED,
            stage_name=activation.task.stage_name,
            actor=locked.applicant,
            answers=revised,
        )
        locked.route = WorkflowProcess.Route.NEXT
        locked.save(update_fields=["route"])
        activation.task.status = STATUS.ASSIGNED
        activation.start(None)
        activation.execute()
    return revised


# --- Deadlines ------------------------------------------------------------------------


def process_deadlines(now: datetime.datetime | None = None) -> int:
    """Mark tasks past their deadline overdue, once, record it in the history and notify the
    stage's escalation role. Returns how many tasks became overdue."""
    now = now or timezone.now()
    overdue = StageTask.objects.filter(
        deadline__due_at__lt=now,
        deadline__overdue_at__isnull=True,
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    ).select_related("process__workflowprocess__area", "process__workflowprocess__version")
    count = 0
    for task in overdue:
        with transaction.atomic():
            marked = TaskDeadline.objects.filter(task=task, overdue_at__isnull=True).update(
                overdue_at=now
            )
            if not marked:
                continue
            process = task.process.workflowprocess
            ProcessEvent.objects.create(
                process=process, kind=ProcessEvent.Kind.OVERDUE, stage_name=task.stage_name
            )
            escalate(process, task)
            count += 1
    return count


def escalate(process: WorkflowProcess, task: StageTask) -> None:
    stage = next(
        (s for s in selectors.snapshot(process.version).stages if s.key == task.stage_key), None
    )
    if stage is None or not stage.escalation_role_id:
        return
    role_key = selectors.snapshot(process.version).role_keys[stage.escalation_role_id]
    code = code_at_level(process.area.code, stage.escalation_level)
    text = _("Overdue: %(stage)s of %(number)s (%(area)s) has passed its deadline.") % {
        "stage": task.stage_name,
        "number": process.number,
        "area": process.area.name,
    }
    notify([a.user for a in selectors.holders(role_key, code)], text, process_url(process), process)


# --- Notifications ----------------------------------------------------------------------


def process_url(process: WorkflowProcess) -> str:
    return reverse("workflow:generic:process_detail", args=[process.pk])


def notify(
    users, text: str, url: str = "", process: WorkflowProcess | None = None, *, root: str = ""
) -> list[Notification]:
    """In-app notifications, and the same text by email to users with an address (sent after
    the commit, so a mail failure never undoes the decision that caused it). The email's link
    is `url` on `root` (scheme, host and port): the admin's base URL unless said otherwise."""
    users = list({user.pk: user for user in users}.values())
    notes = Notification.objects.bulk_create(
        Notification(user=user, text=text[:300], url=url, process=process) for user in users
    )
    addresses = [user.email for user in users if user.email]
    if addresses:
        link = (root or settings.WAGTAILADMIN_BASE_URL).rstrip("/") + url if url else ""
        transaction.on_commit(lambda: send_notification_email(text, link, addresses))
    return notes


def send_notification_email(text: str, link: str, addresses: list[str]) -> None:
    body = f"{text}\n\n{link}" if link else text
    try:
        # A header holds one line: a designed message may have several.
        subject = _("People's Grid: %(text)s") % {"text": " ".join(text.split())[:60]}
        send_mail(subject, body, None, addresses)
    except Exception:
        logger.exception("notification email failed for %d addresses", len(addresses))


def notify_task_created(task: StageTask, process: WorkflowProcess) -> None:
    """A new task lands in a queue: tell the people who may take it."""
    permission = task.owner_permission or ""
    if permission.startswith("workflows.queue:"):
        role_key, _at, code = permission.removeprefix("workflows.queue:").partition("@")
        users = [a.user for a in selectors.holders(role_key, code)]
    elif permission.startswith("workflows.department:"):
        department = Department.objects.get(key=permission.removeprefix("workflows.department:"))
        users = [a.user for a in selectors.department_clerks(department)]
    else:
        return
    text = _("New task: %(stage)s, %(number)s (%(area)s)") % {
        "stage": task.stage_name,
        "number": process.number,
        "area": process.area.name,
    }
    notify(users, text, process_url(process), process)


def notify_applicant(process: WorkflowProcess, text: str) -> None:
    """The applicant hears of every decision: in the app when signed in, by email when they
    gave an address, and always on the tracking page. The email links to the tracking page on
    the site they applied on, whoever's request (or worker) sends it. While the process
    completes, what effects tell the applicant is held and sent once (`complete_process`)."""
    held = getattr(process, "held_applicant_notices", None)
    if held is not None:
        held.append(text)
        return
    url = reverse("workflows:track", args=[process.tracking_code])
    root = form_selectors.site_root_url(process.submission)
    if process.applicant_id:
        notify([process.applicant], text, url, process, root=root)
    elif process.submission.email:
        address = process.submission.email
        transaction.on_commit(lambda: send_notification_email(text, root + url, [address]))
