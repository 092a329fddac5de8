"""What a stranger may send Open311: out-of-range dates, odd digits, NUL bytes, control
characters and random text. Every answer is the spec's error list or a result, never a 500,
every XML answer parses, and nothing is stored from a refused request."""

import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from workflows.models import ProcessInstance

from .factories import request_params

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("end_date=9999-12-31", 400, "end_date"),
        ("start_date=0001-01-01", 400, "start_date"),
        ("start_date=9999-12-31T23:59:59Z", 400, "start_date"),
        ("service_request_id=²", 200, None),
        ("service_request_id=99999999999999999999999999", 200, None),
        ("service_code=report%00", 400, "service_code"),
        ("status=open%00", 400, "status"),
    ],
)
def test_listing_answers_strange_filters_without_failing(client, service, query, status, words):
    for response_format in ("json", "xml"):
        response = client.get(f"/open311/v2/requests.{response_format}?{query}")
        assert response.status_code == status, response.content
        if response_format == "xml":
            ET.fromstring(response.content)
        elif words:
            assert words in response.json()[0]["description"]


@pytest.mark.parametrize("request_id", ["²", "١٢", "9" * 30, "%00", "A%00B"])
def test_a_strange_request_id_is_not_found(client, service, request_id):
    response = client.get(f"/open311/v2/requests/{request_id}.xml")
    assert response.status_code in (400, 404)
    ET.fromstring(response.content)


@pytest.mark.parametrize("parameter", ["service_code", "address_string", "description"])
def test_a_nul_byte_in_a_filing_is_refused_and_nothing_is_stored(client, service, parameter):
    params = request_params(service, description="东门垃圾桶满溢。")
    params.pop("lat", None), params.pop("long", None)
    params["address_string"] = "五松社区 第一网格"
    params[parameter] = params[parameter] + "\x00x"
    response = client.post("/open311/v2/requests.json", params)
    assert response.status_code == 400
    assert parameter in response.json()[0]["description"]
    assert not ProcessInstance.objects.exists()


def test_control_characters_echoed_in_xml_still_parse(client, service):
    response = client.get("/open311/v2/services/\x1bno\x08such.xml")
    assert response.status_code == 404
    [error] = ET.fromstring(response.content)
    assert "nosuch" in error.findtext("description")


@examples(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "service_code",
                "status",
                "start_date",
                "end_date",
                "service_request_id",
                "jurisdiction_id",
            ]
        ),
        st.text(max_size=30),
        max_size=4,
    )
)
def test_any_listing_query_gets_an_answer_that_parses(client, service, query):
    response = client.get("/open311/v2/requests.xml", query)
    assert response.status_code in (200, 400, 404)
    ET.fromstring(response.content)


@examples(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    address=st.text(max_size=40),
    description=st.text(max_size=80),
    lat=st.one_of(st.text(max_size=12), st.floats(allow_nan=True).map(str)),
)
def test_any_filing_is_stored_whole_or_refused(
    client, service, settings, address, description, lat
):
    settings.FORMS_RATE_LIMIT_COUNT = 0
    params = request_params(service, description=description)
    params.update({"address_string": address, "lat": lat})
    before = ProcessInstance.objects.count()
    response = client.post("/open311/v2/requests.xml", params)
    assert response.status_code in (200, 400, 404)
    ET.fromstring(response.content)
    assert ProcessInstance.objects.count() - before == (1 if response.status_code == 200 else 0)
