from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    """Configurable processes: definitions, stages and effects, run by one Viewflow flow."""

    name = "workflows"
    verbose_name = _("Processes")

    def ready(self) -> None:
        from wagtail.signals import published

        from forms import signals

        from . import receivers
        from .models import ProcessDefinition

        published.connect(receivers.freeze_on_publish, sender=ProcessDefinition)
        signals.submission_accepted.connect(receivers.start_on_submission)
        signals.start_notices.append(receivers.page_start_notice)
        signals.start_checks.append(receivers.page_start_problems)
        signals.tracking_paths.append(receivers.tracking_path)
