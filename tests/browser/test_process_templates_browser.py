"""In Chinese: the platform admin starts a process from a template — chooses “审批链”, types a
name and nothing else — lands in the editor with a draft whose keys nobody typed, and publishes
it."""

import pytest

from tests.factories import UserFactory
from workflows.models import ProcessDefinition

from ..workflows.city import build_city
from .conftest import screenshot
from .test_import_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admin_copies_a_template_and_publishes_it(live_server, page, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    admin = UserFactory(is_superuser=True, first_name="刘洋")
    sign_in(page, live_server.url, admin)
    page.goto(f"{live_server.url}/admin/snippets/workflows/processdefinition/")
    page.get_by_role("link", name="从模板新建").click()
    page.get_by_text("受理派单 → 处置 → 现场核查").wait_for()
    screenshot(page, "process-templates")
    page.get_by_role("link", name="审批链").click()
    # The template's roles are already chosen among the installation's.
    assert page.get_by_label("办理“社区审核”的角色").input_value() != ""
    page.get_by_label("新流程的名称").fill("占道审批")
    screenshot(page, "process-template-copy")
    page.get_by_role("button", name="复制并编辑").click()
    page.get_by_text("已从模板复制出“占道审批”草稿，请修改后发布。").wait_for()
    definition = ProcessDefinition.objects.get(name="占道审批")
    assert definition.key == "zhan-dao-shen-pi" and not definition.live
    assert page.url.endswith(f"/edit/{definition.pk}/")
    screenshot(page, "process-template-draft")

    page.locator("footer [data-w-dropdown-target='toggle']").first.click()
    page.get_by_role("button", name="发布").click()
    page.locator(".messages .success").wait_for()
    definition.refresh_from_db()
    assert definition.live and definition.versions.count() == 1
    screenshot(page, "process-template-published")
