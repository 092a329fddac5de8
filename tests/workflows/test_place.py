"""A process that finds its area where things happen — a building's address, an area code or a
point — and moves when the applicant's revision names another place: its next task goes to
the new area's people."""

import pytest
from django.test import Client

from forms.models import Submission
from grid import geometry
from grid import selectors as grid_selectors
from grid.models import Area
from tests.factories import BuildingFactory
from tests.forms.factories import data
from workflows import selectors
from workflows.definition_files import import_definition
from workflows.models import ProcessEvent, ProcessInstance

from . import inbox
from .city import build_city, user
from .factories import process_page_for
from .test_definition_files import problems_of
from .test_shipped_processes_http import review, send

pytestmark = pytest.mark.django_db

FIRST_GRID = "340705001001001"  # 五松社区 第一网格
OTHER_GRID = "340705002002001"  # 金口岭社区, community_worker_2's

REPAIR = """\
format: 2
forms:
- slug: repair-report
  title: 公共设施报修
  fields:
  - label: 事发地点
    field_type: singleline
    required: true
    help_text: 楼栋地址，或经纬度（如 117.81,30.93）。
  - label: 情况
    field_type: multiline
    required: true
process:
  key: repair
  name: 公共设施报修
  intake_form: repair-report
  starter: anyone
  area_source: place
  area_level: grid
  area_field: 事发地点
  stages:
  - key: accept
    name: 社区受理
    actor: role
    role: community_worker
    role_level: community
"""


@pytest.fixture
def repair(db):
    build_city()
    BuildingFactory(grid=Area.objects.get(code=FIRST_GRID), address="五松新村3栋")
    BuildingFactory(grid=Area.objects.get(code=OTHER_GRID), address="金口岭小区8栋")
    return import_definition(REPAIR)


def report(definition, place: str, capture) -> ProcessInstance:
    return send(definition, {"事发地点": place, "情况": "路灯不亮。"}, capture=capture)


def returned(definition, capture):
    """A report from 五松新村3栋, returned to the applicant to check the place."""
    process = report(definition, "五松新村3栋", capture)
    review("community_worker", process, "return", message="请核对地点。")
    return process, selectors.snapshot(process.version).intake_form


def test_the_area_is_where_the_building_is(repair, django_capture_on_commit_callbacks):
    process = report(repair, "五松新村3栋", django_capture_on_commit_callbacks)
    assert process.area.code == FIRST_GRID
    review("community_worker", process, "approve")


def test_the_area_is_where_a_point_or_a_code_is(repair, django_capture_on_commit_callbacks):
    grid = Area.objects.get(code=FIRST_GRID)
    longitude, latitude = geometry.boundary_centre(grid.boundary)
    assert grid_selectors.grid_at(longitude, latitude) == grid
    for place in (f"{longitude:.6f}, {latitude:.6f}", FIRST_GRID):
        process = send(
            repair,
            {"事发地点": place, "情况": "井盖缺失。"},
            capture=django_capture_on_commit_callbacks,
        )
        assert process.area.code == FIRST_GRID


@pytest.mark.parametrize(
    ("place", "reason"),
    [
        ("火星基地", "“火星基地” is not a place we serve"),
        ("五松社区", "“五松社区” is a whole Community"),
        ("0,0", "“0,0” is not a place we serve"),
    ],
)
def test_a_place_that_names_no_grid_is_refused_and_nothing_stored(repair, place, reason):
    page = process_page_for(repair, slug="repair-page")
    intake = selectors.snapshot(selectors.latest_version(repair)).intake_form
    before = Submission.objects.count()
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        page.url, data(intake, {"事发地点": place, "情况": "路灯不亮。"})
    )
    assert response.status_code in (200, 422)
    assert reason in response.content.decode()
    assert Submission.objects.count() == before


def test_a_revision_naming_another_place_moves_the_process(
    repair, django_capture_on_commit_callbacks
):
    process, intake = returned(repair, django_capture_on_commit_callbacks)
    revised = {"事发地点": "金口岭小区8栋", "情况": "路灯不亮。"}
    response = Client().post(f"/track/{process.reference}/", data(intake, revised))
    assert response.status_code == 302
    process.refresh_from_db()
    assert process.area.code == OTHER_GRID
    moved = process.events.get(kind=ProcessEvent.Kind.MOVED)
    assert moved.comment == "From 五松社区第一网格 to 金口岭社区第一网格."
    # The next task is the new area's.
    task = inbox.open_task(process)
    assert task.owner_permission == selectors.queue_permission("community_worker", OTHER_GRID[:12])
    assert not task.flow_task.can_assign(user("community_worker"), task)
    review("community_worker_2", process, "approve")
    assert process.outcome == "approved"


def test_a_revision_naming_no_place_is_refused(repair, django_capture_on_commit_callbacks):
    process, intake = returned(repair, django_capture_on_commit_callbacks)
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        f"/track/{process.reference}/",
        data(intake, {"事发地点": "火星基地", "情况": "路灯不亮。"}),
        follow=True,
    )
    assert "“火星基地” is not a place we serve" in response.content.decode()
    process.refresh_from_db()
    assert process.area.code == FIRST_GRID
    assert not process.events.filter(kind=ProcessEvent.Kind.RESUBMITTED).exists()


def test_a_place_needs_a_field_of_the_intake(repair):
    messages = [
        m for _l, _p, m in problems_of(REPAIR.replace("area_field: 事发地点", "area_field: 地点"))
    ]
    assert messages == ["The intake form has no field “地点” to take the area from."]
