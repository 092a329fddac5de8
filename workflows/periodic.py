"""Periodic jobs run by a timer (deploy/systemd), each run recorded so that the admin dashboard
can say when the job last ran and warn when it has stopped."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import services
from .models import PeriodicRun

DEADLINE_CHECK = "process_deadlines"
# Runs are kept this long: enough to see a pattern, without a row every five minutes forever.
KEEP_RUNS = datetime.timedelta(days=30)
# The timer's own accuracy and the job's duration: a run this late is not yet a missed one.
GRACE = datetime.timedelta(minutes=1)


def record_run(job: str, work: Callable[[], int]) -> PeriodicRun:
    """Run `work` (which returns how many items it handled) and record the run; a failing run
    is recorded with its error and the error raised again."""
    run = PeriodicRun.objects.create(job=job, started_at=timezone.now())
    try:
        run.handled = work()
    except Exception as error:
        run.error = f"{type(error).__name__}: {error}"[:2000]
        raise
    finally:
        run.finished_at = timezone.now()
        with transaction.atomic():
            run.save(update_fields=["handled", "error", "finished_at"])
            PeriodicRun.objects.filter(job=job, started_at__lt=run.started_at - KEEP_RUNS).delete()
    return run


def run_deadline_check() -> int:
    """Mark overdue tasks (services.process_deadlines), recorded; how many became overdue."""
    return record_run(DEADLINE_CHECK, services.process_deadlines).handled


@dataclass(frozen=True)
class JobStatus:
    job: str
    interval: datetime.timedelta
    last_run: PeriodicRun | None
    last_success: PeriodicRun | None

    @property
    def late(self) -> bool:
        """No successful run within the interval (plus a little grace)."""
        if self.last_success is None:
            return True
        return timezone.now() - self.last_success.started_at > self.interval + GRACE


def deadline_check_status() -> JobStatus:
    runs = PeriodicRun.objects.filter(job=DEADLINE_CHECK, finished_at__isnull=False)
    return JobStatus(
        job=DEADLINE_CHECK,
        interval=datetime.timedelta(minutes=settings.PROCESS_DEADLINE_CHECK_MINUTES),
        last_run=runs.first(),
        last_success=runs.filter(error="").first(),
    )
