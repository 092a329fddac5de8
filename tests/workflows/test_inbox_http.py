"""Tasks are taken and decided on Viewflow's pages of a task at /workflow/ (assign, execute),
found in the task list by role and area; Viewflow's console (inbox, queue, dashboards) is the
platform admins'."""

import pytest
from django.contrib.auth import get_user_model
from viewflow.workflow.status import STATUS

from workflows import services
from workflows.models import StageTask

from ..factories import group_with
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


def console_user(worker):
    """The worker, with their role letting them into the admin, whose dashboard lists tasks."""
    role = worker.assignments.get().role
    role.group = group_with("wagtailadmin.access_admin")
    role.save()
    return worker


def url(task, action):
    return f"/workflow/generic/{task.process_id}/review/{task.pk}/{action}/"


def test_the_task_list_shows_the_stage_to_the_role_holder(client, started):
    client.force_login(started["worker"])
    response = client.get("/tasks/", {"show": "waiting"})
    assert response.status_code == 200
    assert "社区初审" in response.content.decode()


def test_the_task_list_of_another_community_is_empty(client, started):
    client.force_login(started["stranger"])
    content = client.get("/tasks/").content.decode()
    assert "社区初审" not in content


CONSOLE = [
    "/workflow/",
    "/workflow/generic/",
    "/workflow/generic/inbox/",
    "/workflow/generic/queue/",
    "/workflow/generic/archive/",
    "/workflow/generic/flows/",
    "/workflow/generic/tasks/",
    "/workflow/generic/chart/",
]


@pytest.mark.parametrize("page", CONSOLE)
def test_viewflows_console_sends_workers_to_their_task_list(client, started, page):
    client.force_login(started["worker"])
    response = client.get(page)
    assert (response.status_code, response["Location"]) == (302, "/tasks/")


def test_bulk_taking_from_the_console_changes_nothing_for_a_worker(client, started):
    task = started["task"]
    client.force_login(started["worker"])
    response = client.post("/workflow/generic/queue/assign/", {"pk": [task.pk]})
    assert (response.status_code, response["Location"]) == (302, "/tasks/")
    task.refresh_from_db()
    assert task.owner_id is None


@pytest.mark.parametrize("page", CONSOLE)
def test_viewflows_console_stays_for_platform_admins(client, started, page):
    admin = get_user_model().objects.create_superuser("root", password="pw")
    client.force_login(admin)
    assert client.get(page, follow=True).status_code == 200


def test_a_workers_task_and_process_pages_stay_on_viewflow(client, started):
    task = started["task"]
    client.force_login(started["worker"])
    assert client.get(url(task, "detail")).status_code == 200
    page = client.get(f"/workflow/generic/{task.process_id}/")
    assert page.status_code == 200
    content = page.content.decode()
    # The stages' tasks as people know them, not the engine's nodes; the work's menu.
    assert 'class="pg-stage-task pg-status-new"' in content and "社区初审" in content
    assert "Route" not in content
    assert "/cancel/" not in content and 'href="/tasks/"' in content
    assert "/workflow/generic/queue/" not in content
    assert client.get(f"/workflow/generic/{task.process_id}/chart/").status_code == 200


def test_a_platform_admin_may_cancel_from_the_process_page(client, started):
    client.force_login(get_user_model().objects.create_superuser("root", password="pw"))
    content = client.get(f"/workflow/generic/{started['process'].pk}/").content.decode()
    assert f"/workflow/generic/{started['process'].pk}/cancel/" in content
    assert "/workflow/generic/queue/" in content  # Viewflow's console menu


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


def test_second_official_gets_a_clear_message_not_an_error(client, started):
    task = started["task"]
    colleague = holder("community_worker", started["community"])
    client.force_login(started["worker"])
    client.post(url(task, "assign"))
    client.force_login(colleague)
    response = client.post(url(task, "assign"), follow=True)
    assert response.status_code == 200
    assert "Someone else has already taken or completed this task" in response.content.decode()
    task.refresh_from_db()
    assert task.owner == started["worker"]


def test_acting_on_a_completed_task_is_refused_cleanly(client, started):
    task = started["task"]
    client.force_login(started["worker"])
    client.post(url(task, "assign"))
    client.post(url(task, "execute"), {"decision-outcome": "approve"})
    response = client.post(url(task, "execute"), {"decision-outcome": "approve"}, follow=True)
    assert "already taken or completed" in response.content.decode()
    assert StageTask.objects.filter(process=task.process_id, flow_task_type="HUMAN").count() == 2


def test_admin_dashboard_shows_open_tasks_and_links_the_task_list(client, started):
    client.force_login(console_user(started["worker"]))
    content = client.get("/admin/").content.decode()
    assert "My tasks" in content and "1 open task" in content
    assert "社区初审" in content
    assert 'href="/tasks/"' in content


def test_inbox_navigation_speaks_chinese(client, started):
    """Viewflow's own menu, which its Chinese catalogue leaves in English, reads in Chinese."""
    client.force_login(get_user_model().objects.create_superuser("root", password="pw"))
    content = client.get("/workflow/generic/queue/", HTTP_ACCEPT_LANGUAGE="zh-hans").content
    text = content.decode()
    for chinese in ("我的待办", "待领取", "已办", "应用"):
        assert chinese in text
    for english in (">Inbox<", ">Queue<", ">Archive<", "Applications"):
        assert english not in text.replace("\n", "").replace(" ", "")


def test_the_dashboard_lists_tasks_with_a_deadline_first(client, started):
    import datetime

    from django.utils import timezone

    from workflows.models import TaskDeadline

    definition = started["process"].version.definition
    for _ in range(5):
        services.start_process(version_of(definition), submit(definition, started["community"]))
    urgent = services.start_process(
        version_of(definition), submit(definition, started["community"])
    )
    task = StageTask.objects.get(process=urgent, flow_task_type="HUMAN")
    TaskDeadline.objects.create(task=task, due_at=timezone.now() + datetime.timedelta(days=1))
    client.force_login(console_user(started["worker"]))
    content = client.get("/admin/").content.decode()
    assert "7 open tasks" in content
    assert f"/workflow/generic/{urgent.pk}/review/{task.pk}/" in content


def test_the_dashboard_counts_what_the_task_list_shows(client, started):
    """A task taken is in the person's inbox, the others wait to be taken: the dashboard says
    how many of each, so its numbers are the task list's numbers."""
    definition = started["process"].version.definition
    for _ in range(2):
        services.start_process(version_of(definition), submit(definition, started["community"]))
    worker = started["worker"]
    services.claim(started["task"], worker)
    client.force_login(console_user(worker))
    dashboard = client.get("/admin/").content.decode()
    assert "3 open tasks</a> · " in dashboard
    assert ">1 in my inbox</a>" in dashboard and ">2 waiting to be taken</a>" in dashboard
    mine = client.get("/tasks/", {"show": "mine"}).content.decode()
    waiting = client.get("/tasks/", {"show": "waiting"}).content.decode()
    stage = '<td class="task-stage" data-label="Stage">社区初审</td>'
    assert mine.count(stage) == 1
    assert waiting.count(stage) == 2
