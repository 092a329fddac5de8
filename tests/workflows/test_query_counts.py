"""The inbox issues the same number of queries with 100 and with 5,000 open tasks; a decision,
the same number of statements (11) however many people are told of the next task, and the
decision that ends the process 13 (Viewflow's gateway and end tasks are most of them); the
gateway tasks, stored once they have run, still form the chain Viewflow keeps."""

from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from bench.workflows import statements
from workflows import selectors, services
from workflows.models import StageTask

from ..factories import group_with
from .factories import CommunityFactory, holder, submit, three_stages, version_of

pytestmark = pytest.mark.django_db


def copy_tasks(template: StageTask, count: int) -> None:
    """More open tasks like `template`, written in bulk."""
    Task.objects.bulk_create(
        Task(
            process_id=template.process_id,
            flow_task=template.flow_task,
            flow_task_type=template.flow_task_type,
            status=STATUS.NEW,
            owner_permission=template.owner_permission,
            token=template.token,
            data=template.data,
        )
        for _ in range(count)
    )


@pytest.mark.parametrize("page", ["/tasks/", "/admin/"])
def test_inbox_queries_do_not_grow(client, page):
    community = CommunityFactory()
    worker = holder("community_worker", community)
    worker_role = worker.assignments.get().role
    worker_role.group = group_with("wagtailadmin.access_admin")
    worker_role.save()
    definition = three_stages()
    for _ in range(3):
        services.start_process(version_of(definition), submit(definition, community))
    template = StageTask.objects.filter(flow_task_type="HUMAN").first()
    copy_tasks(template, 97)
    client.force_login(worker)
    client.get(page)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200
        return len(queries)

    small = count()
    copy_tasks(template, 4900)
    assert StageTask.objects.filter(status=STATUS.NEW, flow_task_type="HUMAN").count() == 5000
    assert count() == small


def test_a_decision_costs_at_most_11_statements_however_many_hold_the_next_role():
    """A decision notifies everyone who may take the next task; their number must not add
    statements (each may open the process by that task: no permission check per person)."""
    community = CommunityFactory()
    d = three_stages()
    checker = holder("community_worker", community)
    counts = []
    for officials in (1, 6):
        while len(selectors.holders("street_official", community.parent.code)) < officials:
            holder("street_official", community.parent)
        process = services.start_process(version_of(d), submit(d, community))
        task = StageTask.objects.get(process=process, flow_task_type="HUMAN", status=STATUS.NEW)
        fresh = get_user_model().objects.get(pk=checker.pk)
        services.claim(task, fresh)  # taken first, as in the inbox and the benchmark
        with CaptureQueriesContext(connection) as queries:
            services.decide(task, fresh, services.Decision(services.APPROVE))
        counts.append(statements(queries))
    assert counts[0] == counts[1] <= 11, counts


def test_the_decision_that_ends_a_process_costs_at_most_13_statements():
    """The last decision also routes to the end, completes the process (its history entry
    written with the decision's) and ends it: Viewflow's gateway tasks are most of it, each
    stored once it has run (flows.StoredOnceRun), already done and linked to the task that led
    to it, as Viewflow's history, undo and diagram read them."""
    community = CommunityFactory()
    d = three_stages()
    people = [
        holder("community_worker", community),
        holder("street_official", community.parent),
        holder("street_leader", community.parent),
    ]
    process = services.start_process(version_of(d), submit(d, community))
    for person in people:
        task = StageTask.objects.get(process=process, flow_task_type="HUMAN", status=STATUS.NEW)
        services.claim(task, person)
        with CaptureQueriesContext(connection) as queries:
            services.decide(task, person, services.Decision(services.APPROVE))
    process.refresh_from_db()
    assert (process.status, process.outcome) == (STATUS.DONE, process.Outcome.APPROVED)
    assert list(process.events.values_list("kind", flat=True)) == [
        "submitted",
        "decided",
        "decided",
        "decided",
        "completed",
    ]
    assert statements(queries) <= 13, statements(queries)
    tasks = list(StageTask.objects.filter(process=process).order_by("pk"))
    names = [task.flow_task.name for task in tasks]
    assert names == [
        "start",
        "route",
        "review",
        "route",
        "review",
        "route",
        "review",
        "route",
        "finish",
        "end",
    ]
    assert all(task.status == STATUS.DONE and task.finished for task in tasks)
    for before, task in pairwise(tasks):
        assert list(task.previous.all()) == [before], task.flow_task.name
