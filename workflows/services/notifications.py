"""Notifications to staff and the applicant, and links to processes."""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from forms import selectors as form_selectors
from grid.models import Department

from .. import selectors
from ..models import (
    Notification,
    ProcessInstance,
    StageTask,
)

logger = logging.getLogger(__name__)


def process_url(process: ProcessInstance) -> str:
    return reverse("workflow:generic:process_detail", args=[process.pk])


def notify(
    users,
    text: str,
    url: str = "",
    process: ProcessInstance | None = None,
    *,
    root: str = "",
    offered: bool = False,
) -> list[Notification]:
    """In-app notifications, and the same text by email to users with an address (sent after
    the commit, so a mail failure never undoes the decision that caused it). The email's link
    is `url` on `root` (scheme, host and port): the admin's base URL unless said otherwise.
    The link to a process goes only to those who may open it: a role told of an outcome or
    of an overdue task need not work the process, and reads the text alone. `offered`: the
    users are those a task of the process is offered to, who may open it by that task."""
    users = list({user.pk: user for user in users}.values())
    linked = {
        user.pk
        for user in users
        if url and (offered or process is None or selectors.may_view_process(user, process))
    }
    notes = Notification.objects.bulk_create(
        Notification(
            user=user, text=text[:300], url=url if user.pk in linked else "", process=process
        )
        for user in users
    )
    link = (root or settings.WAGTAILADMIN_BASE_URL).rstrip("/") + url if url else ""
    with_link = [user.email for user in users if user.email and user.pk in linked]
    without = [user.email for user in users if user.email and user.pk not in linked]
    for shown, addresses in ((link, with_link), ("", without)):
        if addresses:
            transaction.on_commit(partial(send_notification_email, text, shown, addresses))
    return notes


def send_notification_email(text: str, link: str, addresses: list[str]) -> None:
    body = f"{text}\n\n{link}" if link else text
    try:
        # A header holds one line: a designed message may have several.
        subject = _("People's Grid: %(text)s") % {"text": " ".join(text.split())[:60]}
        send_mail(subject, body, None, addresses)
    except Exception:
        logger.exception("notification email failed for %d addresses", len(addresses))


def task_people(task: StageTask) -> list:
    """Who has the task: its owner, or the people who may take it from its queue."""
    permission = task.owner_permission or ""
    if task.owner_id:
        return [task.owner]
    if permission.startswith("workflows.queue:"):
        role_key, _at, code = permission.removeprefix("workflows.queue:").partition("@")
        return [a.user for a in selectors.holders(role_key, code)]
    if permission.startswith("workflows.department:"):
        department = Department.objects.get(key=permission.removeprefix("workflows.department:"))
        return [a.user for a in selectors.department_clerks(department)]
    return []


def notify_task_created(task: StageTask, process: ProcessInstance) -> None:
    """A new task lands in a queue: tell the people who may take it."""
    users = task_people(task)
    if not users:
        return
    text = _("New task: %(stage)s, %(number)s (%(area)s)") % {
        "stage": task.stage_name,
        "number": process.number,
        "area": process.area.name,
    }
    notify(users, text, process_url(process), process, offered=True)


def notify_applicant(process: ProcessInstance, text: str) -> None:
    """The applicant hears of every decision: in the app when signed in, by email when they
    gave an address, and always on the tracking page. The email links to the tracking page on
    the site they applied on, whoever's request (or worker) sends it. While the process
    completes, what effects tell the applicant is held and sent once (`complete_process`)."""
    held = getattr(process, "held_applicant_notices", None)
    if held is not None:
        held.append(text)
        return
    if not (process.applicant_id or process.submission.email):
        return  # an anonymous applicant without an address reads the tracking page
    url = reverse("workflows:track", args=[process.reference])
    root = form_selectors.site_root_url(process.submission)
    if process.applicant_id:
        notify([process.applicant], text, url, process, root=root)
    else:
        address = process.submission.email
        transaction.on_commit(lambda: send_notification_email(text, root + url, [address]))
