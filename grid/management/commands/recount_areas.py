from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from grid import counts


class Command(BaseCommand):
    help = _(
        "Count every area's buildings and households again (after rows were written to the "
        "database other than through the platform)."
    )

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            counts.recount()
        self.stdout.write(_("Every area's buildings and households were counted again."))
