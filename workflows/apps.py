from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    """Configurable processes: definitions, stages and effects, run by one Viewflow flow."""

    name = "workflows"
    verbose_name = _("Processes")
