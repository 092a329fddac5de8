import datetime

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from forms import services


class Command(BaseCommand):
    help = (
        "Send again the confirmation emails that failed or were never sent (run it from cron); "
        "exits with status 1 when one failed again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=5,
            help="Only submissions older than this many minutes (leave the queue its chance).",
        )

    def handle(self, *args, older_than: int, **options):
        sent, failed, given_up = services.retry_confirmation_emails(
            older_than=datetime.timedelta(minutes=older_than)
        )
        self.stdout.write(
            _("Confirmation emails: %(sent)d sent, %(failed)d failed, %(given_up)d given up.")
            % {"sent": sent, "failed": failed, "given_up": given_up}
        )
        if failed:
            raise SystemExit(1)
