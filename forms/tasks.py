"""Background work of forms, run by django-tasks (inline unless a queue backend is set)."""

from django_tasks import task

from . import services
from .models import Submission


@task()
def send_confirmation(submission_id: int) -> bool:
    """Email a submission's reference code; the outcome is recorded on the submission."""
    submission = (
        Submission.objects.select_related("definition")
        .filter(pk=submission_id)
        .exclude(email_status=Submission.EmailStatus.SENT)
        .first()
    )
    return submission is not None and services.send_confirmation_email(submission)
