"""Every field type with good and bad values, validated on the server."""

import datetime
import decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from forms import services
from grid.models import Area

from ..factories import CommunityFactory, GridFactory, StreetFactory, valid_id_number
from .factories import data, definition_with, pdf, png, png_bytes

pytestmark = pytest.mark.django_db


def check(field: dict, value, files=None):
    definition = definition_with(field)
    form = services.validate(definition, data(definition, {field["label"]: value}), files)
    name = definition.fields.get().clean_name
    return form, form.cleaned_data.get(name), form.errors.get(name, [])


def test_single_line_with_a_pattern_and_its_message():
    field = {
        "label": "Postcode",
        "field_type": "singleline",
        "pattern": r"\d{6}",
        "pattern_message": "A postcode has six digits.",
    }
    assert check(field, "244000")[1] == "244000"
    assert check(field, "24400")[2] == ["A postcode has six digits."]
    # The whole answer must match, not just a part of it.
    assert check(field, "244000x")[2] == ["A postcode has six digits."]


def test_single_line_is_capped_and_rejects_null_characters():
    field = {"label": "Name", "field_type": "singleline"}
    assert "at most 255 characters" in check(field, "x" * 256)[2][0]
    assert check(field, "a\x00b")[2] == ["Null characters are not allowed."]


def test_paragraph_keeps_lines_and_has_a_cap():
    field = {"label": "Description", "field_type": "multiline"}
    assert check(field, "line one\nline two")[1] == "line one\nline two"
    assert "at most 5000 characters" in check(field, "x" * 5001)[2][0]


def test_email():
    field = {"label": "Email", "field_type": "email"}
    assert check(field, "resident@example.cn")[1] == "resident@example.cn"
    assert check(field, "not-an-email")[2] == ["Enter a valid email address."]


def test_number_with_minimum_and_maximum():
    field = {"label": "People", "field_type": "number", "min_value": 1, "max_value": 20}
    assert check(field, "3")[1] == decimal.Decimal("3")
    assert check(field, "0")[2] == ["Ensure this value is greater than or equal to 1."]
    assert check(field, "21")[2] == ["Ensure this value is less than or equal to 20."]
    assert check(field, "three")[2] == ["Enter a number."]
    assert check(field, "NaN")[2] == ["Enter a number."]


def test_date_and_date_time():
    date = {"label": "Day", "field_type": "date"}
    assert check(date, "2026-05-01")[1] == datetime.date(2026, 5, 1)
    assert check(date, "2026-02-30")[2] == ["Enter a valid date."]
    moment = {"label": "When", "field_type": "datetime"}
    assert check(moment, "2026-05-01T09:30")[1].hour == 9
    assert check(moment, "yesterday")[2] == ["Enter a valid date/time."]


@pytest.mark.parametrize("kind", ["dropdown", "radio"])
def test_single_choice(kind):
    field = {"label": "Kind", "field_type": kind, "choices": "Noise\nLitter"}
    assert check(field, "Litter")[1] == "Litter"
    assert "Select a valid choice" in check(field, "Fire")[2][0]
    assert check(field, "")[2] == ["This field is required."]


def test_dropdown_starts_with_no_choice_made():
    definition = definition_with({"label": "Kind", "field_type": "dropdown", "choices": "A\nB"})
    html = str(services.build_form(definition)["kind"])
    assert '<option value="" selected>' in html


def test_checkboxes_take_several_choices_and_the_default():
    field = {"label": "Help with", "field_type": "checkboxes", "choices": "Elderly\nYouth\nParks"}
    definition = definition_with({**field, "default_value": "Parks"})
    assert services.build_form(definition)["help_with"].initial == ["Parks"]
    assert check(field, ["Elderly", "Parks"])[1] == ["Elderly", "Parks"]
    assert "Select a valid choice" in check(field, ["Elderly", "Space"])[2][0]


def test_consent_checkbox_must_be_ticked_when_required():
    field = {"label": "I agree", "field_type": "checkbox"}
    assert check(field, "on")[1] is True
    assert check(field, "")[2] == ["This field is required."]


def test_hidden_field_keeps_its_default():
    definition = definition_with(
        {"label": "Source", "field_type": "hidden", "default_value": "poster", "required": False}
    )
    form = services.build_form(definition)
    assert 'type="hidden"' in str(form["source"]) and 'value="poster"' in str(form["source"])


def test_chinese_id_number_is_normalised_and_checked():
    field = {"label": "ID number", "field_type": "id_number"}
    good = valid_id_number(7)
    assert check(field, f" {good.lower()} ")[1] == good.upper()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    assert check(field, bad)[2] == [
        "The ID number's check digit is wrong: check it for a typing error."
    ]
    assert check(field, "123")[2] == ["An ID number has 18 characters: 17 digits and a digit or X."]


