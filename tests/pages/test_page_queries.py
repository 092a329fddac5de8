"""Signed-in visitors (every staff member, every volunteer) get the community, street and portal
pages rendered for them around the parts every visitor shares, and anonymous visitors the same
with the page cache off: a few queries, the same however many grids, households and people
responsible there are, whether the shared parts come from the cache or are computed again."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pages.models import CommunityPage
from tests.factories import (
    AssignmentFactory,
    BuildingFactory,
    CommunityFactory,
    FacilityFactory,
    HouseholdFactory,
    UserFactory,
)

from .factories import activity, add, grid_with_worker, public_role, site_for, volunteer

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10


@pytest.fixture
def city():
    community = CommunityFactory(name="五松社区")
    neighbour = CommunityFactory(name="金口岭社区", parent=community.parent)
    _portal, street_page, community_page = site_for(community)
    add(street_page, CommunityPage, title="金口岭社区服务中心", area=neighbour)
    activity(community_page)
    return {
        "communities": (community, neighbour),
        "urls": {"community": community_page.url, "street": street_page.url, "portal": "/"},
    }


def grow(community, grids: int) -> None:
    """More grids, each with a worker, a building, households and a facility, and one more
    person responsible for the community."""
    for _ in range(grids):
        grid = grid_with_worker(community)
        building = BuildingFactory(grid=grid)
        for _ in range(3):
            HouseholdFactory(building=building)
        FacilityFactory(grid=grid, latitude=Decimal("30.9"), longitude=Decimal("117.8"))
    AssignmentFactory(
        area=community, role=public_role("community_worker", "社区工作者"), user=UserFactory()
    )


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def counts(client, url: str) -> tuple[int, int]:
    """(with the shared parts computed again, with them from the cache)."""
    cache.clear()
    cold = queries(client, url)
    return cold, queries(client, url)


@pytest.mark.parametrize("page", ["community", "street", "portal"])
@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "anonymous"])
def test_same_few_queries_as_the_city_grows(client, city, settings, page, signed_in):
    settings.PAGE_CACHE_SECONDS = 0  # anonymous visitors too get the page rendered
    community, neighbour = city["communities"]
    if signed_in:
        client.force_login(volunteer(community))
    url = city["urls"][page]
    grow(community, 2)
    grow(neighbour, 1)
    client.get(url)  # per-process caches (content types, site root paths)
    small = counts(client, url)
    grow(community, 20)
    grow(neighbour, 10)
    large = counts(client, url)
    assert small == large
    assert large[1] <= MAX_QUERIES, f"{large[1]} queries with the shared parts cached"
    content = client.get(url).content.decode()
    if page == "community":
        assert content.count('class="card grid-card"') == 22
        assert "66 households" in content
    assert ("Log out" in content) == signed_in
