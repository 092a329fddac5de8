"""Sending text messages: a message is recorded first, then handed to the provider by the
worker after the commit, so a slow or failing provider never holds up or undoes the decision
that caused it; failures are kept and sent again by `retry_sms`."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from grid.validators import MOBILE_RE, normalize_phone

from .backends import Outgoing, Report, SmsError, get_backend
from .models import SmsMessage, SmsTemplate, placeholders

logger = logging.getLogger(__name__)

# Messages that count against a number's limit: every one handed, or to be handed, over.
COUNTED = [
    SmsMessage.Status.QUEUED,
    SmsMessage.Status.SENDING,
    SmsMessage.Status.SENT,
    SmsMessage.Status.DELIVERED,
    SmsMessage.Status.UNDELIVERED,
    SmsMessage.Status.FAILED,
]


def mobile(value: str) -> str:
    """The 11-digit mainland mobile number in `value`, or "" when it is none (a landline
    takes no text messages)."""
    number = normalize_phone(value or "")
    return number if MOBILE_RE.match(number) else ""


def active_template(event: str) -> SmsTemplate | None:
    return SmsTemplate.objects.filter(event=event, active=True).first()


def send_sms(
    phone: str, event: str, values: dict[str, str], *, about: str = ""
) -> SmsMessage | None:
    """Queue the message of `event` to `phone`; None when the number takes no text messages
    or the event has no active template. Beyond SMS_RATE_LIMIT_COUNT messages to one number in
    SMS_RATE_LIMIT_WINDOW seconds, the message is recorded as held back and not sent."""
    number = mobile(phone)
    template = active_template(event) if number else None
    if template is None:
        return None
    since = timezone.now() - datetime.timedelta(seconds=settings.SMS_RATE_LIMIT_WINDOW)
    recent = SmsMessage.objects.filter(phone=number, created_at__gte=since, status__in=COUNTED)
    limited = 0 < settings.SMS_RATE_LIMIT_COUNT <= recent.count()
    kept = {name: str(values.get(name, "")) for name in placeholders(template.text)}
    message = SmsMessage.objects.create(
        template=template,
        event=event,
        phone=number,
        values={} if limited else kept,
        about=about[:100],
        status=SmsMessage.Status.LIMITED if limited else SmsMessage.Status.QUEUED,
    )
    if limited:
        logger.warning("Text message %s held back: too many to one number", message.pk)
        return message
    from .tasks import deliver  # the task module imports this one

    transaction.on_commit(lambda: deliver.enqueue(message.pk), robust=True)
    return message


def deliver_message(message_id: int) -> bool:
    """Hand a queued (or failed) message to the provider and record what came of it. The
    status is claimed first, so two workers never send the same message."""
    claimed = SmsMessage.objects.filter(
        pk=message_id,
        status__in=[SmsMessage.Status.QUEUED, SmsMessage.Status.FAILED],
        attempts__lt=settings.SMS_MAX_ATTEMPTS,
    ).update(status=SmsMessage.Status.SENDING, attempts=F("attempts") + 1)
    if not claimed:
        return False
    message = SmsMessage.objects.select_related("template").get(pk=message_id)
    template = message.template
    backend = get_backend()
    message.backend = backend.name
    try:
        if template is None:
            raise SmsError("its template was deleted")
        names = placeholders(template.text)
        message.provider_ref = backend.send(
            Outgoing(
                phone=message.phone,
                template_id=template.provider_template_id,
                values=[message.values.get(name, "") for name in names],
                text=template.render(message.values),
            )
        )
    except Exception as error:
        logger.exception("Text message %s failed", message.pk)
        message.status = SmsMessage.Status.FAILED
        message.error = str(error)[:500] if isinstance(error, SmsError) else type(error).__name__
        if message.attempts >= settings.SMS_MAX_ATTEMPTS:
            message.values = {}  # given up: the values are not kept
        message.save(update_fields=["status", "error", "backend", "values"])
        return False
    message.status = SmsMessage.Status.SENT
    message.sent_at = timezone.now()
    message.error = ""
    message.values = {}
    message.save(update_fields=["status", "sent_at", "error", "values", "backend", "provider_ref"])
    return True


def retry_messages(*, older_than: datetime.timedelta) -> tuple[int, int]:
    """Send again what failed, and what still waits after `older_than` (its queue entry was
    lost); (sent, still failing)."""
    due = SmsMessage.objects.filter(
        status__in=[SmsMessage.Status.QUEUED, SmsMessage.Status.FAILED],
        attempts__lt=settings.SMS_MAX_ATTEMPTS,
        created_at__lt=timezone.now() - older_than,
    ).values_list("pk", flat=True)
    sent = failed = 0
    for pk in list(due):
        if deliver_message(pk):
            sent += 1
        else:
            failed += 1
    return sent, failed


def record_reports(reports: list[Report]) -> int:
    """Keep what the provider reported of each message; how many messages it concerned."""
    changed = 0
    now = timezone.now()
    for report in reports:
        changed += SmsMessage.objects.filter(
            provider_ref=report.provider_ref,
            status__in=[
                SmsMessage.Status.SENT,
                SmsMessage.Status.DELIVERED,
                SmsMessage.Status.UNDELIVERED,
            ],
        ).update(
            status=SmsMessage.Status.DELIVERED
            if report.delivered
            else SmsMessage.Status.UNDELIVERED,
            reported_at=report.at or now,
            error="" if report.delivered else report.detail,
        )
    return changed
