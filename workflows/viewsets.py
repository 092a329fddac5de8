"""Viewflow's own frontend for the generic flow, with every list limited to what the user may
see. Inbox, queue, assign and execute are Viewflow's views, unchanged."""

from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import DashboardProcessListView, DashboardTaskListView

from . import selectors
from .flows import GenericFlow


class ProcessListView(DashboardProcessListView):
    def get_queryset(self):
        return super().get_queryset().filter(selectors.process_visibility(self.request.user))


class TaskListView(DashboardTaskListView):
    def get_queryset(self):
        return super().get_queryset().filter(selectors.task_visibility(self.request.user))


class ProcessesViewset(FlowAppViewset):
    process_list_view_class = ProcessListView
    task_list_view_class = TaskListView


site = Site(
    title=_("People's Grid work inbox"),
    app_name="workflow",
    primary_color="#b3261e",
    viewsets=[ProcessesViewset(GenericFlow, icon="assignment")],
)
