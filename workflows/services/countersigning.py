"""Countersign (会签): a stage acted on by several actors at once. The flow splits into one
`sign` task per countersigner, joins when the stage's rule is settled (cancelling the tasks no
longer needed), and settles the stage."""

from django.contrib.auth.models import User as Account
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from viewflow.workflow.activation import Activation
from viewflow.workflow.status import STATUS

from grid.validators import code_at_level

from .. import countersign, selectors
from ..models import ProcessEvent, ProcessInstance, Stage, StageTask
from .callbacks import has_open_stage, mark_stage, write_step
from .decisions import Decision, act_on_task, decision_entry, store_answers
from .notifications import notify_applicant
from .outcomes import APPROVE, OUTCOME_LABELS, REJECT


def is_countersign_stage(activation: Activation) -> bool:
    if not has_open_stage(activation):
        return False
    return selectors.active_stage(activation.process).actor == Stage.Actor.COUNTERSIGN


def signer_tasks(activation: Activation) -> list[dict]:
    """The data of the split's tasks: one per countersigner, in this round (the split's task)."""
    process = activation.process
    stage = selectors.active_stage(process)
    signers = selectors.snapshot(process.version).signers(stage)
    return [{"signer": index, "round": activation.task.pk} for index in range(len(signers))]


def prepare_sign_task(activation: Activation) -> str:
    process = activation.process
    snapshot = selectors.snapshot(process.version)
    stage = selectors.active_stage(process)
    signer = snapshot.signers(stage)[activation.task.data["signer"]]
    mark_stage(activation.task, stage, stage.name, with_deadline=True)
    if signer.department_id:
        return selectors.department_permission(snapshot.department_keys[signer.department_id])
    return selectors.queue_permission(
        snapshot.role_keys[signer.role_id], code_at_level(process.area.code, signer.role_level)
    )


def sign_outcomes(stage: Stage) -> list[tuple[str, str]]:
    return [
        (APPROVE, stage.approve_label or str(OUTCOME_LABELS[APPROVE])),
        (REJECT, str(OUTCOME_LABELS[REJECT])),
    ]


def record_vote(activation: Activation, user: Account, decision: Decision) -> None:
    """One countersigner's vote, with their answers, kept on their task and in the history."""
    process: ProcessInstance = activation.process
    stage = selectors.active_stage(process)
    if decision.outcome not in (APPROVE, REJECT):
        raise ValidationError(_("This stage does not allow that outcome."))
    answers = store_answers(decision, user, process)
    task = activation.task
    task.data = {**task.data, "vote": decision.outcome}
    task.save(update_fields=["data"])
    decision_entry(process, stage, user, decision, answers).save()


def sign(task: StageTask, user: Account, decision: Decision) -> None:
    """A countersigner's vote on their own task of a countersigned stage."""
    act_on_task(task, user, lambda activation: record_vote(activation, user, decision))


def round_votes(process: ProcessInstance, round_pk: int) -> tuple[int, int, int]:
    """(countersigners, approvals, rejections) of one round."""
    tasks = StageTask.objects.filter(
        process=process, flow_task=process.flow_class.sign, data__round=round_pk
    ).values_list("status", "data")
    votes = [data.get("vote") for status, data in tasks if status == STATUS.DONE]
    return len(tasks), votes.count(APPROVE), votes.count(REJECT)


def countersign_settled(activation: Activation, active_tasks) -> bool:
    """The join's condition: the votes so far settle the stage, whatever the others say."""
    process = activation.process
    round_pk = activation.task.previous.values_list("data__round", flat=True).first()
    stage = selectors.active_stage(process)
    return countersign.settled(stage, *round_votes(process, round_pk)) is not None


def settle_countersign(activation: Activation) -> None:
    """The stage's outcome from the round's votes: on to the next stage, or rejected."""
    process: ProcessInstance = activation.process
    snapshot = selectors.snapshot(process.version)
    stage = selectors.active_stage(process)
    round_pk = (
        StageTask.objects.filter(process=process, flow_task=process.flow_class.countersign)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    total, approvals, rejections = round_votes(process, round_pk)
    result = countersign.settled(stage, total, approvals, rejections) or countersign.REJECTED
    process.route = ProcessInstance.Route.NEXT
    if result == countersign.APPROVED:
        process.stage_index = snapshot.first_applicable(
            snapshot.after_approval(process.stage_index),
            lambda: selectors.answers_so_far(process),
        )
        outcome = ProcessEvent.Outcome.APPROVED
    else:
        process.outcome = ProcessInstance.Outcome.REJECTED
        outcome = ProcessEvent.Outcome.REJECTED
    write_step(
        process,
        ["route", "stage_index", "outcome"],
        ProcessEvent(
            process=process,
            kind=ProcessEvent.Kind.COUNTERSIGNED,
            stage_name=stage.name,
            outcome=outcome,
            comment=countersign.summary(approvals, rejections, total),
        ),
    )
    if outcome == ProcessEvent.Outcome.REJECTED or process.stage_index < len(snapshot.stages):
        notify_applicant(
            process,
            _("%(stage)s on your application %(code)s: %(outcome)s.")
            % {"stage": stage.name, "code": process.reference, "outcome": outcome.label},
            status=format_lazy("{} {}", stage.name, outcome.label),
        )
