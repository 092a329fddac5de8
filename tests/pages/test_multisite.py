"""One site serves the district; a street can be given its own hostname as another Wagtail
site rooted at its street page, which then shows only that street's subtree."""

import pytest
from wagtail.models import Site

from pages.models import CommunityPage, StreetPage
from tests.factories import CommunityFactory, StreetFactory

from .factories import add, grid_with_worker, site_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites():
    community = CommunityFactory(name="五松社区")
    grid_with_worker(community, name="第一网格")
    portal, street_page, community_page = site_for(community)
    other_street = StreetFactory(name="铜官山街道")
    other_community = CommunityFactory(parent=other_street, name="金口岭社区")
    other_page = add(portal, StreetPage, title="铜官山街道中心", area=other_street)
    add(other_page, CommunityPage, title="金口岭社区中心", area=other_community)
    Site.objects.create(hostname="changjiang.example", port=80, root_page=street_page)
    return portal, street_page, community_page


def test_street_host_serves_the_street_as_its_home(client, sites):
    _portal, street_page, community_page = sites
    home = client.get("/", HTTP_HOST="changjiang.example")
    content = home.content.decode()
    assert home.status_code == 200 and street_page.title in content
    assert "五松社区" in content and "金口岭社区" not in content
    community = client.get(f"/{community_page.slug}/", HTTP_HOST="changjiang.example")
    assert community.status_code == 200 and "第一网格" in community.content.decode()


def test_pages_outside_the_street_are_not_on_its_host(client, sites):
    portal, _street, _community = sites
    other = portal.get_children().get(title="铜官山街道中心")
    assert client.get(f"/{other.slug}/", HTTP_HOST="changjiang.example").status_code == 404


def test_default_site_still_serves_the_whole_district(client, sites):
    _portal, street_page, community_page = sites
    content = client.get("/").content.decode()
    assert "五松社区" in content and "金口岭社区" in content
    # Outside a request Wagtail names the most specific site; the portal's host serves it too.
    assert community_page.url == f"http://changjiang.example/{community_page.slug}/"
    path = f"/{street_page.slug}/{community_page.slug}/"
    assert client.get(path).status_code == 200
    assert f'href="{path}"' in content


def test_links_on_the_street_host_stay_on_it(client, sites):
    _portal, _street, community_page = sites
    content = client.get("/", HTTP_HOST="changjiang.example").content.decode()
    assert f'href="/{community_page.slug}/"' in content
