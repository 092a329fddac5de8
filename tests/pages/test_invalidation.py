"""A change renews the cached parts and pages that show it, at once, and only those: saving a
household renews the figures of its grid, community, street and district, while the cached
pages of another community stay as they are (their versions unchanged, their parts served from
the cache, their anonymous pages still hits)."""

import datetime
import io
import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from grid.imports import import_file
from grid.models import Role
from pages import cache as pages_cache
from pages import services
from pages.models import CommunityPage, NoticePage
from tests.factories import (
    AssignmentFactory,
    BuildingFactory,
    CommunityFactory,
    HouseholdFactory,
    UserFactory,
    valid_id_number,
)
from tests.imports.files import csv_bytes

from .factories import activity, add, grid_with_worker, public_role, site_for, volunteer

pytestmark = pytest.mark.django_db


class City:
    """Two communities of one street, each with a grid, a worker and one household, and the
    portal, street and community pages; a signed-in and an anonymous visitor."""

    def __init__(self):
        self.community = CommunityFactory(name="五松社区")
        self.neighbour = CommunityFactory(name="金口岭社区", parent=self.community.parent)
        self.street = self.community.parent
        self.district = self.street.parent
        self.portal, self.street_page, self.community_page = site_for(self.community)
        self.neighbour_page = add(
            self.street_page, CommunityPage, title="金口岭社区服务中心", area=self.neighbour
        )
        self.grid = grid_with_worker(self.community, name="第一网格")
        self.neighbour_grid = grid_with_worker(self.neighbour, name="邻网格")
        self.building = BuildingFactory(grid=self.grid)
        self.household = HouseholdFactory(building=self.building)
        HouseholdFactory(building=BuildingFactory(grid=self.neighbour_grid))
        self.signed_in = Client()
        self.signed_in.force_login(volunteer(self.community))
        self.anonymous = Client()
        self.urls = {
            "community": self.community_page.url,
            "neighbour": self.neighbour_page.url,
            "street": self.street_page.url,
            "portal": "/",
        }

    def page(self, name: str, client=None) -> str:
        response = (client or self.signed_in).get(self.urls[name])
        assert response.status_code == 200
        return response.content.decode()

    def warm(self) -> None:
        for name in self.urls:
            self.page(name)
            self.page(name, self.anonymous)
            assert self.anonymous.get(self.urls[name])["X-Page-Cache"] == "hit"

    def area_versions(self) -> dict[str, str]:
        areas = [self.district, self.street, self.community, self.neighbour]
        return {area.name: cache.get(pages_cache.area_key(area.code)) for area in areas}

    def queries(self, name: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            self.page(name)
        return len(captured)


@pytest.fixture
def city(settings):
    settings.PAGE_CACHE_SECONDS = 600
    settings.PAGE_FRAGMENT_CACHE_SECONDS = 600
    city = City()
    city.warm()
    return city


def households(content: str, name: str) -> str:
    """The household count shown beside an area's name on the street or portal page."""
    return re.search(rf"{name}.*?(\d+) households?", content, re.S).group(1)


def map_grid(content: str, code: str) -> dict:
    config = json.loads(re.search(r'id="grid-map-config"[^>]*>(.*?)</script>', content).group(1))
    return next(f["properties"] for f in config["features"] if f["properties"].get("code") == code)


def assert_neighbour_untouched(city, versions: dict[str, str], warm_queries: int) -> None:
    """The other community's version is the same, its parts come from the cache (no more
    queries than a page whose parts are all cached) and its anonymous page is still a hit."""
    assert city.area_versions()["金口岭社区"] == versions["金口岭社区"]
    assert city.queries("neighbour") == warm_queries
    assert city.anonymous.get(city.urls["neighbour"])["X-Page-Cache"] == "hit"


def test_an_import_renews_the_pages_that_show_the_registry(city):
    """...of the areas it wrote under, and only those."""
    warm_queries = city.queries("neighbour")
    before = city.area_versions()
    grid = city.grid
    header = ["网格编码", "楼栋", "门牌号", "户籍人口", "姓名", "身份证号", "电话", "与户主关系"]
    rows = [
        [grid.code, city.building.name, f"9-{n}", 1, f"新{n}", valid_id_number(90 + n), "", "户主"]
        for n in range(3)
    ]
    report = import_file(
        "households", io.BytesIO(csv_bytes([header, *rows])), user=None, dry_run=False
    )
    assert report.ok, report.errors
    after = city.area_versions()
    assert {name for name in before if before[name] != after[name]} == {
        "铜官区",
        city.street.name,
        "五松社区",
    }
    assert_neighbour_untouched(city, before, warm_queries)
    assert "4 households" in city.page("community")
    assert "4 households" in city.page("community", city.anonymous)
    assert households(city.page("street"), "五松社区") == "4"


def test_a_household_renews_its_community_street_and_district_only(city):
    warm_queries = city.queries("neighbour")
    before = city.area_versions()
    HouseholdFactory(building=city.building)
    after = city.area_versions()
    assert {name for name in before if before[name] != after[name]} == {
        "铜官区",
        city.street.name,
        "五松社区",
    }
    assert "2 households" in city.page("community")
    assert households(city.page("street"), "五松社区") == "2"
    assert households(city.page("portal"), city.street.name) == "3"
    anonymous = city.anonymous.get(city.urls["community"])
    assert anonymous["X-Page-Cache"] == "miss" and "2 households" in anonymous.content.decode()
    assert_neighbour_untouched(city, after, warm_queries)


def test_a_household_moved_to_another_community_renews_both(city):
    city.household.building = BuildingFactory(grid=city.neighbour_grid)
    city.household.save()
    assert "0 households" in city.page("community")
    assert "2 households" in city.page("neighbour")


def test_a_household_deleted_renews_its_community(city):
    warm_queries = city.queries("neighbour")
    city.household.delete()
    assert "0 households" in city.page("community")
    assert_neighbour_untouched(city, city.area_versions(), warm_queries)


def test_a_building_renews_the_map_of_its_community(city):
    warm_queries = city.queries("neighbour")
    assert map_grid(city.page("community"), city.grid.code)["building_count"] == 1
    BuildingFactory(grid=city.grid)
    assert map_grid(city.page("community"), city.grid.code)["building_count"] == 2
    assert_neighbour_untouched(city, city.area_versions(), warm_queries)


def test_an_assignment_renews_the_people_shown(city):
    warm_queries = city.queries("neighbour")
    role = public_role()
    assignment = AssignmentFactory(area=city.grid, role=role, user=UserFactory(first_name="新人"))
    assert "新人" in city.page("community")
    assert "新人" in city.page("community", city.anonymous)
    assert_neighbour_untouched(city, city.area_versions(), warm_queries)
    assignment.delete()
    assert "新人" not in city.page("community")


def test_a_changed_name_renews_the_pages_of_the_areas_the_person_serves(city):
    worker = city.grid.assignments.get().user
    worker.first_name = "改名了"
    worker.save()
    assert "改名了" in city.page("community")


def test_publishing_a_page_renews_the_pages_above_it_only(city):
    warm_queries = city.queries("neighbour")
    tree_before = cache.get(pages_cache.tree_key(city.neighbour_page.path))
    notice = NoticePage(title="停水通知", slug="water", date=datetime.date(2026, 3, 1))
    city.community_page.add_child(instance=notice)
    notice.save_revision().publish()
    for name in ("community", "street", "portal"):
        assert "停水通知" in city.page(name), name
        assert "停水通知" in city.page(name, city.anonymous), name
    assert cache.get(pages_cache.tree_key(city.neighbour_page.path)) == tree_before
    assert "停水通知" not in city.page("neighbour")
    assert_neighbour_untouched(city, city.area_versions(), warm_queries)
    notice.unpublish()
    assert "停水通知" not in city.page("community")


def test_a_page_title_is_renewed_in_the_breadcrumbs_below(city):
    city.street_page.title = "长江路街道网格中心"
    city.street_page.save_revision().publish()
    assert "长江路街道网格中心" in city.page("community", city.anonymous)
    assert "长江路街道网格中心" in city.page("neighbour", city.anonymous)


def test_a_sign_up_renews_the_places_taken(city):
    event = activity(city.community_page, capacity=2)
    assert "0 of 2 places taken" in city.page("community")
    services.sign_up(event, volunteer(city.community))
    assert "1 of 2 places taken" in city.page("community")
    assert "1 of 2 places taken" in city.page("community", city.anonymous)


def test_roles_are_shown_everywhere_and_renew_everything(city):
    role = Role.objects.get(key="grid_worker")
    role.name = "网格管理员"
    role.save()
    assert "网格管理员" in city.page("community")
    assert "网格管理员" in city.page("neighbour", city.anonymous)


def test_a_view_restriction_stops_serving_the_cached_page(city):
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(
        page=city.street_page, restriction_type=PageViewRestriction.LOGIN
    )
    response = city.anonymous.get(city.urls["community"])
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert "X-Page-Cache" not in response
    assert city.signed_in.get(city.urls["community"]).status_code == 200


def test_an_evicted_version_is_started_anew_and_nothing_cached_under_the_old_is_served(city):
    warm_queries = city.queries("community")
    cache.delete(pages_cache.area_key(city.community.code))
    assert city.queries("community") > warm_queries  # its parts computed again
    assert city.anonymous.get(city.urls["community"])["X-Page-Cache"] == "miss"


def test_a_preview_shows_the_draft_and_keeps_nothing(city, rf):
    page = CommunityPage.objects.get(pk=city.community_page.pk)
    page.intro = "<p>草稿的介绍</p>"
    for original in (None, rf.get("/", HTTP_COOKIE="sessionid=editor")):
        response = page.make_preview_request(original)
        assert "草稿的介绍" in response.content.decode()
    assert "草稿的介绍" not in city.page("community")
    assert "草稿的介绍" not in city.page("community", city.anonymous)
