"""What the generic flow calls at each of its nodes."""

from django.contrib.auth.models import User as Account
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.activation import Activation

from grid import bulk
from grid.validators import code_at_level

from .. import calendar, conditions, effects, selectors
from ..models import (
    Effect,
    ProcessEvent,
    ProcessInstance,
    Stage,
    StageTask,
    TaskDeadline,
)
from .notifications import notify_applicant, notify_task_created


def has_open_stage(activation: Activation) -> bool:
    process = activation.process
    return not process.route and not selectors.completes(process)


def is_returned_to_applicant(activation: Activation) -> bool:
    return activation.process.route == ProcessInstance.Route.APPLICANT


def is_referred(activation: Activation) -> bool:
    return activation.process.route == ProcessInstance.Route.REFER


def stage_permission(process: ProcessInstance, stage: Stage) -> str:
    snapshot = selectors.snapshot(process.version)
    if stage.actor == Stage.Actor.ROLE:
        return selectors.queue_permission(
            snapshot.role_keys[stage.role_id], code_at_level(process.area.code, stage.role_level)
        )
    if stage.actor == Stage.Actor.DEPARTMENT:
        return selectors.department_permission(snapshot.department_keys[stage.department_id])
    if stage.actor == Stage.Actor.DISPATCHED:
        if process.dispatched_department_id:
            return selectors.department_permission(process.dispatched_department.key)
        held = process.dispatched_to
        if held is None:
            raise ValidationError(_("Nobody has been dispatched to handle this stage."))
        # Dispatched to a person: theirs at once, and back in their area's queue if they
        # hand it back.
        return selectors.queue_permission(held.role.key, held.area.code)
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
    now = timezone.now()
    due = calendar.deadline(now, stage.deadline, stage.deadline_unit) if with_deadline else None
    task.pending_due_at = due
    task.pending_warn_at = calendar.warning_time(now, due, stage.warning_percent)


def prepare_review_task(activation: Activation) -> str:
    stage = selectors.active_stage(activation.process)
    mark_stage(activation.task, stage, stage.name, with_deadline=True)
    barred = selectors.barred_from(activation.process, stage)
    if barred:
        activation.task.data["barred"] = barred
    return stage_permission(activation.process, stage)


def stage_owner(activation: Activation) -> Account | None:
    """The person a stage handled by "whoever was dispatched" goes to directly, if a person
    was dispatched."""
    stage = selectors.active_stage(activation.process)
    held = activation.process.dispatched_to
    if stage.actor == Stage.Actor.DISPATCHED and held is not None:
        return held.user
    return None


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


def task_created(task: StageTask, process: ProcessInstance) -> None:
    """A human task exists: keep its deadline and tell the people who may take it."""
    due = getattr(task, "pending_due_at", None)
    if due is not None:
        task.deadline = TaskDeadline.objects.create(
            task=task, due_at=due, warn_at=getattr(task, "pending_warn_at", None)
        )
    notify_task_created(task, process)


def write_step(process: ProcessInstance, fields: list[str], entry: ProcessEvent) -> None:
    """Keep a step's change to the process and its entry in the history. When the step ends
    the process, both go with the completion that follows in the same transaction: the end
    node saves the whole process, and `complete_process` writes the entry with its own."""
    if selectors.completes(process):
        process.held_history = [entry]
        return
    process.save(update_fields=fields)
    bulk.insert_objects([entry])


def complete_process(activation: Activation) -> None:
    """The flow's last step: settle the outcome, run the effects, tell the applicant."""

    process = activation.process
    # Not saved here: the end node that follows, in the same transaction, saves the process.
    process.outcome = process.outcome or ProcessInstance.Outcome.APPROVED
    # One statement for the step that ended the process (`write_step`) and the completion.
    bulk.insert_objects(
        [
            *process.__dict__.pop("held_history", []),
            ProcessEvent(
                process=process, kind=ProcessEvent.Kind.COMPLETED, outcome=process.outcome
            ),
        ]
    )
    # One message tells the applicant of the end: what the effects say to them (a designed
    # notification, their new account), else the engine's own notice.
    process.held_applicant_notices = []
    try:
        answers: dict[str, object] | None = None
        for effect in selectors.snapshot(process.version).effects:
            if effect.when not in (Effect.When.ALWAYS, process.outcome):
                continue
            if effect.condition_field and answers is None:
                answers = selectors.answers_so_far(process)
            if conditions.holds(effect, answers or {}):
                effects.run(effect, process)
    finally:
        held = process.__dict__.pop("held_applicant_notices")
    notify_applicant(
        process,
        " ".join(held)
        or _("Your application %(code)s is complete: %(outcome)s.")
        % {"code": process.reference, "outcome": process.get_outcome_display()},
        status=ProcessInstance.Outcome(process.outcome).label,
    )
