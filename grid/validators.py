"""Validators for the identifiers a Chinese community registry holds.

Each validator raises ValidationError with a translatable message and a stable code; the
`normalize_*` helpers return the canonical stored form.
"""

import datetime
import operator
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 11643-1999: weights of the first 17 digits and the check character for each remainder.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# The weighted sum is taken over the digits' character codes: this is what it adds for "0"s.
ID_ZEROS = ord("0") * sum(ID_WEIGHTS)
ID_FORMAT_RE = re.compile(r"\d{17}[\dX]")
# Province-level prefixes of the administrative division code (GB/T 2260).
ID_PROVINCES = frozenset(
    (
        "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
        "50 51 52 53 54 61 62 63 64 65 71 81 82 83"
    ).split()
)

# GB 32100-2015: the 31 characters a unified social credit code may use, and their weights.
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Landlines: 010 and 02X take an 8-digit local number; other area codes have 4 digits and
# take 7 or 8. Local numbers never start with 0 or 1.
LANDLINE_RE = re.compile(
    r"^(?:(010|02\d)-?([2-9]\d{7})|(0[3-9]\d{2})-?([2-9]\d{6,7}))(?:-(\d{1,6}))?$"
)
PHONE_EXTENSION_RE = re.compile(r"(?:转|ext\.?|x|#)\s*(\d{1,6})$", flags=re.IGNORECASE)
PHONE_SEPARATORS_RE = re.compile(r"[\s\-()（）]")
COUNTRY_CODE_RE = re.compile(r"^(?:\+86|0086)")


def id_check_char(first17: str) -> str:
    if len(first17) != len(ID_WEIGHTS) or not (first17.isascii() and first17.isdigit()):
        raise ValueError(first17)
    # Summed over the bytes, not int() of each character: an import checks one per row.
    total = sum(map(operator.mul, first17.encode(), ID_WEIGHTS)) - ID_ZEROS
    return ID_CHECK_CHARS[total % 11]


def normalize_id_number(value: str) -> str:
    return value.strip().upper()


def id_birth_date(value: str) -> datetime.date | None:
    try:
        return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def validate_id_number(value: str) -> None:
    value = normalize_id_number(value)
    if not ID_FORMAT_RE.fullmatch(value):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a digit or X."), code="id_format"
        )
    if value[:2] not in ID_PROVINCES:
        raise ValidationError(
            _("The ID number does not start with a valid region code."), code="id_region"
        )
    birth = id_birth_date(value)
    if birth is None or birth.year < 1900 or birth > datetime.date.today():
        raise ValidationError(
            _("The ID number does not contain a valid birth date."), code="id_birth_date"
        )
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The ID number's check digit is wrong: check it for a typing error."),
            code="id_check_digit",
        )


def normalize_phone(value: str) -> str:
    """Strip separators and the country code; keep one hyphen between area code and number."""
    raw = value.strip()
    ext = ""
    match = PHONE_EXTENSION_RE.search(raw)
    if match:
        ext, raw = match.group(1), raw[: match.start()]
    digits = COUNTRY_CODE_RE.sub("", PHONE_SEPARATORS_RE.sub("", raw))
    if MOBILE_RE.match(digits) or not digits.startswith("0"):
        return digits
    landline = LANDLINE_RE.match(digits)
    if landline:
        area = landline.group(1) or landline.group(3)
        local = landline.group(2) or landline.group(4)
        digits = f"{area}-{local}"
    return f"{digits}-{ext}" if ext else digits


def validate_phone(value: str) -> None:
    if MOBILE_RE.match(value):  # most numbers, already in their stored form
        return
    normalized = normalize_phone(value)
    if MOBILE_RE.match(normalized) or LANDLINE_RE.match(normalized):
        return
    raise ValidationError(
        _(
            "Enter a mainland mobile number (11 digits starting with 13–19) or a landline "
            "with its area code, such as 0562-2881234."
        ),
        code="phone",
    )


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    return value.strip().upper()


