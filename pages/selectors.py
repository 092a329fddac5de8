"""Read-side rules of the public sites: what each page shows, in a fixed number of queries."""

import datetime
import uuid
from typing import cast

from django.conf import settings
from django.contrib.auth.models import User as Account
from django.db.models import Case, Count, F, Q, QuerySet, Sum, When
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from wagtail.models import Page

from forms.models import FormPage
from grid import public
from grid.models import Area, Department, Facility

from . import cache
from .models import (
    AccessListEntry,
    AccessListPage,
    ActivitySignup,
    CommunityPage,
    MapPage,
    NoticePage,
    PortalPage,
    ServiceGuidePage,
    StreetPage,
    VolunteerActivityPage,
)
from .services import can_log_hours, is_registered_volunteer

NOTICES_ON_HOME = 6
NOTICES_ON_PAGE = 5
SEARCH_RESULTS = 30
Status = ActivitySignup.Status


def with_parents(pages: list[Page]) -> list[Page]:
    """Attach each page's parent (for "which community") in one query."""
    parents = {
        p.path: p
        for p in Page.objects.filter(path__in={page.path[: -page.steplen] for page in pages})
    }
    for page in pages:
        page.parent_page = parents.get(page.path[: -page.steplen])
    return pages


def latest_notices(root: Page, limit: int = NOTICES_ON_HOME) -> list[NoticePage]:
    notices = NoticePage.objects.live().descendant_of(root).order_by("-date", "-pk")[:limit]
    return with_parents(list(notices))


def pages_by_area(model: type[Page], root: Page, area_ids) -> dict[int, Page]:
    return {
        page.area_id: page
        for page in model.objects.live().descendant_of(root).filter(area_id__in=list(area_ids))
    }


def community_pages_for(community_ids) -> dict[int, CommunityPage]:
    return {p.area_id: p for p in CommunityPage.objects.live().filter(area_id__in=community_ids)}


def street_cards(portal) -> list[dict]:
    """Each street of the portal's district with its communities and their pages."""
    if not portal.area_id:
        return []
    streets = list(Area.objects.filter(parent=portal.area_id))
    communities = list(Area.objects.filter(parent__in=[s.pk for s in streets]))
    street_pages = pages_by_area(StreetPage, portal, [s.pk for s in streets])
    community_pages = pages_by_area(CommunityPage, portal, [c.pk for c in communities])
    return [
        {
            "area": street,
            "page": street_pages.get(street.pk),
            "communities": [
                {"area": c, "page": community_pages.get(c.pk)}
                for c in communities
                if c.parent_id == street.pk
            ],
        }
        for street in streets
    ]


def search_pages(root: Page, query: str) -> list[Page]:
    """Wagtail's search first; then pages whose title or summary contains the words, because
    Chinese text has no spaces for the full-text index to split words on."""
    pages = Page.objects.live().descendant_of(root, inclusive=True)
    found = list(pages.search(query)[:SEARCH_RESULTS])
    contains = Q()
    for word in query.split():
        contains &= (
            Q(title__icontains=word)
            | Q(noticepage__summary__icontains=word)
            | Q(serviceguidepage__summary__icontains=word)
            | Q(volunteeractivitypage__summary__icontains=word)
        )
    seen = {page.pk for page in found}
    found += [
        page
        for page in pages.filter(contains).order_by("-latest_revision_created_at", "path")[
            :SEARCH_RESULTS
        ]
        if page.pk not in seen
    ]
    return found[:SEARCH_RESULTS]


def children_of_type(page: Page, model: type[Page]) -> QuerySet:
    return model.objects.live().child_of(page)


def form_pages(page: Page) -> QuerySet[FormPage]:
    """The forms residents fill in under a page (process pages included), each with the name
    of the process it starts when that process is live."""
    return (
        children_of_type(page, FormPage)
        .annotate(
            process_name=Case(
                When(processpage__process__live=True, then=F("processpage__process__name"))
            )
        )
        .order_by("path")
    )


