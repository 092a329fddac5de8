"""Notifications to staff and the applicant, and links to processes."""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from forms import selectors as form_selectors
from grid import bulk
from grid.models import Department
from sms import services as sms_services

from .. import selectors
from ..models import (
    NoticeChannel,
    Notification,
    ProcessInstance,
    StageTask,
)

logger = logging.getLogger(__name__)

# Notices that are no process's event: in the app and by e-mail.
DEFAULT = selectors.Channels(in_app=True, email=True, sms=False)


def process_url(process: ProcessInstance) -> str:
    return reverse("workflow:generic:process_detail", args=[process.pk])


def notify(
    users,
    text: str,
    url: str = "",
    process: ProcessInstance | None = None,
    *,
    root: str = "",
    may_open: bool = False,
    event: str = "",
    values: dict[str, str] | None = None,
    channels: selectors.Channels | None = None,
) -> None:
    """In-app notifications, and the same text by email to users with an address (sent after
    the commit, so a mail failure never undoes the decision that caused it). The email's link
    is `url` on `root` (scheme, host and port): the admin's base URL unless said otherwise.
    The link to a process goes only to those who may open it: a role told of an outcome or
    of an overdue task need not work the process, and reads the text alone. `may_open`: the
    users may open `url` without that check: those a task of the process is (or was) offered
    to, by that task, and its applicant, whose link is the tracking page their code opens.
    `event` (a `NoticeChannel.Event`) lets the process's definition choose the channels
    (unless `channels` are given); its text message, to the users' work mobiles, carries
    `values`."""
    users = list({user.pk: user for user in users}.values())
    told = channels or (selectors.channels(process, event) if process and event else DEFAULT)
    linked = {
        user.pk
        for user in users
        if url and (may_open or process is None or selectors.may_view_process(user, process))
    }
    if told.in_app:
        bulk.insert_objects(
            [
                Notification(
                    user=user,
                    text=text[:300],
                    url=url if user.pk in linked else "",
                    process=process,
                )
                for user in users
            ]
        )
    if told.email:
        link = (root or settings.WAGTAILADMIN_BASE_URL).rstrip("/") + url if url else ""
        with_link = [user.email for user in users if user.email and user.pk in linked]
        without = [user.email for user in users if user.email and user.pk not in linked]
        for shown, addresses in ((link, with_link), ("", without)):
            if addresses:
                transaction.on_commit(partial(send_notification_email, text, shown, addresses))
    if told.sms and users:
        about = process.number if process else ""
        for phone in selectors.work_mobiles(users).values():
            text_message(phone, event, values or {}, about)


def text_message(phone: str, event: str, values: dict[str, str], about: str) -> None:
    """Queue a text message after the commit: what is decided stands whatever the SMS side does."""
    transaction.on_commit(
        partial(sms_services.send_sms, phone, event, values, about=about), robust=True
    )


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
    values = task_values(task, process)
    text = _("New task: %(stage)s, %(number)s (%(area)s)") % values
    notify_task_people(task, process, text, NoticeChannel.Event.TASK_OFFERED, values)


def task_values(task: StageTask, process: ProcessInstance) -> dict[str, str]:
    """What the notices of a task say of it, in their texts and text messages."""
    return {"number": process.number, "stage": task.stage_name, "area": process.area.name}


def notify_task_people(
    task: StageTask, process: ProcessInstance, text: str, event: str, values: dict[str, str]
) -> None:
    """Tell whoever has the task, or may take it, of `event`, by the definition's channels."""
    users = task_people(task)
    if users:
        notify(
            users,
            text,
            process_url(process),
            process,
            may_open=True,
            event=event,
            values=values,
        )


def notify_applicant(process: ProcessInstance, text: str, status: str | Promise = "") -> None:
    """The applicant hears of every decision: in the app when signed in, by email when they
    gave an address, by text message when they gave a phone, and always on the tracking page,
    as the definition's channels for the applicant say. The email links to the tracking page
    on the site they applied on, whoever's request (or worker) sends it; the text message
    carries `status`, a few words. While the process completes, what effects tell the
    applicant is held and sent once (`complete_process`)."""
    held = getattr(process, "held_applicant_notices", None)
    if held is not None:
        held.append(text)
        return
    event = NoticeChannel.Event.APPLICANT_UPDATE
    told = selectors.channels(process, event)
    phone = form_selectors.submitter_phone(process.submission) if told.sms else ""
    if phone:
        # In the platform's language, as its templates were approved, whoever decides.
        with translation.override(settings.LANGUAGE_CODE):
            values = {
                "reference": process.reference,
                "process": selectors.snapshot(process.version).definition.name,
                "status": str(status) or text,
            }
        text_message(phone, event, values, process.number)
    if not (process.applicant_id or process.submission.email):
        return  # an anonymous applicant without an address reads the tracking page
    url = reverse("workflows:track", args=[process.reference])
    root = form_selectors.site_root_url(process.submission)
    if process.applicant_id:
        in_app = selectors.Channels(in_app=told.in_app, email=told.email, sms=False)
        notify([process.applicant], text, url, process, root=root, channels=in_app, may_open=True)
    elif told.email:
        address = process.submission.email
        transaction.on_commit(lambda: send_notification_email(text, root + url, [address]))
