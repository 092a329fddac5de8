from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from forms import services


class Command(BaseCommand):
    help = "Delete files kept for forms that were never sent again (older than a day)."

    def handle(self, *args, **options):
        count = services.clear_pending_uploads()
        self.stdout.write(_("Deleted %(count)d kept uploads.") % {"count": count})
