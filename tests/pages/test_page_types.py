"""Each page type renders what a visitor needs, and sits only where it belongs in the tree."""

import datetime

import pytest
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from forms.models import FormPage
from pages.models import (
    AccessListPage,
    CommunityPage,
    MapPage,
    NoticePage,
    PortalPage,
    ServiceGuidePage,
    StreetPage,
    VolunteerActivityPage,
)
from tests.factories import CommunityFactory, StreetFactory, UserFactory

from .factories import activity, add, grid_with_worker, site_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    community = CommunityFactory(name="五松社区")
    grid_with_worker(community, name="第一网格")
    return site_for(community)


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_portal_shows_streets_notices_and_tools(client, tree):
    portal, street_page, community_page = tree
    add(community_page, NoticePage, title="停水通知", date=datetime.date(2026, 3, 1))
    add(portal, MapPage, title="Grid map")
    content = text(client.get("/"))
    assert street_page.area.name in content and "五松社区" in content
    assert "停水通知" in content and community_page.title in content  # notice with its community
    assert "Find my grid" in content and "Search this site" in content
    assert "Open the grid map" in content


def test_street_page_lists_its_communities_only(client, tree):
    portal, street_page, community_page = tree
    CommunityFactory(name="外街社区")
    map_page = add(portal, MapPage, title="Grid map")
    content = text(client.get(street_page.url))
    assert "五松社区" in content and community_page.url in content
    assert "外街社区" not in content
    assert f'href="{map_page.url}"' in content


def test_notice_guide_and_activity_pages_render(client, tree):
    _portal, _street, community_page = tree
    notice = add(
        community_page,
        NoticePage,
        title="停水通知",
        summary="明日停水",
        body=[("callout", {"tone": "warning", "heading": "注意", "text": "<p>请储水</p>"})],
    )
    guide = add(
        community_page,
        ServiceGuidePage,
        title="居住证办理",
        summary="办理居住证",
        eligibility="<p>居住半年以上</p>",
        materials="<p>身份证</p>",
        place="一楼窗口",
        opening_hours="8:30-17:30",
    )
    event = activity(community_page, title="楼道清洁", capacity=3)
    assert "请储水" in text(client.get(notice.url))
    guide_page = text(client.get(guide.url))
    assert all(
        s in guide_page for s in ["Who can apply", "居住半年以上", "What to bring", "身份证"]
    )
    event_page = text(client.get(event.url))
    assert "楼道清洁" in event_page and "0 of 3 places taken" in event_page
    assert "Log in to sign up" in event_page


def test_map_and_access_list_pages_render(client, tree):
    portal, _street, community_page = tree
    map_page = add(portal, MapPage, title="Grid map")
    access = add(community_page, AccessListPage, title="Access list")
    content = text(client.get(map_page.url))
    assert 'id="grid-map"' in content and "leaflet.js" in content
    assert "has not been admitted" in text(client.get(access.url))


@pytest.mark.parametrize(
    ("model", "parent", "allowed"),
    [
        (StreetPage, "portal", True),
        (CommunityPage, "street", True),
        (CommunityPage, "portal", False),
        (StreetPage, "community", False),
        (VolunteerActivityPage, "community", True),
        (VolunteerActivityPage, "street", False),
        (NoticePage, "community", True),
        (ServiceGuidePage, "portal", False),
        (AccessListPage, "community", True),
        (MapPage, "community", False),
        (PortalPage, "street", False),
        (FormPage, "portal", True),
        (FormPage, "street", True),
        (FormPage, "community", True),
    ],
)
def test_page_types_only_where_they_belong(tree, model, parent, allowed):
    portal, street_page, community_page = tree
    parents = {"portal": portal, "street": street_page, "community": community_page}
    assert model.can_create_at(parents[parent]) is allowed


def test_only_one_portal(tree):
    assert not PortalPage.can_create_at(Page.get_first_root_node())


def community_form(street_page, community, **extra):
    return nested_form_data(
        {
            "title": "新社区",
            "slug": "new-community",
            "area": community.pk,
            "intro": rich_text(""),
            "address": "",
            "opening_hours": "",
            "phone": "",
            "body": streamfield(extra.pop("body", [])),
            **extra,
        }
    )


def test_community_page_must_be_of_a_community_of_its_street(client, tree):
    _portal, street_page, _community = tree
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    foreign = CommunityFactory(parent=StreetFactory(), name="外街社区")
    url = f"/admin/pages/add/pages/communitypage/{street_page.pk}/"
    response = client.post(url, community_form(street_page, foreign))
    assert response.status_code == 200
    assert "Choose an area inside" in response.content.decode()
    assert not CommunityPage.objects.filter(slug="new-community").exists()

    mine = CommunityFactory(parent=street_page.area, name="新社区")
    response = client.post(url, community_form(street_page, mine))
    assert response.status_code == 302
    assert CommunityPage.objects.get(slug="new-community").area == mine


def test_editor_blocks_validate_phone_numbers(client, tree):
    _portal, street_page, _community = tree
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    mine = CommunityFactory(parent=street_page.area)
    card = {"name": "王主任", "role": "", "phone": "12345", "address": "", "hours": ""}
    response = client.post(
        f"/admin/pages/add/pages/communitypage/{street_page.pk}/",
        community_form(street_page, mine, body=[("contact", card)]),
    )
    assert response.status_code == 200
    assert "Enter a mainland mobile number" in response.content.decode()
    assert not CommunityPage.objects.filter(slug="new-community").exists()
