"""Process definitions for the engine tests: published forms, a definition with stages, users
holding the roles the stages name."""

import itertools

from django import forms

from forms import services as form_services
from grid.models import Area, Role
from tests.factories import (
    AssignmentFactory,
    CommunityFactory,
    GridFactory,
    RoleFactory,
    UserFactory,
)
from tests.forms.factories import data, definition_with, page_for
from workflows import selectors
from workflows.models import Effect, ProcessDefinition, ProcessPage, Stage

_keys = itertools.count(1)

COMMUNITY = "社区"
SUBJECT = "事项"


def intake_form(*extra: dict):
    return definition_with(
        {"label": COMMUNITY, "field_type": "area", "area_level": Area.Level.COMMUNITY},
        {"label": SUBJECT, "field_type": "singleline"},
        *extra,
        title="申请",
    )


def role(key: str) -> Role:
    return Role.objects.filter(key=key).first() or RoleFactory(key=key, name=key)


def stage(key: str, role_key: str, level: int, **fields) -> Stage:
    return Stage(
        key=key, name=fields.pop("name", key), role=role(role_key), role_level=level, **fields
    )


def definition(
    *stages: Stage, effects=(), overseers=(), publish: bool = True, intake=None, **fields
):
    definition = ProcessDefinition(
        name=fields.pop("name", "三级审批"),
        key=fields.pop("key", f"process-{next(_keys)}"),
        intake_form=intake or intake_form(),
        area_source=fields.pop("area_source", ProcessDefinition.AreaSource.CHOSEN),
        area_level=fields.pop("area_level", Area.Level.COMMUNITY),
        **fields,
    )
    for order, item in enumerate([*stages, *effects]):
        item.sort_order = order
    definition.stages = list(stages)
    definition.effects = list(effects)
    definition.overseers = list(overseers)
    definition.save()
    if publish:
        definition.save_revision().publish()
    return definition


def three_stages(**fields):
    """Community worker, then street official, then street leader."""
    return definition(
        stage("check", "community_worker", Area.Level.COMMUNITY, name="社区初审"),
        stage("review", "street_official", Area.Level.STREET, name="街道审核", return_to="check"),
        stage("approve", "street_leader", Area.Level.STREET, name="街道审批"),
        **fields,
    )


def holder(role_key: str, area: Area, **user_fields):
    return AssignmentFactory(role=role(role_key), area=area, user=UserFactory(**user_fields)).user


def submit(definition: ProcessDefinition, community: Area, subject: str = "楼道堆物", **answers):
    """Store an intake submission as the public form would."""
    form_definition = definition.intake_form
    form = form_services.validate(
        form_definition,
        data(form_definition, {COMMUNITY: community.code, SUBJECT: subject, **answers}),
    )
    assert form.is_valid(), form.errors
    return form_services.store_submission(form)


def process_page_for(definition: ProcessDefinition, slug: str | None = None) -> ProcessPage:
    """A page of the default site that starts the process."""
    return page_for(definition.intake_form, slug=slug, model=ProcessPage, process=definition)


def version_of(definition: ProcessDefinition):
    return selectors.latest_version(definition)


__all__ = ["CommunityFactory", "Effect", "GridFactory", "page_for"]


def posted(form) -> dict:
    """What the browser sends for a form as shown, its inline formsets included."""
    data: dict = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field.widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        else:
            data[bound.html_name] = "" if value is None else str(value)
    for formset in getattr(form, "formsets", {}).values():
        data |= posted(formset.management_form)
        for child in formset.forms:
            data |= posted(child)
    return data


def problems_by_place(form) -> dict:
    """A definition's problems as the editor shows them: above the form (""), and in each
    stage or effect by its prefix, by field ("__all__": the stage or effect as a whole)."""
    found: dict = {"": [str(error) for error in form.non_field_errors()]}
    for formset in form.formsets.values():
        for child in formset.forms:
            if child.errors:
                found[child.prefix] = {
                    name: [str(error) for error in errors] for name, errors in child.errors.items()
                }
    return found