def upcoming_activities(root: Page, limit: int = 10) -> QuerySet[VolunteerActivityPage]:
    since = timezone.now() - datetime.timedelta(days=1)
    return (
        VolunteerActivityPage.objects.live()
        .descendant_of(root)
        .filter(ends_at__gte=since)
        .select_related("grid")
        .annotate(confirmed=Count("signups", filter=Q(signups__status=Status.CONFIRMED)))
        .order_by("starts_at")[:limit]
    )


def map_config(area: Area, features: list[dict] | None = None) -> dict:
    """What the map script needs (rendered with json_script): where to start, where to load
    each level from, an optional tile server, the features already known, its labels."""
    return {
        "root": area.code,
        "rootName": area.name,
        "rootLevel": area.level,
        "api": reverse("grid-api:area-geojson"),
        "tiles": settings.GRID_MAP_TILE_URL,
        "attribution": settings.GRID_MAP_TILE_ATTRIBUTION,
        "features": features,
        "labels": {
            # A count unit ("389 户"), not the register's name ("住户"): hence the context.
            "households": pgettext("count unit", "households"),
            "buildings": pgettext("count unit", "buildings"),
            "workers": _("People responsible"),
            "noWorkers": _("No contact listed yet."),
            "loadError": _("The map data could not be loaded."),
            "code": _("Code"),
            "facility": _("Facility"),
            # Leaflet's zoom buttons carry English titles unless given these.
            "zoomIn": _("Zoom in"),
            "zoomOut": _("Zoom out"),
        },
    }


class Shown:
    """What an area page shows that is the same for every visitor: the tokens its fragments
    vary on (see pages.cache) and, computed only for a fragment missing from the cache, what
    each fragment shows. Nothing here depends on who is looking."""

    def __init__(self, request: HttpRequest, page: Page, area: Area | None, *beside: str) -> None:
        self.page = page
        self.area = area
        self.seconds = settings.PAGE_FRAGMENT_CACHE_SECONDS
        registry = [cache.area_key(area.code)] if area else []
        pages = [cache.tree_key(page.path)]
        cache.versions(request, [*registry, *pages, *beside, cache.ALL])  # read in one go
        self.registry_version = cache.token(request, registry)
        self.pages_version = cache.token(request, pages)
        self.both_version = cache.token(request, [*registry, *pages])
        # Links to pages beside this one (the map a street page links to).
        self.links_version = cache.token(request, [*pages, *beside])
        # The whole of what the page shows below the breadcrumbs, its own fields included
        # (a change of the page renews its tree): one read when nothing changed.
        self.page_version = cache.token(request, [*registry, *pages, *beside])
        if getattr(request, "is_preview", False):
            # An editor's draft: every part computed from it, and kept nowhere.
            self.seconds = 0
            self.registry_version = self.pages_version = self.both_version = uuid.uuid4().hex
            self.links_version = self.page_version = self.registry_version

    @cached_property
    def workers(self) -> list:
        return public.workers_by_area([self.area])[self.area.pk] if self.area else []

    @cached_property
    def form_pages(self) -> list[FormPage]:
        return list(form_pages(self.page))

    @cached_property
    def guides(self) -> list[ServiceGuidePage]:
        return list(children_of_type(self.page, ServiceGuidePage))

    @cached_property
    def access_list_page(self) -> Page | None:
        return children_of_type(self.page, AccessListPage).first()


class CommunityShown(Shown):
    @cached_property
    def grids(self) -> list[Area]:
        return list(public.with_public_workers(cast(Area, self.area).children.all()))

    @cached_property
    def household_total(self) -> int:
        return cast(Area, self.area).household_count

    @cached_property
    def map_config(self) -> dict:
        from grid.serializers import area_feature

        facilities = list(
            Facility.objects.filter(grid__parent=self.area)
            .exclude(latitude=None)
            .exclude(longitude=None)
        )
        # public_workers is annotated by grid.public.
        features = [area_feature(grid, grid.public_workers) for grid in self.grids]  # type: ignore[attr-defined]
        features += [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(f.longitude or 0), float(f.latitude or 0)],
                },
                "properties": {
                    "name": f.name,
                    "kind": "facility",
                    "type": f.get_facility_type_display(),
                },
            }
            for f in facilities
        ]
        return map_config(cast(Area, self.area), features)

    @cached_property
    def notices(self) -> list[NoticePage]:
        notices = children_of_type(self.page, NoticePage).order_by("-date", "-pk")
        return list(notices[:NOTICES_ON_PAGE])

    @cached_property
    def activities(self) -> list[VolunteerActivityPage]:
        return list(upcoming_activities(self.page))


