"""Text message templates, as approved by the provider, and every message sent or held back."""

import string

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import registry


def placeholders(text: str) -> list[str]:
    """The `{name}` placeholders of a template's text, in order, each once."""
    names: list[str] = []
    for _literal, name, _spec, _conversion in string.Formatter().parse(text):
        if name is not None and name not in names:
            names.append(name)
    return names


class SmsTemplate(models.Model):
    """A message as the provider approved it: providers send only approved templates, filled
    with values. The text here is the approved text with `{name}` where a value goes; the
    provider receives the values in the order they appear."""

    event = models.CharField(_("sent when"), max_length=40, unique=True, choices=registry.choices)
    provider_template_id = models.CharField(
        _("template ID at the provider"),
        max_length=40,
        help_text=_("The ID the SMS provider gave this template when it approved it."),
    )
    text = models.TextField(
        _("text"),
        max_length=300,
        help_text=_(
            "The approved text, with each value in braces, such as {reference}. "
            "Values this message can hold are listed below."
        ),
    )
    active = models.BooleanField(
        _("send"), default=True, help_text=_("Off: no message is sent for this event.")
    )

    class Meta:
        verbose_name = _("text message template")
        verbose_name_plural = _("text message templates")
        ordering = ["event"]

    def __str__(self) -> str:
        return str(self.get_event_display())

    def clean(self) -> None:
        event = registry.EVENTS.get(self.event)
        if event is None:
            return
        try:
            names = placeholders(self.text)
        except ValueError:
            raise ValidationError(
                {"text": _("A brace is not closed: write a value as {name}.")}
            ) from None
        unknown = [name for name in names if name not in event.values]
        if unknown:
            raise ValidationError(
                {
                    "text": _("%(unknown)s: not a value of this message. It can hold: %(known)s.")
                    % {
                        "unknown": ", ".join(f"{{{name}}}" for name in unknown),
                        "known": ", ".join(f"{{{name}}}" for name in event.values),
                    }
                }
            )

    def render(self, values: dict[str, str]) -> str:
        return self.text.format_map(
            {name: values.get(name, "") for name in placeholders(self.text)}
        )


class SmsMessage(models.Model):
    """One message to one number: what was asked, what became of it. The values (a tracking
    code among them) are kept only until the provider has the message."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Not delivered")
        FAILED = "failed", _("Failed")
        LIMITED = "limited", _("Held back: too many to this number")

    template = models.ForeignKey(
        SmsTemplate,
        verbose_name=_("template"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    event = models.CharField(_("sent when"), max_length=40, choices=registry.choices)
    phone = models.CharField(_("phone"), max_length=20)
    values = models.JSONField(_("values"), default=dict, blank=True)
    about = models.CharField(
        _("about"), max_length=100, blank=True, help_text=_("What it concerns, such as a number.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    backend = models.CharField(_("sent through"), max_length=40, blank=True)
    provider_ref = models.CharField(_("provider's reference"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("delivery reported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The per-number limit counts a number's recent messages.
            models.Index(fields=["phone", "created_at"], name="sms_by_phone"),
            models.Index(fields=["provider_ref"], name="sms_by_provider_ref"),
            models.Index(fields=["status", "created_at"], name="sms_by_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} ({self.get_status_display()})"
