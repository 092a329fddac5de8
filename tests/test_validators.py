"""Identifiers: ID numbers (GB 11643), phones, credit codes (GB 32100), area codes, GeoJSON."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from grid import validators

# Real-format examples whose check characters were computed by hand from the standards.
GOOD_ID_NUMBERS = ["11010519491231002X", "340705198703154415", "340702201602290018"]  # last: 29 Feb
GOOD_CREDIT_CODES = ["91350100M000100Y43", "91110000100021390T"]


def error_code(func, value, *args):
    with pytest.raises(ValidationError) as info:
        func(value, *args)
    return info.value.error_list[0].code


@pytest.mark.parametrize("value", GOOD_ID_NUMBERS)
def test_valid_id_numbers_pass(value):
    validators.validate_id_number(value)


def test_lowercase_x_is_accepted_and_normalised():
    validators.validate_id_number("11010519491231002x")
    assert validators.normalize_id_number(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "id_check_digit"),  # last character changed
        ("340705198703154418", "id_check_digit"),
        ("440524188001010014", "id_birth_date"),  # GB 11643's own example: born 1880
        ("11010519491331002X", "id_birth_date"),  # month 13
        ("110105194902300027", "id_birth_date"),  # 30 February
        ("110105209912310020", "id_birth_date"),  # born in the future
        ("000105194912310021", "id_region"),
        ("1101051949123100", "id_format"),  # 16 characters
        ("11010519491231002Y", "id_format"),
        ("11010519491231002X1", "id_format"),
    ],
)
def test_bad_id_numbers_are_refused_with_their_reason(value, code):
    assert error_code(validators.validate_id_number, value) == code


def test_check_digit_is_computed_per_gb11643():
    assert validators.id_check_char("11010519491231002") == "X"
    assert validators.id_check_char("44052418800101001") == "4"


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086-19912345678", "19912345678"),
        ("0562-2881234", "0562-2881234"),
        ("(0562)28812345", "0562-28812345"),
        ("010-62345678", "010-62345678"),
        ("021 62345678", "021-62345678"),
        ("0562-2881234转88", "0562-2881234-88"),
    ],
)
def test_valid_phones_are_normalised(value, normalized):
    validators.validate_phone(value)
    assert validators.normalize_phone(value) == normalized


@pytest.mark.parametrize(
    "value",
    [
        "12800138000",  # no mobile prefix starts 12
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "010-1234567",  # Beijing numbers have 8 digits
        "0562-1881234",  # local numbers never start with 1
        "2881234",  # no area code
        "phone me",
        "",
    ],
)
def test_bad_phones_are_refused(value):
    assert error_code(validators.validate_phone, value) == "phone"


@pytest.mark.parametrize("value", GOOD_CREDIT_CODES)
def test_valid_credit_codes_pass(value):
    validators.validate_credit_code(value)
    validators.validate_credit_code(value.lower())


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91350100M000100Y44", "credit_check_char"),
        ("911100001000213906", "credit_check_char"),
        ("91350100M000100Y4", "credit_format"),
        ("91350100O000100Y43", "credit_format"),  # O is not in the character set
        ("9135010IM000100Y43", "credit_format"),
    ],
)
def test_bad_credit_codes_are_refused(value, code):
    assert error_code(validators.validate_credit_code, value) == code


@pytest.mark.parametrize(
    ("code", "parent", "error"),
    [
        ("34070", None, "area_code_length"),
        ("3407051", None, "area_code_length"),
        ("000705", None, "area_code_district"),
        ("34070a", None, "area_code_digits"),
        ("３４０７０５", None, "area_code_digits"),  # full-width digits
        ("34070500", "340705", "area_code_length"),
        ("340702001", "340705", "area_code_prefix"),
        ("340705000", "340705", "area_code_segment"),
        ("340705001001", "340705", "area_code_length"),
    ],
)
def test_area_codes_follow_the_tree(code, parent, error):
    assert error_code(validators.validate_area_code, code, parent) == error


def test_good_area_codes():
    validators.validate_area_code("340705", None)
    validators.validate_area_code("340705001", "340705")
    validators.validate_area_code("340705001002003", "340705001002")


SQUARE = [[117.8, 30.9], [117.81, 30.9], [117.81, 30.91], [117.8, 30.91], [117.8, 30.9]]


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Polygon", "coordinates": [SQUARE]},
        {"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE]]},
    ],
)
def test_valid_boundaries(geometry):
    validators.validate_boundary(geometry)


@pytest.mark.parametrize(
    ("geometry", "code"),
    [
        ({"type": "Point", "coordinates": [117.8, 30.9]}, "geojson_type"),
        ([SQUARE], "geojson_type"),
        ({"type": "Polygon", "coordinates": []}, "geojson_rings"),
        ({"type": "Polygon", "coordinates": [SQUARE[:3]]}, "geojson_ring_size"),
        ({"type": "Polygon", "coordinates": [[*SQUARE[:4], [117.0, 30.0]]]}, "geojson_ring_open"),
        (
            {"type": "Polygon", "coordinates": [[[200, 30], *SQUARE[1:4], [200, 30]]]},
            "geojson_range",
        ),
        (
            {"type": "Polygon", "coordinates": [[["a", 30], *SQUARE[1:4], ["a", 30]]]},
            "geojson_position",
        ),
        ({"type": "MultiPolygon", "coordinates": [[SQUARE[:2]]]}, "geojson_ring_size"),
    ],
)
def test_bad_boundaries(geometry, code):
    assert error_code(validators.validate_boundary, geometry) == code


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "check digit is wrong"),
        ("zh-hans", "校验码错误"),
    ],
)
def test_messages_speak_both_languages(language, expected):
    with translation.override(language):
        with pytest.raises(ValidationError) as info:
            validators.validate_id_number("110105194912310021")
        assert expected in info.value.messages[0]
