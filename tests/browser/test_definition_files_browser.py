"""In Chinese: the platform admin uploads a process definition file from another installation;
a mistake is refused with its line named, the corrected file comes in as a draft and opens in
the editor; the definition's page downloads it again as a file."""

from pathlib import Path

import pytest

from tests.factories import UserFactory
from workflows.definition_files import export_definition
from workflows.models import ProcessDefinition

from ..workflows.test_definition_files import BASE, line_of, organisation  # noqa: F401
from .conftest import screenshot
from .test_import_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admin_uploads_a_definition_file_and_downloads_it(
    live_server,
    page,
    settings,
    tmp_path,
    organisation,  # noqa: F811
):
    settings.LANGUAGE_CODE = "zh-hans"
    admin = UserFactory(is_superuser=True, first_name="刘洋")
    bad = tmp_path / "报修.yaml"
    bad.write_text(BASE.replace("deadline: 2", "deadline: two"), encoding="utf-8")
    sign_in(page, live_server.url, admin)
    page.goto(f"{live_server.url}/admin/snippets/workflows/processdefinition/")
    page.get_by_role("link", name="上传文件").click()
    page.get_by_label("流程设计文件").set_input_files(str(bad))
    page.get_by_role("button", name="上传").click()
    problems = page.locator(".definition-problems")
    problems.wait_for()
    line = line_of(bad.read_text(encoding="utf-8"), "deadline: two")
    assert f"第 {line} 行" in problems.inner_text()
    assert not ProcessDefinition.objects.exists()
    screenshot(page, "definition-upload-problems")

    good = tmp_path / "报修-改正.yaml"
    good.write_text(BASE, encoding="utf-8")
    page.get_by_label("流程设计文件").set_input_files(str(good))
    page.get_by_role("button", name="上传").click()
    page.get_by_text("已将“报修”导入为草稿，请检查后发布。").wait_for()
    definition = ProcessDefinition.objects.get(key="repair")
    assert page.url.endswith(f"/edit/{definition.pk}/")
    screenshot(page, "definition-upload-draft")

    page.goto(
        f"{live_server.url}/admin/snippets/workflows/processdefinition/inspect/{definition.pk}/"
    )
    screenshot(page, "definition-inspect")
    page.get_by_role("button", name="操作").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载为文件").click()
    assert download.value.suggested_filename == "repair.yaml"
    assert Path(download.value.path()).read_text(encoding="utf-8") == export_definition(definition)
