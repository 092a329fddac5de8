"""Model attributes written as the file's values."""

import decimal
from collections.abc import Callable
from typing import Any

import yaml
from django.db import models

from forms import services as form_services
from forms.builder import split_lines
from forms.models import FormDefinition

from .. import effects, services
from ..models import Effect, ProcessDefinition
from .keys import (
    CHANNEL_KEYS,
    COUNTERSIGNER_KEYS,
    DEFINITION_KEYS,
    EFFECT_KEYS,
    FIELD_KEYS,
    FORM_KEYS,
    FORMAT,
    HEADER,
    LADDER_KEYS,
    LEVEL_NAMES,
    OVERSEER_KEYS,
    STAGE_KEYS,
    Key,
)


def plain_number(value: decimal.Decimal | None) -> int | float | str | None:
    """A decimal as YAML writes it exactly: a whole number, a float that reads back as the
    same decimal, or else text."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    return as_float if decimal.Decimal(repr(as_float)) == value else format(value.normalize(), "f")


def write_reference(obj: models.Model, name: str) -> str | None:
    related = getattr(obj, name)
    if related is None:
        return None
    return related.slug if isinstance(related, FormDefinition) else related.key


def write_field_map(effect: Effect) -> dict[str, str]:
    """An effect's inputs in the order the effect declares them (databases do not all keep
    the order of a JSON object's keys)."""
    kind = effects.EFFECTS.get(effect.kind)
    order = [*kind.inputs, *kind.optional] if kind else []
    mapping = effect.field_map or {}
    keys = sorted(mapping, key=lambda key: (order.index(key) if key in order else len(order), key))
    return {key: mapping[key] for key in keys}


def write_text(obj: models.Model, name: str) -> str:
    return str(getattr(obj, name))  # a plain str, not a model choice


WRITERS: dict[str, Callable[[models.Model, str], Any]] = {
    "text": write_text,
    "choice": write_text,
    "bool": getattr,
    "int": getattr,
    "number": lambda obj, name: plain_number(getattr(obj, name)),
    "level": lambda obj, name: LEVEL_NAMES.get(getattr(obj, name)),
    "choices": lambda obj, name: form_services.field_choices(obj),
    "lines": lambda obj, name: list(split_lines(getattr(obj, name))),
    "commas": lambda obj, name: [item for item in getattr(obj, name).split(",") if item],
    "mapping": lambda obj, name: write_field_map(obj),
    "role": write_reference,
    "form": write_reference,
    "definition": write_reference,
    "department": write_reference,
}


def to_data(obj: models.Model, keys: tuple[Key, ...]) -> dict[str, Any]:
    """An object's keys as written in a file: those at their default are left out."""
    blank = type(obj)()
    data = {}
    for key in keys:
        value = WRITERS[key.kind](obj, key.name)
        if value is not None and (key.always or value != WRITERS[key.kind](blank, key.name)):
            data[key.name] = value
    return data


def form_data(form: FormDefinition) -> dict[str, Any]:
    return {
        **to_data(form, FORM_KEYS),
        "fields": [to_data(field, FIELD_KEYS) for field in form.fields.all()],
    }


def definition_data(definition: ProcessDefinition) -> dict[str, Any]:
    data = to_data(definition, DEFINITION_KEYS)
    data["stages"] = [to_data(stage, STAGE_KEYS) for stage in definition.stages.all()]
    for name, keys in (
        ("countersigners", COUNTERSIGNER_KEYS),
        ("effects", EFFECT_KEYS),
        ("ladder", LADDER_KEYS),
        ("overseers", OVERSEER_KEYS),
        ("channels", CHANNEL_KEYS),
    ):
        found = [to_data(child, keys) for child in getattr(definition, name).all()]
        data |= {name: found} if found else {}
    return data


def forms_in_order(definition: ProcessDefinition) -> list[FormDefinition]:
    """The intake form, then the reviewer forms in stage order, each once."""
    return list({form.slug: form for form in services.forms_of(definition)}.values())


class Dumper(yaml.SafeDumper):
    """Texts of several lines as literal blocks, so that HTML and messages stay readable."""


def represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


Dumper.add_representer(str, represent_text)


def export_definition(definition: ProcessDefinition) -> str:
    """The definition as stored (its live content once published) with its forms, as YAML."""
    data = {
        "format": FORMAT,
        "forms": [form_data(form) for form in forms_in_order(definition)],
        "process": definition_data(definition),
    }
    body = yaml.dump(data, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=100)
    return HEADER + body
