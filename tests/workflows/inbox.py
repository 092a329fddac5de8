"""Working a process through the inbox over HTTP, as the people holding its roles would."""

from django.test import Client
from viewflow.workflow.status import STATUS

from workflows.models import ProcessInstance, StageTask


def open_task(process: ProcessInstance) -> StageTask:
    return StageTask.objects.get(
        process=process, flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED]
    )


def task_url(task: StageTask, action: str) -> str:
    return f"/workflow/generic/{task.process_id}/{task.flow_task.name}/{task.pk}/{action}/"


def act(user, process: ProcessInstance, data: dict, files: dict | None = None) -> StageTask:
    """Take the process's open task from `user`'s queue (or find it in their inbox, when it
    was dispatched to them) and submit `data` on its page; the page must accept it (a
    redirect), else the assertion shows its errors."""
    return act_on(user, open_task(process), data, files)


def act_on(user, task: StageTask, data: dict, files: dict | None = None) -> StageTask:
    """`act` on a given task of the process (one of several open at once, as in a
    countersign)."""
    client = Client()
    client.force_login(user)
    if task.owner_id is None:
        queue = client.get("/workflow/generic/queue/").content.decode()
        assert task.stage_name in queue, f"{task.stage_name} is not in {user}'s queue"
        assert client.post(task_url(task, "assign")).status_code == 302
    else:  # dispatched to them: in their inbox already
        assert task.owner_id == user.pk, f"{task.stage_name} was dispatched to someone else"
        inbox = client.get("/workflow/generic/inbox/").content.decode()
        assert task.stage_name in inbox, f"{task.stage_name} is not in {user}'s inbox"
    page = client.get(task_url(task, "execute"))
    assert page.status_code == 200
    response = client.post(task_url(task, "execute"), {**data, **(files or {})})
    assert response.status_code == 302, response.content.decode()[:4000]
    return task


def decide(user, process: ProcessInstance, outcome: str, **fields) -> StageTask:
    data = {"decision-outcome": outcome, "decision-public_message": fields.pop("message", "")}
    data.update({f"decision-{k}": v for k, v in fields.items()})
    return act(user, process, data)
