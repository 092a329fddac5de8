"""What makes cached parts and pages stale: each change renews the versions of the areas and
pages it touches (see pages.cache), so a household saved in one community leaves the pages of
the others cached."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from wagtail.models import Page, PageViewRestriction, Site, get_page_models
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move
from wagtail.users.models import UserProfile

from grid.counts import recounted
from grid.models import Area, Assignment, Building, Department, Facility, Household, Role

from .cache import area_keys, invalidate, page_keys, renew
from .models import AccessListEntry, ActivitySignup

# Registry records a page shows something of, and the lookup of the code of their area.
AREA_OF = {
    Area: "code",
    Assignment: "area__code",
    Building: "grid__code",
    Household: "building__grid__code",
    Facility: "grid__code",
    AccessListEntry: "community__code",
}
# Shown wherever they are used (role names, department names, links, who may see a page):
# rarely changed, so every cached part and page is renewed.
SHOWN_EVERYWHERE = (Role, Department, Site, PageViewRestriction)


def codes_of(model, pk) -> set[str]:
    # None for a record on no area (an assignment held on a department).
    return set(model.objects.filter(pk=pk).values_list(AREA_OF[model], flat=True)) - {None}


def registry_before_save(sender, instance, **kwargs) -> None:
    """Where the record was before it is changed (a household moved to another building
    leaves a count behind)."""
    if not instance._state.adding and instance.pk is not None:
        instance.pages_cached_codes = codes_of(sender, instance.pk)


def registry_saved(sender, instance, **kwargs) -> None:
    before = instance.__dict__.pop("pages_cached_codes", set())
    renew(area_keys(before | codes_of(sender, instance.pk)))


def registry_deleting(sender, instance, **kwargs) -> None:
    # Before the delete, while the record still leads to its area.
    renew(area_keys(codes_of(sender, instance.pk)))


def person_saved(sender, instance, **kwargs) -> None:
    """A name or an avatar is shown on the areas where the person is responsible."""
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # every sign-in
    user_id = instance.user_id if isinstance(instance, UserProfile) else instance.pk
    codes = Assignment.objects.filter(user_id=user_id, area__isnull=False).values_list(
        "area__code", flat=True
    )
    renew(area_keys(codes))


def registry_recounted(sender, codes=None, **kwargs) -> None:
    """Rows written in bulk under these areas (None: anywhere)."""
    if codes is None:
        invalidate()
    else:
        renew(area_keys(codes))


def page_changed(sender, instance, **kwargs) -> None:
    renew(page_keys(instance.path))


def signup_changed(sender, instance, **kwargs) -> None:
    """A sign-up changes the places taken on its activity and on the pages listing it."""
    for path in Page.objects.filter(pk=instance.activity_id).values_list("path", flat=True):
        renew(page_keys(path))


def connect() -> None:
    for model in AREA_OF:
        uid = f"pages-cache-{model.__name__}"
        pre_save.connect(registry_before_save, sender=model, dispatch_uid=f"{uid}-pre-save")
        post_save.connect(registry_saved, sender=model, dispatch_uid=f"{uid}-save")
        pre_delete.connect(registry_deleting, sender=model, dispatch_uid=f"{uid}-delete")
    # (A person deleted leaves with their assignments, which renew their areas.)
    for model in (settings.AUTH_USER_MODEL, UserProfile):
        post_save.connect(person_saved, sender=model, dispatch_uid=f"pages-cache-{model}-save")
    for signal in (post_save, post_delete):
        signal.connect(signup_changed, sender=ActivitySignup, dispatch_uid=f"pages-signup-{signal}")
    # Pages saved directly (a page added in code) as well as published through the admin.
    for model in get_page_models():
        post_save.connect(page_changed, sender=model, dispatch_uid=f"pages-cache-{model}-save")
    for signal in (page_published, page_unpublished):
        signal.connect(page_changed, dispatch_uid=f"pages-cache-{signal}")
    post_delete.connect(page_changed, sender=Page, dispatch_uid="pages-cache-page-delete")
    # A move or a new slug changes the URLs of a whole subtree, wherever they are linked.
    for signal in (post_page_move, page_slug_changed):
        signal.connect(invalidate, dispatch_uid=f"pages-cache-{signal}")
    # An import or a recount wrote rows in bulk, with no per-row signal to follow.
    recounted.connect(registry_recounted, dispatch_uid="pages-cache-recounted")
    for model in SHOWN_EVERYWHERE:
        for signal in (post_save, post_delete):
            signal.connect(
                invalidate, sender=model, dispatch_uid=f"pages-cache-{model.__name__}-{signal}"
            )
    # Form pages show the name of the process they start (named lazily: pages does not
    # import the process engine).
    for signal in (post_save, post_delete):
        signal.connect(
            invalidate,
            sender="workflows.ProcessDefinition",
            dispatch_uid=f"pages-cache-ProcessDefinition-{signal}",
        )