class StreetShown(Shown):
    @cached_property
    def communities(self) -> list[dict]:
        communities = list(cast(Area, self.area).children.all())
        pages = pages_by_area(CommunityPage, self.page, [c.pk for c in communities])
        return [{"area": c, "page": pages.get(c.pk)} for c in communities]

    @cached_property
    def notices(self) -> list[NoticePage]:
        return latest_notices(self.page, NOTICES_ON_PAGE)

    @cached_property
    def map_page(self) -> Page | None:
        # The street's own map, or the district's beside it.
        return (
            children_of_type(self.page, MapPage).first()
            or MapPage.objects.live().sibling_of(self.page).first()
        )


class PortalShown(Shown):
    @cached_property
    def streets(self) -> list[dict]:
        return street_cards(self.page)

    @cached_property
    def notices(self) -> list[NoticePage]:
        return latest_notices(self.page)

    @cached_property
    def map_page(self) -> Page | None:
        return MapPage.objects.live().descendant_of(self.page).first()


def community_context(page: CommunityPage, request: HttpRequest) -> dict:
    # The stubs do not follow the page's area key.
    return {"shown": CommunityShown(request, page, cast(Area, page.area))}


def street_context(page: StreetPage, request: HttpRequest) -> dict:
    # The street links to a map beside it: the pages beside it are a dependency too.
    beside = cache.children_key(page.path[: -page.steplen])
    return {"shown": StreetShown(request, page, cast(Area, page.area), beside)}


def portal_context(page: PortalPage, request: HttpRequest) -> dict:
    return {"shown": PortalShown(request, page, page.area)}


def activity_context(activity: VolunteerActivityPage, user: Account) -> dict:
    counts = dict(
        activity.signups.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    confirmed = counts.get(Status.CONFIRMED, 0)
    mine = (
        activity.signups.filter(volunteer=user).exclude(status=Status.CANCELLED).first()
        if user.is_authenticated
        else None
    )
    organiser = can_log_hours(activity, user)
    return {
        "confirmed_count": confirmed,
        "waiting_count": counts.get(Status.WAITING, 0),
        "places_left": max(activity.capacity - confirmed, 0),
        "my_signup": mine,
        "is_volunteer": is_registered_volunteer(user) if user.is_authenticated else False,
        "is_organiser": organiser,
        "roster": (
            activity.signups.filter(status=Status.CONFIRMED).select_related("volunteer")
            if organiser
            else []
        ),
    }


def access_list_context(area: Area, params: QueryDict) -> dict:
    """Entries of the communities under `area`, filtered by community, department and period."""
    today = timezone.localdate()
    entries = AccessListEntry.objects.filter(community__code__startswith=area.code)
    communities = Area.objects.within(area).filter(level=Area.Level.COMMUNITY)
    departments = Department.objects.filter(
        pk__in=entries.values("department_id").distinct()
    ).order_by("name")
    chosen = {
        "community": params.get("community", ""),
        "department": params.get("department", ""),
        "period": params.get("period", "current"),
    }
    if chosen["community"]:
        entries = entries.filter(community__code=chosen["community"])
    if chosen["department"]:
        entries = entries.filter(department__key=chosen["department"])
    if chosen["period"] != "all":
        entries = entries.filter(starts_on__lte=today, ends_on__gte=today)
    return {
        "entries": entries.select_related("community", "department"),
        "communities": communities if area.level < Area.Level.COMMUNITY else [],
        "departments": departments,
        "chosen": chosen,
        "list_area": area,
        "today": today,
    }


def volunteer_summary(user: Account) -> dict:
    signups = (
        ActivitySignup.objects.filter(volunteer=user)
        .exclude(status=Status.CANCELLED)
        .select_related("activity")
        .order_by("-activity__starts_at")
    )
    total = signups.aggregate(total=Sum("hours"))["total"]
    return {"signups": signups, "total_hours": total or 0}
