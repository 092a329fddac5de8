"""In Chinese: the form editor shows each field only the settings of its type, offers formats
by name (the pattern only for a custom one), and has a conditional field choose the field above
it from a list and tick its answers — nothing typed but names and choices."""

import pytest

from forms.models import FormDefinition
from tests.factories import UserFactory

from .conftest import screenshot
from .test_import_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shown_settings(page, index: int) -> list[str]:
    return page.evaluate(
        """(index) => Array.from(document.querySelectorAll(
            `#inline_child_fields-${index}-panel-content .w-field__wrapper`))
            .filter((wrapper) => wrapper.offsetParent !== null)
            .map((wrapper) => wrapper.id.split("-child-").pop().replace("-wrapper", ""))""",
        index,
    )


ALWAYS = ["label", "field_type", "help_text", "required"]
CONDITION = ["condition_field", "condition_values"]


def test_each_field_shows_its_own_settings_formats_and_conditions(live_server, page, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    sign_in(page, live_server.url, UserFactory(is_superuser=True, first_name="刘洋"))
    page.goto(f"{live_server.url}/admin/snippets/forms/formdefinition/add/")
    page.locator("#id_title").fill("临时占道申请")
    page.get_by_role("button", name="增加 字段").first.click()
    # A field without a type yet shows only what every field has.
    assert shown_settings(page, 0) == [*ALWAYS, *CONDITION]
    page.locator("[name='fields-0-label']").fill("申请类别")
    kind = page.locator("select[name='fields-0-field_type']")
    kind.select_option("number")
    number = ["is_personal", "default_value", "min_value", "max_value"]
    assert shown_settings(page, 0) == [*ALWAYS, *number, *CONDITION]
    kind.select_option("file")
    file = ["is_personal", "allowed_file_types", "max_file_size", "max_files"]
    assert shown_settings(page, 0) == [*ALWAYS, *file, *CONDITION]
    kind.select_option("dropdown")
    assert shown_settings(page, 0) == [
        *ALWAYS,
        "is_personal",
        "choices",
        "default_value",
        *CONDITION,
    ]
    page.locator("[name='fields-0-choices']").fill("临时占道\n设施搭建\n其他")

    page.get_by_role("button", name="增加 字段").last.click()
    page.locator("[name='fields-1-label']").fill("车牌号")
    page.locator("select[name='fields-1-field_type']").select_option("singleline")
    formats = page.locator("#inline_child_fields-1-panel-content select.format-preset")
    formats.select_option(label="车牌号")
    assert not page.locator("[name='fields-1-pattern']").is_visible()
    condition = page.locator("#inline_child_fields-1-panel-content select.condition-field")
    assert condition.locator("option").all_inner_texts() == ["— 始终显示 —", "申请类别"]
    condition.select_option("申请类别")
    answers = page.locator("[name='fields-1-condition_values'] + .condition-choices")
    answers.get_by_label("临时占道").check()
    condition.scroll_into_view_if_needed()
    screenshot(page, "form-field-editor")

    page.locator("footer [data-w-dropdown-target='toggle']").first.click()
    page.get_by_role("button", name="发布").click()
    page.locator(".messages .success").wait_for()
    form = FormDefinition.objects.get(title="临时占道申请")
    assert form.slug == "lin-shi-zhan-dao-shen-qing" and form.live
    plate = form.fields.get(label="车牌号")
    assert plate.pattern.startswith("[京津沪渝") and plate.pattern_message == (
        "请填写车牌号，例如 皖G12345。"
    )
    assert (plate.condition_field, plate.condition_values.splitlines()) == (
        "申请类别",
        ["临时占道"],
    )
