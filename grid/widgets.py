"""django-import-export widgets for registry spreadsheets: they read what Excel and CSV files
really hold (numbers where text was meant, dates as serial numbers, choice labels in Chinese or
English) and raise ValueError with a message for the user when a cell cannot be read."""

import datetime
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import TextChoices
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import widgets

EXCEL_EPOCH = datetime.date(1899, 12, 30)
# Serial numbers Excel shows as dates from 1900-03-01 to 2199-12-31.
EXCEL_SERIALS = range(61, 109575)
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def number_as_text(value: Any) -> str:
    """A cell Excel stored as a number, written as the digits a person typed."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class TextWidget(widgets.CharWidget):
    """Text, trimmed; numbers and dates that Excel made of a text column become text again."""

    def clean(self, value, row=None, **kwargs) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int | float | Decimal):
            return number_as_text(value)
        if isinstance(value, datetime.datetime | datetime.date):
            return value.strftime("%Y-%m-%d")
        return str(value).strip()


class IDNumberWidget(TextWidget):
    """Excel keeps 15 significant digits, so an ID number stored as a number has lost its end."""

    def clean(self, value, row=None, **kwargs) -> str | None:
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 10**15:
            raise ValueError(
                _(
                    "Excel stored this ID number as a number and lost its last digits: "
                    "format the column as text and type the number again."
                )
            )
        return super().clean(value) or None


class NullableTextWidget(TextWidget):
    """Text whose empty value is stored as NULL (identifiers that are unique when present)."""

    def clean(self, value, row=None, **kwargs) -> str | None:
        return super().clean(value) or None


class ChoiceWidget(TextWidget):
    """A choice, given as its stored value or its label in Chinese or English."""

    def __init__(self, choices: type[TextChoices], **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        self.lookup: dict[str, str] | None = None

    def labels(self) -> dict[str, str]:
        if self.lookup is None:
            lookup = {}
            for value, label in self.choices.choices:
                lookup[value.casefold()] = value
                for language in ("en", "zh-hans"):
                    with translation.override(language):
                        lookup[str(label).casefold()] = value
            self.lookup = lookup
        return self.lookup

    def clean(self, value, row=None, **kwargs) -> str:
        text = super().clean(value)
        if not text:
            return ""
        try:
            return self.labels()[text.casefold()]
        except KeyError:
            raise ValueError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": text, "choices": "、".join(str(c.label) for c in self.choices)}
            ) from None

    def render(self, value, obj=None, **kwargs) -> str:
        return str(self.choices(value).label) if value else ""


class WholeNumberWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs) -> int | None:
        if self.is_empty(value):
            return None
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(_("Enter a whole number.")) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(_("Enter a whole number."))
        return int(number)

    def render(self, value, obj=None, **kwargs):
        return value


class NumberWidget(widgets.DecimalWidget):
    def clean(self, value, row=None, **kwargs) -> Decimal | None:
        if self.is_empty(value):
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(_("Enter a number.")) from None
        if not number.is_finite():
            raise ValueError(_("Enter a number."))
        return number

    def render(self, value, obj=None, **kwargs):
        return None if value is None else float(value)


class DateWidget(widgets.DateWidget):
    """A date as Excel holds it (a date cell, or a serial number such as 29296) or as text:
    2024-03-05, 2024/3/5, 2024年3月5日 or 20240305."""

    def clean(self, value, row=None, **kwargs) -> datetime.date | None:
        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = number_as_text(value).strip() if not isinstance(value, str) else value.strip()
        if not text:
            return None
        if text.isdigit() and len(text) == 8:
            text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
        match = DATE_RE.match(text)
        try:
            if match:
                return datetime.date(*(int(part) for part in match.groups()))
            serial = float(text)
        except ValueError:
            raise ValueError(_("Enter a date such as 1980-03-15.")) from None
        if not serial.is_integer() or int(serial) not in EXCEL_SERIALS:
            raise ValueError(_("Enter a date such as 1980-03-15."))
        return EXCEL_EPOCH + datetime.timedelta(days=int(serial))

    def render(self, value, obj=None, **kwargs):
        return value


class GeoJSONWidget(widgets.JSONWidget):
    def clean(self, value, row=None, **kwargs) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return json.loads(value)
        except (TypeError, ValueError):
            raise ValueError(_("Enter the boundary as GeoJSON text.")) from None

    def render(self, value, obj=None, **kwargs) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else ""


class KeyWidget(TextWidget):
    """A related record named by its natural key (an area's code, a user's username). The
    importer resolves keys in batches; exporting renders the key."""


TAG_SEPARATORS = re.compile(r"[、,，;；]")


class TagsWidget(TextWidget):
    """Tag names, separated by 、 , ， ; or ；, each once; the importer looks the names up.
    An empty cell is None: it leaves the tags on record as they are."""

    def clean(self, value, row=None, **kwargs) -> tuple[str, ...] | None:
        names = (name.strip() for name in TAG_SEPARATORS.split(super().clean(value)))
        return tuple(dict.fromkeys(name for name in names if name)) or None

    def render(self, value, obj=None, **kwargs) -> str:
        return "、".join(value or ())
