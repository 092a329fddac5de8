"""On a phone, a community worker who also works the grid handled an incident herself; when it
comes back for the on-site check, her task page tells her someone else must check it, and
offers her nothing to take. A colleague takes and closes it. The stage diagram shows the rule."""

import pytest

from demo.registry import DEMO_PASSWORD
from grid.models import Area
from tests.factories import AssignmentFactory, UserFactory
from workflows import services
from workflows.models import ProcessInstance

from ..workflows import inbox
from ..workflows.city import build_city, user
from ..workflows.factories import role
from ..workflows.test_shipped_processes import INCIDENT, decide, start
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WUSONG = "340705001001"


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_whoever_handled_an_incident_is_told_someone_else_must_check_it(
    live_server, phone_page, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    worker = user("community_worker")
    # 陈静 is also the first grid's grid worker, as full-time community workers often are.
    grid = Area.objects.get(code=INCIDENT["所在网格"])
    AssignmentFactory(role=role("grid_worker"), area=grid, user=worker)
    colleague = UserFactory(username="colleague", first_name="周敏")
    colleague.set_password(DEMO_PASSWORD)
    colleague.save()
    community = Area.objects.get(code=WUSONG)
    AssignmentFactory(role=role("community_worker"), area=community, user=colleague)
    process = start("grid-incident", INCIDENT)
    decide(process, "community_worker", services.APPROVE)  # accepted and dispatched
    decide(process, "community_worker", services.APPROVE)  # handled, as the grid's worker
    task = inbox.open_task(process)
    assert task.stage_name == "现场核查"

    browser = phone_page
    sign_in(browser, live_server.url, worker.username)
    browser.goto(f"{live_server.url}{inbox.task_url(task, 'detail')}")
    notice = browser.get_by_role("note")
    notice.wait_for()
    assert notice.inner_text() == "您办理了本流程的前一环节，“现场核查”须由其他人办理。"
    take = browser.get_by_text("领取", exact=True)
    assert take.count() == 0, "nothing to take"
    diagram = browser.locator("#stage-verify").inner_text()
    assert "不得由网格员处置的办理人办理" in diagram
    assert browser.evaluate("document.scrollingElement.scrollWidth") <= 390
    screenshot(browser, "separation-refused-phone")

    browser.context.clear_cookies()
    sign_in(browser, live_server.url, colleague.username)
    browser.goto(f"{live_server.url}{inbox.task_url(task, 'detail')}")
    assert browser.get_by_role("note").count() == 0
    assert take.count() == 1, "the colleague may take it"
    screenshot(browser, "separation-colleague-phone")
    decide(
        process,
        "colleague",
        services.APPROVE,
        answers={"核查结果": "已解决", "核查说明": "现场已清理。"},
    )
    process.refresh_from_db()
    assert process.outcome == ProcessInstance.Outcome.APPROVED
