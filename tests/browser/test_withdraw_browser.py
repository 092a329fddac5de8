"""A resident on a phone withdraws a supervision report that is still being handled: the
tracking page asks for the box to be ticked, then says it is withdrawn and offers nothing more;
the committee's task is gone from its list."""

import pytest

from workflows.models import ProcessInstance
from workflows.selectors import task_counts

from ..workflows.city import build_city, user
from ..workflows.test_shipped_processes import REPORT, start
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_withdraws_a_report_on_a_phone(live_server, phone_page, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    process = start("supervision-review", REPORT)
    assert task_counts(user("supervisor"))["open"] == 1
    browser = phone_page
    browser.goto(f"{live_server.url}/track/{process.reference}/")
    browser.get_by_text("撤回我的申请").tap()
    browser.get_by_label("撤回原因（选填）").fill("问题已经解决了。")
    browser.get_by_role("button", name="确认撤回").tap()
    browser.get_by_text("请勾选以确认撤回。").wait_for()
    screenshot(browser, "withdraw-unconfirmed-phone")
    assert ProcessInstance.objects.get(pk=process.pk).outcome == ""

    browser.get_by_label("我撤回此申请：撤回后不再办理。").check()
    assert browser.evaluate("document.scrollingElement.scrollWidth") <= 390
    browser.get_by_role("button", name="确认撤回").tap()
    browser.get_by_text("您的申请已撤回。").wait_for()
    assert "申请人已撤回" in browser.locator(".status").inner_text()
    assert browser.get_by_text("撤回我的申请").count() == 0
    screenshot(browser, "withdrawn-phone")
    assert ProcessInstance.objects.get(pk=process.pk).outcome == "withdrawn"
    assert task_counts(user("supervisor"))["open"] == 0
