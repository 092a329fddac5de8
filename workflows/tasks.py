"""Background work of the process engine, run by django-tasks (inline unless a queue is set)."""

import logging

from django_tasks import task

from forms.models import Submission

from . import periodic, services

logger = logging.getLogger(__name__)


@task()
def start_process_for_submission(submission_id: int) -> int | None:
    """Start the process of a stored submission. A failure is logged and left for
    `start_pending_processes` to retry: the submission itself is already safe."""
    submission = Submission.objects.select_related("page").filter(pk=submission_id).first()
    if submission is None:
        return None
    try:
        process = services.start_for_submission(submission)
    except Exception:
        logger.exception("could not start the process of submission %s", submission.reference)
        return None
    return process.pk if process else None


@task()
def process_deadlines() -> int:
    return periodic.run_deadline_check()
