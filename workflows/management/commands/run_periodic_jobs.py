import logging
import time
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

logger = logging.getLogger(__name__)

# What the timers in deploy/systemd run, for an install without them.
JOBS = (
    "process_deadlines",
    "start_pending_processes",
    "retry_form_emails",
    "retry_sms",
    # Meant daily; run more often, a run finds nothing new and writes only its PeriodicRun.
    "anonymise_personal_data",
    "remind_returns",
    # Normally the worker refreshes changed areas at once; this catches any it missed.
    "refresh_figures",
)


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (deadline check, pending process starts, e-mail and text "
        "message retries, removal of expired personal data, returns' reminders) every "
        "PROCESS_DEADLINE_CHECK_MINUTES, for an install without timers such as `make run`; "
        "--once runs them once. A job that fails is logged and does not stop the others."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run each job once and stop.")

    def handle(self, *args, once: bool = False, **options):
        while True:
            for job in JOBS:
                try:
                    call_command(job, stdout=StringIO(), stderr=StringIO())
                except (Exception, SystemExit):
                    # A job that exits 1 (something failed again) has recorded why itself.
                    logger.exception("Periodic job %s failed", job)
            if once:
                return
            time.sleep(settings.PROCESS_DEADLINE_CHECK_MINUTES * 60)
