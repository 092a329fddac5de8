"""Anonymous visitors are served from the page cache; publishing and registry changes a page
shows invalidate it; signed-in users never get a cached (someone else's) page."""

import pytest

from grid.models import Assignment
from tests.factories import AssignmentFactory, CommunityFactory, HouseholdFactory, UserFactory

from .factories import grid_with_worker, public_role, site_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def community_page():
    community = CommunityFactory(name="五松社区")
    grid_with_worker(community, name="第一网格")
    return site_for(community)[2]


def get(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200
    return response


def test_second_anonymous_visit_is_a_hit(client, community_page):
    assert get(client, community_page.url)["X-Page-Cache"] == "miss"
    again = get(client, community_page.url)
    assert again["X-Page-Cache"] == "hit"
    assert "五松社区" in again.content.decode()
    assert again["Content-Type"].startswith("text/html")


def test_publishing_a_page_invalidates(client, community_page):
    get(client, community_page.url)
    community_page.title = "五松社区党群服务中心"
    community_page.save_revision().publish()
    response = get(client, community_page.url)
    assert response["X-Page-Cache"] == "miss"
    assert "五松社区党群服务中心" in response.content.decode()


def test_registry_changes_the_page_shows_invalidate(client, community_page):
    get(client, community_page.url)
    grid = community_page.area.children.get()
    AssignmentFactory(area=grid, role=public_role(), user=UserFactory(first_name="新来的网格员"))
    assert "新来的网格员" in get(client, community_page.url).content.decode()
    HouseholdFactory(building__grid=grid)
    assert "1 household" in get(client, community_page.url).content.decode()
    Assignment.objects.filter(user__first_name="新来的网格员").delete()
    assert "新来的网格员" not in get(client, community_page.url).content.decode()


def test_signed_in_users_are_never_served_a_cached_page(client, community_page):
    get(client, community_page.url)
    get(client, community_page.url)  # cached now
    user = UserFactory(first_name="陈静")
    client.force_login(user)
    response = get(client, community_page.url)
    assert not response.has_header("X-Page-Cache")
    assert "Log out" in response.content.decode()
    client.logout()
    anonymous = get(client, community_page.url).content.decode()
    assert "Log out" not in anonymous and "Log in" in anonymous


def test_languages_and_query_strings_are_kept_apart(client, community_page):
    get(client, community_page.url)
    client.cookies["django_language"] = "zh-hans"
    chinese = get(client, community_page.url)
    assert chinese["X-Page-Cache"] == "miss" and "社区服务中心" in chinese.content.decode()
    assert not get(client, f"{community_page.url}?x=1").has_header("X-Page-Cache")


def test_other_hosts_have_their_own_entries(client, community_page):
    from wagtail.models import Site

    street_page = community_page.get_parent().specific
    Site.objects.create(hostname="street.example", root_page=street_page)
    get(client, "/")
    response = get(client, "/", HTTP_HOST="street.example")
    assert response["X-Page-Cache"] == "miss"
    assert street_page.title in response.content.decode()
