"""Putting a process in front of people in one step: publish it and place a process page for
it under the pages an admin chooses (any page type that takes one — a portal, a street's or a
community's page), each offering the areas of the page it is under."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from wagtail.models import Page

from forms.models import offered_area
from grid.keys import generated_key

from ..models import ProcessDefinition, ProcessPage
from .versions import definition_problems


def placeable_parents(user: AbstractBaseUser) -> list[Page]:
    """The pages `user` may place a process page under and publish it there, in tree order."""
    models = [
        model
        for model in ProcessPage.allowed_parent_page_models()
        if model is not Page and ProcessPage in model.allowed_subpage_models()
    ]
    pages = Page.objects.type(*models).filter(depth__gt=1).order_by("path") if models else []
    return [
        page
        for page in pages
        if ProcessPage.can_create_at(page) and page.permissions_for_user(user).can_publish_subpage()
    ]


def publish_problems(definition: ProcessDefinition) -> list[str]:
    """What keeps the definition's latest revision from being published."""
    return definition_problems(definition.get_latest_revision_as_object())


def needs_publishing(definition: ProcessDefinition) -> bool:
    return not definition.live or definition.has_unpublished_changes


def free_slug(title: str, parent: Page) -> str:
    return generated_key(
        title,
        taken=lambda slug: not Page._slug_is_available(slug, parent),
        max_length=Page._meta.get_field("slug").max_length,
        fallback="process",
    )


def publish_and_place(
    definition: ProcessDefinition, parents: Iterable[Page], user: AbstractBaseUser
) -> list[ProcessPage]:
    """Publish the definition's latest revision if it is not live yet (checked first: callers
    show `publish_problems`), then a live process page for it under each parent."""
    with transaction.atomic():
        if needs_publishing(definition):
            definition.get_latest_revision().publish(user=user)
            definition = ProcessDefinition.objects.get(pk=definition.pk)
        placed = []
        for parent in parents:
            page = ProcessPage(
                title=definition.name,
                slug=free_slug(definition.name, parent),
                process=definition,
                area=offered_area(parent),
                owner=user,
            )
            parent.add_child(instance=page)
            page.save_revision(user=user, log_action=True).publish(user=user)
            placed.append(page)
    return placed
