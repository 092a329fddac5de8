"""In Chinese, at a desk: the demo street official of 长江路街道 opens 统一填报 → 添加, finds their
street's office offered as the asker (and no other department), and saves a monthly return
for 五松社区 citing the office's entry on the access list."""

import re

import pytest
from django.utils import timezone

from grid.models import Area, Department
from pages import services as page_services
from returns.models import Return

from ..forms.factories import definition_with
from ..screenshots import whole_admin_screen
from ..workflows.city import build_city
from .conftest import screenshot
from .test_stages_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WUSONG = "340705001001"


def test_a_street_official_defines_their_office_s_return(live_server, page, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    today = timezone.localdate()
    office = Department.objects.get(street__name="长江路街道")
    page_services.publish_access_entry(
        community=Area.objects.get(code=WUSONG),
        department=office,
        content="社区平安建设工作月报",
        starts_on=today.replace(month=1, day=1),
        ends_on=today.replace(month=12, day=31),
    )
    definition_with(
        {"label": "排查矛盾纠纷数", "field_type": "number"},
        {"label": "整改安全隐患数", "field_type": "number"},
        title="社区平安建设工作月报",
    )
    sign_in(page, live_server.url, "street_official")
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="统一填报").click()
    page.get_by_role("link", name="添加").first.click()
    page.wait_for_url(re.compile(r"/admin/return_definitions/new/$"))
    asker = page.locator("select[name=department]")
    asker.wait_for()
    assert asker.locator("option").all_inner_texts()[1:] == ["长江路街道办事处"]
    page.locator("input[name=title]").fill("社区平安建设工作月报")
    asker.select_option(label="长江路街道办事处")
    page.locator("#id_form-chooser").get_by_role("button").first.click()
    page.locator(".modal").get_by_role("link", name="社区平安建设工作月报").click()
    page.locator("#id_form-chooser .chooser__title", has_text="社区平安建设工作月报").wait_for()
    page.locator("select[name=period]").select_option(label="每月")
    page.get_by_label("五松社区 (340705001001)").check()
    page.locator("input[name=starts_on]").fill(today.replace(day=1).isoformat())
    page.locator("input[name=ends_on]").fill(today.replace(month=12, day=31).isoformat())
    page.locator("#header-title").click()  # closes the date pickers
    page.get_by_label("五松社区 · 长江路街道办事处 · 社区平安建设工作月报").check()
    # Nothing is wider than the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    with whole_admin_screen(page):
        screenshot(page, "street-office-return-form")
    page.get_by_role("button", name="创建").first.click()
    page.wait_for_url(re.compile(r"/admin/return_definitions/$"))
    page.locator(".messages", has_text="社区平安建设工作月报").wait_for()
    page.wait_for_timeout(500)  # the message slides in
    saved = Return.objects.get()
    assert saved.department == office
    assert [a.code for a in saved.areas.all()] == [WUSONG]
    assert [e.department for e in saved.access_entries.all()] == [office]
    assert "社区平安建设工作月报" in page.locator("main").inner_text()
    screenshot(page, "street-office-returns")
