"""The inbox issues the same number of queries with 100 and with 5,000 open tasks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows import services
from workflows.models import StageTask

from ..factories import group_with
from .factories import CommunityFactory, holder, submit, three_stages, version_of

pytestmark = pytest.mark.django_db


def copy_tasks(template: StageTask, count: int) -> None:
    """More open tasks like `template`, written in bulk: Django cannot bulk-create rows of a
    multi-table model, so the parent rows go through the ORM and the child rows through SQL."""
    parents = Task.objects.bulk_create(
        Task(
            process_id=template.process_id,
            flow_task=template.flow_task,
            flow_task_type=template.flow_task_type,
            status=STATUS.NEW,
            owner_permission=template.owner_permission,
            token=template.token,
        )
        for _ in range(count)
    )
    table = StageTask._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (task_ptr_id, stage_key, stage_name) VALUES (%s, %s, %s)",
            [(task.pk, template.stage_key, template.stage_name) for task in parents],
        )


@pytest.mark.parametrize("page", ["/workflow/generic/queue/", "/admin/"])
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
