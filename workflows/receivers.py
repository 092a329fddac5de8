"""Signal receivers: publishing a definition freezes a version; a process page accepts only
what can start its process, and an accepted submission from it starts it, to be followed on
the tracking page."""

from django.urls import reverse
from django.utils.translation import gettext as _

from forms.models import Submission

from . import services, tasks
from .models import ProcessPage


def freeze_on_publish(sender, instance, revision, **kwargs) -> None:
    services.freeze_version(instance, revision.user if revision else None)


def start_on_submission(sender, submission, **kwargs) -> None:
    if submission.page_id is not None:
        tasks.start_process_for_submission.enqueue(submission.pk)


def page_start_notice(page, user) -> str:
    definition = getattr(page, "process", None)
    if definition is None or services.may_start(definition, user):
        return ""
    return _("Only some users may send this form: sign in with the right account first.")


def page_start_problems(page, form, user) -> list[str]:
    definition = getattr(page, "process", None)
    return [] if definition is None else services.start_problems(definition, form, user)


def tracking_path(submission: Submission) -> str:
    """The tracking page of a submission that runs a process, or is about to (its process page
    starts it after the commit)."""
    runs = hasattr(submission, "process") or (
        submission.page_id is not None
        and ProcessPage.objects.filter(pk=submission.page_id).exists()
    )
    return reverse("workflows:track", args=[submission.reference]) if runs else ""
