from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from workflows import retention


class Command(BaseCommand):
    help = (
        "Remove the personal answers and files of processes closed, and of plain form "
        "submissions sent, more than PERSONAL_DATA_RETENTION_DAYS ago (0: never); run daily by "
        "a timer (deploy/systemd), each run recorded and audited with its counts."
    )

    def handle(self, *args, **options):
        run = retention.run_retention()
        self.stdout.write(
            _(
                "%(processes)d processes and %(submissions)d submissions anonymised: "
                "%(answers)d answers and %(files)d files removed."
            )
            % {
                "processes": run.processes,
                "submissions": run.submissions,
                "answers": run.answers,
                "files": run.files,
            }
        )
