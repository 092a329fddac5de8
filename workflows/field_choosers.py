"""Choosers of form fields in the process editor: the area field, a stage's department field and
the field of a condition are chosen from the labels of the intake form (and, for conditions, of
the reviewer forms of the saved stages), never retyped, and an effect's mapping is a row per
input with such a chooser, not JSON. designer.js refreshes the intake form's labels in them
when another intake form is chosen, from `form_fields`."""

import dataclasses
import json

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from forms.models import FormDefinition
from forms.services import field_choices

from . import effects
from .models import Effect, ProcessDefinition

# Headings hold no answer to take an area, a department or a condition from.
NO_ANSWER = frozenset({"section"})
FIELDS_URL_NAME = "wagtailsnippets_workflows_processdefinition:form_fields"


def form_fields(form: FormDefinition) -> list[dict[str, object]]:
    """A form's fields that hold an answer, as the editor offers them: label, type, choices."""
    return [
        {"label": field.label, "type": field.field_type, "choices": field_choices(field)}
        for field in form.fields.all()
        if field.field_type not in NO_ANSWER
    ]


class KeptChoiceField(forms.TypedChoiceField):
    """A saved value no longer among the choices (a stage or field renamed in a definition
    file) is kept and shown, so that opening a definition never changes it."""

    def valid_value(self, value) -> bool:
        return True

    def prepare_value(self, value):
        if value and value not in dict(self.choices):
            self.choices = [*self.choices, (value, value)]
        return value


@dataclasses.dataclass(frozen=True)
class Labels:
    """The labels a definition's choosers offer: the intake form's, the reviewer forms' of
    its saved stages (for conditions), and the choices of those that have some."""

    intake: list[str]
    reviewers: list[str]
    choices: dict[str, list[str]]


class FieldLabelSelect(forms.Select):
    """Options from the intake form are marked, for designer.js to replace them; a field with
    choices carries them, for a condition's values to be ticked."""

    def __init__(self, labels: Labels):
        super().__init__(attrs={"data-form-fields": reverse(FIELDS_URL_NAME, args=[0])})
        self.labels = labels

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value in self.labels.intake:
            option["attrs"]["data-intake"] = ""
        if self.labels.choices.get(value):
            option["attrs"]["data-choices"] = json.dumps(
                self.labels.choices[value], ensure_ascii=False
            )
        return option


def label_field(model_field, labels: Labels, with_reviewers: bool = False) -> KeptChoiceField:
    """A chooser for a model field that holds a field's label."""
    others = [label for label in labels.reviewers if label not in labels.intake]
    offered = [*labels.intake, *(others if with_reviewers else [])]
    return KeptChoiceField(
        label=model_field.verbose_name,
        help_text=model_field.help_text,
        choices=[("", _("— choose a field —")), *((label, label) for label in offered)],
        required=False,
        widget=FieldLabelSelect(labels),
    )


class FieldMapWidget(forms.Widget):
    """An effect's mapping: designer.js draws a row per input of the effect chosen beside it,
    each with a chooser of the intake form's fields, and keeps the JSON in a hidden input."""

    template_name = "workflows/widgets/field_map.html"

    def __init__(self, labels: Labels):
        super().__init__()
        self.intake = labels.intake

    def format_value(self, value):
        return value if value not in (None, "", "null") else "{}"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(
            kinds=json.dumps(effects.mapping_rows(), ensure_ascii=False),
            intake=json.dumps(self.intake, ensure_ascii=False),
        )
        return context


def field_map_field(labels: Labels) -> forms.JSONField:
    model_field = Effect._meta.get_field("field_map")
    return forms.JSONField(
        label=model_field.verbose_name,
        help_text=_("Which field of the intake form gives each of the effect's inputs."),
        required=False,
        widget=FieldMapWidget(labels),
    )


def definition_labels(definition: ProcessDefinition) -> Labels:
    """The intake form's fields, and the reviewer forms' of the saved stages."""
    intake = form_fields(definition.intake_form) if definition.intake_form_id else []
    reviewers = [
        field
        for stage in (definition.stages.all() if definition.pk else [])
        if stage.reviewer_form_id
        for field in form_fields(stage.reviewer_form)
    ]
    return Labels(
        intake=[str(field["label"]) for field in intake],
        reviewers=[str(field["label"]) for field in reviewers],
        choices={str(f["label"]): list(f["choices"]) for f in [*reviewers, *intake]},
    )


def fields_of_form(request: HttpRequest, pk: str, *, permission_policy) -> JsonResponse:
    """The fields of a form, for the editor of a process using it (designers only)."""
    user: AbstractBaseUser = request.user
    if not permission_policy.user_has_any_permission(user, ["add", "change"]):
        raise PermissionDenied
    form = get_object_or_404(FormDefinition, pk=pk)
    return JsonResponse({"fields": form_fields(form)})
