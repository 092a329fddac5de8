"""The four shipped processes end to end over HTTP, as each role: the applicant on the public
form page and the tracking page, every reviewer in the inbox at /workflow/."""

import pytest
from django.test import Client

from grid.models import Assignment, Department, Volunteer
from pages.models import AccessListEntry
from tests.forms.factories import data, png
from workflows import selectors
from workflows.models import ProcessInstance, ProcessPage

from . import inbox
from .city import build_city, import_fixture, user
from .factories import process_page_for
from .test_shipped_processes import ACCESS, INCIDENT, REPORT, REVIEW, SIGN_UP, VERIFIED

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    build_city()


def apply(key: str, answers: dict, *, as_user=None, files=None, capture) -> ProcessInstance:
    """Send the shipped process's form on its public page and return the process it started."""
    return send(import_fixture(key), answers, as_user=as_user, files=files, capture=capture)


def send(definition, answers: dict, *, as_user=None, files=None, capture) -> ProcessInstance:
    """Send a process's form on a public page of its own and return the process it started."""
    intake = selectors.snapshot(selectors.latest_version(definition)).intake_form
    page = ProcessPage.objects.filter(slug=definition.key).first() or process_page_for(
        definition, slug=definition.key
    )
    client = Client()
    if as_user is not None:
        client.force_login(as_user)
    with capture(execute=True):
        response = client.post(page.url, {**data(intake, answers), **data(intake, files or {})})
    assert response.status_code == 302, response.content.decode()[:3000]
    process = ProcessInstance.objects.latest("pk")
    assert client.get(f"/track/{process.reference}/").status_code == 200
    return process


def review(username: str, process: ProcessInstance, outcome: str, answers=None, **fields):
    extra = {}
    if answers is not None:
        definition = selectors.snapshot(process.version).reviewer_form(
            selectors.current_stage(process)
        )
        extra = data(definition, answers)
    decision = {"decision-outcome": outcome, "decision-public_message": fields.pop("message", "")}
    decision.update({f"decision-{k}": v for k, v in fields.items()})
    inbox.act(user(username), process, {**decision, **extra})
    process.refresh_from_db()


def dispatch_value(process: ProcessInstance) -> str:
    """The decision form's value for the first grid's worker, as the form offers it."""
    stage = selectors.current_stage(process)
    choices = dict(selectors.dispatch_choices(process, stage))
    held = Assignment.objects.get(user__username="grid_worker", role__key="grid_worker")
    assert f"a{held.pk}" in choices and "赵磊" in choices[f"a{held.pk}"]
    return f"a{held.pk}"


def test_access_request_over_http(city, django_capture_on_commit_callbacks):
    process = apply(
        "community-work-access",
        ACCESS,
        as_user=user("department_clerk"),
        capture=django_capture_on_commit_callbacks,
    )
    review("street_official", process, "approve", answers=REVIEW)
    review("street_leader", process, "approve")
    assert process.outcome == "approved"
    assert AccessListEntry.objects.filter(reference__startswith=process.reference).count() == 2


def test_volunteer_registration_over_http(city, django_capture_on_commit_callbacks):
    process = apply("volunteer-registration", SIGN_UP, capture=django_capture_on_commit_callbacks)
    review("community_worker", process, "approve")
    assert Volunteer.objects.get(phone=SIGN_UP["手机号码"]).user.is_active
    tracking = Client().get(f"/track/{process.reference}/").content.decode()
    assert "x***@example.com" in tracking  # told where the sign-in link went


def test_supervision_review_over_http(city, django_capture_on_commit_callbacks):
    process = apply(
        "supervision-review",
        REPORT,
        files={"现场照片": png()},
        capture=django_capture_on_commit_callbacks,
    )
    review("supervisor", process, "approve")
    civil_affairs = Department.objects.get(key="civil_affairs")
    review("supervisor", process, "refer", department=civil_affairs.pk)
    clerk = Client()
    clerk.force_login(user("department_clerk"))
    task = inbox.open_task(process)
    clerk.post(inbox.task_url(task, "assign"))
    page = clerk.get(inbox.task_url(task, "execute")).content.decode()
    assert REPORT["情况描述"] in page and "李秀英" not in page and "13905621234" not in page
    assert (
        clerk.post(inbox.task_url(task, "execute"), {"answer": "本月底前发放。"}).status_code == 302
    )
    review("supervisor", process, "approve")
    review("supervisor", process, "approve", answers=VERIFIED)
    assert process.outcome == "approved"
    tracking = Client().get(f"/track/{process.reference}/").content.decode()
    assert "Approved" in tracking


def test_grid_incident_over_http_with_a_revision(city, django_capture_on_commit_callbacks):
    process = apply("grid-incident", INCIDENT, capture=django_capture_on_commit_callbacks)
    review("community_worker", process, "return", message="请说明具体楼栋单元。")
    intake = selectors.snapshot(process.version).intake_form
    revised = INCIDENT | {"具体位置": "五松新村 5 栋 2 单元楼道"}
    response = Client().post(f"/track/{process.reference}/", data(intake, revised))
    assert response.status_code == 302
    review("community_worker", process, "approve", dispatch=dispatch_value(process))
    review("grid_worker", process, "approve")
    review(
        "community_worker",
        process,
        "approve",
        answers={"核查结果": "已解决", "核查说明": "已清理。"},
    )
    assert process.outcome == "approved"
    history = [e.kind for e in process.events.all()]
    assert "resubmitted" in history
