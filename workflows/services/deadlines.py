"""Deadlines of tasks, and escalation when they pass."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from grid.validators import code_at_level

from .. import selectors
from ..models import (
    ProcessEvent,
    ProcessInstance,
    StageTask,
    TaskDeadline,
)
from .notifications import notify, process_url


def process_deadlines(now: datetime.datetime | None = None) -> int:
    """Mark tasks past their deadline overdue, once, record it in the history and notify the
    stage's escalation role. Returns how many tasks became overdue."""
    now = now or timezone.now()
    overdue = StageTask.objects.filter(
        deadline__due_at__lt=now,
        deadline__overdue_at__isnull=True,
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
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
            escalate(process, task)
            count += 1
    return count


def escalate(process: ProcessInstance, task: StageTask) -> None:
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
