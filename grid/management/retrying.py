"""What the retry commands of the periodic jobs share: an `--older-than` in minutes that leaves
the task queue its chance, one line of counts, and exit status 1 when something failed again
(so that the timer's unit shows the failure)."""

import datetime

from django.core.management.base import BaseCommand


class RetryCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=5,
            help="Only what is older than this many minutes (leave the queue its chance).",
        )

    def retry(self, older_than: datetime.timedelta) -> tuple[str, bool]:
        """Send again; the line to print, and whether anything failed again."""
        raise NotImplementedError

    def handle(self, *args, older_than: int, **options):
        line, failed = self.retry(datetime.timedelta(minutes=older_than))
        self.stdout.write(line)
        if failed:
            raise SystemExit(1)
