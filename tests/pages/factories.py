"""Building public page trees for tests: a portal bound to a district, street and community
pages bound to their areas, and the pages under them."""

import datetime

from django.conf import settings
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page, Site

from grid.models import Area, Role
from pages.models import CommunityPage, PortalPage, StreetPage, VolunteerActivityPage

from ..factories import AssignmentFactory, GridFactory, RoleFactory, UserFactory


def add(parent: Page, model: type[Page], **fields) -> Page:
    fields.setdefault("slug", f"{model.__name__.lower()}-{Page.objects.count()}")
    page = model(**fields)
    parent.add_child(instance=page)
    return page


def tree_root() -> Page:
    """Wagtail's root page, made again when a transactional test's flush removed the one (and
    the locale and root collection) that Wagtail's migrations create."""
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        language = get_supported_content_language_variant(settings.LANGUAGE_CODE)
        locale, _created = Locale.objects.get_or_create(language_code=language)
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    return root


def portal_for(district: Area, **fields) -> PortalPage:
    portal = add(tree_root(), PortalPage, title="Tongguan portal", area=district, **fields)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "root_page": portal, "site_name": "portal"},
    )
    return portal


def site_for(community: Area) -> tuple[PortalPage, StreetPage, CommunityPage]:
    """Portal → street page → community page for a community and its ancestors."""
    street = community.parent
    portal = portal_for(street.parent)
    street_page = add(portal, StreetPage, title=f"{street.name} centre", area=street)
    community_page = add(
        street_page,
        CommunityPage,
        title=f"{community.name} centre",
        area=community,
        address="长江中路100号",
        opening_hours="8:30-17:30",
        phone="0562-2881234",
    )
    return portal, street_page, community_page


def public_role(key: str = "grid_worker", name: str = "网格员", public: bool = True) -> Role:
    return Role.objects.filter(key=key).first() or RoleFactory(key=key, name=name, is_public=public)


def grid_with_worker(community: Area, **grid_fields) -> Area:
    grid = GridFactory(parent=community, **grid_fields)
    AssignmentFactory(
        area=grid,
        role=public_role(),
        user=UserFactory(first_name=f"worker of {grid.name}"),
        work_phone="13956201001",
    )
    return grid


def activity(parent: CommunityPage, capacity: int = 2, days: int = 7, **fields):
    starts = timezone.now() + datetime.timedelta(days=days)
    fields.setdefault("title", "Clean-up")
    return add(
        parent,
        VolunteerActivityPage,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        place="the square",
        capacity=capacity,
        **fields,
    )


def volunteer(area: Area, **user_fields):
    role = public_role("volunteer", "志愿者", public=False)
    return AssignmentFactory(area=area, role=role, user=UserFactory(**user_fields)).user
