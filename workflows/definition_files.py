"""Process definitions as files: a definition with its forms (the intake form and every
stage's reviewer form, with all their fields), its stages, effects and overseers, as YAML that moves
between installations and lives in `fixtures/workflows/`.

Roles, forms, follow-up processes and departments are named by key, never by database id.
Importing checks everything before it writes anything — the file's structure and types, every
key it uses and every name it refers to, each form's own rules and the engine's — and reports
every problem with its line and field path. Only a file without problems is written, in one
transaction: forms matched by slug and the definition by key are updated in place (their
fields, stages, effects and overseers replaced), the others created. What is already live is
left alone, so importing an identical file again makes no new version.

Keys are the model attributes of the same name (the admin's fields); docs/processes.md's section
"Definitions as files" documents them.
"""

import dataclasses
import decimal
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import yaml
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from forms import services as form_services
from forms.builder import CHOICE_TYPES, split_lines
from forms.models import FormDefinition, FormDefinitionField
from grid.models import Area, Role

from . import effects, selectors, services
from .models import Effect, Overseer, Stage, WorkflowDefinition

FORMAT = 1
HEADER = (
    "# A People's Grid process definition with its forms.\n"
    "# Import it with: python manage.py import_workflow FILE\n"
    "# Keys and values: docs/processes.md, section “Definitions as files”.\n"
)
LEVELS = {"district": Area.Level.DISTRICT, "street": Area.Level.STREET}
LEVELS |= {"community": Area.Level.COMMUNITY, "grid": Area.Level.GRID}
LEVEL_NAMES = {value: name for name, value in LEVELS.items()}
# Kinds of value that name another record; they are resolved after the file's own checks.
REFERENCES = frozenset({"role", "form", "definition"})


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
)
STAGE_KEYS = (
    Key("key", required=True, always=True),
    Key("name", required=True, always=True),
    Key("actor", "choice", always=True),
    Key("role", "role"),
    Key("role_level", "level"),
    Key("department_field"),
    Key("reviewer_form", "form"),
    Key("approve_label"),
    Key("allow_reject", "bool", always=True),
    Key("allow_return", "bool", always=True),
    Key("return_to"),
    Key("allow_refer", "bool", always=True),
    Key("deadline", "int"),
    Key("deadline_unit", "choice"),
    Key("escalation_role", "role"),
    Key("escalation_level", "level"),
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
)
OVERSEER_KEYS = (
    Key("role", "role", required=True, always=True),
    Key("role_level", "level", required=True, always=True),
)
TOP_KEYS = ("format", "forms", "workflow")


class Invalid(Exception):
    """A value of the wrong type or outside its choices; the message says what is expected."""


# --- Values: from the file to model attributes ----------------------------------------------


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


# --- Values: from model attributes to the file ----------------------------------------------


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


def definition_data(definition: WorkflowDefinition) -> dict[str, Any]:
    data = to_data(definition, DEFINITION_KEYS)
    data["stages"] = [to_data(stage, STAGE_KEYS) for stage in definition.stages.all()]
    for name, keys in (("effects", EFFECT_KEYS), ("overseers", OVERSEER_KEYS)):
        found = [to_data(child, keys) for child in getattr(definition, name).all()]
        data |= {name: found} if found else {}
    return data


def forms_in_order(definition: WorkflowDefinition) -> list[FormDefinition]:
    """The intake form, then the reviewer forms in stage order, each once."""
    return list({form.slug: form for form in services.forms_of(definition)}.values())


class Dumper(yaml.SafeDumper):
    """Texts of several lines as literal blocks, so that HTML and messages stay readable."""


def represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


Dumper.add_representer(str, represent_text)


def export_definition(definition: WorkflowDefinition) -> str:
    """The definition as stored (its live content once published) with its forms, as YAML."""
    data = {
        "format": FORMAT,
        "forms": [form_data(form) for form in forms_in_order(definition)],
        "workflow": definition_data(definition),
    }
    body = yaml.dump(data, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=100)
    return HEADER + body


# --- Reading a file ---------------------------------------------------------------------------

