"""The demo's street and community staff edit their own site's pages in the Wagtail admin, and
no other site's."""

from collections import Counter

import pytest
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from demo import sites as demo
from pages.models import NoticePage
from tests.factories import AssignmentFactory, CommunityFactory, RoleFactory, group_with

from .factories import add, site_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites():
    ours = CommunityFactory(name="五松社区")
    _portal, _street_page, our_page = site_for(ours)
    theirs = CommunityFactory(parent=ours.parent, name="天井湖社区")
    their_page = add(our_page.get_parent(), type(our_page), title="天井湖", area=theirs)
    director = AssignmentFactory(
        area=ours,
        role=RoleFactory(key="community_director", group=group_with("wagtailadmin.access_admin")),
    ).user
    return director, our_page, their_page


def notice_form(title: str) -> dict:
    return nested_form_data(
        {
            "title": title,
            "slug": "winter-safety",
            "kind": "notice",
            "date": "2026-11-27",
            "summary": "入户检查楼道堆物",
            "body": streamfield([("text", rich_text("<p>请居民配合。</p>"))]),
            "action-publish": "publish",
        }
    )


def test_a_community_director_publishes_a_notice_on_their_community_site(client, sites):
    director, our_page, _their_page = sites
    demo.build_site_editors(Counter())
    client.force_login(director)

    assert client.get(f"/admin/pages/{our_page.pk}/edit/").status_code == 200
    response = client.post(
        f"/admin/pages/add/pages/noticepage/{our_page.pk}/", notice_form("冬季消防安全排查")
    )

    assert response.status_code == 302
    notice = NoticePage.objects.get(slug="winter-safety")
    assert notice.live
    assert notice.get_parent().pk == our_page.pk


def test_nor_edits_nor_adds_to_another_community_site(client, sites):
    director, _our_page, their_page = sites
    demo.build_site_editors(Counter())
    client.force_login(director)

    edit = client.get(f"/admin/pages/{their_page.pk}/edit/")
    add_notice = client.post(
        f"/admin/pages/add/pages/noticepage/{their_page.pk}/", notice_form("越权通知")
    )

    assert edit.status_code in (302, 403)
    assert add_notice.status_code in (302, 403)
    assert not NoticePage.objects.exists()
    assert not Page.objects.filter(title="越权通知").exists()


def test_site_editor_groups_are_built_once(sites):
    director, our_page, _their_page = sites
    first, second = Counter(), Counter()

    demo.build_site_editors(first)
    demo.build_site_editors(second)

    assert first["groups"] == 1
    assert second["groups"] == 0
    group = director.groups.get(name="五松社区网站编辑")
    assert group.page_permissions.filter(page=our_page).count() == 3
