"""The deadline check records each run; the admin dashboard says when it last ran and warns
everyone when it has stopped running."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from workflows import periodic
from workflows.models import PeriodicRun, TaskDeadline

from ..factories import UserFactory, group_with
from .test_deadlines import late  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def overdue_now(task) -> None:
    TaskDeadline.objects.filter(task=task).update(
        due_at=timezone.now() - datetime.timedelta(hours=1)
    )


def test_command_and_task_record_each_run(late):  # noqa: F811
    from workflows.tasks import process_deadlines

    overdue_now(late["task"])
    call_command("process_deadlines")
    process_deadlines.enqueue()
    first, second = PeriodicRun.objects.filter(job="process_deadlines").order_by("started_at")
    assert (first.handled, second.handled) == (1, 0)
    assert first.finished_at >= first.started_at and not first.error


def test_a_failing_run_is_recorded_with_its_error():
    with pytest.raises(ZeroDivisionError):
        periodic.record_run("broken", lambda: 1 // 0)
    run = PeriodicRun.objects.get(job="broken")
    assert run.error.startswith("ZeroDivisionError")
    assert run.finished_at is not None


def test_old_runs_are_pruned():
    old = timezone.now() - periodic.KEEP_RUNS - datetime.timedelta(days=1)
    PeriodicRun.objects.create(job=periodic.DEADLINE_CHECK, started_at=old, finished_at=old)
    periodic.run_deadline_check()
    assert PeriodicRun.objects.filter(job=periodic.DEADLINE_CHECK).count() == 1


def test_status_is_late_past_its_interval(settings):
    settings.PROCESS_DEADLINE_CHECK_MINUTES = 5
    assert periodic.deadline_check_status().late  # never ran
    periodic.run_deadline_check()
    assert not periodic.deadline_check_status().late
    PeriodicRun.objects.update(started_at=timezone.now() - datetime.timedelta(minutes=7))
    assert periodic.deadline_check_status().late


def test_a_failed_last_run_counts_as_not_run(settings):
    periodic.run_deadline_check()
    PeriodicRun.objects.update(started_at=timezone.now() - datetime.timedelta(minutes=20))
    with pytest.raises(ZeroDivisionError):
        periodic.record_run(periodic.DEADLINE_CHECK, lambda: 1 // 0)
    status = periodic.deadline_check_status()
    assert status.late
    assert status.last_run.error.startswith("ZeroDivisionError")


@pytest.fixture
def staff():
    user = UserFactory()
    user.groups.add(group_with("wagtailadmin.access_admin"))
    return user


def test_superuser_sees_when_it_last_ran(client, django_user_model):
    periodic.record_run(periodic.DEADLINE_CHECK, lambda: 3)
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.cn", "x"))
    content = client.get("/admin/").content.decode()
    assert "Deadline check" in content
    assert "marked 3 tasks overdue" in content
    assert "not being marked" not in content


def test_staff_see_nothing_while_it_runs(client, staff):
    periodic.run_deadline_check()
    client.force_login(staff)
    assert "Deadline check" not in client.get("/admin/").content.decode()


def test_everyone_is_warned_when_it_stopped(client, staff, settings):
    settings.PROCESS_DEADLINE_CHECK_MINUTES = 5
    periodic.run_deadline_check()
    PeriodicRun.objects.update(started_at=timezone.now() - datetime.timedelta(hours=2))
    client.force_login(staff)
    content = client.get("/admin/").content.decode()
    assert "Deadline check" in content
    assert "It should run every 5 minutes: overdue tasks are not being marked" in content
    assert "peoples-grid-deadlines timer" in content


def test_warning_when_it_never_ran(client, staff):
    client.force_login(staff)
    content = client.get("/admin/").content.decode()
    assert "It has never run" in content


def test_an_install_without_timers_runs_the_jobs_itself(late, client, staff):  # noqa: F811
    overdue_now(late["task"])
    call_command("run_periodic_jobs", "--once")
    run = PeriodicRun.objects.get(job=periodic.DEADLINE_CHECK)
    assert run.handled == 1 and run.error == ""
    client.force_login(staff)
    content = client.get("/admin/").content.decode()
    assert "It has never run" not in content and "timer" not in content
