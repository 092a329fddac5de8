from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from workflows import periodic


class Command(BaseCommand):
    help = (
        "Mark tasks past their deadline overdue and notify their escalation roles; run every "
        "PROCESS_DEADLINE_CHECK_MINUTES by a timer (deploy/systemd), each run recorded."
    )

    def handle(self, *args, **options):
        count = periodic.run_deadline_check()
        self.stdout.write(_("%(count)d tasks became overdue.") % {"count": count})
