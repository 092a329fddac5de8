"""POST requests: a report app files a request that becomes an intake submission and starts the
process, located by lat/long, an address or an area code; every bad request is refused in the
spec's error format and stores nothing."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.core import mail
from django.test import Client
from viewflow.workflow.status import STATUS

from forms.models import Submission
from workflows.models import ProcessInstance, StageTask

from .factories import (
    DESCRIPTION,
    EMAIL,
    GRID,
    KIND,
    NAME,
    OTHER_KIND,
    PHONE,
    PHOTO,
    PLEDGE,
    city,
    codes,
    report_service,
    request_params,
)

pytestmark = pytest.mark.django_db
URL = "/open311/v2/requests.json"


def post(client, data, **extra):
    return client.post(URL, data, **extra)


def errors(response) -> list[str]:
    return [error["description"] for error in response.json()]


def test_files_a_request_that_starts_the_process(
    client, place, service, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, request_params(service))
    assert response.status_code == 200, response.content
    [answer] = response.json()
    process = ProcessInstance.objects.get()
    code = process.reference
    assert answer == {
        "service_request_id": code,
        "service_notice": "Thanks, we will look into it. Follow it with its code at "
        f"http://testserver/track/{code}/",
        "account_id": None,
    }
    # The intake as a form page would have stored it, answers under the form's own fields.
    submission = process.submission
    by_label = {
        label: submission.form_data.get(name) for name, label, *_ in submission.fields_snapshot
    }
    assert by_label[GRID] == {"code": place["first"].code, "name": "第一网格"}
    assert by_label[DESCRIPTION] == "东门垃圾桶满溢，三天没人清运。"
    assert by_label[KIND] == "环境卫生" and by_label[PLEDGE] is True
    assert by_label[NAME] == "张小红" and by_label[PHONE] == "13912345678"
    assert by_label[EMAIL] == "zhang@example.com"
    assert by_label[PHOTO] == "https://photos.example.com/1.jpg"
    assert submission.page is None and submission.user is None
    assert process.area == place["first"] and process.applicant is None
    task = StageTask.objects.get(process=process, status=STATUS.NEW, flow_task_type="HUMAN")
    assert task.stage_name == "社区受理"
    # The confirmation email carries the code, as it does for a form page.
    assert [m.to for m in mail.outbox if code in m.subject] == [["zhang@example.com"]]


def test_answer_in_xml(client, place, service):
    response = client.post("/open311/v2/requests.xml", request_params(service))
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    code = ProcessInstance.objects.get().reference
    assert root.findtext("request/service_request_id") == code
    assert root.find("request/account_id").text is None


def test_conditional_fields_follow_the_form_rules(client, place, service):
    key = codes(service)
    response = post(
        client,
        request_params(
            service,
            **{f"attribute[{key['是否需要回复']}]": "不需要", f"attribute[{key[KIND]}]": "其他"},
        ),
    )
    assert response.status_code == 400
    assert errors(response) == [f"attribute[{key[OTHER_KIND]}]: This field is required."]
    response = post(
        client,
        request_params(
            service,
            **{
                f"attribute[{key['是否需要回复']}]": "不需要",
                f"attribute[{key[KIND]}]": "其他",
                f"attribute[{key[OTHER_KIND]}]": "占道经营",
            },
        ),
    )
    assert response.status_code == 200
    # No reply wanted: the name and phone were not asked for, so they are not kept.
    form_data = Submission.objects.get().form_data
    assert form_data[key[OTHER_KIND]] == "占道经营"
    assert key[NAME] not in form_data and key[PHONE] not in form_data


def test_located_by_a_buildings_address(client, place, service):
    data = request_params(service, lat=None, long=None, address_string=" 长江中路88号 ")
    assert post(client, data).status_code == 200
    assert ProcessInstance.objects.get().area == place["first"]


def test_located_by_a_grid_code(client, place, service):
    data = request_params(service, lat=None, long=None, address_id=place["second"].code)
    assert post(client, data).status_code == 200
    assert ProcessInstance.objects.get().area == place["second"]


def test_located_by_community_and_grid_names(client, place, service):
    data = request_params(service, lat=None, long=None, address_string="五松社区 第二网格")
    assert post(client, data).status_code == 200
    assert ProcessInstance.objects.get().area == place["second"]


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        (
            {"service_code": "no-such-service"},
            404,
            "service_code “no-such-service” is not a service open to the public.",
        ),
        ({"service_code": ""}, 400, "service_code is required."),
        (
            {"lat": None, "long": None},
            400,
            "A location is required: lat and long, address_string or address_id.",
        ),
        ({"lat": "30.905", "long": None}, 400, "lat/long: give both, in decimal degrees (WGS 84)."),
        (
            {"lat": "north", "long": "117.8"},
            400,
            "lat/long: give both, in decimal degrees (WGS 84).",
        ),
        ({"lat": "95", "long": "117.8"}, 400, "lat/long: give both, in decimal degrees (WGS 84)."),
        (
            {"lat": "39.9", "long": "116.4"},
            400,
            "lat/long: this place is outside every grid we serve.",
        ),
        (
            {"lat": None, "long": None, "address_id": "999999"},
            400,
            "address_id: no area has the code “999999”.",
        ),
        (
            {"lat": None, "long": None, "address_string": "火星路1号"},
            400,
            "address_string: no "
            "building, unit, community or grid matches “火星路1号”; send lat and long instead.",
        ),
        (
            {"lat": None, "long": None, "address_string": "五松社区"},
            400,
            "address_string: 五松社区 "
            "is not precise enough: this service needs a responsibility grid.",
        ),
        ({"description": ""}, 400, "description: This field is required."),
        (
            {"phone": "12345"},
            400,
            "phone: Enter a mainland mobile number (11 digits starting with 13–19) or a "
            "landline with its area code, such as 0562-2881234.",
        ),
        ({"email": "not-an-email"}, 400, "email: Enter a valid email address."),
    ],
)
def test_bad_requests_are_refused_and_store_nothing(
    client, place, service, params, status, message
):
    response = post(client, request_params(service, **params))
    assert response.status_code == status
    assert errors(response) == [message]
    assert response.json()[0]["code"] == status
    assert not Submission.objects.exists() and not ProcessInstance.objects.exists()


def test_ambiguous_address_names_the_candidates(client, place, service):
    other = city()
    other["community"].name = "长江社区"
    other["community"].save()
    response = post(client, request_params(service, lat=None, long=None, address_string="第一网格"))
    assert response.status_code == 400
    [message] = errors(response)
    # In the order of the areas' codes, which the factories hand out in whatever order the
    # tests before this one left them.
    assert re.search(
        r"matches several places \((五松|长江)社区 第一网格, (五松|长江)社区 第一网格\)", message
    )
    assert "五松社区 第一网格" in message and "长江社区 第一网格" in message


@pytest.mark.parametrize(
    ("attribute", "value", "message"),
    [
        (KIND, "外星人", "Select a valid choice. 外星人 is not one of the available choices."),
        (PLEDGE, "maybe", "answer true or false."),
        ("nonsense", "x", "this service has no such attribute."),
        (GRID, "340705001001001", "this service has no such attribute."),
    ],
)
def test_invalid_attributes_are_refused(client, place, service, attribute, value, message):
    code = codes(service).get(attribute, attribute)
    response = post(client, request_params(service, **{f"attribute[{code}]": value}))
    assert response.status_code == 400
    assert errors(response) == [f"attribute[{code}]: {message}"]
    assert not Submission.objects.exists()


def test_every_problem_is_listed(client, place, service):
    key = codes(service)
    response = post(
        client,
        request_params(service, description="", **{f"attribute[{key[KIND]}]": None}),
    )
    assert response.status_code == 400
    assert errors(response) == [
        f"attribute[{key[KIND]}]: This field is required.",
        "description: This field is required.",
    ]


def test_too_many_requests(client, place, service, settings):
    settings.FORMS_RATE_LIMIT_COUNT = 2
    assert post(client, request_params(service)).status_code == 200
    assert post(client, request_params(service, description="")).status_code == 400
    response = post(client, request_params(service))
    assert response.status_code == 429
    assert errors(response) == [
        "Too many requests from your connection: wait a few minutes and try again."
    ]
    assert ProcessInstance.objects.count() == 1
    # Another connection may still file.
    assert post(client, request_params(service), REMOTE_ADDR="10.0.0.9").status_code == 200


def test_needs_no_csrf_token_and_never_acts_as_the_signed_in_user(place, service):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(place["worker"])
    assert browser.post(URL, request_params(service)).status_code == 200
    process = ProcessInstance.objects.get()
    assert process.applicant is None and process.submission.user is None
    # Only the API is exempt: the site's own forms still need their token.
    assert browser.post("/accounts/logout/").status_code == 403


def test_a_process_that_cannot_start_is_refused(client, place):
    service = report_service(key="own-area", area_source="applicant")
    response = post(client, request_params(service, service_code="own-area"))
    assert response.status_code == 400
    assert errors(response) == ["The process could not find its area from this submission."]
    assert not Submission.objects.exists()


def test_too_large_a_request_is_refused(client, place, service, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(client, request_params(service, description="很长的描述" * 200))
    assert response.status_code == 413
    assert errors(response) == ["The request is too large."]
    assert not Submission.objects.exists()
