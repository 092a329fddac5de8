"""On a phone, a community director who oversees a process but has no stage in it follows it
in the process list and opens its page; Viewflow's console sends them back to their task list.
A community worker goes from the task list to the task's page, whose menu is the work's (my
tasks, processes, account), not Viewflow's inbox and queue."""

import pytest

from demo.registry import DEMO_PASSWORD
from grid.models import Area
from workflows.models import Overseer, ProcessInstance

from ..factories import StreetFactory
from ..workflows.factories import CommunityFactory, holder, role, three_stages
from ..workflows.test_process_files import PHOTO, build_city
from ..workflows.test_task_list import start
from .conftest import screenshot
from .test_stages_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def person(role_key: str, area, username: str, name: str):
    user = holder(role_key, area, username=username, first_name=name)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def test_an_overseer_follows_a_process_and_a_worker_reaches_its_task(
    live_server, phone_page, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    street = StreetFactory(name="长江路街道")
    wusong = CommunityFactory(name="五松社区", parent=street)
    definition = three_stages(
        overseers=[Overseer(role=role("community_director"), role_level=Area.Level.COMMUNITY)]
    )
    city = {"wusong": wusong, "definition": definition}
    task = start(city)
    closed = start(city, subject="占道经营").process
    ProcessInstance.objects.filter(pk=closed.pk).update(outcome=ProcessInstance.Outcome.APPROVED)
    person("community_director", wusong, "zhuren", "周主任")
    person("community_worker", wusong, "chenjing", "陈静")

    browser = phone_page
    sign_in(browser, live_server.url, "zhuren")
    browser.goto(f"{live_server.url}/tasks/")
    browser.get_by_text("您没有待办任务。").wait_for()
    browser.get_by_role("link", name="我可查看的全部流程").tap()
    rows = browser.locator("tr.task-row")
    rows.first.wait_for()
    assert rows.count() == 2
    newest, older = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert f"{closed.id} 号" in newest and "已批准" in newest
    assert f"{task.process_id} 号" in older and "社区初审" in older
    assert "长江路街道 › 五松社区" in older
    assert browser.evaluate("document.scrollingElement.scrollWidth") <= 390
    screenshot(browser, "process-list-phone")

    browser.get_by_label("状态").select_option(label="办理中")
    browser.get_by_role("button", name="筛选").tap()
    browser.get_by_role("link", name="显示全部").first.wait_for()
    assert rows.count() == 1
    rows.first.get_by_role("link").tap()
    browser.wait_for_url(f"**/workflow/generic/{task.process_id}/")
    screenshot(browser, "process-page-overseer-phone")

    browser.goto(f"{live_server.url}/workflow/generic/queue/")
    browser.wait_for_url("**/tasks/")

    browser.context.clear_cookies()
    sign_in(browser, live_server.url, "chenjing")
    browser.goto(f"{live_server.url}/tasks/")
    browser.get_by_role("link", name=f"{task.process_id} 号").tap()
    browser.wait_for_url(f"**/{task.pk}/**")
    menu = browser.locator(".vf-page__menu")
    links = [text.strip() for text in menu.locator("a").all_inner_texts()]
    assert any("我的任务" in text for text in links) and any("流程" in text for text in links)
    assert not any(word in text for text in links for word in ("收件箱", "待领取", "已办"))
    screenshot(browser, "task-page-worker-phone")


def test_a_worker_downloads_the_photo_of_an_application_on_a_phone(
    live_server, phone_page, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    place = build_city()
    process, worker = place["process"], place["worker"]
    worker.username = "chenjing"
    worker.set_password(DEMO_PASSWORD)
    worker.save()

    browser = phone_page
    sign_in(browser, live_server.url, "chenjing")
    browser.goto(f"{live_server.url}/workflow/generic/{process.pk}/")
    link = browser.get_by_role("link", name="manhole.png")
    link.wait_for()
    assert browser.locator("dt", has_text=PHOTO).count() == 1
    assert browser.get_by_text("card.png").count() == 0  # a personal file, masked
    screenshot(browser, "process-photo-phone")
    with browser.expect_download() as download:
        link.tap()
    assert download.value.suggested_filename == "manhole.png"
