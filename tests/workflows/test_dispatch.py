"""Dispatch (派单): the community accepts a grid incident and chooses who handles it — one of
the grid's workers or a department — in the decision form; the stage after it goes to that
person's inbox (or that department's queue) and nobody else's, again after a return."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from grid.models import Area, Assignment, Department
from tests.factories import AssignmentFactory, UserFactory
from workflows import selectors, services
from workflows.definition_files import import_definition
from workflows.models import Notification, ProcessDefinition, ProcessInstance

from . import inbox
from .city import build_city, fixture_text, user
from .factories import role
from .test_admin_design import admin, definition_post, design_intake, stage_row  # noqa: F401
from .test_definition_files import problems_of
from .test_shipped_processes import FIRST_GRID, INCIDENT, decide, stage_of, start
from .test_shipped_processes_http import apply, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    build_city()


@pytest.fixture
def second_grid_worker(city):
    """A second grid worker on the first grid, so that the community has a choice."""
    colleague = UserFactory(username="grid_worker_b", first_name="钱峰")
    grid = Area.objects.get(code=FIRST_GRID)
    return AssignmentFactory(role=role("grid_worker"), area=grid, user=colleague)


def accept_page(process: ProcessInstance) -> tuple[Client, str]:
    client = Client()
    client.force_login(user("community_worker"))
    task = inbox.open_task(process)
    client.post(inbox.task_url(task, "assign"))
    return client, inbox.task_url(task, "execute")


def test_the_community_dispatches_to_the_grid_worker_it_chooses(
    second_grid_worker, django_capture_on_commit_callbacks
):
    process = apply("grid-incident", INCIDENT, capture=django_capture_on_commit_callbacks)
    client, url = accept_page(process)
    page = client.get(url).content.decode()
    assert "赵磊 · 第一网格" in page and "钱峰 · 第一网格" in page
    assert Department.objects.get(key="civil_affairs").name in page

    refused = client.post(url, {"decision-outcome": "approve"})
    assert refused.status_code == 200
    assert "Choose whom to dispatch it to." in refused.content.decode()
    process.refresh_from_db()
    assert stage_of(process) == "社区受理派单"  # nothing changed

    Notification.objects.all().delete()
    answer = client.post(
        url, {"decision-outcome": "approve", "decision-dispatch": f"a{second_grid_worker.pk}"}
    )
    assert answer.status_code == 302
    task = inbox.open_task(process)
    assert task.stage_name == "网格员处置" and task.owner == second_grid_worker.user
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"grid_worker_b"}
    assert "网格员处置" not in inbox.task_list(user("grid_worker"))
    assert "网格员处置" in inbox.task_list(second_grid_worker.user)

    review("grid_worker_b", process, "approve")
    review(
        "community_worker",
        process,
        "return",
        answers={"核查结果": "未解决", "核查说明": "仍有堆物。"},
        message="尚未清理完毕，继续处置。",
    )
    # Back to handling: to the same person, straight into their inbox.
    assert inbox.open_task(process).owner == second_grid_worker.user
    timeline = selectors.timeline(process, user("community_director"))
    assert timeline[1].assignee == second_grid_worker.user


def test_the_community_dispatches_to_a_department(city):
    process = start("grid-incident", INCIDENT)
    civil_affairs = Department.objects.get(key="civil_affairs")
    decide(process, "community_worker", services.APPROVE, dispatch_to=civil_affairs)
    task = inbox.open_task(process)
    assert task.owner_id is None
    assert task.owner_permission == "workflows.department:civil_affairs"
    # Report apps see who handles it now.
    found = Client().get(f"/open311/v2/requests/{process.pk}.json").json()[0]
    assert found["agency_responsible"] == civil_affairs.name
    decide(process, "department_clerk", services.APPROVE)
    assert stage_of(process) == "现场核查"


def test_nobody_outside_the_offer_can_be_dispatched_to(city):
    process = start("grid-incident", INCIDENT)
    elsewhere = AssignmentFactory(
        role=role("grid_worker"), area=Area.objects.get(code="340705002002001")
    )
    for target in (elsewhere, None):
        with pytest.raises(ValidationError) as refused:
            decide(process, "community_worker", services.APPROVE, dispatch_to=target)
        assert refused.value.messages == ["Choose whom to dispatch it to, among those offered."]
    process.refresh_from_db()
    assert process.dispatched_to is None and stage_of(process) == "社区受理派单"


def test_a_dispatch_needs_a_stage_for_whoever_is_dispatched(city):
    text = fixture_text("grid-incident")
    alone = text.replace(
        "    actor: dispatched\n", "    actor: role\n    role: grid_worker\n    role_level: grid\n"
    )
    messages = [message for _line, _path, message in problems_of(alone)]
    assert messages == [
        "Stage “社区受理派单” dispatches, but no later stage is handled by whoever is dispatched."
    ]
    nobody = text.replace("    dispatch_role: grid_worker\n    dispatch_level: grid\n", "").replace(
        "    dispatch_departments: true\n", ""
    )
    messages = [message for _line, _path, message in problems_of(nobody)]
    assert messages == [
        "Stage “网格员处置” is handled by whoever is dispatched, so an earlier stage must dispatch."
    ]
    half = text.replace("    dispatch_level: grid\n", "")
    messages = [message for _line, _path, message in problems_of(half)]
    assert "Stage “社区受理派单”: choose both the role and the level it dispatches to." in messages
    assert import_definition(text).key == "grid-incident"


def test_the_diagram_says_who_dispatches_and_who_handles(city):
    definition = import_definition(fixture_text("grid-incident"))
    snapshot = selectors.snapshot(selectors.latest_version(definition))
    stages = {stage.key: stage for stage in selectors.diagram(snapshot)}
    assert stages["accept"].dispatch_text == (
        "dispatches to a 网格员 of the Responsibility grid or a department"
    )
    assert stages["handle"].actor_text == "Whoever it is dispatched to"
    assert Assignment.objects.filter(role__key="grid_worker").exists()


def test_the_admin_designs_a_dispatch(admin):  # noqa: F811
    intake = design_intake(admin)
    rows = [
        stage_row(
            "accept",
            "受理派单",
            role("community_worker").pk,
            "2",
            dispatch_role=role("grid_worker").pk,
            dispatch_level="3",
            dispatch_departments="on",
        ),
        stage_row("handle", "处置", "", "", actor="dispatched"),
    ]
    response = admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:add"),
        definition_post(intake, rows, **{"action-publish": "action-publish"}),
    )
    assert response.status_code == 302, response.context["form"].errors
    definition = ProcessDefinition.objects.get(key="venue-booking")
    accept, handle = selectors.snapshot(definition.versions.get()).stages
    assert (accept.dispatch_role.key, accept.dispatch_level, accept.dispatch_departments) == (
        "grid_worker",
        3,
        True,
    )
    assert handle.actor == "dispatched"
