"""The applicant's verdict on a completed process, and reopening it when it was not resolved."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from .. import selectors
from ..models import ProcessEvent, ProcessInstance, StageTask, Verdict


@dataclass
class VerdictGiven:
    resolved: bool
    satisfaction: int
    comment: str = ""


def give_verdict(process: ProcessInstance, given: VerdictGiven) -> Verdict:
    """Keep the applicant's verdict, once per completion. "Not resolved", within the days the
    definition allows, reopens the process at the stage it names."""
    if not 1 <= given.satisfaction <= 5:
        raise ValidationError(_("Choose how satisfied you are, from 1 to 5."))
    with transaction.atomic(), process.flow_class.lock(process.pk):
        process.refresh_from_db()
        if not selectors.awaits_verdict(process):
            raise ValidationError(_("This application is not waiting for your verdict."))
        snapshot = selectors.snapshot(process.version)
        reopens = not given.resolved and may_reopen(process, snapshot, timezone.now())
        verdict = Verdict.objects.create(
            process=process,
            resolved=given.resolved,
            satisfaction=given.satisfaction,
            comment=given.comment.strip(),
            reopened=reopens,
        )
        ProcessEvent.objects.create(
            process=process,
            kind=ProcessEvent.Kind.VERDICT,
            comment=verdict_text(verdict),
        )
        if reopens:
            reopen(process, snapshot)
    return verdict


def verdict_text(verdict: Verdict) -> str:
    text = _("%(resolved)s; satisfaction %(satisfaction)d of 5.") % {
        "resolved": _("Resolved") if verdict.resolved else _("Not resolved"),
        "satisfaction": verdict.satisfaction,
    }
    return f"{text} {verdict.comment}".strip()


def may_reopen(
    process: ProcessInstance, snapshot: selectors.VersionSnapshot, now: datetime.datetime
) -> bool:
    definition = snapshot.definition
    if snapshot.stage_index(definition.reopen_stage) is None or process.finished is None:
        return False
    return now - process.finished <= datetime.timedelta(days=definition.reopen_days)


def reopen(process: ProcessInstance, snapshot: selectors.VersionSnapshot) -> None:
    """Back to the named stage, on Viewflow's own undo and revive: the end, the completion and
    the routing that led to it are undone, and that routing revived, which opens the stage's
    task as any routing does. Called under the process lock."""
    flow = process.flow_class
    undone = []
    for node in (flow.end, flow.finish, flow.route):
        task = (
            StageTask.objects.filter(process=process, flow_task=node, status=STATUS.DONE)
            .order_by("-pk")
            .first()
        )
        if task is None:
            raise ValidationError(_("This process cannot be reopened."))
        activation = node.activation_class(task)
        activation.undo()
        undone.append(task)
    process.refresh_from_db()
    process.outcome = ProcessInstance.Outcome.OPEN
    process.route = ProcessInstance.Route.NEXT
    # The named stage, or the first after it whose condition holds.
    process.stage_index = snapshot.first_applicable(
        snapshot.stage_index(snapshot.definition.reopen_stage) or 0,
        lambda: selectors.answers_so_far(process),
    )
    if process.stage_index >= len(snapshot.stages):
        raise ValidationError(_("This process cannot be reopened."))
    process.save(update_fields=["outcome", "route", "stage_index"])
    ProcessEvent.objects.create(
        process=process,
        kind=ProcessEvent.Kind.REOPENED,
        stage_name=snapshot.stages[process.stage_index].name,
    )
    route = undone[-1]
    route.refresh_from_db()
    # The revived routing opens the stage's task, whose people are told as for any new task.
    flow.route.activation_class(route).revive()
    opened = StageTask.objects.filter(
        process=process, flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED]
    ).first()
    if opened is None:  # the whole verdict is rolled back with it
        raise ValidationError(_("This process cannot be reopened."))
