"""Process templates: definition files shipped in `fixtures/templates/` — an approval chain,
report → dispatch → handle → verify, registration → review → activation, a periodic return —
that an admin copies under a name of their own in one step and then edits.

A copy is the template's file with new keys made from the name (so nobody types one), the
forms retitled after it, and each role the template names replaced by a role the admin chose
among this installation's; it is then imported as drafts with the rules of any definition file."""

import copy
import dataclasses
import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from forms.models import FormDefinition
from grid.keys import generated_key
from grid.models import Role

from .definition_files import import_text
from .models import ProcessDefinition
from .services import forms_of

TEMPLATE_DIR: Path = settings.BASE_DIR / "fixtures" / "templates"
FORM_KEYS_MAX = FormDefinition._meta.get_field("slug").max_length
PROCESS_KEYS_MAX = ProcessDefinition._meta.get_field("key").max_length


@dataclasses.dataclass(frozen=True)
class RoleSlot:
    """A role a template names (by its key in the template) and what it does there."""

    key: str
    uses: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class ProcessTemplate:
    slug: str
    name: str
    description: str
    stages: tuple[str, ...]
    data: Any

    @property
    def roles(self) -> tuple[RoleSlot, ...]:
        """The roles it names, in the order of first use, described in the language of the
        request (so never cached with the file)."""
        uses: dict[str, list[str]] = {}
        for key, use in role_uses(self.data):
            uses.setdefault(key, []).append(use)
        return tuple(RoleSlot(key, tuple(texts)) for key, texts in uses.items())


def read_template(path: Path) -> ProcessTemplate:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    process = data["process"]
    return ProcessTemplate(
        slug=path.stem,
        name=process["name"],
        description=process.get("description", ""),
        stages=tuple(stage["name"] for stage in process["stages"]),
        data=data,
    )


@functools.cache
def templates() -> tuple[ProcessTemplate, ...]:
    """The shipped templates, in the order of their place in the work (files never change
    while the server runs)."""
    return tuple(read_template(path) for path in sorted(TEMPLATE_DIR.glob("*.yaml")))


def template(slug: str) -> ProcessTemplate | None:
    return next((found for found in templates() if found.slug == slug), None)


def role_uses(data: Any) -> Iterator[tuple[str, str]]:
    """Every place the file names a role: (the role's key, what it does there)."""
    process = data["process"]
    if process.get("starter_role"):
        yield process["starter_role"], _("starts the process")
    for stage in process.get("stages", []):
        names = {"stage": stage["name"]}
        if stage.get("role"):
            yield stage["role"], _("acts on “%(stage)s”") % names
        if stage.get("dispatch_role"):
            yield stage["dispatch_role"], _("is dispatched work at “%(stage)s”") % names
        if stage.get("escalation_role"):
            yield stage["escalation_role"], _("takes overdue tasks of “%(stage)s”") % names
    for signer in process.get("countersigners", []):
        if signer.get("role"):
            yield signer["role"], _("countersigns")
    for effect in process.get("effects", []):
        if effect.get("role"):
            yield effect["role"], _("is notified at the end")
    for rung in process.get("ladder", []):
        yield rung["role"], _("is on the escalation ladder")
    for overseer in process.get("overseers", []):
        yield overseer["role"], _("oversees every process")
    for form in data.get("forms", []):
        if form.get("identity_role"):
            yield (
                form["identity_role"],
                _("alone sees who sent “%(form)s”") % {"form": form["title"]},
            )


ROLE_KEYS = ("role", "starter_role", "dispatch_role", "escalation_role", "identity_role")


def with_roles(value: Any, roles: Mapping[str, str]) -> Any:
    """`value` with every role key replaced as `roles` says."""
    if isinstance(value, dict):
        return {
            name: roles.get(item, item)
            if name in ROLE_KEYS and isinstance(item, str)
            else with_roles(item, roles)
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [with_roles(item, roles) for item in value]
    return value


def copied_text(found: ProcessTemplate, *, name: str, roles: Mapping[str, Role]) -> str:
    """The template's file as the copy named `name`: free keys made from the name, the intake
    form titled with it and each other form after it, the chosen roles in place."""
    data = with_roles(copy.deepcopy(found.data), {key: role.key for key, role in roles.items()})
    process = data["process"]
    slugs: dict[str, str] = {}

    def form_taken(slug: str) -> bool:
        return slug in slugs.values() or FormDefinition.objects.filter(slug=slug).exists()

    for form in data["forms"]:
        intake = form["slug"] == process["intake_form"]
        form["title"] = name if intake else f"{name}：{form['title']}"
        slugs[form["slug"]] = generated_key(
            form["title"], taken=form_taken, max_length=FORM_KEYS_MAX, fallback="form"
        )
        form["slug"] = slugs[form["slug"]]
    process["intake_form"] = slugs[process["intake_form"]]
    for stage in process["stages"]:
        if stage.get("reviewer_form"):
            stage["reviewer_form"] = slugs[stage["reviewer_form"]]
    process["name"] = name
    process["key"] = generated_key(
        name,
        taken=lambda key: ProcessDefinition.objects.filter(key=key).exists(),
        max_length=PROCESS_KEYS_MAX,
        fallback="process",
    )
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def copy_template(
    found: ProcessTemplate,
    *,
    name: str,
    roles: Mapping[str, Role],
    user: AbstractBaseUser | None,
) -> ProcessDefinition:
    """Copy a template as a draft process named `name` for the admin to edit and publish.
    Its new forms are published when the user may publish forms (unused by any page or live
    process, they show nowhere until the process is published), so that publishing the process
    is one step; otherwise they are drafts too. Raises DefinitionFileError when the copy would
    not be a valid definition (a chosen role the engine refuses)."""
    text = copied_text(found, name=name, roles=roles)
    with transaction.atomic():
        definition = import_text(text, user=user, publish=False).definition
        if user is None or user.has_perm("forms.publish_formdefinition"):
            for form in forms_of(definition):
                form.get_latest_revision().publish(user=user)
    return ProcessDefinition.objects.get(pk=definition.pk)
