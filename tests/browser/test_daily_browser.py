"""On a phone, in Chinese, the demo grid worker signs in and lands on their grids today, walks
their grid: marks the blocked fire exit a problem (refused until they say what it is), adds a
photo, finishes the round; their grids today shows the grid inspected, and the grid's rounds
list it beside yesterday's. Their community director sees the grid inspected today and starts
no round."""

import pytest
from PIL import Image

from daily.models import Finding, FindingPhoto, Inspection
from demo import daily as demo_daily

from ..workflows.city import build_city
from .conftest import screenshot
from .test_stages_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_grid_worker_walks_their_grid_on_a_phone(live_server, phone_page, settings, tmp_path):
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    demo_daily.build()
    page = phone_page
    sign_in(page, live_server.url, "grid_worker")
    page.wait_for_url(f"{live_server.url}/today/")
    card = page.locator(".daily-grid", has_text="第一网格")
    assert "今日未巡查" in card.inner_text()
    assert "今天已巡查 0 / 1 个网格" in page.locator(".daily-summary").inner_text()
    screenshot(page, "daily-today-phone")
    card.get_by_role("button", name="开始巡查").click()

    fire = page.locator(".daily-finding", has_text="消防通道")
    fire.wait_for()
    fire.get_by_text("有问题").click()
    page.get_by_role("button", name="完成巡查").click()
    page.get_by_text("请写明发现了什么问题。").wait_for()
    assert (
        not Inspection.objects.filter(grid__name="第一网格", finished_at__isnull=True)
        .get()
        .findings.filter(problem=True)
        .exists()
    )
    fire = page.locator(".daily-finding", has_text="消防通道")
    fire.get_by_label("问题描述").fill("5栋一单元楼道电动车停放，堵塞消防通道。")
    picture = tmp_path / "楼道.jpg"
    Image.new("RGB", (64, 48), (180, 40, 40)).save(picture, "JPEG")
    fire.get_by_label("添加照片").set_input_files(str(picture))
    assert fire.locator(".daily-photo-chosen").inner_text() == "已选 1 张照片"
    screenshot(page, "daily-round-phone")
    page.get_by_role("button", name="完成巡查").click()
    page.wait_for_url(f"{live_server.url}/today/")
    assert "已完成巡查：第一网格。" in page.locator(".messages").inner_text()
    card = page.locator(".daily-grid", has_text="第一网格")
    assert "今日已巡查" in card.inner_text()
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 390, scroll  # no horizontal scrolling
    screenshot(page, "daily-today-done-phone")

    finding = Finding.objects.get(problem=True, note__startswith="5栋")
    assert FindingPhoto.objects.filter(finding=finding).count() == 1
    card.get_by_role("link", name="第一网格").click()
    rounds = page.locator(".daily-rounds li")
    rounds.first.wait_for()
    assert rounds.count() == 2 and "1 个问题" in rounds.first.inner_text()
    assert rounds.first.locator("time").inner_text() > rounds.last.locator("time").inner_text()
    rounds.first.get_by_role("link").click()
    page.get_by_text("5栋一单元楼道电动车停放").wait_for()
    image = page.locator(".daily-photos img").first
    image.scroll_into_view_if_needed()  # loaded lazily
    loaded = "img => img.complete && img.naturalWidth > 0"
    page.wait_for_function(loaded, arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 64
    screenshot(page, "daily-round-detail-phone")

    page.context.clear_cookies()
    sign_in(page, live_server.url, "community_director")
    page.goto(f"{live_server.url}/today/")
    director = page.locator(".daily-grid", has_text="第一网格")
    assert "今日已巡查" in director.inner_text()
    assert page.get_by_role("button", name="开始巡查").count() == 0
    screenshot(page, "daily-director-phone")
