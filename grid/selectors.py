"""Read-side rules of the registry; every registry query a user makes goes through
`visible_areas`."""

from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Area, Assignment, Household, Resident, Role

User = AbstractBaseUser | AnonymousUser

EVERYWHERE = None
_CACHE_ATTR = "_grid_jurisdiction_codes"


def collapse_prefixes(codes: list[str]) -> tuple[str, ...]:
    """Drop codes already covered by a shorter code (an ancestor) in the list."""
    kept: list[str] = []
    for code in sorted(set(codes), key=len):
        if not any(code.startswith(prefix) for prefix in kept):
            kept.append(code)
    return tuple(sorted(kept))


def jurisdiction_codes(user: User) -> tuple[str, ...] | None:
    """The codes at the top of each subtree the user may see; None means everywhere."""
    if not user.is_authenticated or not user.is_active:
        return ()
    if user.is_superuser:
        return EVERYWHERE
    if not hasattr(user, _CACHE_ATTR):
        codes = Assignment.objects.filter(user=user, role__scope=Role.Scope.AREA).values_list(
            "area__code", flat=True
        )
        setattr(user, _CACHE_ATTR, collapse_prefixes(list(codes)))
    return getattr(user, _CACHE_ATTR)


def visible_areas(user: User) -> QuerySet[Area]:
    """The areas this user may see: the union of the subtrees of their assignments."""
    codes = jurisdiction_codes(user)
    if codes is EVERYWHERE:
        return Area.objects.all()
    if not codes:
        return Area.objects.none()
    return Area.objects.filter(reduce(or_, (Q(code__startswith=code) for code in codes)))


def in_scope(queryset: QuerySet, user: User, area_path: str) -> QuerySet:
    """Limit a register's queryset to rows whose area (reached by `area_path`) the user may see."""
    if jurisdiction_codes(user) is EVERYWHERE:
        return queryset
    lookup = f"{area_path}__in" if area_path else "pk__in"
    return queryset.filter(**{lookup: visible_areas(user).values("pk")})


def can_see_area(user: User, area: Area) -> bool:
    codes = jurisdiction_codes(user)
    return codes is EVERYWHERE or any(area.code.startswith(code) for code in codes)


def household_list(user: User) -> QuerySet[Household]:
    """Households in the user's jurisdiction, with what the list shows, in a constant number
    of queries however many rows there are."""
    householder = Resident.objects.filter(
        household=OuterRef("pk"), relation=Resident.Relation.HOUSEHOLDER
    ).order_by("pk")
    member_count = (
        Resident.objects.filter(household=OuterRef("pk"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return (
        in_scope(Household.objects.all(), user, "building__grid")
        .select_related("building__grid__parent")
        .annotate(
            member_count=Coalesce(Subquery(member_count, output_field=IntegerField()), Value(0)),
            householder_name=Subquery(householder.values("name")[:1]),
            householder_id_number=Subquery(householder.values("id_number")[:1]),
            householder_phone=Subquery(householder.values("phone")[:1]),
        )
    )


def with_household_counts(areas: QuerySet[Area]) -> QuerySet[Area]:
    """Annotate each area with the number of households in its subtree."""
    counts = (
        Household.objects.filter(building__grid__code__startswith=OuterRef("code"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return areas.annotate(
        household_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))
    )


def size_rule_violation(area: Area, household_count: int) -> str:
    """'below', 'above' or '' for a residential grid measured against the grid size rule."""
    if not area.is_grid or area.kind != Area.Kind.RESIDENTIAL:
        return ""
    if household_count < settings.GRID_HOUSEHOLDS_MIN:
        return "below"
    if household_count > settings.GRID_HOUSEHOLDS_MAX:
        return "above"
    return ""


def grids_outside_size_rule(areas: QuerySet[Area] | None = None) -> list[tuple[Area, int, str]]:
    """Residential grids whose household count is outside the configured bounds."""
    grids = with_household_counts(
        (areas if areas is not None else Area.objects.all())
        .grids()
        .filter(kind=Area.Kind.RESIDENTIAL)
        .select_related("parent")
    )
    return [
        (grid, grid.household_count, violation)
        for grid in grids
        if (violation := size_rule_violation(grid, grid.household_count))
    ]
