"""A community worker imports a household spreadsheet through the work console: a file with a
mistake is refused with the row and column named, the corrected file is checked (a dry run),
confirmed and imported."""

from pathlib import Path

import pytest

from grid.models import PartyMember, PartyOrganisation, Resident

from ..factories import (
    BuildingFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    valid_id_number,
    worker_on,
)
from ..forms.factories import definition_with, submit
from ..forms.test_submissions_admin import READ
from ..imports.files import csv_bytes
from ..imports.helpers import HOUSEHOLD_HEADER
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, user) -> None:
    """Signs a factory-made user in (password "pw") and waits for their welcome."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill("pw")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name=f"欢迎，{user.first_name}").wait_for()


def check_file(page, import_url: str, path) -> None:
    """Uploads a file without mistakes to a register's import page: its dry run is shown."""
    page.goto(import_url)
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="检查文件").click()
    page.get_by_role("heading", name="试运行：尚未保存任何数据").wait_for()


def test_worker_imports_households(live_server, page, settings, tmp_path):
    settings.LANGUAGE_CODE = "zh-hans"
    grid = GridFactory(name="第一网格", parent__name="五松社区")
    BuildingFactory(grid=grid, name="3栋")
    worker = worker_on(grid.parent, first_name="陈静")
    rows = [
        [grid.code, "3栋", "2-301", 2, "王建国", valid_id_number(21), "13912345678", "户主"],
        [grid.code, "3栋", "2-301", 2, "李秀英", "340705199003150010", "", "配偶"],
    ]
    bad = tmp_path / "住户.csv"
    bad.write_bytes(csv_bytes([HOUSEHOLD_HEADER, *rows], "gb18030"))

    sign_in(page, live_server.url, worker)

    page.goto(f"{live_server.url}/admin/grid/household/")
    page.get_by_role("link", name="导出 XLSX").wait_for()
    screenshot(page, "import-household-list")
    page.get_by_role("link", name="导入", exact=True).click()
    page.locator("input[type=file]").set_input_files(str(bad))
    screenshot(page, "import-upload")
    page.get_by_role("button", name="检查文件").click()
    page.get_by_role("heading", name="未导入：文件有错误").wait_for()
    error_row = page.get_by_role("row").filter(has_text="身份证号码校验码错误")
    assert error_row.get_by_role("cell").nth(0).inner_text() == "3"
    assert error_row.get_by_role("cell").nth(1).inner_text() == "身份证号"
    screenshot(page, "import-errors")

    rows[1][5] = valid_id_number(22)
    good = tmp_path / "住户-改正.csv"
    good.write_bytes(csv_bytes([HOUSEHOLD_HEADER, *rows], "gb18030"))
    check_file(page, f"{live_server.url}/admin/grid/household/import/", good)
    assert not Resident.objects.exists()
    screenshot(page, "import-dry-run")
    page.get_by_role("button", name="导入这些数据").click()
    page.get_by_role("heading", name="已导入").wait_for()
    screenshot(page, "import-done")
    assert sorted(Resident.objects.values_list("name", flat=True)) == ["李秀英", "王建国"]


def test_worker_exports_a_long_list_from_the_exports_page(live_server, page, settings):
    """With the embedded default's inline tasks the worker's file is ready at once; the page
    and the Exports list are what a worker comes back to."""
    settings.LANGUAGE_CODE = "zh-hans"
    settings.REGISTRY_EXPORT_BACKGROUND_ROWS = 3
    grid = GridFactory(name="第一网格", parent__name="五松社区")
    building = BuildingFactory(grid=grid, name="3栋")
    for n in range(5):
        household = HouseholdFactory(building=building, door_number=f"1-{n}01")
        ResidentFactory(household=household, name=f"居民{n}", id_number=valid_id_number(40 + n))
    worker = worker_on(grid.parent, first_name="陈静")

    sign_in(page, live_server.url, worker)

    page.goto(f"{live_server.url}/admin/grid/household/")
    page.get_by_role("link", name="导出 CSV").click()
    page.get_by_text("已导出 5 行。").wait_for()
    screenshot(page, "export-job-done")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载文件").click()
    content = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    assert download.value.suggested_filename == "households.csv"
    assert all(f"居民{n}" in content for n in range(5))

    page.goto(f"{live_server.url}/admin/grid/exports/")
    row = page.get_by_role("row").filter(has_text="住户")
    assert "可以下载" in row.inner_text() and "CSV" in row.inner_text()
    screenshot(page, "export-jobs-list")


