"""Writing a definition, with its forms, as a file."""

from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from forms.models import FormDefinition

from .. import selectors
from ..models import ProcessDefinition
from .reading import Plan, parse, read
from .values_out import definition_data, form_data


class Imported(NamedTuple):
    definition: ProcessDefinition
    changed: bool  # False when the file matched what was stored, and nothing was written


def import_definition(
    text: str, *, user: AbstractBaseUser | None = None, publish: bool = True
) -> ProcessDefinition:
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
    return Imported(ProcessDefinition.objects.get(pk=plan.definition.pk), changed)


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


def is_pinned(definition: ProcessDefinition, forms: list[FormDefinition]) -> bool:
    """Is the live definition, with its forms as they are live, its latest version?"""
    version = selectors.latest_version(definition) if definition.pk else None
    return bool(
        version
        and definition.live
        and version.revision_id == definition.live_revision_id
        and version.form_revisions == {str(form.pk): form.live_revision_id for form in forms}
    )


def save(
    obj: FormDefinition | ProcessDefinition,
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