def validate_credit_code(value: str) -> None:
    value = normalize_credit_code(value)
    if len(value) != 18 or any(c not in CREDIT_CHARS for c in value):
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters: digits and capital letters "
                "other than I, O, S, V and Z."
            ),
            code="credit_format",
        )
    if credit_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The unified social credit code's check character is wrong."),
            code="credit_check_char",
        )


def validate_position(position: Any) -> None:
    if (
        not isinstance(position, list | tuple)
        or len(position) not in (2, 3)
        or not all(isinstance(n, int | float) and not isinstance(n, bool) for n in position)
    ):
        raise ValidationError(
            _("Each boundary point must be a [longitude, latitude] pair of numbers."),
            code="geojson_position",
        )
    lng, lat = position[0], position[1]
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise ValidationError(
            _("Boundary point %(point)s is outside the range of longitude and latitude."),
            code="geojson_range",
            params={"point": list(position)},
        )


def validate_polygon_rings(rings: Any) -> None:
    if not isinstance(rings, list) or not rings:
        raise ValidationError(
            _("A polygon needs at least one ring of points."), code="geojson_rings"
        )
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            raise ValidationError(
                _("A polygon ring needs at least four points."), code="geojson_ring_size"
            )
        for position in ring:
            validate_position(position)
        if list(ring[0]) != list(ring[-1]):
            raise ValidationError(
                _("A polygon ring must end at the point where it starts."),
                code="geojson_ring_open",
            )


def validate_boundary(value: Any) -> None:
    """A boundary is a GeoJSON Polygon or MultiPolygon geometry (RFC 7946)."""
    if not isinstance(value, Mapping) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(
            _("A boundary must be a GeoJSON geometry of type Polygon or MultiPolygon."),
            code="geojson_type",
        )
    coordinates = value.get("coordinates")
    if value["type"] == "Polygon":
        validate_polygon_rings(coordinates)
        return
    if not isinstance(coordinates, list) or not coordinates:
        raise ValidationError(_("A MultiPolygon needs at least one polygon."), code="geojson_rings")
    for polygon in coordinates:
        validate_polygon_rings(polygon)


DISTRICT_CODE_LENGTH = 6
SEGMENT_LENGTH = 3


def validate_area_code(code: str, parent_code: str | None) -> None:
    """A district code is 6 digits; each level below appends 3 digits to its parent's code."""
    if not code.isdigit() or not code.isascii():
        raise ValidationError(_("A code is made of digits only."), code="area_code_digits")
    if parent_code is None:
        if len(code) != DISTRICT_CODE_LENGTH:
            raise ValidationError(
                _("A district code has 6 digits (its administrative division code)."),
                code="area_code_length",
            )
        if code[:2] not in ID_PROVINCES or code[2:] == "0000":
            raise ValidationError(
                _("%(code)s is not a district's administrative division code."),
                code="area_code_district",
                params={"code": code},
            )
        return
    expected = len(parent_code) + SEGMENT_LENGTH
    if len(code) != expected:
        raise ValidationError(
            _("This code must have %(length)d digits: the parent's code and 3 more."),
            code="area_code_length",
            params={"length": expected},
        )
    if not code.startswith(parent_code):
        raise ValidationError(
            _("This code must start with the parent's code %(parent)s."),
            code="area_code_prefix",
            params={"parent": parent_code},
        )
    if code.endswith("000"):
        raise ValidationError(
            _("The last 3 digits of a code cannot be 000."), code="area_code_segment"
        )


def code_length(level: int) -> int:
    """How many digits the code of an area at `level` has: 6, 9, 12 or 15."""
    return DISTRICT_CODE_LENGTH + SEGMENT_LENGTH * level


def level_of_code(code: str) -> int:
    """The level of the area with `code`, from its length."""
    return (len(code) - DISTRICT_CODE_LENGTH) // SEGMENT_LENGTH


def ancestor_codes(code: str, top: int) -> list[str]:
    """The codes of the areas from level `top` down to the area with `code`, itself included."""
    return [code_at_level(code, level) for level in range(top, level_of_code(code) + 1)]


def code_at_level(code: str, level: int) -> str:
    """The code of the ancestor at `level` of the area with `code` (codes are prefixes)."""
    return code[: code_length(level)]
