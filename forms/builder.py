"""Django forms from form definitions, on Wagtail's FormBuilder: its field types plus ID numbers,
phones, areas and uploads, pattern and range validation, sections, and conditional display
decided on the server from the submitted answers (the browser script mirrors the same rule)."""

import dataclasses
import decimal
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from django import forms
from django.core.validators import RegexValidator
from django.forms import BoundField
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.forms.forms import BaseForm
from wagtail.contrib.forms.forms import FormBuilder as WagtailFormBuilder

from grid.models import Area

from .fields import AreaChoiceField, CheckedUpload, IDNumberField, PhoneField, UploadField

if TYPE_CHECKING:
    from .models import FormDefinition

TEXT_TYPES = frozenset({"singleline", "multiline", "email", "url"})
CHOICE_TYPES = frozenset({"dropdown", "radio", "checkboxes", "multiselect"})
GROUP_TYPES = frozenset({"radio", "checkboxes"})
MULTILINE_MAX_LENGTH = 5000
# The honeypot's and the kept-upload tokens' (`<name>-kept`) names have hyphens, which Wagtail's
# snake_case field names never do; the CSRF token's name is reserved.
HONEYPOT_NAME = "hp-website"
# Characters no export cell or XML reply can carry, less NUL: Django's fields refuse that one
# with a message of their own.
CONTROL_CHARACTERS = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
RESERVED_NAMES = frozenset({"csrfmiddlewaretoken"})


def split_lines(value: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in value.splitlines() if line.strip())


@dataclasses.dataclass(frozen=True)
class Condition:
    """Show a field only when `field` (an earlier field's name) has one of `values`, or when
    it has any answer at all if `values` is empty."""

    field: str
    label: str
    values: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    """What the form, the page and the stored submission need to know about one field."""

    name: str
    label: str
    type: str
    help_text: str
    required: bool
    personal: bool
    condition: Condition | None

    @property
    def is_section(self) -> bool:
        return self.type == "section"


def answer_strings(value: object) -> list[str]:
    """A cleaned value as the strings a condition compares (a ticked box answers "on")."""
    if value is None or value == "" or value is False:
        return []
    if value is True:
        return ["on"]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, Area):
        return [value.code]
    return [str(value)]


def condition_met(answers: Sequence[str], values: Sequence[str]) -> bool:
    if not values:
        return bool(answers)
    return any(answer in values for answer in answers)


def field_specs(fields: Iterable) -> list[FieldSpec]:
    """Specs in order; a condition names its controlling field by label, resolved here to the
    earlier field of that label (the definition's validation guarantees there is one)."""
    specs: list[FieldSpec] = []
    names_by_label: dict[str, str] = {}
    for field in fields:
        name = field.clean_name or field.get_field_clean_name()
        condition = None
        label = field.condition_field.strip()
        if label and label in names_by_label:
            condition = Condition(names_by_label[label], label, split_lines(field.condition_values))
        specs.append(
            FieldSpec(
                name=name,
                label=field.label,
                type=field.field_type,
                help_text=field.help_text,
                required=field.required,
                personal=field.is_personal or field.field_type in ("id_number", "phone"),
                condition=condition,
            )
        )
        if field.field_type != "section":
            names_by_label[field.label.strip()] = name
    return specs


class FormBuilder(WagtailFormBuilder):
    """Wagtail's builder with the registry's field types and per-field validation options."""

    def __init__(self, fields: Iterable, *, area_root: Area | None = None):
        self.all_fields = list(fields)
        self.area_root = area_root
        super().__init__([f for f in self.all_fields if f.field_type != "section"])

    def get_field_options(self, field) -> dict:
        options = super().get_field_options(field)
        if field.pattern and field.field_type in TEXT_TYPES:
            options["validators"] = [
                RegexValidator(
                    rf"\A(?:{field.pattern})\Z",
                    field.pattern_message or _("Enter the answer in the format asked for."),
                    code="pattern",
                )
            ]
        return options

    def create_singleline_field(self, field, options):
        options.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
        return super().create_singleline_field(field, options)

    def create_multiline_field(self, field, options):
        options["max_length"] = MULTILINE_MAX_LENGTH
        options["widget"] = forms.Textarea(attrs={"rows": 5})
        return super().create_multiline_field(field, options)

    def create_hidden_field(self, field, options):
        options["max_length"] = 255
        return super().create_hidden_field(field, options)

    def create_number_field(self, field, options):
        return forms.DecimalField(
            min_value=plain_decimal(field.min_value),
            max_value=plain_decimal(field.max_value),
            max_digits=18,
            decimal_places=6,
            widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            **options,
        )

    def create_date_field(self, field, options):
        options["widget"] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        return super().create_date_field(field, options)

    def create_datetime_field(self, field, options):
        options["widget"] = forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        )
        return super().create_datetime_field(field, options)

    def create_dropdown_field(self, field, options):
        options["choices"] = [("", _("Choose…")), *self.get_formatted_field_choices(field)]
        return forms.ChoiceField(**options)

    def create_id_number_field(self, field, options):
        return IDNumberField(**options)

    def create_phone_field(self, field, options):
        return PhoneField(**options)

    def create_area_field(self, field, options):
        return AreaChoiceField(
            level=field.area_level or Area.Level.COMMUNITY, within=self.area_root, **options
        )

    def create_file_field(self, field, options):
        options.pop("initial", None)
        return UploadField(
            kinds=[k for k in field.allowed_file_types.split(",") if k],
            max_mb=field.max_file_size,
            max_files=field.max_files,
            name=field.clean_name or field.get_field_clean_name(),
            **options,
        )

    def get_form_class(self) -> type["SubmissionForm"]:
        return type(
            "SubmissionForm",
            (SubmissionForm,),
            {**self.formfields, "specs": tuple(field_specs(self.all_fields))},
        )


