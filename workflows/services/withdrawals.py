"""The applicant withdraws an application still being handled: its open tasks are cancelled
(Viewflow's own cancel, under the process lock), whoever had them is told, and the history
and Open311 say it was withdrawn, not decided."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.status import PROCESS, STATUS

from ..models import ProcessEvent, ProcessInstance, StageTask
from .notifications import notify, process_url, task_people


def withdraw(process: ProcessInstance, reason: str = "") -> None:
    """Withdraw `process` at its applicant's request; refused, with the reason, once it is
    closed or while someone is submitting a decision on it."""
    flow = process.flow_class.instance
    with flow.lock(process.pk):
        process.refresh_from_db()
        if process.status != PROCESS.NEW:
            raise ValidationError(_("This application is closed: it can no longer be withdrawn."))
        open_tasks = list(
            StageTask.objects.filter(
                process=process, flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED]
            ).select_related("owner")
        )
        told = {user.pk: user for task in open_tasks for user in task_people(task)}
        process.outcome = ProcessInstance.Outcome.WITHDRAWN
        try:
            flow.cancel(process)
        except FlowRuntimeError:
            raise ValidationError(
                _("Someone is deciding on your application right now: try again in a minute.")
            ) from None
        ProcessEvent.objects.create(
            process=process,
            kind=ProcessEvent.Kind.WITHDRAWN,
            stage_name=open_tasks[0].stage_name if open_tasks else "",
            comment=reason.strip()[:2000],
        )
    if told:
        text = _("Withdrawn by the applicant: %(number)s (%(area)s). Nothing more to do.") % {
            "number": process.number,
            "area": process.area.name,
        }
        notify(list(told.values()), text, process_url(process), process, may_open=True)
