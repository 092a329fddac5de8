from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    """Open311 GeoReport v2: the processes open to the public as services report apps file
    requests to, over the engine."""

    name = "open311"
    verbose_name = _("Open311")
