from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project configuration as an app, so that production settings can install its
    system checks."""

    name = "config"
    label = "config"
    verbose_name = "Configuration"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the checks)
