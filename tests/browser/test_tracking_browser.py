"""A resident on a phone finds a form on their community's page, files a report that starts a
process, gets its code, and follows it on the tracking page as the community acts on it."""

import pytest
from viewflow.workflow.status import STATUS

from grid.models import Area
from tests.factories import CommunityFactory
from workflows import services
from workflows.models import ProcessInstance, ProcessPage, StageTask

from ..pages.factories import add, site_for
from ..workflows.factories import definition, holder, stage
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def community_page(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    community = CommunityFactory(name="五松社区", parent__name="长江路街道")
    process = definition(
        stage("accept", "community_worker", Area.Level.COMMUNITY, name="社区受理", deadline=5),
        name="社区监督举报处理",
    )
    _portal, _street, page = site_for(community)
    add(page, ProcessPage, title="社区监督举报", process=process)
    return page, holder("community_worker", community)


def test_resident_files_a_report_and_follows_it_by_code(live_server, phone_page, community_page):
    page, worker = community_page
    browser = phone_page
    browser.goto(f"{live_server.url}{page.url}")
    forms = browser.locator(".forms-section")
    assert "按“社区监督举报处理”流程办理" in forms.inner_text()
    forms.scroll_into_view_if_needed()
    screenshot(browser, "tracking-community-forms-phone")
    forms.get_by_role("link", name="社区监督举报").tap()

    browser.get_by_label("社区").select_option(label="五松社区")
    browser.get_by_label("事项").fill("小区东门路灯不亮，已经一周了。")
    browser.get_by_role("button", name="提交").tap()
    browser.get_by_role("heading", name="谢谢，我们已收到您的提交").wait_for()
    code = browser.locator("#reference").inner_text()
    process = ProcessInstance.objects.get()
    assert code == process.reference
    screenshot(browser, "tracking-confirmation-phone")

    # Later, from any page: "Track my application" in the header, then the code.
    browser.get_by_role("link", name="查询办理进度").tap()
    browser.locator(".track-lookup input[name=code]").fill(code.lower())
    screenshot(browser, "tracking-lookup-phone")
    browser.locator(".track-lookup button[type=submit]").tap()
    browser.locator(".track-code").wait_for()
    assert browser.locator(".track-code").inner_text() == code
    assert "社区受理" in browser.locator(".status").inner_text()
    assert "社区监督举报处理" in browser.locator(".track-summary").inner_text()
    # Nothing overflows the phone's width.
    assert browser.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(browser, "tracking-open-phone")

    task = StageTask.objects.get(process=process, flow_task_type="HUMAN", status=STATUS.NEW)
    services.decide(
        task,
        worker,
        services.Decision(
            services.APPROVE, public_message="已联系物业更换灯泡。", comment="内部：王师傅负责"
        ),
    )
    browser.reload()
    browser.get_by_text("已联系物业更换灯泡。").wait_for()
    assert "已批准" in browser.locator(".status").inner_text()
    content = browser.content()
    assert "王师傅" not in content and worker.username not in content
    screenshot(browser, "tracking-approved-phone")
