from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """Dashboards at every level: figures of the registers, the daily work, the processes and
    the returns, summed up the area tree from summary rows the worker keeps."""

    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from . import signals

        signals.connect()
