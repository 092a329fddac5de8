"""A grid worker signs in on their phone, finds the incidents waiting for them in their grid,
takes one and sees what to do and where; it stays on their list until it is done."""

import re

# The demo leaves incidents of 第一网格 waiting for its grid worker (demo/processes.py).
TASK = re.compile(r"网格员处置 · 第一网格 · (\d+ 号)")
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def test_grid_worker_opens_their_tasks_on_a_phone(journey):
    demo = journey.demo
    page = journey.phone()

    page.goto(demo.url("/"))
    page.get_by_role("banner").get_by_role("link", name="登录").click()
    page.get_by_label("用户名").fill("grid_worker")
    page.get_by_label("密码").fill("grid-demo-2026")
    journey.step(page, "login")
    page.get_by_role("button", name="登录").click()
    # Back on the page they came from, now signed in.
    page.get_by_role("banner").get_by_role("link", name="我的账户").click()
    page.get_by_role("heading", name="我的角色").wait_for()
    assert "网格员 — 第一网格" in page.locator("main").inner_text()
    journey.step(page, "account")

    # Their task list, as cards on the phone: the incidents dispatched to them.
    page.get_by_role("link", name="我的任务").click()
    page.get_by_role("heading", name="我的任务").wait_for()
    journey.step(page, "task-list")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, "fits the phone"
    incidents = page.locator("tr.task-row").filter(has_text="网格员处置")
    assert incidents.count() >= 1, "incidents wait for the grid worker"
    assert "长江路街道 › 五松社区 › 第一网格" in incidents.first.inner_text()
    page.goto(demo.url("/accounts/"))

    page.get_by_role("link", name="进入工作台").click()
    page.get_by_role("heading", name="我的任务").wait_for()
    tasks = page.get_by_role("link", name=TASK)
    assert tasks.count() >= 1, "the grid worker has incidents to handle"
    journey.step(page, "my-tasks")

    task = tasks.first
    number = TASK.search(task.inner_text()).group(1)
    task.click()
    # A task waiting in the grid's queue is claimed first; one they took earlier opens at once.
    claim = page.get_by_role("button", name="领取并继续")
    submit = page.get_by_role("group", name="办理意见")
    claim.or_(submit).first.wait_for()
    if claim.is_visible():
        claim.click()
    submit.wait_for()
    main_text = page.locator("body").inner_text()
    assert f"网格事件处置 · {number}" in main_text
    assert not CODE.search(main_text), "staff never see the applicant's reference code"
    for shown in ("事件类型", "具体位置", "事件描述", "处置完毕", "转交部门"):
        assert shown in main_text, f"the task shows {shown}"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, "fits the phone"
    journey.step(page, "task-taken")

    # Back in the work console, it is still on their list until it is done.
    page.goto(demo.url("/admin/"))
    page.get_by_role("heading", name="我的任务").wait_for()
    assert page.get_by_role("link", name=re.compile(f"· {number}$")).count() == 1
    journey.step(page, "still-on-my-tasks")
