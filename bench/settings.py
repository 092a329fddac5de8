"""The test settings, with the benchmark package installed as an app so that its hand-coded
comparison flow (bench/workflows.py) has an app to belong to."""

from config.settings.test import *  # noqa: F403
from config.settings.test import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

# As production runs them: tasks (the dashboards' refresh, notices) queued for the worker, not
# run before the request that queued them returns. Benchmarks that measure a request or an
# engine step run under this (`override_settings(TASKS=QUEUED_TASKS)`).
QUEUED_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
