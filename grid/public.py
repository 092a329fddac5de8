"""What the public may see of the registry: areas, their household counts and the people
responsible for them (role, name, work phone, photo). Never residents' personal data.
Pages and the public API both read through these functions."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from .models import Area, Assignment, Building, Unit

FIND_LIMIT = 20


def public_assignments() -> QuerySet[Assignment]:
    """Assignments of roles shown to the public, with what a contact card needs."""
    return (
        Assignment.objects.filter(role__is_public=True, area__isnull=False)
        .select_related("role", "user__wagtail_userprofile")
        .order_by("role__sort_order", "pk")
    )


def workers_by_area(areas: Iterable[Area]) -> dict[int, list[Assignment]]:
    """The public contacts of each area, in one query however many areas."""
    found: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in public_assignments().filter(area__in=[area.pk for area in areas]):
        found[assignment.area_id].append(assignment)
    return found


def with_public_workers(areas: QuerySet[Area]) -> QuerySet[Area]:
    return areas.prefetch_related(
        Prefetch("assignments", queryset=public_assignments(), to_attr="public_workers")
    )


def worker_name(assignment: Assignment) -> str:
    user = assignment.user
    return user.get_full_name() or user.get_username()


def worker_photo_url(assignment: Assignment) -> str:
    """The avatar the worker uploaded in Wagtail's account settings, if any."""
    profile = getattr(assignment.user, "wagtail_userprofile", None)
    avatar = getattr(profile, "avatar", None)
    return avatar.url if avatar else ""


def worker_card(assignment: Assignment) -> dict:
    return {
        "name": worker_name(assignment),
        "role": assignment.role.name,
        "work_phone": assignment.work_phone,
        "photo": worker_photo_url(assignment),
    }


def parent_code(area: Area) -> str | None:
    """The parent's code is the area's code less its last 3 digits (no query needed)."""
    return area.code[:-3] if area.level > Area.Level.DISTRICT else None


@dataclass
class GridMatch:
    grid: Area
    reasons: list[str] = field(default_factory=list)


def find_grids(query: str, within: Area | None = None) -> list[GridMatch]:
    """Grids matching an address, a building, a unit, a grid or community name, or a code."""
    query = " ".join(query.split())
    if not query:
        return []
    scope = Area.objects.within(within) if within else Area.objects.all()
    grids = scope.grids()
    reasons: dict[int, list[str]] = defaultdict(list)

    area_match = Q(name__icontains=query) | Q(parent__name__icontains=query)
    if query.isdigit() and len(query) >= 6:
        area_match |= Q(code__startswith=query)
    for grid_id, name in grids.filter(area_match).values_list("pk", "name")[:FIND_LIMIT]:
        reasons[grid_id].append(name)
    for grid_id, name, address in (
        Building.objects.filter(grid__in=grids)
        .filter(Q(name__icontains=query) | Q(address__icontains=query))
        .values_list("grid_id", "name", "address")[: FIND_LIMIT * 5]
    ):
        reasons[grid_id].append(f"{name} · {address}")
    for grid_id, name, address in (
        Unit.objects.filter(grid__in=grids)
        .filter(Q(name__icontains=query) | Q(address__icontains=query))
        .values_list("grid_id", "name", "address")[:FIND_LIMIT]
    ):
        reasons[grid_id].append(f"{name} · {address}")

    found = with_public_workers(
        Area.objects.filter(pk__in=list(reasons)[:FIND_LIMIT])
    ).select_related("parent__parent")
    return [GridMatch(grid, sorted(set(reasons[grid.pk]))[:3]) for grid in found]
