from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from workflows import services


class Command(BaseCommand):
    help = "Mark tasks past their deadline overdue and notify their escalation roles (cron)."

    def handle(self, *args, **options):
        count = services.process_deadlines()
        self.stdout.write(_("%(count)d tasks became overdue.") % {"count": count})
