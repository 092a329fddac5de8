"""The test settings, with the benchmark package installed as an app so that its hand-coded
comparison flow (bench/workflows.py) has an app to belong to."""

from config.settings.test import *  # noqa: F403
from config.settings.test import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
