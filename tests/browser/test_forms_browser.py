"""A resident fills a supervision report on a phone: a conditional field appears when they pick
"other", they attach a photo, mistype their phone number, correct it (the photo is kept) and
see their reference code. Without JavaScript the same form still works."""

import pytest
from django.core.cache import cache

from forms.models import Submission

from ..factories import GridFactory
from ..forms.factories import definition_with, page_for, png_bytes
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def report_page(settings, tmp_path):
    settings.LANGUAGE_CODE = "zh-hans"
    cache.clear()
    grid = GridFactory(name="第一网格", parent__name="五松社区")
    definition = definition_with(
        {"label": "问题情况", "field_type": "section"},
        {"label": "问题类型", "field_type": "radio", "choices": "环境卫生\n其他"},
        {
            "label": "其他问题类型",
            "field_type": "singleline",
            "condition_field": "问题类型",
            "condition_values": "其他",
        },
        {"label": "问题所在网格", "field_type": "area", "area_level": 3},
        {"label": "问题描述", "field_type": "multiline"},
        {"label": "现场照片", "field_type": "file", "allowed_file_types": "image"},
        {"label": "联系电话", "field_type": "phone", "help_text": "手机或固定电话"},
        title="社区监督举报",
    )
    page_for(definition, slug="report")
    photo = tmp_path / "路灯.png"
    photo.write_bytes(png_bytes((40, 30)))
    return grid, photo


def test_resident_fills_corrects_and_sees_the_reference(live_server, phone_page, report_page):
    grid, photo = report_page
    page = phone_page
    page.goto(f"{live_server.url}/report/")
    other_kind = page.get_by_label("其他问题类型")
    assert other_kind.is_hidden()
    page.get_by_label("其他", exact=True).check()
    other_kind.wait_for()
    other_kind.fill("占道经营")
    page.get_by_label("问题所在网格").select_option(label="第一网格")
    page.get_by_label("问题描述").fill("菜市场门口早上摆摊，堵住了人行道。")
    page.get_by_label("现场照片").set_input_files(str(photo))
    page.get_by_label("联系电话").fill("1391234567")  # one digit short
    screenshot(page, "form-filled-phone")
    page.get_by_role("button", name="提交").click()

    error = page.locator("#id_u8054u7cfbu7535u8bdd_error")
    error.wait_for()
    assert "请输入" in error.inner_text() or "手机" in error.inner_text()
    assert page.get_by_label("联系电话").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("其他问题类型").input_value() == "占道经营"
    assert "已保留上次选择的文件：路灯.png" in page.content()
    assert not Submission.objects.exists()
    screenshot(page, "form-error-phone")

    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_role("button", name="提交").click()
    page.get_by_role("heading", name="谢谢，我们已收到您的提交").wait_for()
    submission = Submission.objects.get()
    assert page.locator("#reference").inner_text() == submission.reference
    assert submission.area == grid
    assert submission.files.get().original_name == "路灯.png"
    assert submission.form_data["u5176u4ed6u95eeu9898u7c7bu578b"] == "占道经营"
    screenshot(page, "form-confirmation-phone")


def test_form_works_without_javascript(live_server, browser, report_page):
    grid, photo = report_page
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/report/")
    # Every field shows, with a note saying when to answer the conditional one.
    assert page.get_by_label("其他问题类型").is_visible()
    assert page.get_by_text("仅在“问题类型”为“其他”时填写。").is_visible()
    page.get_by_label("环境卫生").check()
    page.get_by_label("其他问题类型").fill("this is ignored: 环境卫生 was chosen")
    page.get_by_label("问题所在网格").select_option(label="第一网格")
    page.get_by_label("问题描述").fill("垃圾桶满了。")
    page.get_by_label("现场照片").set_input_files(str(photo))
    page.get_by_label("联系电话").fill("0562-2881234")
    screenshot(page, "form-without-javascript")
    page.get_by_role("button", name="提交").click()
    page.get_by_role("heading", name="谢谢，我们已收到您的提交").wait_for()
    submission = Submission.objects.get()
    assert "u5176u4ed6u95eeu9898u7c7bu578b" not in submission.form_data
    assert submission.form_data["u8054u7cfbu7535u8bdd"] == "0562-2881234"
    assert submission.area == grid
    context.close()
