"""The public registry API (/api/grid/) and Wagtail's headless API (/api/v2/): valid schema,
the documented fields and never a resident's personal data."""

import pytest
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

from grid.models import Area
from pages.models import CommunityPage
from tests.factories import (
    AssignmentFactory,
    BuildingFactory,
    CommunityFactory,
    HouseholdFactory,
    ResidentFactory,
    UserFactory,
)

from .factories import grid_with_worker, public_role, site_for

pytestmark = pytest.mark.django_db

AREA_KEYS = {
    "code",
    "name",
    "level",
    "kind",
    "parent",
    "household_count",
    "building_count",
    "boundary",
    "workers",
    "url",
}
WORKER_KEYS = {"name", "role", "work_phone", "photo"}
BOX = {
    "type": "Polygon",
    "coordinates": [
        [[117.8, 30.9], [117.81, 30.9], [117.81, 30.91], [117.8, 30.91], [117.8, 30.9]]
    ],
}


@pytest.fixture
def grid():
    community = CommunityFactory(name="五松社区")
    grid = grid_with_worker(community, name="第一网格", boundary=BOX)
    cleaner = public_role("cleaner", "保洁员", public=False)
    AssignmentFactory(area=grid, role=cleaner, user=UserFactory(first_name="不公开"))
    resident = ResidentFactory(
        household=HouseholdFactory(building=BuildingFactory(grid=grid)),
        name="王建国",
        phone="13800138000",
    )
    grid.resident = resident
    return grid


def test_area_detail_has_the_documented_fields_only(client, grid):
    response = client.get(f"/api/grid/areas/{grid.code}/")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == AREA_KEYS
    assert data["parent"] == grid.parent.code and data["level"] == Area.Level.GRID
    assert data["kind"] == "residential" and data["household_count"] == 1
    assert data["boundary"] == BOX
    assert [set(w) for w in data["workers"]] == [WORKER_KEYS]
    assert data["workers"][0] == {
        "name": f"worker of {grid.name}",
        "role": "网格员",
        "work_phone": "13956201001",
        "photo": "",
    }


def test_no_personal_data_anywhere(client, grid):
    resident = grid.resident
    for url in [
        f"/api/grid/areas/{grid.code}/",
        f"/api/grid/areas/?q={grid.code[:6]}",
        f"/api/grid/areas/geojson/?parent={grid.parent.code}",
    ]:
        body = client.get(url).content.decode()
        for secret in [resident.name, resident.phone, resident.id_number, "不公开", "保洁员"]:
            assert secret not in body, (url, secret)


def test_list_filters_and_search(client, grid):
    by_level = client.get("/api/grid/areas/?level=3").json()
    assert by_level["count"] == 1 and by_level["results"][0]["code"] == grid.code
    assert {r["code"] for r in client.get("/api/grid/areas/?q=五松").json()["results"]} == {
        grid.parent.code
    }
    by_code = client.get(f"/api/grid/areas/?q={grid.parent.code}").json()
    assert {r["code"] for r in by_code["results"]} == {grid.parent.code, grid.code}
    children = client.get(f"/api/grid/areas/?parent={grid.parent.code}").json()
    assert [r["code"] for r in children["results"]] == [grid.code]


@pytest.mark.parametrize(
    ("query", "field"),
    [("level=9", "level"), ("kind=castle", "kind"), ("parent=abc", "parent")],
)
def test_bad_filters_are_400_with_the_field_named(client, grid, query, field):
    response = client.get(f"/api/grid/areas/?{query}")
    assert response.status_code == 400 and field in response.json()


def test_unknown_area_is_404(client, grid):
    assert client.get("/api/grid/areas/340705999999999/").status_code == 404


def test_geojson_for_the_map(client, grid):
    data = client.get(f"/api/grid/areas/geojson/?parent={grid.parent.code}").json()
    assert data["type"] == "FeatureCollection"
    (feature,) = data["features"]
    assert feature["geometry"] == BOX
    assert feature["properties"]["code"] == grid.code
    assert feature["properties"]["household_count"] == 1
    assert [w["name"] for w in feature["properties"]["workers"]] == [f"worker of {grid.name}"]
    assert client.get("/api/grid/areas/geojson/").status_code == 400


def test_schema_is_valid_openapi_and_describes_the_api(client, grid):
    response = client.get("/api/grid/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert set(schema["paths"]) == {
        "/api/grid/areas/",
        "/api/grid/areas/{code}/",
        "/api/grid/areas/geojson/",
    }
    area = schema["components"]["schemas"]["Area"]["properties"]
    assert set(area) == AREA_KEYS
    assert set(schema["components"]["schemas"]["Worker"]["properties"]) == WORKER_KEYS


def test_schema_generation_has_no_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "api.yaml")
    assert "/api/grid/areas/{code}/" in (tmp_path / "api.yaml").read_text()


def test_wagtail_api_serves_pages_with_their_fields(client, grid):
    _portal, _street, page = site_for(grid.parent)
    response = client.get("/api/v2/pages/?type=pages.CommunityPage&fields=area,address,phone")
    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert item["title"] == page.title and item["address"] == "长江中路100号"
    assert item["area"] == {"code": grid.parent.code, "name": "五松社区", "level": 2, "kind": ""}
    detail = client.get(f"/api/v2/pages/{page.pk}/").json()
    assert detail["meta"]["type"] == "pages.CommunityPage" and "body" in detail
    assert client.get("/api/v2/images/").status_code == 200
    assert client.get("/api/v2/documents/").status_code == 200
    assert CommunityPage.objects.count() == 1
