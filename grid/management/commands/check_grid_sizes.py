import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from grid import selectors


class Command(BaseCommand):
    help = "Report residential grids whose household count is outside the grid size rule."

    def handle(self, *args, **options):
        bounds = {"min": settings.GRID_HOUSEHOLDS_MIN, "max": settings.GRID_HOUSEHOLDS_MAX}
        outside = selectors.grids_outside_size_rule()
        if not outside:
            self.stdout.write(_("All residential grids hold %(min)d–%(max)d households.") % bounds)
            return
        self.stdout.write(
            _("%(count)d residential grids are outside %(min)d–%(max)d households:")
            % {"count": len(outside), **bounds}
        )
        for grid, count, violation in outside:
            label = _("too few") if violation == "below" else _("too many")
            self.stdout.write(f"  {grid.code}  {grid.parent.name} {grid.name}: {count} ({label})")
        sys.exit(1)
