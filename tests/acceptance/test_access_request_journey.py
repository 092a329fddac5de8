"""A department asks to bring work into a community: the civil affairs clerk files the request,
the street official reviews it and the street leader approves it from their task lists, and
anyone can then read it on 五松社区's public access list, on the district's site and on the
street's own hostname."""

import datetime
import re

TITLE = "困难群众冬季走访慰问需求摸底"
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def open_task(journey, page, username: str, task: str, number: str) -> None:
    """Sign in, go to the work console as the account page offers, open the task named
    `task` for the application numbered `number` from "my tasks" and claim it."""
    journey.login(page, username)
    page.get_by_role("link", name="进入工作台").click()
    link = page.get_by_role("link", name=re.compile(f"{task}.*· {number}$"))
    link.wait_for()
    journey.step(page, f"{username}-dashboard")
    link.click()
    page.get_by_role("button", name="领取并继续").click()
    page.get_by_role("group", name="办理意见").wait_for()
    assert page.get_by_text(f"社区工作准入申请 · {number}").first.is_visible()
    assert not CODE.search(page.locator("body").inner_text()), "staff never see a tracking code"
    assert page.get_by_text(TITLE).first.is_visible(), "the reviewer reads the request"
    assert "stage_key" not in page.locator("body").inner_text(), "no raw task data shown"


def decide(page, outcome: str, message: str) -> None:
    page.get_by_label("给申请人的消息").fill(message)
    # Until the answer to the POST has loaded: the decision is then stored.
    with page.expect_navigation():
        page.get_by_role("button", name=outcome, exact=True).click()


def test_access_request_is_approved_and_published(journey):
    demo = journey.demo
    today = datetime.date.today()

    # The clerk of 区民政局 files the request.
    clerk = journey.desktop()
    journey.login(clerk, "department_clerk")
    clerk.goto(demo.url("/"))
    clerk.get_by_role("link", name="社区工作准入申请").first.click()
    clerk.get_by_role("heading", name="社区工作准入申请", level=1).wait_for()
    clerk.get_by_label("事项名称").fill(TITLE)
    clerk.get_by_label("申请部门").select_option(label="区民政局")
    clerk.get_by_label("法律政策依据").fill("《社会救助暂行办法》第十条")
    clerk.get_by_label("工作内容").fill("入户了解低保、特困家庭冬季取暖和生活困难，登记慰问需求。")
    clerk.get_by_label("实施街道").select_option(label="长江路街道")
    clerk.get_by_label("五松社区").check()
    clerk.get_by_label("开始日期").fill(today.isoformat())
    clerk.get_by_label("结束日期").fill((today + datetime.timedelta(days=90)).isoformat())
    clerk.get_by_label("随事项下沉经费（万元）").fill("1.5")
    clerk.get_by_label("随事项下沉人员").fill("无")
    clerk.get_by_label("预计工作量").fill("每个社区约 8 人·日")
    clerk.get_by_label("联系人").fill("黄丽")
    clerk.get_by_label("联系电话").fill("0562-2812301")
    journey.step(clerk, "clerk-request-filled")
    clerk.get_by_role("button", name="提交").click()
    code = journey.confirmation_code(clerk)
    journey.step(clerk, "clerk-confirmation")
    number = journey.public_number(clerk, code)

    # The street official reviews it.
    official = journey.desktop()
    open_task(journey, official, "street_official", "街道审核", number)
    official.get_by_label("是", exact=True).first.check()
    official.get_by_role("group", name="经费和人员是否随事项下沉").get_by_label("部分").check()
    official.get_by_label("审核意见").fill("属于社区依法协助事项，经费随事项下沉。")
    journey.step(official, "official-review-filled")
    decide(official, "审核通过", "街道已审核通过，报分管领导审批。")
    journey.step(official, "official-done")

    # The street leader approves it.
    leader = journey.desktop()
    open_task(journey, leader, "street_leader", "分管领导审批", number)
    journey.step(leader, "leader-task")
    decide(leader, "批准准入", "同意准入五松社区。")
    journey.step(leader, "leader-done")

    # The clerk follows the application to its end.
    clerk.goto(demo.url(f"/track/{code}/"))
    clerk.get_by_role("heading", name=re.compile(f"申请\\s*{code}")).wait_for()
    assert "同意准入五松社区" in clerk.locator("main").inner_text()
    journey.step(clerk, "clerk-tracking-approved")

    # Anyone reads it on the community's public access list: from the portal on the
    # district's site, and on the street's own hostname.
    visitor = journey.phone()
    visitor.goto(demo.url("/"))
    visitor.get_by_role("link", name="长江路街道").first.click()
    visitor.get_by_role("link", name="五松社区").first.click()
    visitor.get_by_role("link", name="社区工作准入清单").click()
    visitor.get_by_role("heading", name="五松社区工作准入清单").wait_for()
    row = visitor.get_by_role("row").filter(has_text=TITLE)
    assert row.count() == 1, "the approved work is on the list"
    assert "区民政局" in row.inner_text()
    assert (today + datetime.timedelta(days=90)).isoformat() in row.inner_text()
    journey.step(visitor, "public-access-list")

    visitor.goto(demo.street("/"))
    visitor.get_by_role("link", name="五松社区").first.click()
    visitor.get_by_role("link", name="社区工作准入清单").click()
    visitor.get_by_role("heading", name="五松社区工作准入清单").wait_for()
    assert visitor.url.startswith(demo.street_url + "/"), visitor.url
    assert visitor.get_by_role("row").filter(has_text=TITLE).count() == 1
    journey.step(visitor, "public-access-list-on-the-street-site")
