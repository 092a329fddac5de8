"""Working a process over HTTP, as the people holding its roles would: found in their task
list, taken and decided on its task page."""

from django.test import Client
from viewflow.workflow.status import STATUS

from workflows.models import ProcessInstance, StageTask


def open_task(process: ProcessInstance) -> StageTask:
    return StageTask.objects.get(
        process=process, flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED]
    )


def task_url(task: StageTask, action: str) -> str:
    return f"/workflow/generic/{task.process_id}/{task.flow_task.name}/{task.pk}/{action}/"


def task_list(user) -> str:
    """The user's task list (the tasks in their inbox and those they may take), as HTML."""
    client = Client()
    client.force_login(user)
    response = client.get("/tasks/")
    assert response.status_code == 200
    return response.content.decode()


def listed(client: Client, task: StageTask, show: str) -> bool:
    """Whether the task list (`show`: "mine" or "waiting") has a row leading to the task."""
    page = client.get("/tasks/", {"show": show}).content.decode()
    return f'href="/workflow/generic/{task.process_id}/{task.flow_task.name}/{task.pk}/"' in page


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
        assert listed(client, task, "waiting"), f"{task.stage_name} is not waiting for {user}"
        assert client.post(task_url(task, "assign")).status_code == 302
    else:  # dispatched to them: in their inbox already
        assert task.owner_id == user.pk, f"{task.stage_name} was dispatched to someone else"
        assert listed(client, task, "mine"), f"{task.stage_name} is not in {user}'s inbox"
    page = client.get(task_url(task, "execute"))
    assert page.status_code == 200
    response = client.post(task_url(task, "execute"), {**data, **(files or {})})
    assert response.status_code == 302, response.content.decode()[:4000]
    return task


def decide(user, process: ProcessInstance, outcome: str, **fields) -> StageTask:
    data = {"decision-outcome": outcome, "decision-public_message": fields.pop("message", "")}
    data.update({f"decision-{k}": v for k, v in fields.items()})
    return act(user, process, data)
