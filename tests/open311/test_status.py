"""GET requests/<id> and requests: the status of each request read from its process, as it
moves; the reference code and what the reporter sent only for callers who give the code; never
reviewers' names, internal notes or personal data."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.throttling import AnonRateThrottle
from viewflow.workflow.status import STATUS

from forms.models import Submission
from workflows import services
from workflows.models import StageTask
from workflows.selectors import process_by_code

from ..workflows.factories import version_of
from .factories import report, report_service, request_params

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(client, service):
    """A request filed through the API by a resident who wants a reply."""
    response = client.post(
        "/open311/v2/requests.json",
        request_params(service, description="东门垃圾桶满溢。"),
    )
    assert response.status_code == 200, response.content
    return process_by_code(response.json()[0]["service_request_id"])


def open_task(process) -> StageTask:
    return StageTask.objects.get(
        process=process, flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED]
    )


def decide(process, user, outcome, **fields):
    services.decide(open_task(process), user, services.Decision(outcome, **fields))
    process.refresh_from_db()


def by_code(client, process) -> dict:
    response = client.get(f"/open311/v2/requests/{process.reference}.json")
    assert response.status_code == 200
    [found] = response.json()
    return found


def local(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def test_by_code_reports_the_state_and_what_the_reporter_sent(client, place, filed):
    found = by_code(client, filed)
    street = place["community"].parent
    assert found == {
        "service_request_id": filed.reference,
        "status": "open",
        "status_notes": "Being handled: 社区受理",
        "service_name": "社区监督举报",
        "service_code": "supervision-report",
        "description": "东门垃圾桶满溢。",
        "agency_responsible": "五松社区",
        "service_notice": "Thanks, we will look into it.",
        "requested_datetime": local(filed.submission.submit_time),
        "updated_datetime": local(filed.events.get().at),
        "expected_datetime": local(open_task(filed).due_at),
        "address": f"第一网格, 五松社区, {street.name}, 铜官区",
        "address_id": place["first"].code,
        "zipcode": None,
        "lat": 30.905,
        "long": 117.805,
        "media_url": "https://photos.example.com/1.jpg",
    }
    assert found["requested_datetime"].endswith("+08:00")
    # The code is case-insensitive, like the tracking page's.
    lower = client.get(f"/open311/v2/requests/{filed.reference.lower()}.json")
    assert lower.json()[0]["service_request_id"] == filed.reference


def test_status_follows_the_process(client, place, filed):
    decide(
        filed,
        place["worker"],
        services.APPROVE,
        public_message="已派人清运。",
        comment="内部：交给保洁班长王五",
    )
    found = by_code(client, filed)
    assert found["status"] == "open"
    assert found["status_notes"] == "Being handled: 街道核查 — 已派人清运。"
    assert found["agency_responsible"] == place["community"].parent.name
    assert found["expected_datetime"] is None  # the street's stage has no deadline

    decide(filed, place["official"], services.APPROVE)
    response = client.get(f"/open311/v2/requests/{filed.reference}.json")
    [found] = response.json()
    assert found["status"] == "closed"
    assert found["status_notes"] == "Approved — 已派人清运。"
    assert found["updated_datetime"] == local(filed.finished)
    content = response.content.decode()
    for secret in ("内部", "王五", "王受理", "李核查", place["worker"].username, "13912345678"):
        assert secret not in content
    assert "张小红" not in content and "zhang@example.com" not in content


def test_rejected_is_closed_with_the_reason(client, place, filed):
    decide(filed, place["worker"], services.REJECT, public_message="不属于本社区受理范围。")
    found = by_code(client, filed)
    assert found["status"] == "closed"
    assert found["status_notes"] == "Rejected — 不属于本社区受理范围。"


def test_returned_for_revision_stays_open(client, place, filed):
    decide(filed, place["worker"], services.RETURN, public_message="请补充具体楼号。")
    found = by_code(client, filed)
    assert found["status"] == "open"
    assert found["status_notes"] == "Returned to the applicant for revision — 请补充具体楼号。"


def test_by_public_number_the_public_sees_no_code_and_nothing_the_reporter_sent(
    client, place, filed
):
    decide(filed, place["worker"], services.APPROVE, public_message="已派人清运。")
    response = client.get(f"/open311/v2/requests/{filed.pk}.json")
    [found] = response.json()
    assert found["service_request_id"] == str(filed.pk)
    assert found["status_notes"] == "Being handled: 街道核查"
    assert found["description"] is None and found["media_url"] is None
    content = response.content.decode()
    for private in (filed.reference, "东门垃圾桶", "photos.example.com", "已派人清运"):
        assert private not in content


@pytest.mark.parametrize("request_id", ["NOPE-NOPE-NOPE", "999999"])
def test_unknown_request_is_404(client, filed, request_id):
    response = client.get(f"/open311/v2/requests/{request_id}.json")
    assert response.status_code == 404
    assert response.json() == [
        {"code": 404, "description": f"service_request_id “{request_id}” was not found."}
    ]


def test_requests_of_private_processes_are_not_served(client, place):
    private = report_service(key="private", public_service=False)
    process = services.start_process(version_of(private), report(private, place["first"]))
    assert client.get(f"/open311/v2/requests/{process.reference}.json").status_code == 404
    assert client.get("/open311/v2/requests.json").json() == []


def file_many(service, grid, count):
    return [
        services.start_process(version_of(service), report(service, grid)) for _ in range(count)
    ]


def test_listing_names_requests_by_number_newest_first(client, place, service, filed):
    # A report sent through a form page of the same process is a request of the service too.
    from_page = services.start_process(version_of(service), report(service, place["second"]))
    response = client.get("/open311/v2/requests.json")
    found = response.json()
    assert [r["service_request_id"] for r in found] == [str(from_page.pk), str(filed.pk)]
    assert found[0]["address_id"] == place["second"].code
    content = response.content.decode()
    assert filed.reference not in content and from_page.reference not in content


def test_listing_by_ids_gives_codes_back_only_to_who_sent_them(client, place, service, filed):
    [other] = file_many(service, place["second"], 1)
    response = client.get(
        "/open311/v2/requests.json",
        {"service_request_id": f"{filed.reference},{other.pk}", "status": "closed"},
    )
    # service_request_id overrides every other filter.
    assert [r["service_request_id"] for r in response.json()] == [
        filed.reference,
        str(other.pk),
    ]


def test_listing_filters_by_status_service_and_period(client, place, service, filed):
    decide(filed, place["worker"], services.REJECT, public_message="重复反映。")
    [still_open] = file_many(service, place["first"], 1)
    other = report_service(key="incident", name="网格事件")
    [incident] = file_many(other, place["second"], 1)
    old = file_many(service, place["first"], 1)[0]
    Submission.objects.filter(pk=old.submission_id).update(
        submit_time=timezone.now() - datetime.timedelta(days=120)
    )

    def ids(**params):
        response = client.get("/open311/v2/requests.json", params)
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in response.json()}

    assert ids() == {str(filed.pk), str(still_open.pk), str(incident.pk)}
    assert ids(status="closed") == {str(filed.pk)}
    assert ids(status="open") == {str(still_open.pk), str(incident.pk)}
    assert ids(status="open,closed", service_code="incident") == {str(incident.pk)}
    old_day = (timezone.localdate() - datetime.timedelta(days=120)).isoformat()
    assert ids(start_date=old_day, end_date=old_day) == {str(old.pk)}
    now = timezone.now()
    assert ids(
        start_date=(now - datetime.timedelta(days=130)).isoformat(),
        end_date=(now - datetime.timedelta(days=60)).isoformat(),
    ) == {str(old.pk)}


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"status": "pending"}, 400, "status: give open, closed or both, comma-separated."),
        (
            {"start_date": "last tuesday"},
            400,
            "start_date: give a date and time such as 2026-03-01T08:00:00+08:00.",
        ),
        (
            {"end_date": "2026-02-30"},
            400,
            "end_date: give a date and time such as 2026-03-01T08:00:00+08:00.",
        ),
        (
            {"start_date": "2026-01-01", "end_date": "2026-06-01"},
            400,
            "start_date and end_date may not span more than 90 days.",
        ),
        (
            {"start_date": "2026-02-01", "end_date": "2026-01-01"},
            400,
            "end_date is before start_date.",
        ),
        (
            {"service_code": "nothing"},
            404,
            "service_code “nothing” is not a service open to the public.",
        ),
        (
            {"service_request_id": ",".join(["1"] * 101)},
            400,
            "service_request_id: at most 100 at once.",
        ),
    ],
)
def test_listing_refuses_bad_filters(client, service, params, status, message):
    response = client.get("/open311/v2/requests.json", params)
    assert response.status_code == status
    assert response.json() == [{"code": status, "description": message}]


def test_listing_in_xml(client, filed):
    root = ET.fromstring(client.get("/open311/v2/requests.xml").content)
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert request.findtext("service_request_id") == str(filed.pk)
    assert request.findtext("status") == "open"
    assert request.find("zipcode").text is None


def test_listing_queries_do_not_grow_with_the_requests(client, place, service):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/open311/v2/requests.json").status_code == 200
        return len(captured)

    file_many(service, place["first"], 2)
    few = queries()
    file_many(service, place["second"], 10)
    assert queries() == few


def test_reading_is_rate_limited_like_the_other_public_apis(client, service, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    assert client.get("/open311/v2/services.json").status_code == 200
    assert client.get("/open311/v2/requests.json").status_code == 200
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 429
    assert response.json()[0]["code"] == 429


def test_a_signed_in_session_gets_no_fresh_allowance(client, service, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    user = get_user_model().objects.create_user("reader", password="pw")
    client.force_login(user)
    statuses = [client.get("/open311/v2/services.json").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_withdrawn_request_is_closed_and_says_it_was_withdrawn(client, place, filed):
    services.withdraw(filed)
    found = by_code(client, filed)
    assert (found["status"], found["status_notes"]) == ("closed", "Withdrawn by the applicant")
    listed = client.get("/open311/v2/requests.json").json()
    [public] = [item for item in listed if item["service_request_id"] == str(filed.pk)]
    assert (public["status"], public["status_notes"]) == ("closed", "Withdrawn by the applicant")
