"""The inbox is Viewflow's own frontend at /workflow/: queues by role and area, assign, execute."""

import pytest
from viewflow.workflow.status import STATUS

from workflows import services
from workflows.models import StageTask

from .factories import CommunityFactory, holder, submit, three_stages, version_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def started():
    community = CommunityFactory(name="五松社区")
    definition = three_stages()
    process = services.start_process(version_of(definition), submit(definition, community))
    return {
        "community": community,
        "process": process,
        "task": StageTask.objects.get(process=process, flow_task_type="HUMAN"),
        "worker": holder("community_worker", community, first_name="陈静"),
        "stranger": holder("community_worker", CommunityFactory(name="别的社区")),
    }


def url(task, action):
    return f"/workflow/generic/{task.process_id}/review/{task.pk}/{action}/"


def test_queue_lists_the_stage_name_for_the_role_holder(client, started):
    client.force_login(started["worker"])
    response = client.get("/workflow/generic/queue/")
    assert response.status_code == 200
    assert "社区初审" in response.content.decode()


def test_queue_of_another_community_is_empty(client, started):
    client.force_login(started["stranger"])
    content = client.get("/workflow/generic/queue/").content.decode()
    assert "社区初审" not in content


def test_assign_then_execute_a_decision(client, started):
    task = started["task"]
    client.force_login(started["worker"])
    assert client.post(url(task, "assign")).status_code == 302
    task.refresh_from_db()
    assert task.owner == started["worker"] and task.status == STATUS.ASSIGNED
    page = client.get(url(task, "execute"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "社区初审" in content and "楼道堆物" in content
    response = client.post(
        url(task, "execute"), {"decision-outcome": "approve", "decision-comment": "属实"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert (
        StageTask.objects.get(process=task.process_id, status=STATUS.NEW).stage_name == "街道审核"
    )


@pytest.mark.parametrize("action", ["assign", "execute", "detail"])
def test_stranger_cannot_see_claim_or_execute_by_url(client, started, action):
    task = started["task"]
    client.force_login(started["stranger"])
    response = (
        client.post(url(task, action)) if action == "assign" else client.get(url(task, action))
    )
    assert response.status_code in (403, 404)
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner_id is None


def test_stranger_cannot_open_the_process_page(client, started):
    client.force_login(started["stranger"])
    response = client.get(f"/workflow/generic/{started['process'].pk}/")
    assert response.status_code in (403, 404)


def test_anonymous_is_sent_to_login(client, started):
    response = client.get("/workflow/generic/queue/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_return_needs_a_message_for_the_applicant(client, started):
    task = started["task"]
    client.force_login(started["worker"])
    client.post(url(task, "assign"))
    response = client.post(url(task, "execute"), {"decision-outcome": "reject"})
    assert response.status_code == 200
    assert "Tell the applicant why" in response.content.decode()
    task.refresh_from_db()
    assert task.status != STATUS.DONE
