"""'Find my grid': an address, building, unit, community name or code gives the grid, its code,
its workers and the community service centre."""

from urllib.parse import quote

import pytest

from tests.factories import BuildingFactory, CommunityFactory, UnitFactory

from .factories import grid_with_worker, site_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    community = CommunityFactory(name="五松社区")
    grid = grid_with_worker(community, name="第一网格")
    BuildingFactory(grid=grid, name="五松新村3栋", address="长江西路12号")
    other = grid_with_worker(community, name="第二网格")
    UnitFactory(grid=other, name="市人民医院", address="义安大道8号")
    portal, _street, community_page = site_for(community)
    return portal, grid, other, community_page


def find(client, portal, query: str) -> str:
    response = client.get(f"{portal.url}find-my-grid/?q={quote(query)}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("query", ["长江西路12号", "五松新村3栋", "12号"])
def test_by_address_or_building(client, city, query):
    portal, grid, other, community_page = city
    content = find(client, portal, query)
    assert "One grid matches" in content
    assert grid.code in content and f"worker of {grid.name}" in content
    assert "13956201001" in content
    assert "Community service centre" in content and "长江中路100号" in content
    assert f"{community_page.url}#grid-{grid.code}" in content
    assert other.code not in content


def test_by_unit_community_or_code(client, city):
    portal, grid, other, _page = city
    assert other.code in find(client, portal, "人民医院")
    by_community = find(client, portal, "五松社区")
    assert "2 grids match" in by_community and grid.code in by_community
    by_code = find(client, portal, grid.code)
    assert grid.code in by_code and other.code not in by_code


def test_short_or_unknown_queries_explain_themselves(client, city):
    portal, *_ = city
    assert "Type at least two characters." in find(client, portal, "五")
    assert "No grid found for" in find(client, portal, "火星路1号")


def test_grids_outside_the_portal_district_are_not_found(client, city):
    portal, *_ = city
    elsewhere = CommunityFactory(parent__parent__code="340702", parent__parent__name="外区")
    grid = grid_with_worker(elsewhere)
    BuildingFactory(grid=grid, address="长江西路999号")
    assert "No grid found" in find(client, portal, "长江西路999号")
