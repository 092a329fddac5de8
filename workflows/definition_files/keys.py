"""The definition-file format: its keys, one per model attribute, and how problems are named."""

import dataclasses
from collections.abc import Iterable

from django.utils.translation import gettext as _

from grid.models import Area

FORMAT = 2
HEADER = (
    "# A People's Grid process definition with its forms.\n"
    "# Import it with: python manage.py import_process FILE\n"
    "# Keys and values: docs/processes.md, section “Definitions as files”.\n"
)
LEVELS = {"district": Area.Level.DISTRICT, "street": Area.Level.STREET}
LEVELS |= {"community": Area.Level.COMMUNITY, "grid": Area.Level.GRID}
LEVEL_NAMES = {value: name for name, value in LEVELS.items()}
# Kinds of value that name another record; they are resolved after the file's own checks.
REFERENCES = frozenset({"role", "form", "definition", "department"})


@dataclasses.dataclass(frozen=True)
class Problem:
    """Something wrong in a file: where (line, field path) and what."""

    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = [_("line %(line)d") % {"line": self.line}] if self.line else []
        where += [self.path] if self.path else []
        return f"{', '.join(where)}: {self.message}" if where else self.message


class DefinitionFileError(Exception):
    """A file that cannot be imported; `problems` lists every reason, in file order."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems, key=lambda problem: problem.line or 0)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclasses.dataclass(frozen=True)
class Key:
    """One key of a mapping in the file: the model attribute of the same name and how its
    value is written. `always`: written even when it holds the model's default."""

    name: str
    kind: str = "text"
    required: bool = False
    always: bool = False


FORM_KEYS = (
    Key("slug", required=True, always=True),
    Key("title", required=True, always=True),
    Key("intro"),
    Key("thank_you_text"),
    Key("identity_role", "role"),
    Key("identity_level", "level"),
)
FIELD_KEYS = (
    Key("label", required=True, always=True),
    Key("field_type", "choice", required=True, always=True),
    Key("required", "bool", always=True),
    Key("help_text"),
    Key("is_personal", "bool"),
    Key("choices", "choices"),
    Key("default_value"),
    Key("pattern"),
    Key("pattern_message"),
    Key("min_value", "number"),
    Key("max_value", "number"),
    Key("allowed_file_types", "commas"),
    Key("max_file_size", "int"),
    Key("max_files", "int"),
    Key("area_level", "level"),
    Key("condition_field"),
    Key("condition_values", "lines"),
)
DEFINITION_KEYS = (
    Key("key", required=True, always=True),
    Key("name", required=True, always=True),
    Key("description"),
    Key("intake_form", "form", required=True, always=True),
    Key("starter", "choice", always=True),
    Key("starter_role", "role"),
    Key("area_source", "choice", always=True),
    Key("area_level", "level", always=True),
    Key("area_field"),
    Key("public_service", "bool", always=True),
    Key("asks_verdict", "bool"),
    Key("reopen_stage"),
    Key("reopen_days", "int"),
)
STAGE_KEYS = (
    Key("key", required=True, always=True),
    Key("name", required=True, always=True),
    Key("actor", "choice", always=True),
    Key("role", "role"),
    Key("role_level", "level"),
    Key("department", "department"),
    Key("department_field"),
    Key("dispatch_role", "role"),
    Key("dispatch_level", "level"),
    Key("dispatch_departments", "bool"),
    Key("distinct_from"),
    Key("condition_field"),
    Key("condition_operator", "choice"),
    Key("condition_values", "lines"),
    Key("reviewer_form", "form"),
    Key("approve_label"),
    Key("approve_to"),
    Key("allow_reject", "bool", always=True),
    Key("allow_return", "bool", always=True),
    Key("return_to"),
    Key("allow_refer", "bool", always=True),
    Key("deadline", "int"),
    Key("deadline_unit", "choice"),
    Key("escalation_role", "role"),
    Key("escalation_level", "level"),
    Key("warning_percent", "int"),
    Key("escalation_reassigns", "bool"),
    Key("countersign_rule", "choice"),
    Key("countersign_count", "int"),
    Key("countersign_rejection", "choice"),
)
EFFECT_KEYS = (
    Key("kind", "choice", required=True, always=True),
    Key("when", "choice", always=True),
    Key("role", "role"),
    Key("role_level", "level"),
    Key("notify_applicant", "bool"),
    Key("message"),
    Key("followup", "definition"),
    Key("field_map", "mapping"),
    Key("condition_field"),
    Key("condition_operator", "choice"),
    Key("condition_values", "lines"),
)
COUNTERSIGNER_KEYS = (
    Key("stage", required=True, always=True),
    Key("role", "role"),
    Key("role_level", "level"),
    Key("department", "department"),
)
LADDER_KEYS = (
    Key("role", "role", required=True, always=True),
    Key("role_level", "level", required=True, always=True),
)
OVERSEER_KEYS = (
    Key("role", "role", required=True, always=True),
    Key("role_level", "level", required=True, always=True),
)
CHANNEL_KEYS = (
    Key("event", "choice", required=True, always=True),
    Key("in_app", "bool", always=True),
    Key("email", "bool", always=True),
    Key("sms", "bool", always=True),
)
TOP_KEYS = ("format", "forms", "process")


class Invalid(Exception):
    """A value of the wrong type or outside its choices; the message says what is expected."""
