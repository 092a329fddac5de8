"""Outcomes of decisions and the refusal to start, shared by the engine's services."""

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account
from django.utils.translation import gettext_lazy

from ..models import (
    ProcessEvent,
)

User = Account | AnonymousUser

APPROVE, REJECT, RETURN, REFER = "approve", "reject", "return", "refer"
OUTCOME_LABELS = {
    APPROVE: gettext_lazy("Approve"),
    REJECT: gettext_lazy("Reject"),
    RETURN: gettext_lazy("Return for revision"),
    REFER: gettext_lazy("Refer to a department"),
}
EVENT_OUTCOMES = {
    APPROVE: ProcessEvent.Outcome.APPROVED,
    REJECT: ProcessEvent.Outcome.REJECTED,
    RETURN: ProcessEvent.Outcome.RETURNED,
    REFER: ProcessEvent.Outcome.REFERRED,
}


class StartRefused(Exception):
    """A process cannot start from this submission; the message says why."""
