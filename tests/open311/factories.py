"""A public supervision-report service for the Open311 tests, in a community of two grids drawn
side by side, with the people who act on its stages."""

from demo.registry import rectangle
from forms import services as form_services
from grid.models import Area
from tests.factories import BuildingFactory, CommunityFactory, GridFactory
from tests.forms.factories import data, definition_with
from workflows.models import ProcessDefinition

from ..workflows.factories import definition, holder, stage

KIND, OTHER_KIND, GRID, DESCRIPTION = "问题类型", "其他问题类型", "问题所在网格", "问题描述"
REPLY, NAME, PHONE, EMAIL, PHOTO, PLEDGE = (
    "是否需要回复",
    "姓名",
    "联系电话",
    "电子邮箱",
    "照片链接",
    "我承诺所反映的情况属实",
)
# Two grids side by side, 0.01° square each; a point inside the first.
FIRST_BOX = (117.80, 30.90, 117.81, 30.91)
SECOND_BOX = (117.81, 30.90, 117.82, 30.91)
INSIDE_FIRST = {"lat": "30.905", "long": "117.805"}


def report_form():
    return definition_with(
        {"label": "问题情况", "field_type": "section", "help_text": "请写清时间和地点。"},
        {"label": KIND, "field_type": "dropdown", "choices": "环境卫生\n设施损坏\n其他"},
        {
            "label": OTHER_KIND,
            "field_type": "singleline",
            "condition_field": KIND,
            "condition_values": "其他",
        },
        {"label": GRID, "field_type": "area", "area_level": Area.Level.GRID},
        {"label": DESCRIPTION, "field_type": "multiline"},
        {"label": PHOTO, "field_type": "url", "required": False},
        {"label": REPLY, "field_type": "radio", "choices": "需要\n不需要"},
        {
            "label": NAME,
            "field_type": "singleline",
            "is_personal": True,
            "condition_field": REPLY,
            "condition_values": "需要",
        },
        {
            "label": PHONE,
            "field_type": "phone",
            "condition_field": REPLY,
            "condition_values": "需要",
        },
        {"label": EMAIL, "field_type": "email", "required": False},
        {"label": PLEDGE, "field_type": "checkbox"},
        title="社区监督举报",
    )


def report_service(key: str = "supervision-report", **fields) -> ProcessDefinition:
    """Accepted by the community worker (5 working days), then checked by the street. The
    stages are numbered: without a sort order PostgreSQL may return them in any order."""
    return definition(
        stage(
            "accept",
            "community_worker",
            Area.Level.COMMUNITY,
            name="社区受理",
            deadline=5,
            sort_order=0,
        ),
        stage("verify", "street_official", Area.Level.STREET, name="街道核查", sort_order=1),
        intake=fields.pop("intake", None) or report_form(),
        key=key,
        name=fields.pop("name", "社区监督举报"),
        description=fields.pop("description", "反映社区里的问题。"),
        area_level=Area.Level.GRID,
        public_service=fields.pop("public_service", True),
        **fields,
    )


def city() -> dict:
    community = CommunityFactory(name="五松社区")
    first = GridFactory(parent=community, name="第一网格", boundary=rectangle(*FIRST_BOX))
    second = GridFactory(parent=community, name="第二网格", boundary=rectangle(*SECOND_BOX))
    return {
        "community": community,
        "first": first,
        "second": second,
        "building": BuildingFactory(grid=first, address="长江中路88号"),
        "worker": holder("community_worker", community, first_name="王受理"),
        "official": holder("street_official", community.parent, first_name="李核查"),
    }


def request_params(service: ProcessDefinition, **params) -> dict:
    """A complete POST requests body from a resident who wants a reply; a parameter given as
    None is left out."""
    key = codes(service)
    body = {
        "service_code": "supervision-report",
        **INSIDE_FIRST,
        "description": "东门垃圾桶满溢，三天没人清运。",
        f"attribute[{key[KIND]}]": "环境卫生",
        f"attribute[{key[REPLY]}]": "需要",
        f"attribute[{key[PLEDGE]}]": "true",
        "first_name": "小红",
        "last_name": "张",
        "phone": "13912345678",
        "email": "zhang@example.com",
        "media_url": "https://photos.example.com/1.jpg",
        **params,
    }
    return {name: value for name, value in body.items() if value is not None}


def codes(service: ProcessDefinition) -> dict[str, str]:
    """Attribute codes (field keys) by label."""
    return {field.label: field.clean_name for field in service.intake_form.fields.all()}


def report(service: ProcessDefinition, grid: Area, **answers):
    """A report sent through a form page rather than Open311: stored the same way."""
    form = form_services.validate(
        service.intake_form,
        data(
            service.intake_form,
            {
                KIND: "环境卫生",
                GRID: grid.code,
                DESCRIPTION: "垃圾桶满了",
                REPLY: "不需要",
                PLEDGE: "on",
                **answers,
            },
        ),
    )
    assert form.is_valid(), form.errors
    return form_services.store_submission(form)
