"""A community worker signs in, finds a household in the admin, makes a mistake in a member's
ID number, corrects it and saves; personal data stays masked in the list."""

import datetime

import pytest

from grid.masking import mask_id_number
from grid.models import Resident

from ..factories import (
    BuildingFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    valid_id_number,
    worker_on,
)
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_worker_edits_a_household_member(live_server, page, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    grid = GridFactory(name="第一网格", parent__name="五松社区")
    household = HouseholdFactory(
        building=BuildingFactory(grid=grid, name="3栋"), door_number="2-301"
    )
    householder_id = valid_id_number(11, birth=datetime.date(1970, 5, 6))
    ResidentFactory(household=household, name="王建国", id_number=householder_id)
    worker = worker_on(grid.parent, first_name="陈静")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(worker.username)
    page.get_by_label("密码").fill("pw")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="欢迎，陈静").wait_for()
    page.get_by_role("link", name="进入工作台").click()

    page.goto(f"{live_server.url}/admin/grid/household/")
    row = page.get_by_role("row").filter(has_text="王建国")
    row.wait_for()
    assert mask_id_number(householder_id) in row.inner_text()
    assert householder_id not in page.content()
    screenshot(page, "household-list")

    page.goto(f"{live_server.url}/admin/grid/household/edit/{household.pk}/")
    page.get_by_role("button", name="增加 成员").click()
    member = page.locator("[id^='inline_child_members-']").last
    member.get_by_label("姓名").fill("王小明")
    member.get_by_label("与户主关系").select_option("child")
    member.get_by_label("身份证号").fill("340705201001010010")  # wrong check digit
    page.get_by_role("button", name="保存").click()
    page.get_by_text("身份证号码校验码错误").wait_for()
    screenshot(page, "household-member-error")
    assert not Resident.objects.filter(name="王小明").exists()

    good = valid_id_number(12, birth=datetime.date(2010, 1, 1))
    page.locator("[id^='inline_child_members-']").last.get_by_label("身份证号").fill(good)
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已更新").first.wait_for()
    assert Resident.objects.get(name="王小明").id_number == good
