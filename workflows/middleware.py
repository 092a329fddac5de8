"""Friendly answers at /workflow/ for what Viewflow leaves to a bare 403 or 500: a visitor who
is not signed in, and two people acting on one task at once. Viewflow's console (its
dashboards, inbox, queue, archive, lists and the generic flow's chart) is the platform admins'
alone: it shows the engine's nodes, not the work. Everyone else is taken to the task list,
and keeps Viewflow's pages of one process and one task, where the work is done."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.status import STATUS

from .models import StageTask

PREFIX = "/workflow/"
# Viewflow's URL names, at the site's and the flow's level, of its console.
CONSOLE = frozenset(
    {
        "index",
        "inbox",
        "queue",
        "archive",
        "process_list",
        "task_list",
        "chart",
        "process_cancel",
        "tasks_assign",
        "tasks_unassign",
    }
)


class WorkflowMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(PREFIX) and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            request.path.startswith(PREFIX)
            and len(match.namespaces) <= 2  # a node's pages (a task's) are a level deeper
            and match.url_name in CONSOLE
            and not request.user.is_superuser
        ):
            return redirect("workflows:tasks")
        return None

    def process_exception(self, request, exception):
        if not request.path.startswith(PREFIX):
            return None
        match = request.resolver_match
        task_pk = match.kwargs.get("task_pk") if match else None
        if task_pk is None:
            return None
        locked = isinstance(exception, FlowLockFailed) or (
            isinstance(exception, OperationalError) and "locked" in str(exception)
        )
        if not (locked or isinstance(exception, PermissionDenied)):
            return None
        task = StageTask.objects.filter(pk=task_pk).first()
        if task is None:
            return None
        if locked:
            messages.warning(
                request,
                _("Someone else is acting on this task right now. Look at it again in a moment."),
            )
        elif lost_race(request.user, task):
            messages.warning(
                request,
                _("Someone else has already taken or completed this task; nothing was changed."),
            )
        else:
            return None
        return redirect(
            request.resolver_match.flow_viewset.reverse("process_detail", args=[task.process_id])
        )


def lost_race(user, task: StageTask) -> bool:
    """The user could have acted on the task, but another person got there first."""
    may_act = user.is_superuser or (task.owner_permission or "") in user.get_all_permissions()
    taken = task.status in (STATUS.DONE, STATUS.CANCELED) or (
        task.owner_id is not None and task.owner_id != user.pk
    )
    return may_act and taken
