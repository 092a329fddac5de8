"""Decisions on tasks: approve, reject, return, refer, and the referred department's answer."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from viewflow.workflow.activation import Activation
from viewflow.workflow.status import STATUS

from forms import services as form_services
from forms.builder import SubmissionForm
from forms.models import Submission
from grid.models import Area, Assignment, Department

from .. import selectors
from ..models import (
    ProcessEvent,
    ProcessInstance,
    Stage,
    StageTask,
)
from .callbacks import write_step
from .notifications import notify_applicant
from .outcomes import APPROVE, EVENT_OUTCOMES, OUTCOME_LABELS, REFER, REJECT, RETURN, StartRefused
from .starting import draft_of, place_name, resolve_area, scope_to_process


@dataclass
class Decision:
    outcome: str
    comment: str = ""
    public_message: str = ""
    department: Department | None = None
    answers: SubmissionForm | None = None
    # At a stage that dispatches: who handles the stage after it.
    dispatch_to: Assignment | Department | None = None


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
    process: ProcessInstance = activation.process
    snapshot = selectors.snapshot(process.version)
    stage = selectors.active_stage(process)
    if decision.outcome not in dict(allowed_outcomes(stage)):
        raise ValidationError(_("This stage does not allow that outcome."))
    if decision.outcome == REFER and decision.department is None:
        raise ValidationError(_("Choose the department to refer to."))
    dispatching = decision.outcome == APPROVE and selectors.dispatches(stage)
    if dispatching:
        dispatch(process, stage, decision.dispatch_to)
    answers = store_answers(decision, user, process)
    process.route = ProcessInstance.Route.NEXT
    if decision.outcome == APPROVE:
        process.stage_index = snapshot.first_applicable(
            snapshot.after_approval(process.stage_index),
            lambda: selectors.answers_so_far(process, answers),
        )
    elif decision.outcome == REJECT:
        process.outcome = ProcessInstance.Outcome.REJECTED
    elif decision.outcome == RETURN and stage.return_to == selectors.APPLICANT:
        process.route = ProcessInstance.Route.APPLICANT
    elif decision.outcome == RETURN:
        process.stage_index = snapshot.stage_index(stage.return_to)
    else:
        process.route = ProcessInstance.Route.REFER
        process.referred_to = decision.department
    write_step(
        process,
        [
            "route",
            "stage_index",
            "outcome",
            "referred_to",
            "dispatched_to",
            "dispatched_department",
        ],
        decision_entry(
            process,
            stage,
            user,
            decision,
            answers,
            public_message=decision.public_message,
            department=process.dispatched_department if dispatching else decision.department,
            assignee=process.dispatched_to.user if dispatching and process.dispatched_to else None,
        ),
    )
    if decision.outcome != APPROVE or process.stage_index < len(snapshot.stages):
        outcome = EVENT_OUTCOMES[decision.outcome].label
        notify_applicant(
            process,
            _("%(stage)s on your application %(code)s: %(outcome)s.")
            % {"stage": stage.name, "code": process.reference, "outcome": outcome},
            status=format_lazy("{} {}", stage.name, outcome),
        )


def store_answers(decision: Decision, user: Account, process: ProcessInstance) -> Submission | None:
    """The reviewer's form sent with a decision, kept within the process's jurisdiction."""
    if decision.answers is None:
        return None
    answers = form_services.store_submission(decision.answers, user=user)
    scope_to_process(answers, process)
    return answers


def decision_entry(
    process: ProcessInstance,
    stage: Stage,
    user: Account,
    decision: Decision,
    answers: Submission | None,
    **extra,
) -> ProcessEvent:
    """A decision's entry in the history, with the answers sent with it (not yet written)."""
    return ProcessEvent(
        process=process,
        kind=ProcessEvent.Kind.DECIDED,
        stage_name=stage.name,
        actor=user,
        outcome=EVENT_OUTCOMES[decision.outcome],
        comment=decision.comment,
        submission=answers,
        **extra,
    )


def dispatch(
    process: ProcessInstance, stage: Stage, target: Assignment | Department | None
) -> None:
    """Record whom a dispatching stage chose; only someone the stage offers may be chosen."""
    offered = {value for value, _label in selectors.dispatch_choices(process, stage)}
    prefix = "a" if isinstance(target, Assignment) else "d"
    if target is None or f"{prefix}{target.pk}" not in offered:
        raise ValidationError(_("Choose whom to dispatch it to, among those offered."))
    if isinstance(target, Assignment):
        process.dispatched_to, process.dispatched_department = target, None
    else:
        process.dispatched_to, process.dispatched_department = None, target


def record_answer(activation: Activation, user: Account, answer: str) -> None:
    """A referred department's answer; the process returns to the stage that referred it."""
    process: ProcessInstance = activation.process
    ProcessEvent.objects.create(
        process=process,
        kind=ProcessEvent.Kind.ANSWERED,
        stage_name=activation.task.stage_name,
        actor=user,
        comment=answer,
        department=process.referred_to,
    )
    process.route = ProcessInstance.Route.NEXT
    process.save(update_fields=["route"])


def claim(task: StageTask, user: Account) -> None:
    """Take a task from the queue into one's inbox, with the inbox's permission check."""
    with task.activation() as activation:
        refuse_separated(user, activation.task)
        if not activation.task.flow_task.can_assign(user, activation.task):
            raise PermissionDenied(_("You may not take this task."))
        activation.assign(user)


def refuse_separated(user: Account, task: StageTask) -> None:
    refusal = selectors.separation_refusal(user, task)
    if refusal:
        raise PermissionDenied(refusal)


def act_on_task(task: StageTask, user: Account, act) -> None:
    """Take a task and complete it from Python with `act(activation)`, under the process lock
    and with the same permission checks as the inbox (Viewflow's own transitions skip them)."""
    with task.activation() as activation:
        task = activation.task
        flow_task = task.flow_task
        refuse_separated(user, task)
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


def revised_area(process: ProcessInstance, form: SubmissionForm) -> Area:
    """Where the process runs after a revision: the area the revised answers name (refused, with
    the reason, when they name none)."""
    snapshot = selectors.snapshot(process.version)
    try:
        return resolve_area(snapshot, draft_of(form), process.applicant or AnonymousUser())
    except StartRefused as refusal:
        raise ValidationError(str(refusal)) from refusal


def move(process: ProcessInstance, area: Area) -> None:
    """The process moves to another area: its next tasks go to that area's actors, and its
    intake is read within that area's jurisdiction."""
    ProcessEvent.objects.create(
        process=process,
        kind=ProcessEvent.Kind.MOVED,
        comment=_("From %(old)s to %(new)s.")
        % {"old": place_name(process.area), "new": place_name(area)},
    )
    process.area = area
    process.save(update_fields=["area"])
    scope_to_process(process.submission, process)


def resubmit(process: ProcessInstance, form: SubmissionForm) -> Submission:
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
        area = revised_area(locked, form)
        revised = form_services.store_submission(form, user=locked.applicant)
        if area != locked.area:
            move(locked, area)
        scope_to_process(revised, locked)
        ProcessEvent.objects.create(
            process=locked,
            kind=ProcessEvent.Kind.RESUBMITTED,
            stage_name=activation.task.stage_name,
            actor=locked.applicant,
            submission=revised,
        )
        locked.route = ProcessInstance.Route.NEXT
        locked.save(update_fields=["route"])
        activation.task.status = STATUS.ASSIGNED
        activation.start(None)
        activation.execute()
    return revised
