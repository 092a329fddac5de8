"""A resident whose supervision report was closed says, on their phone, that it was not
resolved; the report is reopened for the committee and the page says so."""

import pytest

from workflows.models import ProcessInstance, Verdict

from ..workflows.city import build_city
from ..workflows.test_verdicts import handled
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_says_it_was_not_resolved_and_it_is_reopened(live_server, phone_page, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    process = handled()
    browser = phone_page
    browser.goto(f"{live_server.url}/track/{process.reference}/")
    verdict = browser.get_by_role("region", name="您的评价")
    verdict.wait_for()
    assert "已批准" in browser.locator(".status").inner_text()
    browser.get_by_role("button", name="提交评价").tap()
    errors = browser.locator(".track-verdict [role=alert]")
    errors.first.wait_for()
    assert errors.all_inner_texts() == ["必需字段", "必需字段"]
    screenshot(browser, "verdict-incomplete-phone")
    assert not Verdict.objects.exists()

    browser.get_by_label("没有解决").check()
    browser.get_by_label("2 分：不满意").check()
    browser.get_by_label("其他意见（可选）").fill("补贴还是没有发。")
    assert browser.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(browser, "verdict-filled-phone")
    browser.get_by_role("button", name="提交评价").tap()
    browser.get_by_text("谢谢。您的申请已重新打开，将再次办理。").wait_for()
    assert "受理审查" in browser.locator(".status").inner_text()
    assert "重新办理" in browser.locator(".track-timeline").inner_text()
    assert browser.get_by_role("region", name="您的评价").count() == 0
    screenshot(browser, "verdict-reopened-phone")
    process.refresh_from_db()
    assert process.outcome == ProcessInstance.Outcome.OPEN
