"""Residents and volunteers on the public site, in Chromium: finding one's grid on the map on a
phone, switching language, a volunteer signing up for an activity."""

import pytest

from demo.registry import rectangle
from pages.models import ActivitySignup, MapPage
from tests.factories import BuildingFactory, CommunityFactory, GridFactory, HouseholdFactory

from ..pages.factories import activity, add, grid_with_worker, site_for, volunteer
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    community = CommunityFactory(
        name="五松社区",
        parent__name="长江路街道",
        parent__boundary=rectangle(117.78, 30.90, 117.82, 30.96),
        boundary=rectangle(117.78, 30.90, 117.82, 30.93),
    )
    GridFactory(parent=community, name="第二网格", boundary=rectangle(117.80, 30.90, 117.82, 30.93))
    grid = grid_with_worker(
        community, name="第一网格", boundary=rectangle(117.78, 30.90, 117.80, 30.93)
    )
    building = BuildingFactory(grid=grid)
    for _ in range(3):
        HouseholdFactory(building=building)
    portal, _street, community_page = site_for(community)
    map_page = add(portal, MapPage, title="网格地图")
    return grid, map_page, community_page


def test_resident_finds_their_grid_on_the_map_on_a_phone(live_server, phone_page, city):
    grid, map_page, _community_page = city
    community, street = grid.parent, grid.parent.parent
    phone_page.goto(f"{live_server.url}{map_page.url}")
    phone_page.locator(f"path.area-{street.code}").tap()
    phone_page.locator(f"path.area-{community.code}").tap()
    phone_page.locator(f"path.area-{grid.code}").wait_for()
    screenshot(phone_page, "map-community-level")
    phone_page.locator(f"path.area-{grid.code}").tap()
    detail = phone_page.locator("#grid-map-detail")
    detail.get_by_role("heading", name="第一网格").wait_for()
    text = detail.inner_text()
    assert grid.code in text and "3 户" in text
    assert f"worker of {grid.name}" in text and "13956201001" in text
    screenshot(phone_page, "map-grid-detail-phone")
    phone_page.get_by_role("button", name=street.name).click()  # back up a level
    phone_page.locator(f"path.area-{community.code}").wait_for()


def test_resident_switches_language(live_server, page, city):
    page.goto(f"{live_server.url}/")
    page.get_by_role("heading", name="查找我的网格").wait_for()
    page.get_by_role("link", name="English").click()
    page.get_by_role("heading", name="Find my grid").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "portal-english")
    page.get_by_role("link", name="简体中文").click()
    page.get_by_role("heading", name="查找我的网格").wait_for()


def test_volunteer_signs_up_for_an_activity(live_server, phone_page, city):
    _grid, _map_page, community_page = city
    event = activity(community_page, capacity=2, title="楼道清洁志愿服务")
    member = volunteer(community_page.area, first_name="何欣怡")
    phone_page.goto(f"{live_server.url}{event.url}")
    phone_page.get_by_role("link", name="登录报名").click()
    phone_page.get_by_label("用户名").fill(member.username)
    phone_page.get_by_label("密码").fill("pw")
    phone_page.get_by_role("button", name="登录").click()
    phone_page.get_by_role("button", name="报名").click()
    phone_page.get_by_text("报名成功，感谢您参加志愿服务！").wait_for()
    assert "已报名 1 / 2 人" in phone_page.locator("#places").inner_text()
    screenshot(phone_page, "volunteer-signed-up")
    assert event.signups.get().status == ActivitySignup.Status.CONFIRMED
