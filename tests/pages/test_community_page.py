"""The community page: its grids with kind and household count, each grid's responsible people
from the registry (public roles only, never personal data), in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grid.models import Area
from tests.factories import (
    AssignmentFactory,
    BuildingFactory,
    CommunityFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    UserFactory,
)

from .factories import grid_with_worker, public_role, site_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(name="五松社区")


def test_grids_with_kind_households_and_workers(client, community):
    grid = grid_with_worker(community, name="第一网格")
    unit_grid = GridFactory(parent=community, name="医院网格", kind=Area.Kind.UNIT)
    building = BuildingFactory(grid=grid)
    for _ in range(3):
        HouseholdFactory(building=building)
    _portal, _street, page = site_for(community)
    content = client.get(page.url).content.decode()
    assert "第一网格" in content and grid.code in content
    assert "Residential grid" in content and "3 households" in content
    assert "医院网格" in content and "Unit grid" in content and unit_grid.code in content
    assert f"worker of {grid.name}" in content and "网格员" in content
    assert "tel:13956201001" in content
    assert "长江中路100号" in content and "8:30-17:30" in content and "0562-2881234" in content


def test_only_public_roles_and_never_residents(client, community):
    grid = grid_with_worker(community)
    cleaner = public_role("cleaner", "保洁员", public=False)
    AssignmentFactory(area=grid, role=cleaner, user=UserFactory(first_name="不公开的人"))
    resident = ResidentFactory(household__building__grid=grid, name="王建国", phone="13800138000")
    _portal, _street, page = site_for(community)
    content = client.get(page.url).content.decode()
    assert "不公开的人" not in content and "保洁员" not in content
    assert resident.name not in content and resident.phone not in content
    assert resident.id_number not in content


def test_never_shows_areas_outside_its_subtree(client, community):
    grid_with_worker(community, name="本社区网格")
    neighbour = CommunityFactory(parent=community.parent)
    grid_with_worker(neighbour, name="邻社区网格")
    _portal, _street, page = site_for(community)
    content = client.get(page.url).content.decode()
    assert "本社区网格" in content and "邻社区网格" not in content


def add_grids(community, count):
    for _ in range(count):
        grid = grid_with_worker(community)
        HouseholdFactory(building=BuildingFactory(grid=grid))


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_same_queries_with_5_and_50_grids(client, community, settings):
    # The rendering itself, neither the page cache nor the cache of shared parts (see
    # test_page_queries.py for both).
    settings.PAGE_CACHE_SECONDS = 0
    settings.PAGE_FRAGMENT_CACHE_SECONDS = 0
    _portal, _street, page = site_for(community)
    add_grids(community, 5)
    client.get(page.url)  # warm per-process caches (content types, site root paths)
    small = queries(client, page.url)
    add_grids(community, 45)
    large = queries(client, page.url)
    assert small == large
    assert client.get(page.url).content.decode().count('class="card grid-card"') == 50
