from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = _("Public pages")

    def ready(self) -> None:
        from . import effects, signals

        signals.connect()
        effects.register_effects()
