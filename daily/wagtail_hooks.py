"""Inspection checklists in the admin: a snippet per kind of grid, edited by whoever holds
the checklist permissions (platform admins); and the visitors' follow-ups as a source of tasks
for the task list and its counts."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from grid.snippet_choosers import PermittedChooserViewSet
from workflows.task_sources import HOOK as TASK_SOURCE_HOOK

from .models import Checklist
from .selectors import FollowUpTasks


class ChecklistViewSet(SnippetViewSet):
    model = Checklist
    icon = "tasks"
    menu_label = _("Inspection checklists")
    menu_name = "inspection-checklists"
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["name", "grid_kind"]
    chooser_viewset_class = PermittedChooserViewSet


register_snippet(ChecklistViewSet)


@hooks.register(TASK_SOURCE_HOOK)
def follow_up_tasks() -> FollowUpTasks:
    return FollowUpTasks()
