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
        register_text_messages()


def register_text_messages() -> None:
    """The notices of processes that can go by text message, with the values they carry."""
    from sms import registry

    from .models import NoticeChannel

    event = NoticeChannel.Event
    number, stage, area = _("the public number"), _("the stage"), _("the area")
    registry.register(
        event.TASK_OFFERED,
        event.TASK_OFFERED.label,
        {"number": number, "stage": stage, "area": area},
    )
    registry.register(
        event.DEADLINE_WARNING,
        event.DEADLINE_WARNING.label,
        {"number": number, "stage": stage, "area": area, "due": _("the deadline")},
    )
    registry.register(
        event.TASK_ESCALATED,
        event.TASK_ESCALATED.label,
        {"number": number, "stage": stage, "area": area},
    )
    registry.register(
        event.APPLICANT_UPDATE,
        event.APPLICANT_UPDATE.label,
        {
            "reference": _("the reference code"),
            "process": _("the process"),
            "status": _("what was decided"),
        },
    )
