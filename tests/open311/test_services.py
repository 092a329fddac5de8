"""GET services and services/<code>: the published processes open to the public, and their
intake forms as attributes."""

import xml.etree.ElementTree as ET

import pytest

from workflows.models import ProcessDefinition

from ..forms.factories import definition_with
from .factories import GRID, KIND, OTHER_KIND, PLEDGE, codes, report_service

pytestmark = pytest.mark.django_db


def test_lists_published_public_services_only(client):
    report_service()
    report_service(key="private", name="内部流程", public_service=False)
    report_service(key="draft", name="未发布", publish=False)
    report_service(key="members", name="仅登录", starter=ProcessDefinition.Starter.SIGNED_IN)
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == [
        {
            "service_code": "supervision-report",
            "service_name": "社区监督举报",
            "description": "反映社区里的问题。",
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": "",
        }
    ]


def test_services_in_xml(client):
    report_service()
    response = client.get("/open311/v2/services.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == ["supervision-report"]
    assert root.find("service/metadata").text == "true"


def test_service_definition_lists_the_intake_as_attributes(client):
    service = report_service()
    key = codes(service)
    attributes = client.get("/open311/v2/services/supervision-report.json").json()["attributes"]
    by_code = {a["code"]: a for a in attributes}
    # The location, the description, the name, phone, email and photo link come from the
    # request's own parameters; the rest are attributes, in the form's order.
    assert [a["code"] for a in attributes] == [
        "section-1",
        key[KIND],
        key[OTHER_KIND],
        key["是否需要回复"],
        key[PLEDGE],
    ]
    assert by_code["section-1"] == {
        "variable": False,
        "code": "section-1",
        "datatype": "string",
        "required": False,
        "datatype_description": "",
        "order": 1,
        "description": "问题情况: 请写清时间和地点。",
    }
    kind = by_code[key[KIND]]
    assert kind["datatype"] == "singlevaluelist" and kind["required"] is True
    assert kind["values"] == [
        {"key": "环境卫生", "name": "环境卫生"},
        {"key": "设施损坏", "name": "设施损坏"},
        {"key": "其他", "name": "其他"},
    ]
    other = by_code[key[OTHER_KIND]]
    assert other["datatype"] == "string" and other["required"] is False
    assert "Answer only if “问题类型” is “其他”." in other["datatype_description"]
    assert by_code[key[PLEDGE]]["values"] == [
        {"key": "true", "name": "Yes"},
        {"key": "false", "name": "No"},
    ]
    assert key[GRID] not in by_code


def test_service_definition_in_xml(client):
    report_service()
    root = ET.fromstring(client.get("/open311/v2/services/supervision-report.xml").content)
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "supervision-report"
    values = root.findall("attributes/attribute/values/value")
    assert [v.findtext("key") for v in values][:3] == ["环境卫生", "设施损坏", "其他"]


@pytest.mark.parametrize("code", ["nothing-here", "private"])
def test_unknown_or_private_service_is_404(client, code):
    report_service(key="private", public_service=False)
    response = client.get(f"/open311/v2/services/{code}.json")
    assert response.status_code == 404
    assert response.json() == [
        {"code": 404, "description": f"service_code “{code}” is not a service open to the public."}
    ]


def test_wrong_method_is_405_in_the_spec_format(client):
    response = client.post("/open311/v2/services.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json() == [{"code": 405, "description": "Use GET here."}]


def test_datatypes_of_other_fields(client):
    intake = definition_with(
        {"label": "问题所在网格", "field_type": "area", "area_level": 3},
        {"label": "受影响户数", "field_type": "number", "min_value": 1, "max_value": 500},
        {"label": "发现日期", "field_type": "date"},
        {"label": "涉及方面", "field_type": "checkboxes", "choices": "道路\n绿化"},
        {"label": "邮编", "field_type": "singleline", "required": False, "pattern": r"\d{6}",
         "pattern_message": "六位数字"},
        {"label": "现场照片", "field_type": "file", "required": False},
    )  # fmt: skip
    report_service(intake=intake)
    attributes = client.get("/open311/v2/services/supervision-report.json").json()["attributes"]
    described = {a["description"]: (a["datatype"], a["datatype_description"]) for a in attributes}
    assert described == {
        "受影响户数": ("number", "From 1 to 500."),
        "发现日期": ("datetime", "A date: YYYY-MM-DD."),
        "涉及方面": ("multivaluelist", "One or more of the keys, each as attribute[code][]."),
        "邮编": ("string", "六位数字"),
    }
