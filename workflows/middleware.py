"""Friendly answers at /workflow/ for what Viewflow leaves to a bare 403 or 500: a visitor who
is not signed in, and two people acting on one task at once."""

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


class WorkflowMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(PREFIX) and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)

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
