"""On a phone, a community worker who also works the grid handled an incident herself; when it
comes back for the on-site check, her task page tells her someone else must check it, and
offers her nothing to take. A colleague takes and closes it. The stage diagram shows the rule."""

import datetime

import pytest

from demo.registry import DEMO_PASSWORD
from grid.models import Area, Assignment
from tests.factories import AssignmentFactory, UserFactory
from workflows import services
from workflows.models import ProcessInstance

from ..workflows import inbox
from ..workflows.city import build_city, user
from ..workflows.factories import role
from ..workflows.test_countersign import joint, signing
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
    # Accepted and dispatched to herself as the grid's worker, then handled.
    held = Assignment.objects.get(user=worker, role__key="grid_worker")
    decide(process, "community_worker", services.APPROVE, dispatch_to=held)
    decide(process, "community_worker", services.APPROVE)
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


def test_the_community_dispatches_an_incident_to_a_grid_worker_on_a_phone(
    live_server, phone_page, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    grid = Area.objects.get(code=INCIDENT["所在网格"])
    colleague = UserFactory(username="grid_worker_b", first_name="钱峰")
    colleague.set_password(DEMO_PASSWORD)
    colleague.save()
    held = AssignmentFactory(role=role("grid_worker"), area=grid, user=colleague)
    process = start("grid-incident", INCIDENT)
    task = inbox.open_task(process)

    browser = phone_page
    sign_in(browser, live_server.url, "community_worker")
    browser.goto(f"{live_server.url}{inbox.task_url(task, 'assign')}")
    browser.get_by_role("button", name="领取并继续").click()
    browser.get_by_role("button", name="受理并派单").click()
    error = browser.get_by_text("请选择派单对象。")
    error.wait_for()
    screenshot(browser, "dispatch-refused-phone")
    browser.get_by_label("派单给").select_option(label="钱峰 · 第一网格")
    assert browser.evaluate("document.scrollingElement.scrollWidth") <= 390
    screenshot(browser, "dispatch-chosen-phone")
    browser.get_by_role("button", name="受理并派单").click()
    browser.wait_for_url(lambda url: "/execute/" not in url)

    handling = inbox.open_task(process)
    assert handling.stage_name == "网格员处置" and handling.owner_id == held.user_id
    browser.context.clear_cookies()
    sign_in(browser, live_server.url, "grid_worker_b")
    browser.goto(f"{live_server.url}/tasks/?show=mine")
    row = browser.locator(".task-stage", has_text="网格员处置")
    row.first.wait_for()
    screenshot(browser, "dispatch-inbox-phone")
    browser.goto(f"{live_server.url}{inbox.task_url(handling, 'detail')}")
    assert "→ 钱峰" in browser.locator("body").inner_text()


def test_a_grid_worker_sees_a_task_due_soon_on_a_phone(live_server, phone_page, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    process = start("grid-incident", INCIDENT)
    held = Assignment.objects.get(user__username="grid_worker", role__key="grid_worker")
    decide(process, "community_worker", services.APPROVE, dispatch_to=held)
    task = inbox.open_task(process)
    services.process_deadlines(task.deadline.warn_at + datetime.timedelta(minutes=1))

    browser = phone_page
    sign_in(browser, live_server.url, "grid_worker")
    browser.goto(f"{live_server.url}{inbox.task_url(task, 'execute')}")
    due = browser.locator(".pg-due")
    due.wait_for()
    assert due.inner_text().endswith("· 即将到期")
    colour = due.evaluate("element => getComputedStyle(element).backgroundColor")
    assert colour == "rgb(255, 244, 224)"  # the yellow of a task due soon
    screenshot(browser, "task-due-soon-phone")


def test_a_countersigner_signs_with_their_opinion_on_a_phone(
    live_server, phone_page, settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    process = joint(django_capture_on_commit_callbacks)
    director = user("community_director")
    task = next(task for task in signing(process) if task.flow_task.can_assign(director, task))
    browser = phone_page
    sign_in(browser, live_server.url, "community_director")
    browser.goto(f"{live_server.url}{inbox.task_url(task, 'assign')}")
    browser.get_by_role("button", name="领取并继续").click()
    browser.get_by_role("textbox", name="意见").fill("同意加装，费用按户分摊。")
    assert browser.get_by_label("给申请人的消息").count() == 0
    assert browser.evaluate("document.scrollingElement.scrollWidth") <= 390
    screenshot(browser, "countersign-phone")
    browser.get_by_role("button", name="批准", exact=True).click()
    browser.wait_for_url(lambda url: "/execute/" not in url)
    task.refresh_from_db()
    assert task.data["vote"] == "approve"
    assert "会签" in browser.locator("body").inner_text()
