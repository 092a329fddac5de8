from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsConfig(AppConfig):
    """Admin-designed forms: definitions, public form pages and submissions."""

    name = "forms"
    verbose_name = _("Forms")

    def ready(self) -> None:
        from sms import registry

        from .services import RECEIVED

        registry.register(
            RECEIVED,
            _("A form is received"),
            {"reference": _("the reference code"), "title": _("the form's title")},
        )
