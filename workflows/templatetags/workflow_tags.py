from django import template
from django.utils.translation import gettext as _

from grid import audit

from .. import selectors
from ..models import Notification, ProcessInstance

register = template.Library()


@register.simple_tag(takes_context=True)
def process_panel(context, process: ProcessInstance) -> dict:
    """What a process page and every task page show: the diagram with the current stage, the
    intake (personal data masked outside the viewer's jurisdiction) and the history."""
    snapshot = selectors.snapshot(process.version)
    user = context["request"].user
    answers, personal_data_shown = selectors.intake_for(user, process)
    if personal_data_shown:
        # Every page that shows an applicant's personal data in full is audited; this panel
        # is where process and task pages show it.
        audit.log_view(
            process,
            user=user,
            area=process.area,
            page=context["request"].path,
            label=_("Process %(number)s: %(name)s")
            % {"number": process.pk, "name": snapshot.definition.name},
        )
    return {
        "snapshot": snapshot,
        "stages": selectors.diagram(snapshot),
        "current_stage_key": getattr(selectors.current_stage(process), "key", None),
        "effects": selectors.effect_texts(snapshot),
        "intake_answers": answers,
        "events": selectors.timeline(process, user),
    }


@register.simple_tag(takes_context=True)
def separation_notice(context, task) -> str:
    """Why the task's Assign button is missing for this user, when separation of duties keeps
    them from it (an empty text otherwise)."""
    return selectors.separation_refusal(context["request"].user, task) or ""


@register.inclusion_tag("workflows/includes/notifications_link.html")
def notifications_link(user) -> dict:
    """The account page's links to the user's tasks (for those who work without the work
    console, such as supervision committee members, the only way in) and notifications."""
    return {
        "unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "tasks": selectors.task_counts(user),
    }
