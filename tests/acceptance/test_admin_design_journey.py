"""The platform admin designs a new form and a two-stage process in the admin, places the form
on 五松社区's page through the page editor and publishes everything; a resident on a phone
finds the page on the street's own site, files it and sees the reference code; the community
worker of 五松社区, the first stage's actor, finds it in their task list.

Everything is done as people do it in the browser: menus, buttons, choosers and the page
explorer, never the ORM. The journey counts what it took (clicks, typed or chosen inputs,
screens) and prints it."""

import re
import secrets
from dataclasses import dataclass, field

import pytest

from ..screenshots import whole_admin_screen

COMMUNITY = "五松社区"
FORM_FIELDS = [
    # label, type as the admin reads it, required, choices
    ("申请人姓名", "单行文本", True, ""),
    ("联系电话", "电话号码", True, ""),
    ("所在社区", "社区或网格", True, ""),
    ("预约场地", "下拉列表框", True, "多功能活动室\n议事厅\n室外广场"),
    ("用途说明", "多行文本", False, ""),
]
STAGES = [
    # name, role, level (keys are made from the names)
    ("社区初审", "社区专职工作者", "社区"),
    ("主任审批", "社区主任", "社区"),
]


@dataclass
class Effort:
    """What one person did to get through their part: clicks, typed or chosen inputs, and the
    screens (page loads) they saw."""

    who: str
    clicks: int = 0
    inputs: int = 0
    screens: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on(
            "framenavigated",
            lambda frame: self.screens.append(frame.url) if frame == page.main_frame else None,
        )

    def click(self, locator) -> None:
        locator.click()
        self.clicks += 1

    def type(self, locator, text: str) -> None:
        locator.fill(text)
        self.inputs += 1

    def choose(self, locator, **option) -> None:
        locator.select_option(**option)
        self.inputs += 1

    def untick(self, locator) -> None:
        locator.uncheck()
        self.clicks += 1

    def __str__(self) -> str:
        return (
            f"{self.who}: {self.clicks} clicks, {self.inputs} inputs typed or chosen, "
            f"{len(self.screens)} screens"
        )


def tall_step(journey, page, name: str) -> None:
    """A step of an admin screen, whole."""
    with whole_admin_screen(page):
        journey.step(page, name)


def publish(effort: Effort, page) -> None:
    """Wagtail's footer: the arrow beside 保存草稿 opens the menu that holds 发布."""
    effort.click(page.get_by_role("button", name="更多动作", exact=True))
    with page.expect_navigation():
        effort.click(page.get_by_role("button", name="发布", exact=True))


def choose_in_chooser(effort: Effort, page, chooser_id: str, title: str) -> None:
    """A snippet chooser: its button opens a modal listing the snippets by title, a page at a
    time; its search box finds the one wanted."""
    effort.click(page.locator(f"#{chooser_id}-chooser").get_by_role("button").first)
    dialog = page.get_by_role("dialog")
    effort.type(dialog.get_by_placeholder("搜索"), title)
    effort.click(dialog.get_by_role("link", name=title, exact=True))
    page.locator(f"#{chooser_id}-chooser .chooser__title", has_text=title).wait_for()


@pytest.fixture
def names():
    """Names of this run's form, process and page: new each time, so that the journey also
    runs against a demo that is kept between runs (ACCEPTANCE_DEMO)."""
    run = secrets.randbelow(9000) + 1000
    return {
        "form": f"社区场地预约{run}",
        "process": f"社区场地预约审批{run}",
        "page": f"活动场地预约{run}",
    }