def test_an_official_exports_many_submissions_and_downloads_them_from_the_job_page(
    live_server, page, settings
):
    """Form submissions beyond FORMS_EXPORT_BACKGROUND_ROWS go the same way as the registers'."""
    settings.LANGUAGE_CODE = "zh-hans"
    settings.FORMS_EXPORT_BACKGROUND_ROWS = 2
    grid = GridFactory(name="第一网格", parent__name="五松社区")
    report = definition_with(
        {"label": "所在网格", "field_type": "area", "area_level": 3},
        {"label": "情况描述", "field_type": "multiline"},
        title="网格事件上报",
    )
    for n in range(3):
        submit(report, {"所在网格": grid.code, "情况描述": f"第{n}件事"})
    worker = worker_on(grid.parent, first_name="陈静", perms=READ)

    sign_in(page, live_server.url, worker)
    # What the list's download menu asks for.
    page.goto(
        f"{live_server.url}/admin/forms/submission/?definition__id__exact={report.pk}&export=xlsx"
    )
    page.get_by_text("已导出 3 行。").wait_for()
    assert "表单数据" in page.locator("h1, header").first.inner_text()
    screenshot(page, "submission-export-job-done")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载文件").click()
    assert download.value.suggested_filename == "submissions.xlsx"


def test_a_director_imports_party_members(live_server, page, settings, tmp_path):
    """The members of a grid's branch from the spreadsheet the community keeps: a name that is
    not the register's for its ID number is refused on its row and column; corrected, the
    members are imported and listed with their ID numbers masked."""
    settings.LANGUAGE_CODE = "zh-hans"
    grid = GridFactory(name="第一网格", parent__name="五松社区")
    household = HouseholdFactory(building=BuildingFactory(grid=grid, name="3栋"))
    first = ResidentFactory(household=household, name="王建国", id_number=valid_id_number(61))
    second = ResidentFactory(household=household, name="李秀英", id_number=valid_id_number(62))
    PartyOrganisation.objects.create(name="第一网格党支部", kind="branch", area=grid)
    director = worker_on(
        grid.parent,
        (
            "wagtailadmin.access_admin",
            "grid.view_partymember",
            "grid.add_partymember",
            "grid.change_partymember",
            "grid.view_personal_data",
        ),
        first_name="张伟",
    )
    header = ["区域编码", "党组织", "姓名", "身份证号", "职务", "入党日期"]
    rows = [
        [grid.code, "第一网格党支部", "王建国", first.id_number, "书记", "1998-07-01"],
        [grid.code, "第一网格党支部", "李秀", second.id_number, "党员", "2012/6/30"],
    ]
    bad = tmp_path / "党员.csv"
    bad.write_bytes(csv_bytes([header, *rows], "gb18030"))

    sign_in(page, live_server.url, director)
    page.goto(f"{live_server.url}/admin/grid/partymember/")
    page.get_by_role("link", name="导入", exact=True).click()
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_role("button", name="检查文件").click()
    page.get_by_role("heading", name="未导入：文件有错误").wait_for()
    error_row = page.get_by_role("row").filter(
        has_text="户籍登记中该身份证号对应的居民姓名为 李秀英"
    )
    assert error_row.get_by_role("cell").nth(0).inner_text() == "3"
    assert error_row.get_by_role("cell").nth(1).inner_text() == "姓名"
    screenshot(page, "import-party-errors")

    rows[1][2] = "李秀英"
    good = tmp_path / "党员-改正.csv"
    good.write_bytes(csv_bytes([header, *rows], "gb18030"))
    check_file(page, f"{live_server.url}/admin/grid/partymember/import/", good)
    assert not PartyMember.objects.exists()
    page.get_by_role("button", name="导入这些数据").click()
    page.get_by_role("heading", name="已导入").wait_for()
    page.goto(f"{live_server.url}/admin/grid/partymember/")
    listed = page.locator("table.listing tbody").inner_text()
    assert "王建国" in listed and "书记" in listed and first.id_number not in listed
    screenshot(page, "import-party-list")
    assert sorted(PartyMember.objects.values_list("resident__name", "duty")) == [
        ("李秀英", "member"),
        ("王建国", "secretary"),
    ]
