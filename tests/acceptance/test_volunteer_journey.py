"""Someone without an account registers as a volunteer on a phone; 五松社区's community worker
approves the registration from their task list; the new volunteer sets a password with the
one-time link e-mailed to the address they gave (and to no one else), signs in, and signs up
for an activity on 长江路街道's own hostname."""

import re

NAME = "何雨桐"
ID_NUMBER = "340705199208120028"  # a valid number no demo volunteer holds
PHONE = "13805629876"
EMAIL = "yutong.he@example.com"
PASSWORD = "wusong-yutong-2026"
ACTIVITY = "楼道清洁志愿服务"


def approve_registration(journey, page) -> None:
    """The community worker finds the registration among the tasks waiting to be taken (by the
    applicant's name on the task, as staff know it), takes it and approves it."""
    journey.login(page, "community_worker")
    page.get_by_role("link", name="进入工作台").click()
    page.get_by_role("link", name="打开我的任务列表").wait_for()
    journey.step(page, "worker-console")
    page.get_by_role("link", name="打开我的任务列表").click()
    page.wait_for_url(re.compile("/tasks/"))
    journey.step(page, "worker-tasks")
    page.get_by_role("link", name=re.compile("待领取")).click()
    page.get_by_label("流程", exact=True).select_option(label="社区志愿者注册")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("tr.task-row").filter(has_text="社区志愿者注册")
    rows.first.wait_for()
    assert page.locator("tr.task-row").count() == rows.count(), "the filter keeps only these"
    journey.step(page, "worker-waiting-registrations")
    tasks = [row.get_by_role("link").first.get_attribute("href") for row in rows.all()]
    for href in tasks:
        page.goto(journey.demo.url(href))
        if page.get_by_text(NAME, exact=True).count():
            break
    else:
        raise AssertionError(f"no registration by {NAME} among {tasks}")
    assert page.get_by_text(EMAIL, exact=True).is_visible(), "the worker reads the answers"
    journey.step(page, "worker-task")
    page.get_by_role("button", name="领取并继续").click()
    page.get_by_label("给申请人的消息").fill("欢迎加入五松社区志愿者队伍！")
    journey.step(page, "worker-approving")
    with page.expect_navigation():
        page.get_by_role("button", name="审核通过", exact=True).click()
    journey.step(page, "worker-approved")


def test_anonymous_volunteer_registers_is_approved_and_signs_up(journey):
    demo = journey.demo
    phone = journey.phone()

    # An anonymous person finds the registration form from the portal.
    phone.goto(demo.url("/"))
    phone.get_by_role("link", name="社区志愿者报名").first.click()
    phone.get_by_role("heading", name="社区志愿者报名", level=1).wait_for()
    journey.step(phone, "registration-form")

    phone.get_by_label("姓名").fill(NAME)
    phone.get_by_label("身份证号").fill(ID_NUMBER)
    phone.get_by_label("手机号码").fill(PHONE)
    phone.get_by_label("电子邮箱").fill(EMAIL)
    phone.get_by_label("报名社区").select_option(label="五松社区")
    phone.get_by_label("常住网格").select_option(label="第一网格")
    phone.get_by_label("环境整治").check()
    phone.get_by_label("周末").check()
    phone.get_by_label("我同意社区工作人员核实以上信息").check()
    journey.step(phone, "registration-filled")
    phone.get_by_role("button", name="提交").click()
    code = journey.confirmation_code(phone)
    journey.step(phone, "registration-confirmation")

    # The community approves it from the task list, on a desktop.
    approve_registration(journey, journey.desktop())

    # The tracking page says where the sign-in link went, and never shows it.
    phone.goto(demo.url(f"/track/{code}/"))
    phone.get_by_role("heading", name=re.compile(f"申请\\s*{code}")).wait_for()
    assert phone.locator(".status").inner_text().strip() == "已批准"
    tracking = phone.locator("main").inner_text()
    assert "y***@example.com" in tracking and EMAIL not in tracking, tracking
    assert phone.locator("a[href*='/accounts/reset/']").count() == 0
    assert "/accounts/reset/" not in phone.content()
    journey.step(phone, "tracking-approved")

    # The link is e-mailed to the address given, and to nobody else.
    resets = [(m, u) for m in demo.emails() for u in m.links if "/accounts/reset/" in u]
    mine = [(m, u) for m, u in resets if m.to == [EMAIL]]
    assert len(mine) == 1, [(m.to, m.subject) for m, _u in resets]
    [(message, link)] = mine
    assert [m.to for m, u in resets if u == link] == [[EMAIL]], "the link went to no one else"
    assert link.startswith(demo.base_url + "/"), f"the link is on the site used: {link}"
    username = re.search(rf"^.*[:：]\s*({PHONE}\S*)\s*$", message.body, re.M).group(1)

    # The volunteer sets a password with it.
    phone.goto(link)
    phone.get_by_role("heading", name="设置密码").wait_for()
    journey.step(phone, "set-password-form")
    phone.locator("input[name=new_password1]").fill(PASSWORD)
    phone.locator("input[name=new_password2]").fill(PASSWORD)
    phone.get_by_role("button", name="保存密码").click()
    phone.get_by_role("heading", name="密码已保存").wait_for()
    journey.step(phone, "password-saved")

    # The link does not work a second time.
    phone.goto(link)
    phone.get_by_text("此链接已被使用或已过期").wait_for()
    assert phone.locator("input[name=new_password1]").count() == 0
    journey.step(phone, "link-used")

    # On the street's own hostname: the activity, a sign-in, a place.
    phone.goto(demo.street("/"))
    phone.get_by_role("link", name="五松社区").first.click()
    phone.get_by_role("link", name=ACTIVITY).first.click()
    phone.get_by_role("heading", name=ACTIVITY, level=1).wait_for()
    assert phone.url.startswith(demo.street_url + "/"), phone.url
    journey.step(phone, "activity-signed-out")
    phone.get_by_role("link", name="登录报名").click()
    phone.locator("input[name=username]").fill(username)
    phone.locator("input[name=password]").fill(PASSWORD)
    journey.step(phone, "street-login")
    with phone.expect_navigation():
        phone.locator("form button[type=submit]").click()
    phone.get_by_role("heading", name=ACTIVITY, level=1).wait_for()
    assert phone.url.startswith(demo.street_url + "/"), phone.url
    journey.step(phone, "activity-signed-in")
    phone.get_by_role("button", name=re.compile("^(报名|加入候补)$")).click()
    phone.get_by_role("heading", name=ACTIVITY, level=1).wait_for()
    assert phone.url.startswith(demo.street_url + "/"), f"stays on the street's site: {phone.url}"
    status = phone.locator(".signup .status").inner_text()
    assert status in ("您已获得名额。", "您在候补名单中。"), status
    journey.step(phone, "activity-signed-up")