def test_admin_designs_a_process_a_resident_files_it_the_worker_finds_it(journey, names):
    demo = journey.demo

    # --- The platform admin, at a desk ----------------------------------------------------
    admin = Effort("admin")
    page = journey.desktop()
    admin.watch(page)
    journey.login(page, "admin")
    admin.inputs += 2
    admin.clicks += 1
    admin.click(page.get_by_role("link", name="进入工作台"))
    page.get_by_role("link", name="表单设计").first.wait_for()
    tall_step(journey, page, "admin-console")

    # A new form: five fields, one of them a community chooser the process takes its area from.
    admin.click(page.get_by_role("link", name="表单设计").first)
    admin.click(page.get_by_role("link", name="添加 表单设计"))
    admin.type(page.locator("#id_title"), names["form"])
    for index, (label, kind, required, choices) in enumerate(FORM_FIELDS):
        admin.click(page.get_by_role("button", name="增加 字段"))
        admin.type(page.locator(f"#id_fields-{index}-label"), label)
        admin.choose(page.locator(f"#id_fields-{index}-field_type"), label=kind)
        if not required:
            admin.untick(page.locator(f"#id_fields-{index}-required"))
        if choices:
            admin.type(page.locator(f"#id_fields-{index}-choices"), choices)
        if kind == "社区或网格":
            admin.choose(page.locator(f"#id_fields-{index}-area_level"), label="社区")
    tall_step(journey, page, "form-designed")
    publish(admin, page)
    row = page.locator("tr", has_text=names["form"])
    assert "在用" in row.inner_text(), "the new form is live"
    tall_step(journey, page, "form-published")

    # A new process on that form: anyone may start it in the community they choose; the
    # community's worker reviews it, then its director approves.
    admin.click(page.get_by_role("link", name="流程设计").first)
    admin.click(page.get_by_role("link", name="添加 流程设计"))
    admin.type(page.locator("#id_name"), names["process"])
    choose_in_chooser(admin, page, "id_intake_form", names["form"])
    admin.choose(
        page.get_by_role("combobox", name="流程如何确定所属区域"),
        label="申请人在某层级的区域中选择",
    )
    for index, (name, role, level) in enumerate(STAGES):
        if index:
            admin.click(page.get_by_role("button", name="增加 环节"))
        admin.type(page.locator(f"#id_stages-{index}-name"), name)
        admin.choose(page.locator(f"#id_stages-{index}-role"), label=role)
        admin.choose(page.locator(f"#id_stages-{index}-role_level"), label=level)
    tall_step(journey, page, "process-designed")
    publish(admin, page)
    row = page.locator("tr", has_text=names["process"])
    assert "在用" in row.inner_text(), "the new process is live"
    tall_step(journey, page, "process-published")

    # The process page, placed under 五松社区's page through the page explorer and editor: the
    # process names its form, so the page asks for the process alone.
    admin.click(page.get_by_role("button", name="页面", exact=True))
    admin.click(page.get_by_role("link", name="查看 '铜官区人民网格' 的子页面"))
    admin.click(page.get_by_role("link", name="查看 '长江路街道网格化服务管理中心' 的子页面"))
    admin.click(page.locator(".c-page-explorer__item__link", has_text="五松社区服务中心"))
    page.get_by_role("heading", name="五松社区服务中心").wait_for()
    tall_step(journey, page, "community-pages")
    admin.click(page.get_by_role("link", name="添加子页面"))
    admin.click(page.get_by_role("link", name="流程页面", exact=True))
    admin.type(page.get_by_placeholder("页面标题*"), names["page"])
    choose_in_chooser(admin, page, "id_process", names["process"])
    areas = page.get_by_role("combobox", name="可选区域范围")
    if not areas.locator("option:checked").inner_text().startswith(COMMUNITY):
        # Its options read "五松社区 (340705001001)": the registry code comes along.
        admin.choose(areas, label=areas.locator("option", has_text=COMMUNITY).inner_text())
    tall_step(journey, page, "process-page-edited")
    publish(admin, page)
    assert f"页面'{names['page']}'已创建并发布" in page.locator(".messages").inner_text()
    tall_step(journey, page, "process-page-published")
    print(f"\n{admin}")

    # --- A resident, on a phone, on the street's own site ---------------------------------
    resident = Effort("resident")
    phone = journey.phone()
    resident.watch(phone)
    phone.goto(demo.street("/"))
    journey.step(phone, "street-site")
    resident.click(phone.get_by_role("link", name=COMMUNITY, exact=True))
    journey.step(phone, "community-page")
    resident.click(phone.get_by_role("link", name=names["page"]))
    phone.get_by_role("heading", name=names["page"]).wait_for()
    journey.step(phone, "form")
    resident.type(phone.get_by_label("申请人姓名"), "李秀兰")
    resident.type(phone.get_by_label("联系电话"), "13905621234")
    community = phone.get_by_label("所在社区")
    if community.input_value() == "":
        resident.choose(community, label=COMMUNITY)
    resident.choose(phone.get_by_label("预约场地"), label="议事厅")
    resident.type(phone.get_by_label("用途说明"), "12月6日下午楼栋居民议事会，约20人。")
    journey.step(phone, "form-filled")
    resident.click(phone.get_by_role("button", name="提交"))
    code = journey.confirmation_code(phone, demo.street_url)
    journey.step(phone, "confirmation")
    number = journey.public_number(phone, code)
    print(resident)

    # --- The community worker of 五松社区, the first stage's actor ------------------------
    worker = Effort("community_worker")
    page = journey.desktop()
    worker.watch(page)
    journey.login(page, "community_worker")
    worker.inputs += 2
    worker.clicks += 1
    worker.click(page.get_by_role("link", name="进入工作台"))
    # The dashboard's panel counts the open tasks and lists the first five, the oldest first.
    assert re.search(r"\d+ 项待办任务", page.locator("main").inner_text())
    tall_step(journey, page, "worker-dashboard")
    worker.click(page.get_by_role("link", name="我的任务").first)
    worker.click(page.get_by_role("link", name=re.compile("待领取")))
    row = page.locator("tr.task-row", has_text=number)
    row.wait_for()
    assert "社区初审" in row.inner_text()
    assert names["process"] in row.inner_text() and COMMUNITY in row.inner_text()
    assert code not in page.locator("body").inner_text(), "staff never see the reference code"
    tall_step(journey, page, "worker-queue")
    print(worker)
