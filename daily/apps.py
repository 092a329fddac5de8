from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DailyConfig(AppConfig):
    """The grid workers' day: their grids today and the inspection rounds of each grid."""

    name = "daily"
    verbose_name = _("Daily work")
