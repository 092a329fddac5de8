"""Admin-designed forms on Wagtail's form builder: a reusable definition (a snippet with drafts,
revisions and preview), its fields (wagtail.contrib.forms' AbstractFormField with more types),
the public page that places a definition on a site, and the submissions it stores."""

from .definitions import (
    AREA_LEVELS,
    FIELD_TYPE_CHOICES,
    FieldType,
    FormDefinition,
    FormDefinitionField,
)
from .pages import FormPage, FormPageForm, offered_area
from .submissions import Submission, SubmissionFile, private_storage

__all__ = [
    "AREA_LEVELS",
    "FIELD_TYPE_CHOICES",
    "FieldType",
    "FormDefinition",
    "FormDefinitionField",
    "FormPage",
    "FormPageForm",
    "Submission",
    "SubmissionFile",
    "offered_area",
    "private_storage",
]
