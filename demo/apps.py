from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo city: synthetic registers, sites, forms and processes built by `seed_demo`,
    on top of every other app and depended on by none."""

    name = "demo"
    verbose_name = _("Demo city")
