"""Values as a file writes them, read into model attributes."""

import decimal
from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from .keys import LEVELS, Invalid


def read_text(value: Any, field: models.Field) -> str:
    if not isinstance(value, str):
        raise Invalid(_("Expected text; put it in quotes."))
    return value


def read_bool(value: Any, field: models.Field) -> bool:
    if not isinstance(value, bool):
        raise Invalid(_("Expected true or false."))
    return value


def read_int(value: Any, field: models.Field) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(_("Expected a whole number."))
    return value


def read_number(value: Any, field: models.Field) -> decimal.Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Invalid(_("Expected a number."))
    try:
        number = decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        raise Invalid(_("Expected a number.")) from None
    if not number.is_finite():
        raise Invalid(_("Expected a number."))
    return number


def read_choice(value: Any, field: models.Field) -> str:
    allowed = [str(choice) for choice, _label in field.flatchoices]
    if value not in allowed:
        raise Invalid(
            _("“%(value)s” is not one of: %(allowed)s.")
            % {"value": value, "allowed": ", ".join(allowed)}
        )
    return value


def read_level(value: Any, field: models.Field) -> int:
    allowed = {name: level for name, level in LEVELS.items() if level in dict(field.flatchoices)}
    if value not in allowed:
        raise Invalid(
            _("“%(value)s” is not one of: %(allowed)s.")
            % {"value": value, "allowed": ", ".join(allowed)}
        )
    return allowed[value]


def read_texts(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Invalid(_("Expected a list of texts."))
    if any(not item.strip() or "\n" in item for item in value):
        raise Invalid(_("Each item must be one line of text, not empty."))
    return [item.strip() for item in value]


def read_choices(value: Any, field: models.Field) -> str:
    items = read_texts(value)
    # Wagtail splits choices by lines, or by commas when there is only one line.
    if len(items) == 1 and "," in items[0]:
        raise Invalid(_("A form field's only choice cannot contain a comma."))
    return "\n".join(items)


def read_lines(value: Any, field: models.Field) -> str:
    return "\n".join(read_texts(value))


def read_commas(value: Any, field: models.Field) -> str:
    items = read_texts(value)
    if any("," in item for item in items):
        raise Invalid(_("Give one item per entry of the list."))
    return ",".join(items)


def read_mapping(value: Any, field: models.Field) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise Invalid(_("Expected a mapping of names to texts."))
    return dict(value)


READERS: dict[str, Callable[[Any, models.Field], Any]] = {
    "text": read_text,
    "bool": read_bool,
    "int": read_int,
    "number": read_number,
    "choice": read_choice,
    "level": read_level,
    "choices": read_choices,
    "lines": read_lines,
    "commas": read_commas,
    "mapping": read_mapping,
}
