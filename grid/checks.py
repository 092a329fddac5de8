"""System checks of the registry's deployment settings."""

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string
from django_tasks.backends.immediate import ImmediateBackend

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@checks.register(checks.Tags.caches)
def import_progress_is_shared(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Import progress travels through the cache: a worker process needs one it shares with
    the web servers."""
    backend = import_string(settings.TASKS["default"]["BACKEND"])
    if issubclass(backend, ImmediateBackend):
        return []
    if settings.CACHES["default"]["BACKEND"] not in PER_PROCESS_CACHES:
        return []
    return [
        checks.Warning(
            "Registry imports run in a task worker, but the cache is per process, so the "
            "import page cannot show the worker's progress.",
            hint="Set REDIS_URL so that web servers and workers share a cache.",
            id="grid.W001",
        )
    ]
