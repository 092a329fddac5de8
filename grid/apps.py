from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "grid"
    verbose_name = _("Grid registry")

    def ready(self) -> None:
        from . import audit, checks, counts  # noqa: F401 (registers the system checks)

        audit.connect()
        counts.connect()
