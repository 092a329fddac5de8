"""Read-side rules of the public sites: what each page shows, in a fixed number of queries."""

import datetime
from typing import cast

from django.conf import settings
from django.contrib.auth.models import User as Account
from django.db.models import Case, Count, F, Q, QuerySet, Sum, When
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from wagtail.models import Page

from forms.models import FormPage
from grid import public
from grid.models import Area, Department, Facility

from .models import (
    AccessListEntry,
    AccessListPage,
    ActivitySignup,
    CommunityPage,
    MapPage,
    NoticePage,
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


def community_context(page: CommunityPage) -> dict:
    from grid.serializers import area_feature

    area = cast(Area, page.area)  # the stubs do not follow the page's area key
    grids = list(public.with_public_workers(area.children.all()))
    facilities = list(
        Facility.objects.filter(grid__parent=area).exclude(latitude=None).exclude(longitude=None)
    )
    # public_workers and household_count are annotated by grid.public.
    features = [area_feature(grid, grid.public_workers) for grid in grids]  # type: ignore[attr-defined]
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
    return {
        "grids": grids,
        "workers": public.workers_by_area([area])[area.pk],
        "notices": children_of_type(page, NoticePage).order_by("-date", "-pk")[:NOTICES_ON_PAGE],
        "guides": children_of_type(page, ServiceGuidePage),
        "activities": upcoming_activities(page),
        "access_list_page": children_of_type(page, AccessListPage).first(),
        "form_pages": form_pages(page),
        "map_config": map_config(area, features),
        "household_total": area.household_count,
    }


def street_context(page: StreetPage) -> dict:
    area = cast(Area, page.area)
    communities = list(area.children.all())
    community_pages = pages_by_area(CommunityPage, page, [c.pk for c in communities])
    return {
        "communities": [{"area": c, "page": community_pages.get(c.pk)} for c in communities],
        "workers": public.workers_by_area([area])[area.pk],
        "notices": latest_notices(page, NOTICES_ON_PAGE),
        "guides": children_of_type(page, ServiceGuidePage),
        "access_list_page": children_of_type(page, AccessListPage).first(),
        "form_pages": form_pages(page),
        # The street's own map, or the district's beside it.
        "map_page": children_of_type(page, MapPage).first()
        or MapPage.objects.live().sibling_of(page).first(),
    }


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
