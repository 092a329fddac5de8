from django.core.cache import cache
from django_tasks import task

from workflows.periodic import record_run

from . import services
from .models import Stale


@task()
def refresh_stale_areas() -> int:
    """Refresh the stale areas' summary rows, a batch at a time (recorded as a periodic run),
    queueing the next batch while some remain."""
    cache.delete(services.QUEUED_KEY)
    handled = record_run(services.REFRESH_JOB, services.refresh_stale).handled
    if Stale.objects.exists():
        services.ask_for_refresh()
    return handled
