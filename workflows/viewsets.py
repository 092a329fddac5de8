"""Viewflow's own frontend for the generic flow. Inbox, queue, assign and execute are Viewflow's
views, unchanged in what they do; the lists only load each row's process, version and area in the
same query (each row's summary names them), and the dashboards stop at what the user may see."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import (
    DashboardProcessListView,
    DashboardTaskListView,
    DetailProcessView,
    FlowArchiveListView,
    FlowChartView,
    FlowInboxListView,
    FlowQueueListView,
)

from . import selectors
from .flows import GenericFlow

ROW_RELATIONS = (
    "process__processinstance__version__definition",
    "process__processinstance__area",
    "process__processinstance__submission",
)


class TaskRowsMixin:
    def get_queryset(self):
        return super().get_queryset().select_related(*ROW_RELATIONS)


class InboxView(TaskRowsMixin, FlowInboxListView):
    pass


class QueueView(TaskRowsMixin, FlowQueueListView):
    pass


class ArchiveView(TaskRowsMixin, FlowArchiveListView):
    pass


class TaskListView(TaskRowsMixin, DashboardTaskListView):
    def get_queryset(self):
        return super().get_queryset().filter(selectors.task_visibility(self.request.user))


class ProcessListView(DashboardProcessListView):
    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .filter(selectors.process_visibility(self.request.user))
            .select_related("version__definition", "area")
            .order_by("-created", "-pk")
        )


class ProcessDetailView(DetailProcessView):
    """A process one may not see answers as if it did not exist."""

    def get_queryset(self):
        return super().get_queryset().filter(selectors.process_visibility(self.request.user))


class ChartView(FlowChartView):
    """The flow's chart for anyone who may use the inbox; a process's chart (which steps it
    went through) only for who may see that process, a 404 for anyone else."""

    def get(self, request, *args, **kwargs):
        process_pk = kwargs.get("process_pk")
        if (
            process_pk is not None
            and not selectors.visible_processes(request.user).filter(pk=process_pk).exists()
        ):
            raise Http404
        return super().get(request, *args, **kwargs)


class ProcessesViewset(FlowAppViewset):
    base_template_name = "workflows/viewflow_page.html"
    inbox_view_class = InboxView
    queue_view_class = QueueView
    archive_view_class = ArchiveView
    process_list_view_class = ProcessListView
    process_detail_view_class = ProcessDetailView
    task_list_view_class = TaskListView
    chart_view_class = ChartView


site = Site(
    title=_("People's Grid work inbox"),
    app_name="workflow",
    primary_color="#b3261e",
    viewsets=[ProcessesViewset(GenericFlow, icon="assignment")],
)
