"""Public pages find the page a path names in two queries (Wagtail reads two per level): the
same page, with the same subpage route, or the same 404, as Wagtail's own routing; the pages
above it for the breadcrumbs and the view restrictions that apply, without more queries."""

import datetime

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction, Site

from forms.models import FormPage
from pages.models import AccessListPage, NoticePage, PublicPage
from tests.factories import CommunityFactory
from tests.forms.factories import definition_with

from .factories import activity, add, site_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    portal, street_page, community_page = site_for(CommunityFactory(name="五松社区"))
    add(community_page, NoticePage, title="通知", slug="notice", date=datetime.date(2026, 3, 1))
    activity(community_page, slug="clean-up")
    add(community_page, AccessListPage, title="清单", slug="access")
    add(
        community_page,
        FormPage,
        title="表单",
        slug="form",
        definition=definition_with({"label": "What", "field_type": "singleline"}),
    )
    draft = add(community_page, NoticePage, title="草稿", slug="draft", live=False)
    add(draft, NoticePage, title="草稿下", slug="below")  # Wagtail serves it all the same
    return portal, street_page, community_page


PATHS = [
    "",
    "{street}",
    "{street}/{community}",
    "{street}/{community}/notice",
    "{street}/{community}/clean-up",
    "{street}/{community}/clean-up/sign-up",
    "{street}/{community}/clean-up/nothing",
    "{street}/{community}/access",
    "{street}/{community}/form",
    "{street}/{community}/form/done/ABC",
    "{street}/{community}/form/nothing",
    "{street}/{community}/draft",
    "{street}/{community}/draft/below",
    "{street}/{community}/nothing",
    "{street}/nothing/{community}",
    "search",
    "find-my-grid",
    "nothing",
]


def outcome(root, rf, path: str):
    """What routing the path from the root gives: the page and the subpage route, or 404."""
    request = rf.get("/" + path)
    try:
        page, args, _kwargs = root.route(request, [part for part in path.split("/") if part])
    except Http404:
        return "404"
    view = args[0].__name__ if args else None
    return (page.pk, type(page).__name__, view, tuple(args[1:2]))


@pytest.mark.parametrize("path", PATHS)
def test_same_outcome_as_wagtails_routing(rf, tree, monkeypatch, path):
    portal, street_page, community_page = tree
    path = path.format(street=street_page.slug, community=community_page.slug)
    ours = outcome(portal, rf, path)
    monkeypatch.setattr(PublicPage, "route", Page.route)
    assert ours == outcome(portal, rf, path)


def test_two_queries_and_the_pages_above_read_with_them(rf, tree):
    portal, street_page, community_page = tree
    request = rf.get("/")
    Site.find_for_request(request)  # as Wagtail does before routing
    path = [street_page.slug, community_page.slug, "notice"]
    with CaptureQueriesContext(connection) as captured:
        notice = portal.route(request, path).page
        ancestors = [page.pk for page in notice.route_ancestors]
        assert not notice.get_view_restrictions()
    # The pages along the path, the notice itself; the restrictions are read once for all
    # pages while none changes.
    assert len(captured) == 3
    assert ancestors == list(notice.get_ancestors().values_list("pk", flat=True))
    assert notice.get_parent().pk == community_page.pk
    request = rf.get("/")
    Site.find_for_request(request)
    with CaptureQueriesContext(connection) as captured:
        portal.route(request, path).page.get_view_restrictions()
    assert len(captured) == 2


def test_restrictions_of_the_pages_above_apply(client, tree):
    _portal, street_page, community_page = tree
    PageViewRestriction.objects.create(page=street_page, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(community_page.url + "notice/")
    assert response.status_code == 302 and "login" in response["Location"]
