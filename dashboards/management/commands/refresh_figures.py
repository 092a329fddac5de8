from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from dashboards import services
from workflows.periodic import record_run


class Command(BaseCommand):
    help = (
        "Refresh the dashboards' summary rows of the areas whose data changed (what the worker "
        "does after each change); --all recounts every area, nightly, for what time changes "
        "without any row changing (ages). Each run recorded."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Recount every area.")

    def handle(self, *args, all: bool = False, **options):
        work = services.refresh_all if all else services.refresh_stale
        run = record_run(services.REFRESH_JOB, work)
        self.stdout.write(_("%(count)d areas recounted.") % {"count": run.handled})
