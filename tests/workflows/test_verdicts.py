"""The resident's verdict: once a supervision report is approved, its tracking page asks whether
it was resolved and how satisfied they are; "not resolved" within seven days reopens it at the
stage the definition names; later it is only recorded. Strangers' input never breaks the page
or stores more than one verdict per completion."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from viewflow.workflow.status import STATUS

from workflows import selectors, services
from workflows.definition_files import import_definition
from workflows.models import (
    Notification,
    ProcessDefinition,
    ProcessEvent,
    ProcessInstance,
    Verdict,
)

from .city import build_city, fixture_text
from .test_definition_files import problems_of
from .test_shipped_processes import INCIDENT, REPORT, VERIFIED, decide, stage_of, start

pytestmark = pytest.mark.django_db

LEADING_CADRES = "党政领导干部“八小时以外”表现"


@pytest.fixture
def city():
    build_city()


def handled(answers=REPORT) -> ProcessInstance:
    """A supervision report taken to approval by the committee."""
    process = start("supervision-review", answers)
    decide(process, "supervisor", services.APPROVE)
    decide(process, "supervisor", services.APPROVE)
    decide(process, "supervisor", services.APPROVE, answers=VERIFIED)
    process.refresh_from_db()
    assert process.outcome == ProcessInstance.Outcome.APPROVED
    return process


def track(process: ProcessInstance, data: dict | None = None):
    url = f"/track/{process.reference}/"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    return client.post(url, data, follow=True) if data is not None else client.get(url)


def verdict(resolved: str, satisfaction: int, comment: str = "") -> dict:
    return {
        "verdict-resolved": resolved,
        "verdict-satisfaction": str(satisfaction),
        "verdict-comment": comment,
    }


def test_a_resolved_verdict_is_kept_once(city):
    process = handled()
    page = track(process).content.decode()
    assert "Your verdict" in page and "Was your problem resolved?" in page
    answer = track(process, verdict("yes", 4, "处理及时。"))
    assert "Thank you for your verdict." in answer.content.decode()
    kept = Verdict.objects.get()
    assert (kept.resolved, kept.satisfaction, kept.comment, kept.reopened) == (
        True,
        4,
        "处理及时。",
        False,
    )
    assert "Your verdict" not in answer.content.decode()
    track(process, verdict("no", 1))  # asked no more: nothing changes
    assert Verdict.objects.count() == 1
    event = process.events.get(kind=ProcessEvent.Kind.VERDICT)
    assert event.comment == "Resolved; satisfaction 4 of 5. 处理及时。"


def test_not_resolved_reopens_the_report_for_the_committee(city):
    process = handled()
    Notification.objects.all().delete()
    answer = track(process, verdict("no", 2, "补贴还是没有发。"))
    assert "has been reopened" in answer.content.decode()
    process.refresh_from_db()
    assert process.status == STATUS.NEW and process.outcome == ""
    assert stage_of(process) == "受理审查"  # the committee looks at it again
    assert Notification.objects.filter(user__username="supervisor").exists()
    kinds = list(process.events.values_list("kind", flat=True))
    assert kinds[-2:] == [ProcessEvent.Kind.VERDICT, ProcessEvent.Kind.REOPENED]
    assert "Reopened" in track(process).content.decode()

    # Handled again, it asks again.
    decide(process, "supervisor", services.APPROVE)
    decide(process, "supervisor", services.APPROVE)
    decide(process, "supervisor", services.APPROVE, answers=VERIFIED)
    process.refresh_from_db()
    assert process.outcome == ProcessInstance.Outcome.APPROVED
    assert selectors.awaits_verdict(process)
    track(process, verdict("yes", 5))
    assert list(Verdict.objects.values_list("resolved", "reopened")) == [
        (False, True),
        (True, False),
    ]


def test_a_report_on_leading_cadres_reopens_at_the_street(city):
    process = start("supervision-review", REPORT | {"监督类别": LEADING_CADRES})
    decide(process, "street_leader", services.APPROVE, answers=VERIFIED)
    process.refresh_from_db()
    track(process, verdict("no", 1))
    assert stage_of(process) == "街道受理办理（八小时以外）"


def test_too_late_a_verdict_is_recorded_but_reopens_nothing(city):
    process = handled()
    ProcessInstance.objects.filter(pk=process.pk).update(
        finished=process.finished - datetime.timedelta(days=8)
    )
    track(process, verdict("no", 1))
    process.refresh_from_db()
    assert process.outcome == ProcessInstance.Outcome.APPROVED
    assert Verdict.objects.get().reopened is False


def test_a_wrong_verdict_is_refused_with_reasons_and_nothing_kept(city):
    process = handled()
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        f"/track/{process.reference}/", {"verdict-satisfaction": "9"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Select a valid choice. 9 is not one of the available choices." in page
    assert "This field is required." in page
    assert not Verdict.objects.exists()


def test_only_approved_processes_of_definitions_that_ask_are_asked(city):
    rejected = start("supervision-review", REPORT)
    decide(rejected, "supervisor", services.REJECT, public_message="不属于监督范围。")
    rejected.refresh_from_db()
    assert not selectors.awaits_verdict(rejected)
    assert "Your verdict" not in track(rejected).content.decode()
    incident = start("grid-incident", INCIDENT)
    assert not selectors.awaits_verdict(incident)


def test_a_file_may_reopen_only_at_one_of_its_stages(city):
    text = fixture_text("supervision-review")
    messages = [
        m for _l, _p, m in problems_of(text.replace("reopen_stage: street", "reopen_stage: x"))
    ]
    assert messages == ["A “not resolved” verdict must reopen the process at one of its stages."]
    messages = [m for _l, _p, m in problems_of(text.replace("  asks_verdict: true\n", ""))]
    assert messages == ["A process reopens on the applicant's verdict only if it asks for it."]


def test_the_admin_names_the_reopening_stage_from_a_list(city, admin_client):
    definition = import_definition(fixture_text("supervision-review"))
    page = admin_client.get(
        reverse("wagtailsnippets_workflows_processdefinition:edit", args=[definition.pk])
    ).content.decode()
    assert '<select name="reopen_stage"' in page
    assert '<option value="street" selected>' in page
    assert ProcessDefinition.objects.get(pk=definition.pk).reopen_days == 7


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.dictionaries(
        st.sampled_from(["verdict-resolved", "verdict-satisfaction", "verdict-comment", "x"]),
        st.one_of(st.text(max_size=600), st.sampled_from(["yes", "no", "1", "5", "0", "-1"])),
    )
)
def test_whatever_a_stranger_sends_the_page_answers_and_keeps_at_most_one(city_once, data):
    process = city_once
    response = Client().post(f"/track/{process.reference}/", data)
    # Sent (302), refused with reasons (422), or no longer asked once answered (200).
    assert response.status_code in (200, 302, 422)
    assert Verdict.objects.filter(process=process).count() <= 1


@pytest.fixture
def city_once(city, settings):
    settings.TRACK_RATE_LIMIT_COUNT = 1000  # the look-up limit is tested on its own
    return handled()
