from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsConfig(AppConfig):
    """Admin-designed forms: definitions, public form pages and submissions."""

    name = "forms"
    verbose_name = _("Forms")
