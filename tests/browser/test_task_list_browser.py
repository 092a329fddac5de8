"""A community worker on a phone opens their task list: the overdue task first and marked, the
one due soon marked too; they narrow it to one stage, take two tasks in one go, and find them
in their inbox; a number that is not one is refused in words."""

import pytest
from viewflow.workflow.status import STATUS

from demo.registry import DEMO_PASSWORD
from workflows.models import StageTask

from ..factories import StreetFactory
from ..workflows.factories import CommunityFactory, holder, three_stages
from ..workflows.test_task_list import due, human, start
from .conftest import screenshot
from .test_stages_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_worker_takes_two_tasks_at_once_on_a_phone(live_server, phone_page, settings):
    settings.LANGUAGE_CODE = "zh-hans"

    street = StreetFactory(name="长江路街道")
    city = {
        "street": street,
        "wusong": CommunityFactory(name="五松社区", parent=street),
        "definition": three_stages(),
    }
    worker = holder("community_worker", city["wusong"], username="chenjing", first_name="陈静")
    worker.set_password(DEMO_PASSWORD)
    worker.save()
    late, soon, plain = start(city), start(city), start(city, subject="占道经营")
    due(late, -3)
    due(soon, 4, warned=True)

    browser = phone_page
    sign_in(browser, live_server.url, "chenjing")
    browser.goto(f"{live_server.url}/tasks/")
    rows = browser.locator("tr.task-row")
    rows.first.wait_for()
    assert rows.count() == 3
    assert (
        "已超期" in rows.nth(0).inner_text() and f"{late.process_id} 号" in rows.nth(0).inner_text()
    )
    assert "即将到期" in rows.nth(1).inner_text()
    assert "长江路街道 › 五松社区" in rows.nth(0).inner_text()
    assert browser.evaluate("document.scrollingElement.scrollWidth") <= 390
    screenshot(browser, "task-list-phone")

    browser.get_by_label("编号").fill("十二")
    browser.get_by_role("button", name="筛选").tap()
    browser.get_by_text("请用数字填写编号，如 123。").wait_for()
    browser.get_by_label("编号").fill("")
    browser.get_by_label("时限").select_option(label="已超期")
    browser.get_by_role("button", name="筛选").tap()
    browser.get_by_role("link", name="显示全部").first.wait_for()
    assert rows.count() == 1
    browser.get_by_role("link", name="显示全部").first.tap()
    rows.nth(2).wait_for()

    browser.get_by_role("checkbox", name=f"领取 {late.process_id} 号").check()
    browser.get_by_role("checkbox", name=f"领取 {soon.process_id} 号").check()
    screenshot(browser, "task-list-phone-chosen")
    browser.get_by_role("button", name="领取所选任务").tap()
    browser.get_by_text("已领取 2 项任务，已放入您的收件箱。").wait_for()
    assert browser.locator("tr.task-row").filter(has_text="在我的收件箱").count() == 2
    assert browser.get_by_role("checkbox").count() == 1
    screenshot(browser, "task-list-phone-taken")
    taken = human().filter(owner=worker, status=STATUS.ASSIGNED)
    assert set(taken.values_list("pk", flat=True)) == {late.pk, soon.pk}
    assert StageTask.objects.get(pk=plain.pk).owner is None
