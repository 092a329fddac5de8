"""The escalation ladder on a frozen clock: a grid incident's handling warns the grid worker at
three quarters of its time, and at each deadline goes one rung up — the community director,
then the street leader — with a new deadline, every step in the history; at the top it is only
marked overdue. The street leader can then act on it."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from workflows import selectors, services
from workflows.definition_files import import_definition
from workflows.models import (
    Notification,
    ProcessDefinition,
    ProcessEvent,
    ProcessInstance,
    TaskDeadline,
)

from . import inbox
from .city import build_city, fixture_text, user
from .factories import role
from .test_admin_design import admin, definition_post, design_intake, stage_row  # noqa: F401
from .test_definition_files import problems_of
from .test_shipped_processes import INCIDENT, WUSONG, decide, grid_worker_here, start
from .test_shipped_processes_http import review

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def city():
    build_city()


def handling() -> ProcessInstance:
    process = start("grid-incident", INCIDENT)
    decide(process, "community_worker", services.APPROVE, dispatch_to=grid_worker_here())
    return process


def deadline(process: ProcessInstance) -> TaskDeadline:
    return TaskDeadline.objects.get(task=inbox.open_task(process))


def told(username: str) -> list[str]:
    return list(Notification.objects.filter(user__username=username).values_list("text", flat=True))


def test_an_overdue_incident_climbs_the_ladder_to_the_street(city):
    process = handling()
    first = deadline(process)
    created = inbox.open_task(process).created
    expected = created + (first.due_at - created) * 0.75
    assert abs(first.warn_at - expected) < datetime.timedelta(seconds=1)
    Notification.objects.all().delete()

    services.process_deadlines(first.warn_at + MINUTE)
    assert [text for text in told("grid_worker") if text.startswith("Due soon: 网格员处置")]
    assert services.process_deadlines(first.warn_at + 2 * MINUTE) == 0  # warned once

    now = first.due_at + MINUTE
    assert services.process_deadlines(now) == 1
    task = inbox.open_task(process)
    assert task.owner_id is None
    assert task.owner_permission == selectors.queue_permission("community_director", WUSONG)
    assert any(text.startswith("Escalated to you") for text in told("community_director"))
    second = deadline(process)
    assert second.overdue_at is None and second.due_at > now

    now = second.due_at + MINUTE
    services.process_deadlines(now)
    street = WUSONG[:9]
    task = inbox.open_task(process)
    assert task.owner_permission == selectors.queue_permission("street_leader", street)
    assert any(text.startswith("Escalated to you") for text in told("street_leader"))

    # At the top of the ladder: marked overdue, and it stays with the street.
    services.process_deadlines(deadline(process).due_at + MINUTE)
    assert inbox.open_task(process).owner_permission == task.owner_permission
    assert deadline(process).overdue_at is not None

    history = [
        (kind, comment)
        for kind, comment in process.events.filter(
            kind__in=[
                ProcessEvent.Kind.WARNED,
                ProcessEvent.Kind.OVERDUE,
                ProcessEvent.Kind.ESCALATED,
            ]
        ).values_list("kind", "comment")
    ]
    assert history == [
        ("warned", ""),
        ("overdue", ""),
        ("escalated", "Reassigned to 社区主任 of 五松社区."),
        ("overdue", ""),
        ("escalated", "Reassigned to 街道分管领导 of 长江路街道."),
        ("overdue", ""),
    ]
    review("street_leader", process, "approve")
    assert selectors.current_stage(process).key == "verify"


def test_the_task_page_shows_a_task_due_soon(city, settings):
    process = handling()
    services.process_deadlines(deadline(process).warn_at + MINUTE)
    client = Client()
    client.force_login(user("grid_worker"))
    settings.LANGUAGE_CODE = "zh-hans"
    page = client.get(inbox.task_url(inbox.open_task(process), "execute")).content.decode()
    assert 'class="pg-due pg-due-soon"' in page and "即将到期" in page


def test_a_ladder_must_fit_the_process(city):
    text = fixture_text("grid-incident")
    no_ladder = text.split("  ladder:\n")[0] + "  overseers:" + text.split("  overseers:")[1]
    messages = [message for _l, _p, message in problems_of(no_ladder)]
    assert messages == [
        "Stage “网格员处置” is reassigned up the escalation ladder when overdue: give it a "
        "deadline and the process a ladder."
    ]
    twice = text.replace(
        "    role_level: street\n  overseers:", "    role_level: community\n  overseers:"
    )
    messages = [message for _l, _p, message in problems_of(twice)]
    assert messages == ["The escalation ladder has one rung per level."]
    definition = import_definition(text)
    version = selectors.latest_version(definition)
    handle = next(s for s in selectors.diagram(selectors.snapshot(version)) if s.key == "handle")
    assert "warning at 75%" in handle.deadline_text
    assert "reassigned up the ladder: 社区主任 › 街道分管领导" in handle.deadline_text


def test_the_admin_designs_a_ladder(admin):  # noqa: F811
    intake = design_intake(admin)
    rows = [
        stage_row(
            "check",
            "社区初审",
            role("community_worker").pk,
            "2",
            warning_percent="80",
            escalation_reassigns="on",
        )
    ]
    ladder = [{"role": role("street_leader").pk, "role_level": "1"}]
    response = admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:add"),
        definition_post(intake, rows, ladder=ladder, **{"action-publish": "action-publish"}),
    )
    assert response.status_code == 302, response.context["form"].errors
    snapshot = selectors.snapshot(selectors.latest_version(definition_by_key("venue-booking")))
    assert [(rung.role.key, rung.role_level) for rung in snapshot.ladder] == [("street_leader", 1)]
    assert (snapshot.stages[0].warning_percent, snapshot.stages[0].escalation_reassigns) == (
        80,
        True,
    )


def definition_by_key(key: str) -> ProcessDefinition:
    return ProcessDefinition.objects.get(key=key)
