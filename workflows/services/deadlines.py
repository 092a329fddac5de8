"""Deadlines of tasks: a warning when a share of the time has passed, and at the deadline a
notification and, where the stage says so, the task sent up the escalation ladder."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from grid.models import Area
from grid.validators import code_at_level, level_of_code

from .. import calendar, selectors
from ..models import (
    EscalationRung,
    NoticeChannel,
    ProcessEvent,
    ProcessInstance,
    Stage,
    StageTask,
    TaskDeadline,
)
from .notifications import notify, notify_task_people, process_url, task_values

OPEN = [STATUS.NEW, STATUS.ASSIGNED]


def process_deadlines(now: datetime.datetime | None = None) -> int:
    """Warn of tasks near their deadline, and mark those past it overdue, each once, with an
    entry in the history; overdue tasks are escalated. Returns how many became overdue."""
    now = now or timezone.now()
    warn_of_deadlines(now)
    overdue = StageTask.objects.filter(
        deadline__due_at__lt=now, deadline__overdue_at__isnull=True, status__in=OPEN
    ).select_related("process__processinstance__area", "process__processinstance__version")
    count = 0
    for task in overdue:
        with transaction.atomic():
            marked = TaskDeadline.objects.filter(task=task, overdue_at__isnull=True).update(
                overdue_at=now
            )
            if not marked:
                continue
            process = task.process.processinstance
            ProcessEvent.objects.create(
                process=process, kind=ProcessEvent.Kind.OVERDUE, stage_name=task.stage_name
            )
            escalate(process, task, now)
            count += 1
    return count


def warn_of_deadlines(now: datetime.datetime) -> None:
    due_soon = StageTask.objects.filter(
        deadline__warn_at__lt=now,
        deadline__warned_at__isnull=True,
        deadline__due_at__gte=now,
        status__in=OPEN,
    ).select_related("process__processinstance__area", "owner")
    for task in due_soon:
        with transaction.atomic():
            if not TaskDeadline.objects.filter(task=task, warned_at__isnull=True).update(
                warned_at=now
            ):
                continue
            process = task.process.processinstance
            ProcessEvent.objects.create(
                process=process, kind=ProcessEvent.Kind.WARNED, stage_name=task.stage_name
            )
            due = timezone.localtime(task.deadline.due_at).strftime("%Y-%m-%d %H:%M")
            values = {**task_values(task, process), "due": due}
            text = _("Due soon: %(stage)s of %(number)s (%(area)s), by %(due)s.") % values
            notify_task_people(task, process, text, NoticeChannel.Event.DEADLINE_WARNING, values)


def escalate(process: ProcessInstance, task: StageTask, now: datetime.datetime) -> None:
    """Tell the stage's escalation role, and send a reassigning stage's task one rung up."""
    snapshot = selectors.snapshot(process.version)
    stage = snapshot.stage(task.stage_key)
    if stage is None:
        return
    values = task_values(task, process)
    text = _("Overdue: %(stage)s of %(number)s (%(area)s) has passed its deadline.") % values
    if stage.escalation_role_id:
        role_key = snapshot.role_keys[stage.escalation_role_id]
        code = code_at_level(process.area.code, stage.escalation_level)
        notify(
            [a.user for a in selectors.holders(role_key, code)],
            text,
            process_url(process),
            process,
            event=NoticeChannel.Event.TASK_ESCALATED,
            values=values,
        )
    if stage.escalation_reassigns:
        rung = snapshot.rung_above(task_level(task, process))
        if rung is not None:
            reassign(process, task, stage, rung, now)


def task_level(task: StageTask, process: ProcessInstance) -> int:
    """The level of the area whose people have the task now, read from its queue (where the
    stage's role acts, where a dispatch or an escalation sent it); a department's task is at
    the process's own level."""
    permission = task.owner_permission or ""
    if permission.startswith("workflows.queue:"):
        code = permission.rpartition("@")[2]
        return level_of_code(code)
    return process.area.level


def reassign(
    process: ProcessInstance,
    task: StageTask,
    stage: Stage,
    rung: EscalationRung,
    now: datetime.datetime,
) -> None:
    """The task leaves whoever had it for the rung's queue, with a new deadline for the stage's
    time, under the process lock."""
    snapshot = selectors.snapshot(process.version)
    code = code_at_level(process.area.code, rung.role_level)
    with process.flow_class.lock(process.pk):
        task.refresh_from_db()
        if task.status not in OPEN:
            return
        task.owner = None
        task.status = STATUS.NEW
        task.owner_permission = selectors.queue_permission(snapshot.role_keys[rung.role_id], code)
        task.save(update_fields=["owner", "status", "owner_permission"])
        due = calendar.deadline(now, stage.deadline, stage.deadline_unit)
        TaskDeadline.objects.filter(task=task).update(
            due_at=due,
            overdue_at=None,
            warn_at=calendar.warning_time(now, due, stage.warning_percent),
            warned_at=None,
        )
        area = Area.objects.filter(code=code).values_list("name", flat=True).first() or code
        ProcessEvent.objects.create(
            process=process,
            kind=ProcessEvent.Kind.ESCALATED,
            stage_name=task.stage_name,
            comment=_("Reassigned to %(role)s of %(area)s.")
            % {"role": rung.role.name, "area": area},
        )
        values = task_values(task, process)
        text = _("Escalated to you: %(stage)s of %(number)s (%(area)s) is overdue.") % values
        notify_task_people(task, process, text, NoticeChannel.Event.TASK_ESCALATED, values)
