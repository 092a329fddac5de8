import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from workflows import selectors, services


class Command(BaseCommand):
    help = (
        "Start the processes of stored submissions whose start failed or never ran (cron); "
        "exit 1 if one fails again."
    )

    def handle(self, *args, **options):
        failed = 0
        pending = selectors.submissions_waiting_for_a_process()
        for submission in pending:
            try:
                process = services.start_for_submission(submission)
            except Exception as error:
                failed += 1
                self.stderr.write(f"{submission.reference}: {error}")
            else:
                self.stdout.write(f"{submission.reference}: {process.pk if process else '-'}")
        self.stdout.write(
            _("%(started)d started, %(failed)d failed.")
            % {"started": len(pending) - failed, "failed": failed}
        )
        if failed:
            sys.exit(1)
