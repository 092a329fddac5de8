"""Reading a definition file: every problem found at once, in file order, then all or nothing."""

import dataclasses
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from forms import services as form_services
from forms.builder import CHOICE_TYPES
from forms.models import FormDefinition, FormDefinitionField
from grid.models import Department, Role

from .. import effects, selectors, services
from ..models import (
    Countersigner,
    Effect,
    EscalationRung,
    NoticeChannel,
    Overseer,
    ProcessDefinition,
    Stage,
)
from .keys import (
    CHANNEL_KEYS,
    COUNTERSIGNER_KEYS,
    DEFINITION_KEYS,
    EFFECT_KEYS,
    FIELD_KEYS,
    FORM_KEYS,
    FORMAT,
    LADDER_KEYS,
    OVERSEER_KEYS,
    REFERENCES,
    STAGE_KEYS,
    TOP_KEYS,
    DefinitionFileError,
    Invalid,
    Key,
    Problem,
)
from .values_in import READERS
from .values_out import definition_data, form_data

Path = tuple[str | int, ...]


def dotted(path: Path) -> str:
    """`process.stages[1].role` for ("process", "stages", 1, "role")."""
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
    definition: ProcessDefinition
    before: dict | None


def upgraded(document: Document) -> Document:
    """A file of format 1 named its process `workflow`; read as format 2, where it is `process`,
    so that files exported before still import."""
    data = document.data
    if not (isinstance(data, dict) and data.get("format") == 1 and "process" not in data):
        return document
    renamed = {("process" if key == "workflow" else key): value for key, value in data.items()}
    renamed["format"] = FORMAT
    lines = {
        (("process", *path[1:]) if path[:1] == ("workflow",) else path): line
        for path, line in document.lines.items()
    }
    return Document(renamed, lines)


def read(document: Document) -> Plan:
    """Check everything and build the objects, or raise with every problem found: first the
    file's structure, values and references with the models' and the forms' own rules, then
    (once those hold) the engine's rules for a definition."""
    document = upgraded(document)
    reader = Reader(document)
    data = reader.mapping(document.data, (), (Key("format", "int", required=True),), TOP_KEYS[1:])
    if data is None:
        raise DefinitionFileError(reader.problems)
    found_format = data.get("format")
    if found_format is not None and (type(found_format) is not int or found_format != FORMAT):
        reader.problem(
            ("format",),
            _("This installation reads files of format %(format)d.") % {"format": FORMAT},
        )
    forms = read_forms(reader, data.get("forms"))
    plan = read_definition(reader, data.get("process"), forms)
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
        reader,
        roles={role.key: role for role in Role.objects.all()},
        forms={},
        definitions={},
        departments={},
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
    path: Path = ("process",)
    entry = reader.mapping(
        value,
        path,
        DEFINITION_KEYS,
        children=("stages", "countersigners", "effects", "ladder", "overseers", "channels"),
    )
    if entry is None:
        return None
    key = entry.get("key")
    existing = None
    if isinstance(key, str):
        existing = ProcessDefinition.objects.select_for_update().filter(key=key).first()
    definition = existing or ProcessDefinition()
    before = definition_data(existing) if existing else None
    refs = References(
        reader,
        roles={role.key: role for role in Role.objects.all()},
        forms={slug: plan.form for slug, plan in forms.items()},
        definitions={other.key: other for other in ProcessDefinition.objects.all()},
        departments={department.key: department for department in Department.objects.all()},
    )
    reader.apply(definition, entry, path, DEFINITION_KEYS)
    refs.resolve(definition, entry, path, DEFINITION_KEYS)
    definition.stages = read_children(reader, refs, entry, (*path, "stages"), Stage, STAGE_KEYS)
    definition.effects = read_children(reader, refs, entry, (*path, "effects"), Effect, EFFECT_KEYS)
    definition.countersigners = read_children(
        reader, refs, entry, (*path, "countersigners"), Countersigner, COUNTERSIGNER_KEYS
    )
    definition.ladder = read_children(
        reader, refs, entry, (*path, "ladder"), EscalationRung, LADDER_KEYS
    )
    definition.overseers = read_children(
        reader, refs, entry, (*path, "overseers"), Overseer, OVERSEER_KEYS
    )
    definition.channels = read_children(
        reader, refs, entry, (*path, "channels"), NoticeChannel, CHANNEL_KEYS
    )
    return Plan(forms=forms, definition=definition, before=before)


def read_children(
    reader: Reader,
    refs: "References",
    entry: dict,
    path: Path,
    model: type[Stage | Countersigner | Effect | EscalationRung | Overseer | NoticeChannel],
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
    """The records a file may name, by key: roles and departments in the database, the file's
    own forms, and process definitions in the database (follow-ups)."""

    reader: Reader
    roles: dict[str, Role]
    forms: dict[str, FormDefinition]
    definitions: dict[str, ProcessDefinition]
    departments: dict[str, Department]

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
            "department": (self.departments, _("No department has the key “%(key)s”.")),
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
    placed = set()
    for index in range(len(stages)):
        for message in services.stage_problems(definition, stages, index, labels):
            reader.problem(("process", "stages", index), message)
            placed.add(message)
    for index, effect in enumerate(definition.effects.all()):
        for message in effects.problems(effect, labels):
            reader.problem(("process", "effects", index), message)
            placed.add(message)
    for message in services.definition_problems(definition):
        if message not in placed:
            reader.problem(("process",), message)
