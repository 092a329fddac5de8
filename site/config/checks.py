"""System checks a production deployment must pass (registered by config.apps, which only the
production settings install): `manage.py check`, `migrate`, `db_worker` and gunicorn started
with deploy/gunicorn.conf.py refuse to run while one fails."""

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string
from django_tasks.backends.immediate import ImmediateBackend

# Caches that each process keeps to itself: a page published through one app server, a rate
# limit counted or an import's progress written in one process is not seen by the others.
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def cache_is_per_process() -> bool:
    return settings.CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES


def tasks_run_in_a_worker() -> bool:
    return not issubclass(import_string(settings.TASKS["default"]["BACKEND"]), ImmediateBackend)


@checks.register(checks.Tags.caches)
def shared_cache(app_configs, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    if cache_is_per_process() and not getattr(settings, "SINGLE_PROCESS_INSTALL", False):
        errors.append(
            checks.Error(
                "The cache is per process: with more than one app server or gunicorn worker, "
                "visitors get stale pages after a publish and rate limits count per process.",
                hint=(
                    "Set REDIS_URL to a Redis every app server and worker reaches; or, for an "
                    "install that really runs one process (gunicorn --workers 1, no task "
                    "worker), set SINGLE_PROCESS_INSTALL=True."
                ),
                id="config.E001",
            )
        )
    if cache_is_per_process() and tasks_run_in_a_worker():
        errors.append(
            checks.Error(
                "Background tasks run in a worker process, but the cache is per process: the "
                "worker's import progress and page invalidations never reach the web servers.",
                hint="Set REDIS_URL, shared by the web servers and the worker.",
                id="config.E002",
            )
        )
    return errors
