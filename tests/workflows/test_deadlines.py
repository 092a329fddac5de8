"""Deadlines in hours and working days; an overdue task is marked once, its escalation role is
notified once, and both are in the history."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.status import STATUS

from grid.models import Area
from workflows import calendar, services
from workflows.models import Notification, ProcessEvent, StageTask, TaskDeadline

from .factories import CommunityFactory, definition, holder, role, stage, submit, version_of

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


def test_working_days_skip_weekends_and_listed_holidays(settings):
    friday = at(2026, 9, 25, 10, 0)
    assert calendar.deadline(friday, 1, "working_days") == at(2026, 9, 28, 10, 0)
    settings.PROCESS_HOLIDAYS = ["2026-10-01", "2026-10-02"]
    settings.PROCESS_EXTRA_WORKING_DAYS = ["2026-10-10"]  # a Saturday made up (调休)
    wednesday = at(2026, 9, 30, 9, 0)
    assert calendar.deadline(wednesday, 1, "working_days") == at(2026, 10, 5, 9, 0)
    assert calendar.deadline(at(2026, 10, 9, 9, 0), 1, "working_days") == at(2026, 10, 10, 9, 0)


def test_hours_and_no_deadline():
    start = at(2026, 9, 25, 10, 0)
    assert calendar.deadline(start, 48, "hours") == start + datetime.timedelta(hours=48)
    assert calendar.deadline(start, None, "hours") is None


@pytest.fixture
def late():
    community = CommunityFactory()
    street = community.parent
    escalation = holder("street_leader", street, email="leader@example.gov.cn")
    worker = holder("community_worker", community, email="worker@example.gov.cn")
    d = definition(
        stage(
            "check",
            "community_worker",
            Area.Level.COMMUNITY,
            name="社区初审",
            deadline=2,
            deadline_unit="hours",
            escalation_role=role("street_leader"),
            escalation_level=Area.Level.STREET,
        )
    )
    process = services.start_process(version_of(d), submit(d, community))
    task = StageTask.objects.get(process=process, flow_task_type="HUMAN")
    return {"process": process, "task": task, "leader": escalation, "worker": worker}


def test_task_gets_its_deadline(late):
    task = late["task"]
    assert task.due_at is not None
    assert abs((task.due_at - task.created) - datetime.timedelta(hours=2)) < datetime.timedelta(
        seconds=5
    )


def test_overdue_marked_once_and_escalated_once(late, django_capture_on_commit_callbacks):
    task = late["task"]
    mail.outbox.clear()
    later = task.due_at + datetime.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.process_deadlines(now=task.due_at - datetime.timedelta(minutes=1)) == 0
        assert services.process_deadlines(now=later) == 1
        assert services.process_deadlines(now=later + datetime.timedelta(hours=5)) == 0
    assert TaskDeadline.objects.get(task=task).overdue_at == later
    assert ProcessEvent.objects.filter(process=late["process"], kind="overdue").count() == 1
    notes = Notification.objects.filter(user=late["leader"], text__contains="Overdue")
    assert notes.count() == 1
    assert [m.to for m in mail.outbox if "Overdue" in m.body] == [["leader@example.gov.cn"]]


def test_done_tasks_never_become_overdue(late):
    task = late["task"]
    services.decide(task, late["worker"], services.Decision(services.APPROVE))
    assert services.process_deadlines(now=timezone.now() + datetime.timedelta(days=30)) == 0


def test_command_runs_the_same_function(late, capsys):
    TaskDeadline.objects.filter(task=late["task"]).update(
        due_at=timezone.now() - datetime.timedelta(hours=1)
    )
    call_command("process_deadlines")
    assert "1 tasks became overdue" in capsys.readouterr().out
    assert TaskDeadline.objects.get(task=late["task"]).overdue_at is not None


def test_task_variant_runs_too(late):
    from workflows.tasks import process_deadlines

    TaskDeadline.objects.filter(task=late["task"]).update(
        due_at=timezone.now() - datetime.timedelta(hours=1)
    )
    result = process_deadlines.enqueue()
    assert result.return_value == 1


def test_open_tasks_count_overdue(late):
    from workflows import selectors

    TaskDeadline.objects.filter(task=late["task"]).update(
        due_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert selectors.task_counts(late["worker"]) == {
        "open": 1,
        "mine": 0,
        "waiting": 1,
        "due_soon": 0,
        "overdue": 1,
    }
    assert StageTask.objects.get(pk=late["task"].pk).status == STATUS.NEW


def test_notifications_list_and_mark_read(client, late):
    leader = late["leader"]
    TaskDeadline.objects.filter(task=late["task"]).update(
        due_at=timezone.now() - datetime.timedelta(hours=1)
    )
    services.process_deadlines()
    client.force_login(leader)
    account = client.get("/accounts/").content.decode()
    assert "1 unread" in account and "/accounts/notifications/" in account
    page = client.get("/accounts/notifications/").content.decode()
    assert "Overdue" in page
    client.post("/accounts/notifications/")
    assert not Notification.objects.filter(user=leader, read_at__isnull=True).exists()
    assert "unread" not in client.get("/accounts/").content.decode()
