"""The platform admin, in Chinese, writes a text message template (a value the notice does not
have is refused by name), reads the record of messages with numbers masked, and sets how a
process tells people on its design page."""

import pytest

from demo.registry import DEMO_PASSWORD
from sms.models import SmsMessage, SmsTemplate
from tests.factories import UserFactory

from ..workflows.city import build_city, import_fixture
from .conftest import screenshot
from .test_stages_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admin_writes_a_template_reads_the_record_and_sets_channels(
    live_server, page, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    definition = import_fixture("grid-incident")
    admin = UserFactory(username="platform", is_superuser=True, is_staff=True)
    admin.set_password(DEMO_PASSWORD)
    admin.save()
    SmsMessage.objects.create(
        event="task_offered",
        phone="13956201001",
        values={},
        about="WG-20261130-0001",
        status=SmsMessage.Status.DELIVERED,
        provider_ref="5000:1",
    )
    sign_in(page, live_server.url, "platform")

    page.goto(f"{live_server.url}/admin/snippets/sms/smstemplate/add/")
    page.get_by_role("combobox", name="发送时机").select_option(label="有新任务")
    page.get_by_role("textbox", name="服务商模板 ID").fill("1000003")
    page.get_by_role("textbox", name="内容").fill("您有新任务：{stage}，编号{code}。")
    assert "{number} 事项编号" in page.get_by_text("{number} 事项编号").first.inner_text()
    page.get_by_role("button", name="保存").click()
    error = page.get_by_text("{code} 不是本短信的变量")
    error.wait_for()
    assert "可用的变量有：{number}, {stage}, {area}" in error.inner_text()
    screenshot(page, "sms-template-refused")
    page.get_by_role("textbox", name="内容").fill(
        "您有新任务：{stage}，编号{number}（{area}），请登录工作台处理。"
    )
    page.get_by_role("button", name="保存").click()
    page.get_by_role("link", name="有新任务").wait_for()
    assert SmsTemplate.objects.get().text.endswith("请登录工作台处理。")
    screenshot(page, "sms-templates")

    page.goto(f"{live_server.url}/admin/snippets/sms/smsmessage/")
    row = page.get_by_role("row", name="WG-20261130-0001")
    row.wait_for()
    assert "139****1001" in row.inner_text() and "13956201001" not in page.content()
    assert "已送达" in row.inner_text()
    screenshot(page, "sms-record")

    page.goto(f"{live_server.url}/admin/snippets/workflows/processdefinition/edit/{definition.pk}/")
    panel = page.locator("#panel-child-channels-section, section:has-text('通知方式')").first
    panel.scroll_into_view_if_needed()
    assert page.get_by_text("只有在“短信”中有模板的事项才会发短信").count() == 1
    screenshot(page, "process-design-channels")