@dataclasses.dataclass
class Row:
    spec: FieldSpec
    field: BoundField
    kept: list[CheckedUpload]

    @property
    def takes_several(self) -> bool:
        return getattr(self.field.field, "max_files", 1) > 1

    @property
    def is_group(self) -> bool:
        return self.spec.type in GROUP_TYPES

    @property
    def is_checkbox(self) -> bool:
        return self.spec.type == "checkbox"

    @property
    def is_hidden_input(self) -> bool:
        return self.spec.type == "hidden"

    @property
    def show_values(self) -> str:
        """The answers that show this field, for the browser script."""
        return json.dumps(list(self.spec.condition.values)) if self.spec.condition else ""

    @property
    def condition_hint(self) -> str:
        """Says when to answer, for people whose browser does not run the script."""
        condition = self.spec.condition
        if condition is None:
            return ""
        if not condition.values:
            return _("Answer only if you answered “%(label)s”.") % {"label": condition.label}
        return _("Answer only if “%(label)s” is %(values)s.") % {
            "label": condition.label,
            "values": _(" or ").join(f"“{value}”" for value in condition.values),
        }


@dataclasses.dataclass
class Section:
    heading: str
    help_text: str
    rows: list[Row]


class SubmissionForm(BaseForm):
    """A definition's form. Fields whose condition is not met by the submitted answers are
    neither required nor validated, and their values are dropped."""

    specs: tuple[FieldSpec, ...] = ()
    # Set by services.build_form: the definition the form was built from.
    definition: "FormDefinition | None" = None
    # Browsers' own required-field bubbles would fight the conditional fields the script hides;
    # the server's messages, next to each field, are the ones shown.
    use_required_attribute = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hidden_by_condition: set[str] = set()
        self.kept: dict[str, list[CheckedUpload]] = {}
        if self.is_bound:
            self.data = without_control_characters(self.data)
            self.apply_conditions()

    @property
    def input_specs(self) -> list[FieldSpec]:
        return [spec for spec in self.specs if not spec.is_section]

    def apply_conditions(self) -> None:
        controllers = {spec.condition.field for spec in self.specs if spec.condition}
        answers: dict[str, list[str]] = {}
        self.data = self.data.copy()
        self.files = self.files.copy()
        for spec in self.input_specs:
            if spec.condition and not condition_met(
                answers.get(spec.condition.field, []), spec.condition.values
            ):
                self.hidden_by_condition.add(spec.name)
                self.fields[spec.name].required = False
                for key in (spec.name, f"{spec.name}-kept"):
                    self.data.pop(key, None)
                self.files.pop(spec.name, None)
            elif spec.name in controllers:
                answers[spec.name] = answer_strings(self.peek(spec.name))

    def peek(self, name: str) -> object:
        """The cleaned value of one field, or None when it does not validate."""
        field = self.fields[name]
        raw = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
        try:
            return field.clean(raw)
        except forms.ValidationError:
            return None

    def answered(self) -> list[tuple[FieldSpec, object]]:
        """The shown fields and their cleaned values, in order (after is_valid())."""
        return [
            (spec, self.cleaned_data.get(spec.name))
            for spec in self.input_specs
            if spec.name not in self.hidden_by_condition
        ]

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(anchor, label, first message) of each error in field order, for the summary at
        the top; a hidden field has no row to link to, so its message stands alone."""
        items = [("", "", str(error)) for error in self.non_field_errors()]
        for spec in self.input_specs:
            if spec.name in self.errors:
                anchor = "" if spec.type == "hidden" else f"row-{spec.name}"
                items.append((anchor, spec.label, str(self.errors[spec.name][0])))
        return items

    def layout(self) -> list[Section]:
        """The fields grouped under their section headings, for templates."""
        sections = [Section("", "", [])]
        for spec in self.specs:
            if spec.is_section:
                sections.append(Section(spec.label, spec.help_text, []))
            else:
                sections[-1].rows.append(Row(spec, self[spec.name], self.kept.get(spec.name, [])))
        return [s for s in sections if s.rows or s.heading]


def without_control_characters(data: Mapping) -> Mapping:
    """The answers without characters no keyboard types and no export cell or XML reply can
    carry (pasted from elsewhere, or sent by a script): dropped before validation, so that
    what is stored can always be shown, exported and sent on. Tab and line breaks stay."""
    if not hasattr(data, "lists"):
        return data
    cleaned = MultiValueDict()
    for key, values in data.lists():
        cleaned.setlist(
            key, [CONTROL_CHARACTERS.sub("", v) if isinstance(v, str) else v for v in values]
        )
    return cleaned


def plain_decimal(value: decimal.Decimal | None) -> decimal.Decimal | None:
    """1.000000 as stored reads 1 in messages and in the page's min and max."""
    return None if value is None else decimal.Decimal(format(value.normalize(), "f"))


def json_value(value: object) -> object:
    """A cleaned value as stored in a submission's JSON."""
    if isinstance(value, Area):
        return {"code": value.code, "name": value.name}
    if isinstance(value, CheckedUpload):
        return {"name": value.name, "size": value.size, "type": value.content_type}
    if isinstance(value, list):
        return [json_value(item) for item in value]
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
