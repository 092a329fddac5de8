"""Retention of personal data: once a process has been closed (or a plain form submission sent)
longer than PERSONAL_DATA_RETENTION_DAYS, its personal answers and uploaded files are removed.
What statistics need stays: the other answers, the area, the dates, the outcome and the stage
history. Each run is recorded (PeriodicRun) and audited with its counts, never the data."""

import dataclasses
import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from viewflow.workflow.status import PROCESS
from wagtail.log_actions import log

from forms import selectors as form_selectors
from forms.models import Submission
from forms.services import ANONYMISE_ACTION, delete_files

from . import periodic
from .models import ProcessEvent, ProcessInstance

JOB = "anonymise_personal_data"
CLOSED = (PROCESS.DONE, PROCESS.CANCELED)
# Besides what the designer ticked and what is always masked: an e-mail address names its owner,
# and an uploaded file (a photo, a scanned document) cannot be checked for whom it shows.
ALSO_ERASED = ("email", "file")


@dataclasses.dataclass
class RetentionRun:
    processes: int = 0
    submissions: int = 0
    answers: int = 0
    files: int = 0


def cutoff(now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Closed before this, personal data goes; None when retention is switched off."""
    days = settings.PERSONAL_DATA_RETENTION_DAYS
    if days <= 0:
        return None
    return (now or timezone.now()) - datetime.timedelta(days=days)


def erases(answer: form_selectors.Answer) -> bool:
    return answer.is_personal or answer.type in ALSO_ERASED


def expired_processes(before: datetime.datetime) -> QuerySet[ProcessInstance]:
    """Processes closed before `before` with a submission (intake, revision or reviewer's
    answers) not yet anonymised."""
    pending = Submission.objects.filter(anonymised_at__isnull=True)
    return ProcessInstance.objects.filter(status__in=CLOSED, finished__lt=before).filter(
        Q(submission__in=pending)
        | Exists(ProcessEvent.objects.filter(process=OuterRef("pk"), submission__in=pending))
    )


def expired_plain_submissions(before: datetime.datetime) -> QuerySet[Submission]:
    """Submissions sent before `before` that belong to no process: not an intake, not kept by a
    process's history, not waiting for their process to start."""
    return Submission.objects.filter(
        anonymised_at__isnull=True,
        submit_time__lt=before,
        process__isnull=True,
        page__formpage__processpage__isnull=True,
    ).exclude(Exists(ProcessEvent.objects.filter(submission=OuterRef("pk"))))


def anonymise_submission(submission: Submission, run: RetentionRun) -> None:
    """Empty the personal answers, delete the files (after the commit) and mark it done."""
    erased = [
        answer.name
        for answer in form_selectors.answers(submission)
        if erases(answer) and answer.value not in (None, "", [])
    ]
    submission.form_data = {
        name: "" if name in erased else value for name, value in submission.form_data.items()
    }
    submission.email = ""
    submission.user = None
    submission.anonymised_at = timezone.now()
    submission.search_text = form_selectors.search_text(submission)
    submission.save(update_fields=["form_data", "email", "user", "anonymised_at", "search_text"])
    files = list(submission.files.all())
    paths = [stored.file.name for stored in files]
    submission.files.all().delete()
    transaction.on_commit(lambda: delete_files(paths), robust=True)
    run.submissions += 1
    run.answers += len(erased)
    run.files += len(files)


@transaction.atomic
def anonymise_process(process: ProcessInstance, run: RetentionRun) -> None:
    submissions = Submission.objects.filter(
        Q(pk=process.submission_id)
        | Q(pk__in=ProcessEvent.objects.filter(process=process).values("submission")),
        anonymised_at__isnull=True,
    ).select_for_update()
    for submission in submissions:
        anonymise_submission(submission, run)
    # Who applied is personal too; who decided (staff, acting in office) is history.
    ProcessEvent.objects.filter(
        process=process,
        kind__in=[ProcessEvent.Kind.SUBMITTED, ProcessEvent.Kind.RESUBMITTED],
    ).update(actor=None)
    ProcessInstance.objects.filter(pk=process.pk).update(applicant=None)
    run.processes += 1


def anonymise_expired(now: datetime.datetime | None = None) -> RetentionRun:
    """Anonymise everything past its retention; a second run finds nothing."""
    run = RetentionRun()
    before = cutoff(now)
    if before is None:
        return run
    for process in expired_processes(before).order_by("pk").iterator():
        anonymise_process(process, run)
    for submission in expired_plain_submissions(before).order_by("pk").iterator():
        with transaction.atomic():
            anonymise_submission(submission, run)
    return run


def run_retention(now: datetime.datetime | None = None) -> RetentionRun:
    """One recorded run (its PeriodicRun: when, how many submissions, any error) and, when it
    removed anything, an entry in the audit log with the counts: a run every few minutes under
    `run_periodic_jobs` would otherwise bury the log in empty entries."""
    result = RetentionRun()

    def work() -> int:
        nonlocal result
        result = anonymise_expired(now)
        return result.submissions

    recorded = periodic.record_run(JOB, work)
    if not result.submissions:
        return result
    log(
        instance=recorded,
        action=ANONYMISE_ACTION,
        data={
            "retention_days": settings.PERSONAL_DATA_RETENTION_DAYS,
            **dataclasses.asdict(result),
        },
    )
    return result
