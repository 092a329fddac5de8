"""In Chinese: the demo community worker, on a phone, files this month's 社区民政工作月报 from its
pre-filled form, correcting a figure; the 区民政局 clerk opens last month's table at the
district, drills into 长江路街道 and exports the table to XLSX."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

from demo import returns as demo_returns
from forms.models import FormDefinitionField
from grid.models import Area, Department, Household
from pages import services as page_services
from returns.models import Filing, Return

from ..factories import BuildingFactory, GridFactory, HouseholdFactory
from ..workflows.city import build_city
from .conftest import screenshot
from .test_stages_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WUSONG = "340705001001"


def demo_return() -> None:
    """The demo city's people, the civil affairs entries on every community's access list, a
    few households in 五松社区, and the demo's return with last month's two filings."""
    build_city()
    today = timezone.localdate()
    department = Department.objects.get(key="civil_affairs")
    for community in Area.objects.filter(level=Area.Level.COMMUNITY):
        page_services.publish_access_entry(
            community=community,
            department=department,
            content="城乡低保对象年度复核入户调查",
            starts_on=today.replace(month=1, day=1),
            ends_on=today.replace(month=12, day=31),
            reference=f"test-{community.code}",
        )
    grid = Area.objects.filter(parent__code=WUSONG).first() or GridFactory(
        parent=Area.objects.get(code=WUSONG)
    )
    building = BuildingFactory(grid=grid)
    for _ in range(3):
        HouseholdFactory(building=building)
    demo_returns.build()


def test_a_community_worker_files_a_pre_filled_return_on_a_phone(live_server, phone_page, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    demo_return()
    page = phone_page
    sign_in(page, live_server.url, "community_worker")
    page.goto(f"{live_server.url}/returns/")
    item = page.locator(".returns-item", has_text="填报中")
    assert "社区民政工作月报" in item.inner_text() and "五松社区" in item.inner_text()
    screenshot(page, "returns-mine-phone")
    item.get_by_role("link", name="填报").click()
    page.get_by_role("heading", name="社区民政工作月报").wait_for()
    assert "共 6 个字段，3 个已由登记数据预填" in page.locator(".returns-prefilled").inner_text()
    counted = str(Household.objects.filter(building__grid__code__startswith=WUSONG).count())
    assert page.get_by_role("spinbutton", name="户数", exact=True).input_value() == counted
    page.get_by_role("spinbutton", name="户数", exact=True).fill(str(int(counted) + 1))
    page.get_by_label("本月新增救助对象").fill("-1")
    page.get_by_role("button", name="提交").click()
    error = page.locator("#row-" + page.get_by_label("本月新增救助对象").get_attribute("name"))
    error.locator(".errorlist").wait_for()
    assert "0" in error.locator(".errorlist").inner_text()
    assert not Filing.objects.filter(period_start=timezone.localdate().replace(day=1)).exists()
    page.get_by_label("本月新增救助对象").fill("2")
    # No household is tagged 低保户 in this city, so the figure is the filer's to give.
    page.get_by_label("低保户数").fill("1")
    page.get_by_label("本月民政工作情况").fill("走访低保户 3 户。")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "returns-file-phone")
    page.get_by_role("button", name="提交").click()
    page.locator(".message-success").wait_for()
    assert "社区民政工作月报" in page.locator(".message-success").inner_text()
    assert "暂无待填报的报表。" in page.locator("main").inner_text()
    filing = Filing.objects.get(area__code=WUSONG, period_start=timezone.localdate().replace(day=1))
    names = {f.label: f.clean_name for f in filing.return_form.form.fields.all()}
    assert filing.submission.form_data[names["户数"]] == str(int(counted) + 1)
    assert filing.prefilled[names["户数"]] == int(counted)


def test_a_department_clerk_drills_into_a_street_and_exports_the_table(live_server, page, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    demo_return()
    sign_in(page, live_server.url, "department_clerk")
    page.goto(f"{live_server.url}/returns/")
    page.get_by_role("link", name="社区民政工作月报").click()
    page.locator(".returns-table").wait_for()
    summary = page.locator(".returns-summary").inner_text()
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    filed = Filing.objects.filter(period_start=last_month).count()
    assert summary.startswith(f"应报 8，已报 {filed}")
    assert page.locator("nav.returns-trail").inner_text().strip() == "铜官区"
    screenshot(page, "returns-table-district")
    page.get_by_role("link", name="长江路街道").click()
    page.locator("nav.returns-trail", has_text="长江路街道").wait_for()
    row = page.locator("tr", has_text="五松社区")
    assert "已报送" in row.inner_text()
    assert "完成低保对象入户复核。" in row.inner_text()
    assert "未报送" in page.locator("tr", has_text="石城社区").inner_text()
    screenshot(page, "returns-table-street")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出为 XLSX").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert rows[0][:7] == ["区域", "编码", "应报", "已报送", "逾期报送", "退回修改", "户数"]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["五松社区"][3] == 1 and by_name["石城社区"][3] == 0
    assert by_name["合计"][2:4] == [3, 1]


def test_a_return_whose_form_asks_for_personal_data_is_refused(live_server, page, settings):
    """The return's form was given a phone field: the 区民政局 clerk saving the return is told,
    on the form's field and in Chinese, that a return cannot ask for personal data."""
    settings.LANGUAGE_CODE = "zh-hans"
    demo_return()
    return_form = Return.objects.get(title="社区民政工作月报")
    form = return_form.form
    form.fields.add(
        FormDefinitionField(label="联系电话", field_type="phone", required=False, sort_order=99)
    )
    form.save()
    sign_in(page, live_server.url, "department_clerk")
    page.goto(f"{live_server.url}/admin/return_definitions/edit/{return_form.pk}/")
    page.get_by_role("button", name="保存").first.click()
    error = page.get_by_text("报表的填报内容由街道和区里查看，其表单不能收集个人信息（联系电话）。")
    error.wait_for()
    screenshot(page, "returns-personal-field-refused")