def test_phone_is_normalised_and_checked():
    field = {"label": "Phone", "field_type": "phone"}
    assert check(field, "+86 139 1234 5678")[1] == "13912345678"
    assert check(field, "0562 2881234")[1] == "0562-2881234"
    assert "Enter a mainland mobile number" in check(field, "12345")[2][0]


def test_area_chooser_offers_one_level_grouped_by_parent():
    community = CommunityFactory(name="五松社区")
    grid = GridFactory(parent=community, name="第一网格")
    StreetFactory(name="其他街道")
    field = {"label": "Grid", "field_type": "area", "area_level": Area.Level.GRID}
    form, value, errors = check(field, grid.code)
    assert value == grid and not errors
    html = str(form["grid"])
    assert '<optgroup label="五松社区">' in html and "第一网格" in html
    assert "其他街道" not in html
    assert "Select a valid choice" in check(field, community.code)[2][0]


def test_area_chooser_can_be_limited_to_a_subtree():
    inside, outside = GridFactory(), GridFactory()
    definition = definition_with({"label": "Grid", "field_type": "area", "area_level": 3})
    form = services.validate(definition, {"grid": outside.code}, area_root=inside.parent)
    assert "Select a valid choice" in form.errors["grid"][0]
    assert services.validate(definition, {"grid": inside.code}, area_root=inside.parent).is_valid()


def test_area_chooser_with_only_one_area_to_offer_has_it_chosen():
    community = CommunityFactory(name="五松社区")
    CommunityFactory(name="长江社区", parent=community.parent)
    required = definition_with({"label": "Community", "field_type": "area", "area_level": 2})
    chosen = f'<option value="{community.code}" selected>五松社区</option>'
    assert chosen in str(services.build_form(required, area_root=community)["community"])
    # Where there is a choice to make, or none need be made, the resident makes it.
    assert chosen not in str(services.build_form(required)["community"])
    optional = definition_with(
        {"label": "Community", "field_type": "area", "area_level": 2, "required": False}
    )
    assert chosen not in str(services.build_form(optional, area_root=community)["community"])


def test_upload_checks_content_not_the_name():
    field = {"label": "Photo", "field_type": "file", "allowed_file_types": "image"}
    assert check(field, None, {"photo": png()})[1].content_type == "image/png"
    fake = SimpleUploadedFile("photo.png", b"just some text, not an image", "image/png")
    assert check(field, None, {"photo": fake})[2] == [
        "“photo.png” is not one of the allowed kinds of file: Photos (JPEG, PNG, GIF, WebP, HEIC)."
    ]
    # A real PDF is refused where only photos are allowed, whatever its name says.
    assert "not one of the allowed kinds" in check(field, None, {"photo": pdf("x.png")})[2][0]


def test_upload_defaults_to_photos_and_pdf():
    field = {"label": "Document", "field_type": "file"}
    assert check(field, None, {"document": pdf()})[1].extension == "pdf"
    assert check(field, None, {"document": png()})[1].extension == "png"


def test_upload_size_cap():
    field = {"label": "Photo", "field_type": "file", "max_file_size": 1}
    big = SimpleUploadedFile("big.png", png_bytes() + b"\0" * (1024 * 1024), "image/png")
    assert check(field, None, {"photo": big})[2] == [
        "“big.png” is 1.0 MB; files may be at most 1 MB."
    ]


def test_upload_required_and_empty_file():
    field = {"label": "Photo", "field_type": "file"}
    assert check(field, None, {})[2] == ["This field is required."]
    empty = SimpleUploadedFile("empty.png", b"", "image/png")
    assert check(field, None, {"photo": empty})[2] == ["The submitted file is empty."]


def test_sections_are_headings_not_fields():
    definition = definition_with(
        {"label": "About you", "field_type": "section", "help_text": "Optional."},
        {"label": "Name", "field_type": "singleline"},
    )
    form = services.build_form(definition)
    assert list(form.fields) == ["name"]
    sections = form.layout()
    assert [s.heading for s in sections] == ["About you"]
    assert [row.spec.name for row in sections[0].rows] == ["name"]


def test_unknown_extra_fields_are_ignored():
    definition = definition_with({"label": "Name", "field_type": "singleline"})
    form = services.validate(definition, {"name": "王芳", "is_admin": "1", "area": "x"})
    assert form.is_valid() and form.cleaned_data == {"name": "王芳"}