Path = tuple[str | int, ...]


def dotted(path: Path) -> str:
    """`workflow.stages[1].role` for ("workflow", "stages", 1, "role")."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclasses.dataclass
class Document:
    """A parsed file: its data, and the line of every key and list item by path."""

    data: Any
    lines: dict[Path, int]

    def line(self, path: Path) -> int | None:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path)


def parse(text: str) -> Document:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = _("This is not valid YAML: %(problem)s.") % {
            "problem": error.problem or error.context
        }
        raise DefinitionFileError([Problem(mark.line + 1 if mark else None, "", message)]) from None
    except yaml.YAMLError as error:
        raise DefinitionFileError([Problem(None, "", str(error))]) from None
    finally:
        loader.dispose()
    lines: dict[Path, int] = {(): node.start_mark.line + 1} if node is not None else {}
    problems: list[Problem] = []
    if node is not None:
        locate(node, (), lines, problems, set())
    if problems:
        raise DefinitionFileError(problems)
    return Document(data, lines)


def locate(
    node: yaml.Node, path: Path, lines: dict[Path, int], problems: list[Problem], seen: set
) -> None:
    """Record where each key and item is, and refuse keys given twice (which YAML loaders
    silently let the last one win). Aliased nodes are walked once."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        names = set()
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.tag)
            line = key_node.start_mark.line + 1
            if name in names:
                problems.append(
                    Problem(
                        line,
                        dotted((*path, name)),
                        _("This key is given twice in the same place."),
                    )
                )
            names.add(name)
            lines.setdefault((*path, name), line)
            locate(value_node, (*path, name), lines, problems, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.setdefault((*path, index), item.start_mark.line + 1)
            locate(item, (*path, index), lines, problems, seen)


class Reader:
    """Checks a document against the schema and builds the objects it describes, in memory,
    collecting every problem on the way."""

    def __init__(self, document: Document):
        self.document = document
        self.problems: list[Problem] = []

    def problem(self, path: Path, message: str) -> None:
        self.problems.append(Problem(self.document.line(path), dotted(path), str(message)))

    def mapping(
        self, value: Any, path: Path, keys: tuple[Key, ...], children: tuple[str, ...] = ()
    ) -> dict | None:
        if not isinstance(value, dict):
            self.problem(path, _("Expected a mapping of keys and values."))
            return None
        known = [key.name for key in keys] + list(children)
        for name in value:
            if name not in known:
                self.problem(
                    (*path, str(name)),
                    _("Unknown key “%(key)s”; the keys here are: %(known)s.")
                    % {"key": name, "known": ", ".join(known)},
                )
        for key in keys:
            if key.required and value.get(key.name) is None:
                self.problem((*path, key.name), _("This key is required."))
        return value

    def items(self, value: Any, path: Path, *, required: bool) -> list:
        if value is None and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            self.problem(path, _("Expected a list with at least one item."))
            return []
        return value

    def apply(self, obj: models.Model, value: dict, path: Path, keys: tuple[Key, ...]) -> None:
        """Set the object's attributes from the file, check them with the model's own
        validation (lengths, formats, ranges, a form field's rules); a key left out takes the
        model's default."""
        invalid_names = set()
        for key in keys:
            if key.kind in REFERENCES:
                continue
            field = obj._meta.get_field(key.name)
            raw = value.get(key.name)
            if raw is None and key.required:  # reported by `mapping`
                invalid_names.add(key.name)
                continue
            try:
                setattr(
                    obj,
                    key.name,
                    field.get_default() if raw is None else READERS[key.kind](raw, field),
                )
            except Invalid as invalid:
                self.problem((*path, key.name), str(invalid))
                invalid_names.add(key.name)
        names = {key.name for key in keys if key.kind not in REFERENCES} - invalid_names
        exclude = [field.name for field in obj._meta.fields if field.name not in names]
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.problem((*path, name) if name in names else path, message)


@dataclasses.dataclass
class FormPlan:
    form: FormDefinition
    path: Path
    before: dict | None  # as stored, for a form that exists
    was_live: bool
    field_paths: dict[str, Path]


@dataclasses.dataclass
class Plan:
    """What a valid file will write: its forms and its definition, built in memory."""

    forms: dict[str, FormPlan]
    definition: WorkflowDefinition
    before: dict | None


def read(document: Document) -> Plan:
    """Check everything and build the objects, or raise with every problem found: first the
    file's structure, values and references with the models' and the forms' own rules, then
    (once those hold) the engine's rules for a definition."""
    reader = Reader(document)
    data = reader.mapping(
        document.data, (), (Key("format", "int", required=True),), ("forms", "workflow")
    )
    if data is None:
        raise DefinitionFileError(reader.problems)
    found_format = data.get("format")
    if found_format is not None and (type(found_format) is not int or found_format != FORMAT):
        reader.problem(
            ("format",),
            _("This installation reads files of format %(format)d.") % {"format": FORMAT},
        )
    forms = read_forms(reader, data.get("forms"))
    plan = read_definition(reader, data.get("workflow"), forms)
    if plan is not None and plan.definition.intake_form is not None:
        check_forms_used(reader, plan)
        check_departments(reader, plan)
    if reader.problems or plan is None:
        raise DefinitionFileError(reader.problems)
    check_engine(reader, plan)
    if reader.problems:
        raise DefinitionFileError(reader.problems)
    return plan


def read_forms(reader: Reader, value: Any) -> dict[str, FormPlan]:
    entries = reader.items(value, ("forms",), required=True)
    slugs = [entry.get("slug") for entry in entries if isinstance(entry, dict)]
    existing = {
        form.slug: form
        for form in FormDefinition.objects.select_for_update().filter(
            slug__in=[slug for slug in slugs if isinstance(slug, str)]
        )
    }
    plans: dict[str, FormPlan] = {}
    refs = References(
        reader, roles={role.key: role for role in Role.objects.all()}, forms={}, definitions={}
    )
    for index, entry in enumerate(entries):
        path: Path = ("forms", index)
        entry = reader.mapping(entry, path, FORM_KEYS, children=("fields",))
        if entry is None:
            continue
        slug = entry.get("slug")
        if isinstance(slug, str) and slug in plans:
            reader.problem((*path, "slug"), _("Another form in this file has this slug."))
            continue
        form = existing.get(slug) if isinstance(slug, str) else None
        plan = FormPlan(
            form=form or FormDefinition(),
            path=path,
            before=form_data(form) if form else None,
            was_live=bool(form and form.live),
            field_paths={},
        )
        # The role first: the form's own checks read it with the level.
        refs.resolve(plan.form, entry, path, FORM_KEYS)
        reader.apply(plan.form, entry, path, FORM_KEYS)
        read_fields(reader, plan, entry.get("fields"))
        if isinstance(slug, str):
            plans[slug] = plan
    return plans


def read_fields(reader: Reader, plan: FormPlan, value: Any) -> None:
    # A field keeps the name its answers are stored under while its label stays the same.
    kept_names = {field.label: field.clean_name for field in plan.form.fields.all()}
    problems_before = len(reader.problems)
    fields: list[tuple[FormDefinitionField, Path]] = []
    for index, entry in enumerate(reader.items(value, (*plan.path, "fields"), required=True)):
        path: Path = (*plan.path, "fields", index)
        entry = reader.mapping(entry, path, FIELD_KEYS)
        if entry is None:
            continue
        field = FormDefinitionField(sort_order=len(fields))
        reader.apply(field, entry, path, FIELD_KEYS)
        field.clean_name = kept_names.get(field.label) or field.get_field_clean_name()
        plan.field_paths[field.label] = path
        fields.append((field, path))
    plan.form.fields = [field for field, _path in fields]
    if len(reader.problems) > problems_before:
        return  # the rules across fields would only repeat what is wrong with one of them
    for index, attribute, message in form_services.check_definition([f for f, _p in fields]):
        where = (*plan.path, "fields") if index is None else fields[index][1]
        reader.problem((*where, attribute) if attribute else where, message)


def read_definition(reader: Reader, value: Any, forms: dict[str, FormPlan]) -> Plan | None:
    path: Path = ("workflow",)
    entry = reader.mapping(
        value, path, DEFINITION_KEYS, children=("stages", "effects", "overseers")
    )
    if entry is None:
        return None
    key = entry.get("key")
    existing = None
    if isinstance(key, str):
        existing = WorkflowDefinition.objects.select_for_update().filter(key=key).first()
    definition = existing or WorkflowDefinition()
    before = definition_data(existing) if existing else None
    refs = References(
        reader,
        roles={role.key: role for role in Role.objects.all()},
        forms={slug: plan.form for slug, plan in forms.items()},
        definitions={other.key: other for other in WorkflowDefinition.objects.all()},
    )
    reader.apply(definition, entry, path, DEFINITION_KEYS)
    refs.resolve(definition, entry, path, DEFINITION_KEYS)
    definition.stages = read_children(reader, refs, entry, (*path, "stages"), Stage, STAGE_KEYS)
    definition.effects = read_children(reader, refs, entry, (*path, "effects"), Effect, EFFECT_KEYS)
    definition.overseers = read_children(
        reader, refs, entry, (*path, "overseers"), Overseer, OVERSEER_KEYS
    )
    return Plan(forms=forms, definition=definition, before=before)


def read_children(
    reader: Reader,
    refs: "References",
    entry: dict,
    path: Path,
    model: type[Stage] | type[Effect] | type[Overseer],
    keys: tuple[Key, ...],
) -> list:
    children = []
    items = reader.items(entry.get(path[-1]), path, required=model is Stage)
    for index, item in enumerate(items):
        item_path: Path = (*path, index)
        item = reader.mapping(item, item_path, keys)
        if item is None:
            continue
        child = model(sort_order=len(children))
        reader.apply(child, item, item_path, keys)
        refs.resolve(child, item, item_path, keys)
        children.append(child)
    return children


@dataclasses.dataclass
class References:
    """The records a file may name, by key: roles in the database, the file's own forms, and
    process definitions in the database (follow-ups)."""

    reader: Reader
    roles: dict[str, Role]
    forms: dict[str, FormDefinition]
    definitions: dict[str, WorkflowDefinition]

    def resolve(self, obj: models.Model, entry: dict, path: Path, keys: tuple[Key, ...]) -> None:
        for key in keys:
            if key.kind in REFERENCES:
                setattr(obj, key.name, self.find(key, entry.get(key.name), (*path, key.name)))

    def find(self, key: Key, raw: Any, path: Path) -> models.Model | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            self.reader.problem(path, _("Expected text; put it in quotes."))
            return None
        found, message = {
            "role": (self.roles, _("No role has the key “%(key)s”.")),
            "form": (self.forms, _("No form in this file's “forms” has the slug “%(key)s”.")),
            "definition": (
                self.definitions,
                _("No process definition has the key “%(key)s”: import that process first."),
            ),
        }[key.kind]
        if raw not in found:
            self.reader.problem(path, message % {"key": raw})
            return None
        return found[raw]


def check_forms_used(reader: Reader, plan: Plan) -> None:
    definition = plan.definition
    used = {definition.intake_form.slug}
    used |= {stage.reviewer_form.slug for stage in definition.stages.all() if stage.reviewer_form}
    for slug, form_plan in plan.forms.items():
        if slug not in used:
            reader.problem(
                (*form_plan.path, "slug"),
                _("Neither the intake nor a stage uses this form: leave it out of the file."),
            )


def check_departments(reader: Reader, plan: Plan) -> None:
    """A field that names a department (the one a stage's department comes from, or the one
    an effect publishes for) must offer only departments that exist, by key or name."""
    definition = plan.definition
    labels = [
        stage.department_field
        for stage in definition.stages.all()
        if stage.actor == Stage.Actor.DEPARTMENT_FIELD
    ]
    labels += [
        effect.field_map["department"]
        for effect in definition.effects.all()
        if "department" in (effect.field_map or {})
    ]
    intake = plan.forms[definition.intake_form.slug]
    for field in intake.form.fields.all():
        if field.label not in labels or field.field_type not in CHOICE_TYPES:
            continue
        unknown = [
            choice
            for choice in form_services.field_choices(field)
            if selectors.department_named(choice) is None
        ]
        if unknown:
            reader.problem(
                (*intake.field_paths[field.label], "choices"),
                _("Not the key or name of a department: %(values)s.")
                % {"values": ", ".join(unknown)},
            )


def check_engine(reader: Reader, plan: Plan) -> None:
    """The engine's own rules for a definition (workflows.services), each problem placed at
    its stage or effect where the engine says which one it is."""
    definition = plan.definition
    for form_plan in plan.forms.values():
        form_plan.form.live = True  # checked as it will be once published
    labels = services.intake_labels(definition.intake_form)
    stages = list(definition.stages.all())
    keys = [stage.key for stage in stages]
    placed = set()
    for index, stage in enumerate(stages):
        for message in services.stage_problems(definition, stage, keys[:index], labels):
            reader.problem(("workflow", "stages", index), message)
            placed.add(message)
    for index, effect in enumerate(definition.effects.all()):
        for message in effects.problems(effect, labels):
            reader.problem(("workflow", "effects", index), message)
            placed.add(message)
    for message in services.definition_problems(definition):
        if message not in placed:
            reader.problem(("workflow",), message)


# --- Writing --------------------------------------------------------------------------------


class Imported(NamedTuple):
    definition: WorkflowDefinition
    changed: bool  # False when the file matched what was stored, and nothing was written


def import_definition(
    text: str, *, user: AbstractBaseUser | None = None, publish: bool = True
) -> WorkflowDefinition:
    """Import a definition file, all or nothing. With `publish`, forms and definition are
    published (a new version is frozen) unless the file matches what is live; without it,
    the changes are saved as drafts for an admin to publish."""
    return import_text(text, user=user, publish=publish).definition


def import_text(
    text: str, *, user: AbstractBaseUser | None = None, publish: bool = True
) -> Imported:
    """`import_definition`, also saying whether anything was written."""
    document = parse(text)
    with transaction.atomic():
        plan = read(document)
        changed = write(plan, user=user, publish=publish)
    return Imported(WorkflowDefinition.objects.get(pk=plan.definition.pk), changed)


def write(plan: Plan, *, user: AbstractBaseUser | None, publish: bool) -> bool:
    forms = [form_plan.form for form_plan in plan.forms.values()]
    changed_forms = False
    for form_plan in plan.forms.values():
        if form_plan.before != form_data(form_plan.form) or (publish and not form_plan.was_live):
            save(form_plan.form, new=form_plan.before is None, user=user, publish=publish)
            changed_forms = True
    definition = plan.definition
    # Forms created just now have their ids only now.
    definition.intake_form = definition.intake_form
    for stage in definition.stages.all():
        stage.reviewer_form = stage.reviewer_form
    if not (
        changed_forms
        or plan.before != definition_data(definition)
        or (publish and not is_pinned(definition, forms))
    ):
        return False
    save(definition, new=plan.before is None, user=user, publish=publish)
    return True


def is_pinned(definition: WorkflowDefinition, forms: list[FormDefinition]) -> bool:
    """Is the live definition, with its forms as they are live, its latest version?"""
    version = selectors.latest_version(definition) if definition.pk else None
    return bool(
        version
        and definition.live
        and version.revision_id == definition.live_revision_id
        and version.form_revisions == {str(form.pk): form.live_revision_id for form in forms}
    )


def save(
    obj: FormDefinition | WorkflowDefinition,
    *,
    new: bool,
    user: AbstractBaseUser | None,
    publish: bool,
) -> None:
    """As the admin does: a new object is created as a draft; an existing one gets a revision
    and changes only when that revision is published."""
    if new:
        obj.live = False
        obj.save()
    revision = obj.save_revision(user=user, log_action="wagtail.create" if new else True)
    if publish:
        revision.publish(user=user)