def test_a_clerk_sends_a_filing_back_and_the_worker_corrects_it_on_a_phone(
    live_server, page, phone_page, settings
):
    """The 区民政局 clerk sends 五松社区's filing of last month back with a reason; the community
    worker, on a phone, finds it first on 我的报表 marked 退回修改 with the reason, corrects the
    figure in the form holding her answers and sends it again; the clerk's table shows it
    refiled, with what changed."""
    settings.LANGUAGE_CODE = "zh-hans"
    demo_return()
    filing = Filing.objects.get(area__code=WUSONG)
    names = {f.label: f.clean_name for f in filing.return_form.form.fields.all()}
    households = int(filing.submission.form_data[names["户数"]])
    sign_in(page, live_server.url, "department_clerk")
    page.goto(f"{live_server.url}/returns/{filing.return_form.pk}/")
    page.get_by_role("link", name="长江路街道").click()
    page.locator("tr", has_text="五松社区").get_by_role("link", name="退回修改").click()
    page.get_by_role("heading", name="退回修改").wait_for()
    page.get_by_label("需要修改的内容").fill("户数比登记数据多，请核实后重报。")
    page.get_by_role("button", name="退回修改").click()
    page.locator(".message-success").wait_for()
    assert "已通知填报人" in page.locator(".message-success").inner_text()
    assert "退回修改" in page.locator("tr", has_text="五松社区").inner_text()

    phone = phone_page
    sign_in(phone, live_server.url, "community_worker")
    phone.goto(f"{live_server.url}/returns/")
    first = phone.locator(".returns-item").first
    assert "退回修改" in first.inner_text()
    assert "原因：户数比登记数据多，请核实后重报。" in first.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path="/tmp/returns-sendback.png", full_page=True)
    screenshot(phone, "returns-sent-back-phone")
    first.get_by_role("link", name="修改后重新报送").click()
    phone.get_by_role("heading", name="社区民政工作月报").wait_for()
    assert "户数比登记数据多，请核实后重报。" in phone.locator(".returns-sent-back").inner_text()
    field = phone.get_by_role("spinbutton", name="户数", exact=True)
    assert field.input_value() == str(households)
    field.fill(str(households - 1))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="提交").click()
    phone.locator(".message-success").wait_for()
    assert "已重新报送" in phone.locator(".message-success").inner_text()
    filing.refresh_from_db()
    assert filing.state == Filing.State.REFILED
    assert filing.submission.form_data[names["户数"]] == str(households - 1)

    page.reload()
    row = page.locator("tr", has_text="五松社区")
    assert "已重新报送" in row.inner_text()
    row.locator("summary").click()
    assert f"户数: {households} → {households - 1}" in row.inner_text()
    screenshot(page, "returns-refiled-table")
