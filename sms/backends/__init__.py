"""Where text messages go: `SMS_BACKEND` names the class. A backend sends one message and
returns the provider's reference for it, or raises `SmsError`; one that can hear delivery
reports turns the provider's report into `Report`s."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The provider refused or could not be reached; the text says why, for the admin."""


@dataclass(frozen=True)
class Outgoing:
    phone: str  # a mainland mobile number, 11 digits
    template_id: str
    values: list[str]  # in the order of the template's placeholders
    text: str  # the whole message, as the recipient reads it


@dataclass(frozen=True)
class Report:
    provider_ref: str
    delivered: bool
    at: datetime | None
    detail: str


class SmsBackend:
    name = ""

    def send(self, message: Outgoing) -> str:
        raise NotImplementedError

    def reports(self, body: bytes) -> list[Report]:
        """The delivery reports in a provider's callback; ValueError when it is not one."""
        raise ValueError("this backend receives no delivery reports")


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
