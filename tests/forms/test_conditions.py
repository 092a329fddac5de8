"""Conditional display on the server: a field whose condition is not met is neither required
nor validated, and what was typed into it is not kept."""

import pytest

from forms import services
from forms.builder import answer_strings, condition_met

from .factories import data, definition_with, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def definition():
    return definition_with(
        {"label": "Kind", "field_type": "dropdown", "choices": "Noise\nLitter\nOther"},
        {
            "label": "Other kind",
            "field_type": "singleline",
            "condition_field": "Kind",
            "condition_values": "Other",
        },
        {"label": "Reply wanted", "field_type": "checkbox", "required": False},
        {
            "label": "Phone",
            "field_type": "phone",
            "condition_field": "Reply wanted",
        },
        {
            "label": "Best time to call",
            "field_type": "radio",
            "choices": "Morning\nEvening",
            "condition_field": "Phone",
        },
        {
            "label": "Photo",
            "field_type": "file",
            "required": False,
            "condition_field": "Kind",
            "condition_values": "Litter\nOther",
        },
    )


def test_hidden_required_field_is_not_required(definition):
    form = services.validate(definition, data(definition, {"Kind": "Noise"}))
    assert form.is_valid(), form.errors
    assert form.hidden_by_condition == {"other_kind", "phone", "best_time_to_call", "photo"}


def test_shown_field_is_required_and_validated(definition):
    form = services.validate(definition, data(definition, {"Kind": "Other"}))
    assert form.errors == {"other_kind": ["This field is required."]}
    form = services.validate(
        definition, data(definition, {"Kind": "Noise", "Reply wanted": "on", "Phone": "123"})
    )
    assert "Enter a mainland mobile number" in form.errors["phone"][0]
    assert "best_time_to_call" not in form.errors  # its controller did not validate


def test_values_typed_into_hidden_fields_are_dropped_even_if_invalid(definition):
    form = services.validate(
        definition,
        data(definition, {"Kind": "Noise", "Other kind": "x" * 999, "Phone": "not a phone"}),
        {"photo": png()},
    )
    assert form.is_valid(), form.errors
    assert [spec.name for spec, _value in form.answered()] == ["kind", "reply_wanted"]


def test_a_chain_of_conditions(definition):
    answers = {"Kind": "Noise", "Reply wanted": "on", "Phone": "13912345678"}
    form = services.validate(definition, data(definition, answers))
    assert form.errors == {"best_time_to_call": ["This field is required."]}
    # Unticking the box hides the phone, and with it the field that depends on the phone.
    answers["Reply wanted"] = ""
    form = services.validate(definition, data(definition, answers))
    assert form.is_valid() and "best_time_to_call" in form.hidden_by_condition


def test_uploads_shown_by_condition_are_checked(definition):
    form = services.validate(definition, data(definition, {"Kind": "Litter"}), {"photo": png()})
    assert form.is_valid()
    assert form.cleaned_data["photo"].extension == "png"


def test_the_rule_the_browser_script_mirrors():
    assert condition_met(["Other"], ("Other",))
    assert not condition_met(["Noise"], ("Other",))
    assert condition_met(["a", "b"], ("b",))
    assert condition_met(["anything"], ())
    assert not condition_met([], ())
    assert answer_strings(True) == ["on"] and answer_strings(False) == []
    assert answer_strings(["x", "y"]) == ["x", "y"] and answer_strings("") == []


def test_page_marks_conditional_rows_for_the_script_and_explains_them(definition):
    rows = {
        row.spec.name: row
        for section in services.build_form(definition).layout()
        for row in section.rows
    }
    assert rows["other_kind"].show_values == '["Other"]'
    assert rows["other_kind"].condition_hint == "Answer only if “Kind” is “Other”."
    assert rows["photo"].condition_hint == "Answer only if “Kind” is “Litter” or “Other”."
    assert rows["phone"].condition_hint == "Answer only if you answered “Reply wanted”."
    assert rows["kind"].condition_hint == ""
