"""On a phone, in Chinese, the demo grid worker signs in and lands on their grids today, walks
their grid: marks the blocked fire exit a problem (refused until they say what it is), adds a
photo, finishes the round and reports the problem as a grid incident from its pre-filled form;
once the community dispatches it to them it is in their tasks. Their grids today shows the grid
inspected, and the grid's rounds list it beside yesterday's. Their community director sees the
grid inspected today and starts no round. The worker also visits a household found on the
building's status map, writes the visit in the diary and follows it up."""

import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError

from daily.models import Finding, FindingPhoto, Inspection, Visit
from demo import daily as demo_daily
from grid.models import Area, Tag

from ..factories import BuildingFactory, HouseholdFactory, ResidentFactory
from ..workflows.city import build_city, import_fixture
from ..workflows.test_shipped_processes import FIRST_GRID, decide, grid_worker_here
from .conftest import screenshot
from .test_stages_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the phone keeps to send (daily/offline.js): each save's writer and whether it was refused.
KEPT = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("daily-offline", 1);
  opening.onerror = () => reject(opening.error);
  opening.onsuccess = () => {
    const all = opening.result.transaction("queue").objectStore("queue").getAll();
    all.onsuccess = () =>
      resolve(all.result.map((item) => ({ user: item.user, refused: Boolean(item.refused) })));
  };
})"""


def kept_on_the_phone(page) -> list[dict]:
    return page.evaluate(KEPT)


def test_a_grid_worker_walks_their_grid_on_a_phone(live_server, phone_page, settings, tmp_path):
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    import_fixture("grid-incident")
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
    Image.new("RGB", (3200, 2400), (180, 40, 40)).save(picture, "JPEG")  # a phone's camera
    fire.get_by_label("添加照片").set_input_files(str(picture))
    fire.locator(".upload-chosen", has_text="已选 1 张照片").wait_for()  # once resized
    screenshot(page, "daily-round-phone")
    page.get_by_role("button", name="完成巡查").click()
    page.get_by_role("link", name="上报为事件").click()
    page.get_by_role("heading", name="网格事件处置").wait_for()
    assert page.get_by_label("所在网格").input_value() == FIRST_GRID
    assert (
        page.get_by_label("事件描述").input_value()
        == "消防通道：5栋一单元楼道电动车停放，堵塞消防通道。"
    )
    page.get_by_label("事件类型 *", exact=True).select_option("安全隐患")
    page.get_by_label("具体位置").fill("五松新村 5 栋一单元")
    assert page.locator(".upload-chosen").inner_text() == "未选择文件"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "daily-report-phone")
    page.get_by_role("button", name="提交").click()
    reported = page.locator(".daily-reported")
    reported.wait_for()
    assert "社区受理派单" in reported.inner_text()
    finding = Finding.objects.get(problem=True, note__startswith="5栋")
    decide(finding.process, "community_worker", "approve", dispatch_to=grid_worker_here())
    page.goto(f"{live_server.url}/tasks/")
    assert finding.process.number in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/today/")
    card = page.locator(".daily-grid", has_text="第一网格")
    assert "今日已巡查" in card.inner_text()
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 390, scroll  # no horizontal scrolling
    screenshot(page, "daily-today-done-phone")

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
    # Made 1600 pixels wide on the phone before it was sent.
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [1600, 1200]
    screenshot(page, "daily-round-detail-phone")

    page.context.clear_cookies()
    sign_in(page, live_server.url, "community_director")
    page.goto(f"{live_server.url}/today/")
    director = page.locator(".daily-grid", has_text="第一网格")
    assert "今日已巡查" in director.inner_text()
    assert page.get_by_role("button", name="开始巡查").count() == 0
    screenshot(page, "daily-director-phone")


def test_a_grid_worker_visits_a_household_from_the_status_map(live_server, phone_page, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    demo_daily.build()
    grid = Area.objects.get(code=FIRST_GRID)
    building = BuildingFactory(grid=grid, name="5栋", floors=3, units=2)
    alone = Tag.objects.create(name="独居老人", short="独", visit_interval_days=7)
    poor = Tag.objects.create(name="低保户", short="保", sensitive=True, visit_interval_days=30)
    doors = {
        door: HouseholdFactory(building=building, door_number=door)
        for door in ("1-101", "1-102", "1-201", "1-202", "1-301", "2-101", "2-302")
    }
    doors["1-201"].tags.add(alone)
    ResidentFactory(household=doors["1-201"], name="李桂兰")
    ResidentFactory(household=doors["2-302"], name="周建华").tags.add(poor)

    page = phone_page
    sign_in(page, live_server.url, "grid_worker")
    page.wait_for_url(f"{live_server.url}/today/")
    due = page.locator(".daily-care li")
    assert due.count() == 2 and "从未走访" in due.first.inner_text()
    screenshot(page, "daily-care-phone")
    page.locator(".daily-grid", has_text="第一网格").get_by_role("link", name="住户与走访").click()
    page.get_by_role("link", name="5栋").click()
    page.get_by_role("heading", name="5栋户情图").wait_for()
    first, second = page.locator("table.daily-map").all()
    # Entrance 1 has three floors of two flats, the top floor first; entrance 2 has 302 on
    # the third floor, its empty landings dashed.
    assert first.locator("th").all_inner_texts() == ["3层", "2层", "1层"]
    assert first.locator("tr").nth(1).locator("td").first.inner_text().split() == ["201", "独"]
    assert "保" in second.inner_text() and "周建华" not in page.content()
    assert second.locator("td.is-empty").count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "daily-building-map-phone")

    first.get_by_role("link", name="1-201 独居老人").click()
    page.get_by_role("heading", name="5栋 1-201").wait_for()
    assert "李桂兰" in page.locator("main").inner_text()
    page.get_by_role("link", name="记录走访").click()
    page.get_by_label("见到了谁").fill("户主本人")
    page.get_by_text("医疗健康").click()
    page.get_by_text("需要跟进").click()
    page.get_by_role("button", name="保存走访").click()
    page.get_by_text("请写下反映的情况。").wait_for()
    page.get_by_label("反映的情况").fill("腿脚不便，希望每周有人上门量血压。")
    screenshot(page, "daily-visit-form-phone")
    page.get_by_role("button", name="保存走访").click()
    page.get_by_role("heading", name="5栋 1-201").wait_for()
    visit = page.locator(".daily-visit").first
    assert "腿脚不便" in visit.inner_text() and "待跟进" in visit.inner_text()
    screenshot(page, "daily-household-phone")

    page.goto(f"{live_server.url}/today/")
    assert page.locator(".daily-care li").count() == 1  # visited today: no longer due
    follow_up = page.locator(".daily-follow-ups li")
    assert "腿脚不便" in follow_up.inner_text()
    follow_up.get_by_role("button", name="已跟进").click()
    page.wait_for_url(f"{live_server.url}/today/")
    assert page.locator(".daily-follow-ups li").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def grid_worker_at_home(live_server, page, settings, building: str, door: str):
    """The demo city in Chinese with a household at `door` of `building` in the first grid,
    and its grid worker signed in on `page`, at My grids today."""
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    grid = Area.objects.get(code=FIRST_GRID)
    household = HouseholdFactory(
        building=BuildingFactory(grid=grid, name=building), door_number=door
    )
    sign_in(page, live_server.url, "grid_worker")
    page.wait_for_url(f"{live_server.url}/today/")
    return household


def test_a_visit_written_offline_is_sent_once_when_the_connection_returns(
    live_server, phone_page, settings
):
    page = phone_page
    household = grid_worker_at_home(live_server, page, settings, "7栋", "1-501")
    form_url = f"{live_server.url}/today/households/{household.pk}/visit/"
    page.goto(form_url)
    # The service worker keeps the form and My grids today once they were opened online.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(form_url)
    page.goto(f"{live_server.url}/today/")

    page.context.set_offline(True)
    page.goto(form_url)  # from the phone
    page.get_by_label("见到了谁").fill("户主本人")
    page.get_by_text("环境设施").click()
    page.get_by_label("反映的情况").fill("五楼楼道灯坏了一周。")
    page.get_by_role("button", name="保存走访").click()
    page.get_by_text("没有网络：走访已保存在手机上").wait_for()
    assert not Visit.objects.exists()
    screenshot(page, "daily-visit-offline-phone")
    page.goto(f"{live_server.url}/today/")
    queue = page.locator("[data-offline-queue]")
    assert "1 条走访或巡查记录保存在手机上" in queue.inner_text()

    page.context.set_offline(False)
    queue.wait_for(state="hidden")
    stored = Visit.objects.get()
    assert (stored.household, stored.text) == (household, "五楼楼道灯坏了一周。")
    # Opening the page again sends nothing more.
    page.reload()
    page.wait_for_load_state("networkidle")
    assert Visit.objects.count() == 1


def test_a_shared_phone_keeps_each_workers_visits_for_them_and_forgets_their_pages(
    live_server, phone_page, settings
):
    """A visit kept offline is sent only while its writer is signed in; signing out removes
    the pages kept for working offline, and says what is still waiting on the phone."""
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    grid = Area.objects.get(code=FIRST_GRID)
    household = HouseholdFactory(
        building=BuildingFactory(grid=grid, name="7栋"), door_number="1-501"
    )
    today = f"{live_server.url}/today/"
    form_url = f"{today}households/{household.pk}/visit/"
    page = phone_page
    sign_in(page, live_server.url, "grid_worker")
    page.wait_for_url(today)
    page.goto(form_url)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(form_url)
    page.goto(today)
    page.context.set_offline(True)
    page.goto(form_url)
    page.get_by_label("见到了谁").fill("户主本人")
    page.get_by_text("环境设施").click()
    page.get_by_label("反映的情况").fill("五楼楼道灯坏了一周。")
    page.get_by_role("button", name="保存走访").click()
    page.get_by_text("没有网络：走访已保存在手机上").wait_for()

    # Back online on a page that sends nothing, the worker signs out before it was sent.
    context = page.context
    page.goto("about:blank")
    context.set_offline(False)
    page.goto(f"{live_server.url}/accounts/")
    page.get_by_role("button", name="退出", exact=True).click()
    page.wait_for_url(f"{live_server.url}/signed-out/")
    signed_out = page.locator("[data-signed-out='done']")
    signed_out.wait_for()
    assert "您已退出登录" in signed_out.inner_text()
    assert page.get_by_text("为离线工作保存在本设备上的页面已随您退出一并清除。").is_visible()
    assert page.get_by_text("本设备上仍保存着 1 条离线填写的走访或巡查记录").is_visible()
    assert not [name for name in page.evaluate("caches.keys()") if name.startswith("daily-")]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "daily-signed-out-phone")
    context.set_offline(True)
    try:
        page.goto(today)
        kept = page.content()
    except PlaywrightError:
        kept = ""
    assert "7栋" not in kept and "今日网格" not in kept
    context.set_offline(False)

    # Another worker signs in on the same phone: the visit is neither shown nor sent as hers.
    sign_in(page, live_server.url, "community_worker")
    page.wait_for_url(today)
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-offline-queue]").is_hidden()
    assert len(kept_on_the_phone(page)) == 1
    assert not Visit.objects.filter(visitor__username="community_worker").exists()
    page.goto(f"{live_server.url}/accounts/")
    page.get_by_role("button", name="退出", exact=True).click()
    page.wait_for_url(f"{live_server.url}/signed-out/")

    # Its writer signs in again: it is sent, as theirs, once.
    sign_in(page, live_server.url, "grid_worker")
    page.wait_for_url(today)
    page.locator("[data-offline-queue]").wait_for(state="hidden")
    page.wait_for_load_state("networkidle")
    assert kept_on_the_phone(page) == []
    stored = Visit.objects.get()
    assert (stored.household, stored.visitor.username) == (household, "grid_worker")


def test_a_round_with_photos_written_offline_is_sent_once_and_a_refused_save_comes_back(
    live_server, phone_page, settings, tmp_path
):
    """In a building with no signal the worker saves a problem with its photo, then finishes
    the round having left a problem without a note. Back online the save is sent with its photo,
    once; the finish is refused, and its form comes back filled in, photo included, to be
    corrected."""
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    demo_daily.build()
    page = phone_page
    today = f"{live_server.url}/today/"
    sign_in(page, live_server.url, "grid_worker")
    page.wait_for_url(today)
    page.locator(".daily-grid", has_text="第一网格").get_by_role("button", name="开始巡查").click()
    page.locator(".daily-finding").first.wait_for()
    round_url = page.url
    inspection = Inspection.objects.get(pk=round_url.rstrip("/").rsplit("/", 1)[1])
    findings = inspection.findings
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(round_url)  # kept by the service worker
    page.goto(today)

    page.context.set_offline(True)
    page.goto(round_url)  # from the phone
    fire = page.locator(".daily-finding", has_text="消防通道")
    fire.get_by_text("有问题").click()
    fire.get_by_label("问题描述").fill("5栋一单元楼道电动车停放，堵塞消防通道。")
    picture = tmp_path / "消防通道.jpg"
    Image.new("RGB", (3200, 2400), (180, 40, 40)).save(picture, "JPEG")
    fire.get_by_label("添加照片").set_input_files(str(picture))
    fire.locator(".upload-chosen", has_text="已选 1 张照片").wait_for()  # once resized
    page.get_by_role("button", name="保存", exact=True).click()
    page.get_by_text("没有网络：巡查记录和照片已保存在手机上").wait_for()
    assert fire.locator(".upload-chosen").inner_text() == ""  # kept with the save
    page.locator(".daily-finding", has_text="环境卫生").get_by_text("有问题").click()
    page.get_by_role("button", name="完成巡查").click()
    screenshot(page, "daily-round-offline-phone")
    assert not findings.filter(problem=True).exists()
    assert not FindingPhoto.objects.filter(finding__inspection=inspection).exists()
    page.goto(today)
    queue = page.locator("[data-offline-queue]")
    assert "2 条走访或巡查记录保存在手机上" in queue.inner_text()

    page.context.set_offline(False)
    refused = queue.get_by_role("link", name="有一条离线记录的走访或巡查未能提交，请打开修改。")
    refused.wait_for()
    assert "保存在手机上" not in queue.inner_text()
    fire_finding = findings.get(problem=True)
    assert fire_finding.note == "5栋一单元楼道电动车停放，堵塞消防通道。"
    assert [photo.image.width <= 1600 for photo in fire_finding.photos.all()] == [True]
    inspection.refresh_from_db()
    assert not inspection.finished
    screenshot(page, "daily-round-refused-phone")

    refused.click()
    page.get_by_text("这次巡查是离线时保存的，未能提交").wait_for()
    litter = page.locator(".daily-finding", has_text="环境卫生")
    assert litter.get_by_label("有问题").is_checked()
    litter.get_by_label("问题描述").fill("垃圾桶满溢。")
    page.get_by_role("button", name="完成巡查").click()
    page.get_by_text("巡查已完成").wait_for()
    inspection.refresh_from_db()
    assert inspection.finished
    assert sorted(findings.filter(problem=True).values_list("item", flat=True)) == [
        "消防通道",
        "环境卫生",
    ]
    assert FindingPhoto.objects.filter(finding__inspection=inspection).count() == 1
    assert kept_on_the_phone(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_follow_up_is_done_from_the_task_list_on_a_phone(live_server, phone_page, settings):
    """The visit needing follow-up is in 我的任务 with its door, grid, what was raised and its
    due date; marked followed up there, it is gone from the list and its counts."""
    page = phone_page
    household = grid_worker_at_home(live_server, page, settings, "6栋", "2-402")
    page.goto(f"{live_server.url}/today/households/{household.pk}/visit/")
    page.get_by_label("见到了谁").fill("户主本人")
    page.get_by_text("医疗健康").click()
    page.get_by_text("紧急", exact=True).click()
    page.get_by_label("反映的情况").fill("老人摔伤在家，需要尽快联系社区医生上门。")
    page.get_by_text("需要跟进").click()
    page.get_by_role("button", name="保存走访").click()
    page.get_by_role("heading", name="6栋 2-402").wait_for()

    page.goto(f"{live_server.url}/today/")
    page.get_by_role("link", name="我的任务").click()
    page.wait_for_url(f"{live_server.url}/tasks/")
    task = page.locator("tr.task-follow-up", has_text="6栋 2-402")
    text = task.inner_text()
    assert "走访跟进" in text and "医疗健康" in text and "紧急" in text
    assert "第一网格" in text
    assert "1 项待办任务" in page.locator(".pg-task-counts").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    task.scroll_into_view_if_needed()
    page.screenshot(path="/tmp/follow-task.png", full_page=True)
    screenshot(page, "daily-follow-up-task-phone")
    task.get_by_role("button", name="已跟进").click()
    page.wait_for_url(f"{live_server.url}/tasks/")
    assert page.locator("tr.task-follow-up").count() == 0
    assert "0 项待办任务" in page.locator(".pg-task-counts").inner_text()
    assert Visit.objects.get(household=household).followed_up_at is not None
