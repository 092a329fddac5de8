from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from returns.services import RETURN_NOTICES, send_notices
from workflows.periodic import record_run


class Command(BaseCommand):
    help = (
        "Remind the filers of returns falling due within their reminder days, and tell them "
        "once a return is overdue; each notice is sent once. Run daily by a timer "
        "(deploy/systemd), each run recorded."
    )

    def handle(self, *args, **options):
        run = record_run(RETURN_NOTICES, send_notices)
        self.stdout.write(_("%(count)d return notices sent.") % {"count": run.handled})
