"""How forms tell other apps what happens to them, and ask them before a form page accepts a
submission, without knowing those apps (the process engine fills these from its ready())."""

from collections.abc import Callable
from typing import Any

from django.dispatch import Signal

# Sent after the commit that stored a submission accepted from a form page; the process engine
# listens to start the process attached to the page. Arguments: submission.
submission_accepted = Signal()

# Said on a form page before anyone fills it in, when this visitor may not send it:
# (page, user) -> a notice, or "" when they may.
start_notices: list[Callable[[Any, Any], str]] = []
# Why a valid form could not be accepted from this page by this user, before anything is
# stored: (page, form, user) -> problems.
start_checks: list[Callable[[Any, Any, Any], list[str]]] = []
# Where the sender follows a submission after sending it, when an app acts on it:
# (submission) -> a path on the sender's site, or "".
tracking_paths: list[Callable[[Any], str]] = []
