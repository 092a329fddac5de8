"""A resident reports a department to the supervision committee under their own name, on a
phone. Supervision reports are sealed: the committee member reads who reported and refers the
matter to the district's civil affairs bureau; the bureau's clerk answers without ever seeing
the reporter's name or phone, and neither does the platform admin reading the submission."""

import re

NAME, PHONE = "钱凤英", "13955667788"
MASKED_PHONE = "139****7788"
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def task_row(page, task: str, number: str):
    """The link to the task named `task` of process `number` ("22 号") in the task list."""
    row = page.locator("tr.task-row").filter(has_text=task).filter(has_text=number)
    return row.get_by_role("link", name=number, exact=True)


def claim(journey, page, username: str, task: str, number: str) -> None:
    """Sign in, open the task named `task` of the report numbered `number` from "my tasks" on
    the account page and claim it."""
    journey.login(page, username)
    page.goto(journey.demo.url("/accounts/"))
    page.get_by_role("link", name="我的任务").click()
    journey.step(page, f"{username}-tasks")
    task_row(page, task, number).click()
    page.get_by_role("button", name="领取并继续").click()
    # A decision's outcomes, or a department's answer to send.
    decision = page.get_by_role("group", name="办理意见")
    decision.or_(page.get_by_role("button", name="提交")).first.wait_for()
    assert not CODE.search(page.locator("body").inner_text()), "staff never see a tracking code"


def test_a_sealed_reporter_is_seen_by_the_committee_alone(journey):
    demo = journey.demo

    resident = journey.phone()
    resident.goto(demo.url("/"))
    resident.get_by_role("link", name="社区监督举报").first.click()
    resident.get_by_label("监督类别").select_option(label="维护群众权益工作")
    resident.get_by_label("所在社区").select_option(label="五松社区")
    resident.get_by_label("具体位置").fill("社区服务中心民政窗口")
    resident.get_by_label("情况描述").fill("申请临时救助三个月没有答复，窗口说材料丢了。")
    resident.get_by_label("实名", exact=True).check()
    resident.get_by_label("姓名").fill(NAME)
    resident.get_by_label("联系电话").fill(PHONE)
    resident.get_by_label("我承诺所反映的情况属实").check()
    assert resident.get_by_text("只有本社区监督委员会能看到").is_visible(), (
        "the form says who will see the reporter's name"
    )
    journey.step(resident, "resident-report-filled")
    resident.get_by_role("button", name="提交").click()
    code = journey.confirmation_code(resident)
    number = journey.public_number(resident, code)
    journey.step(resident, "resident-tracking")

    # The committee member, on a phone: the reporter in full, then accept and refer.
    member = journey.phone()
    claim(journey, member, "supervisor", "受理审查", number)
    body = member.locator("body").inner_text()
    assert NAME in body and PHONE in body, "the committee sees who reported"
    journey.step(member, "committee-sees-the-reporter")
    with member.expect_navigation():  # the decision stored before the next page is asked
        member.get_by_role("button", name="受理", exact=True).click()
    member.goto(demo.url("/accounts/"))
    member.get_by_role("link", name="我的任务").click()
    task_row(member, "转办答复", number).click()
    member.get_by_role("button", name="领取并继续").click()
    member.get_by_label("转交至").select_option(label="区民政局")
    journey.step(member, "committee-refers")
    with member.expect_navigation():  # the decision stored before the next page is asked
        member.get_by_role("button", name="转交部门", exact=True).click()

    # The bureau's clerk answers from the task list: what happened, never who reported it.
    clerk = journey.desktop()
    claim(journey, clerk, "department_clerk", "转办答复", number)
    body = clerk.locator("body").inner_text()
    assert "申请临时救助三个月没有答复" in body, "the department reads what it must answer"
    assert NAME not in body and PHONE not in body, "the department never learns who reported"
    assert MASKED_PHONE in body
    journey.step(clerk, "department-answers-without-the-reporter")

    # The platform admin reading the submission in the admin sees it masked as well.
    admin = journey.desktop()
    journey.login(admin, "admin")
    admin.goto(demo.url("/admin/forms/submission/"))
    admin.get_by_role("link", name="社区监督举报").first.wait_for()
    admin.locator("td a[href*='/admin/forms/submission/inspect/']").first.click()
    admin.get_by_role("heading", name="提交的答案").wait_for()
    body = admin.locator("body").inner_text()
    assert NAME not in body and PHONE not in body, "sealed even for the platform admin"
    assert MASKED_PHONE in body
    journey.step(admin, "admin-reads-it-masked")
