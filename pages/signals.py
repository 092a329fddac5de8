"""What makes cached public pages stale: page publishing and the registry data pages show."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move
from wagtail.users.models import UserProfile

from grid.models import Area, Assignment, Building, Department, Facility, Household, Role

from .cache import invalidate
from .models import AccessListEntry, ActivitySignup

# Each model a public page shows something of: names, counts, contacts, the access list.
SHOWN_MODELS = (
    Area,
    Assignment,
    Role,
    Building,
    Household,
    Facility,
    Department,
    UserProfile,
    Site,
    AccessListEntry,
    ActivitySignup,
)


def connect() -> None:
    for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
        signal.connect(invalidate, dispatch_uid=f"pages-cache-{signal}")
    post_delete.connect(invalidate, sender=Page, dispatch_uid="pages-cache-page-delete")
    for model in SHOWN_MODELS:
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
