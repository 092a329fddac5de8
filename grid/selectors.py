"""Read-side rules of the registry; every registry query a user makes goes through
`visible_areas`."""

import re
from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account
from django.db.models import (
    CharField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat
from wagtail.models import Page

from .geometry import boundary_contains
from .masking import mask_name, mask_phone
from .models import (
    PERSONAL_DATA_CODENAME,
    Area,
    AreaQuerySet,
    Assignment,
    Building,
    Household,
    Resident,
    Role,
    Tag,
    Unit,
    Volunteer,
)

User = Account | AnonymousUser

EVERYWHERE = None
_CACHE_ATTR = "_grid_jurisdiction_codes"
_PERMITTED_CACHE_ATTR = "_grid_permitted_codes"


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
        # An area role held on a department (the data allows it) covers no area.
        codes = Assignment.objects.filter(
            user=user, role__scope=Role.Scope.AREA, area__isnull=False
        ).values_list("area__code", flat=True)
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


def in_personal_data_scope(queryset: QuerySet, user: User, area_path: str) -> QuerySet:
    """Limit rows to those whose people the user may see in full (can_see_personal_data)."""
    return in_codes(queryset, personal_data_codes(user), area_path)


def in_codes(queryset: QuerySet, codes: tuple[str, ...] | None, area_path: str) -> QuerySet:
    """Limit rows to those whose area (reached by `area_path`) lies under one of `codes`."""
    if codes is EVERYWHERE:
        return queryset
    if not codes:
        return queryset.none()
    prefix = f"{area_path}__code" if area_path else "code"
    return queryset.filter(reduce(or_, (Q(**{f"{prefix}__startswith": c}) for c in codes)))


def can_see_area(user: User, area: Area) -> bool:
    codes = jurisdiction_codes(user)
    return codes is EVERYWHERE or any(area.code.startswith(code) for code in codes)


def assignments_granting(permission: str) -> QuerySet[Assignment]:
    """The assignments on areas whose role's group holds `permission` ("app.codename")."""
    app_label, codename = permission.split(".")
    return Assignment.objects.filter(
        role__scope=Role.Scope.AREA,
        role__group__permissions__content_type__app_label=app_label,
        role__group__permissions__codename=codename,
    )


def permitted_codes(user: User, permission: str) -> tuple[str, ...] | None:
    """The codes of the subtrees where the user may do what `permission` ("app.codename")
    allows: the areas of those of their roles whose group holds it. None means everywhere."""
    if not user.is_authenticated or not user.is_active:
        return ()
    if user.is_superuser:
        return EVERYWHERE
    cached = user.__dict__.setdefault(_PERMITTED_CACHE_ATTR, {})
    if permission not in cached:
        codes = (
            assignments_granting(permission).filter(user=user).values_list("area__code", flat=True)
        )
        cached[permission] = collapse_prefixes(list(codes))
    return cached[permission]


def where_permitted(queryset: QuerySet, user: User, permission: str, area_path: str) -> QuerySet:
    """Limit rows to the areas where the user may do what `permission` allows (the areas of
    their roles whose group holds it)."""
    return in_codes(queryset, permitted_codes(user, permission), area_path)


def permitted_somewhere(user: User, permission: str) -> bool:
    codes = permitted_codes(user, permission)
    return codes is EVERYWHERE or bool(codes)


def personal_data_codes(user: User) -> tuple[str, ...] | None:
    """The codes of the subtrees where the user sees personal data in full."""
    return permitted_codes(user, f"grid.{PERSONAL_DATA_CODENAME}")


def can_see_personal_data(user: User, area: Area | None) -> bool:
    """Whether the user sees the ID numbers, phones and names of people in this area unmasked:
    a permission of some of their roles, and only on the areas those roles are held on. Data
    without an area is shown in full only to platform admins."""
    codes = personal_data_codes(user)
    if codes is EVERYWHERE:
        return True
    return area is not None and any(area.code.startswith(code) for code in codes)


def tags_shown(user: User, area: Area | None, tags: Iterable[Tag]) -> list[Tag]:
    """The tags of a household or resident in `area` as the user is shown them: sensitive tags
    (low income, disability) only where the user sees personal data; anyone else is shown the
    others as if the sensitive ones were not there."""
    in_full = can_see_personal_data(user, area)
    return [tag for tag in tags if in_full or not tag.sensitive]


def household_tags(household: Household) -> list[Tag]:
    """The household's tags and its members', each once, in the tags' order; from prefetched
    `tags` and `members__tags` where the query has them (household_list does)."""
    found = {
        tag.pk: tag
        for tag in [
            *household.tags.all(),
            *(tag for member in household.members.all() for tag in member.tags.all()),
        ]
    }
    return sorted(found.values(), key=lambda tag: (tag.sort_order, tag.name))


_ROLE_CODES_CACHE_ATTR = "_grid_role_area_codes"


def holds_role_over(user: User, role_id: int, level: int, area: Area | None) -> bool:
    """Whether the user holds the role on the area of `level` that contains `area` (or is it):
    the supervision committee of the community a report is about, for one."""
    if area is None or not user.is_authenticated or not user.is_active:
        return False
    if not hasattr(user, _ROLE_CODES_CACHE_ATTR):
        held: dict[tuple[int, int], set[str]] = {}
        assignments = Assignment.objects.filter(user=user, role__scope=Role.Scope.AREA)
        for held_role, held_level, code in assignments.values_list(
            "role_id", "area__level", "area__code"
        ):
            held.setdefault((held_role, held_level), set()).add(code)
        setattr(user, _ROLE_CODES_CACHE_ATTR, held)
    codes = getattr(user, _ROLE_CODES_CACHE_ATTR).get((role_id, level), ())
    return any(area.code.startswith(code) for code in codes)


def sees_personal_data_throughout(user: User) -> bool:
    """Whether the user sees personal data in full wherever they see records at all."""
    seen, personal = jurisdiction_codes(user), personal_data_codes(user)
    if personal is EVERYWHERE:
        return True
    if seen is EVERYWHERE:
        return False
    return all(any(code.startswith(p) for p in personal) for code in seen)


def assignable_accounts(editor: User) -> QuerySet[Account]:
    """The accounts an editor may give a role: those holding a role on an area in the editor's
    jurisdiction, and those holding no role yet (a new colleague). Accounts whose roles are
    all elsewhere, or in departments, are not the editor's to see. With what `account_label`
    reads."""
    accounts = Account.objects.select_related("volunteer__community").prefetch_related(
        "assignments__area"
    )
    if jurisdiction_codes(editor) is EVERYWHERE:
        return accounts.order_by("username")
    held_here = in_scope(Assignment.objects.all(), editor, "area").values("user")
    holding_any = Assignment.objects.values("user")
    return accounts.filter(Q(pk__in=held_here) | ~Q(pk__in=holding_any)).order_by("username")


def sees_volunteer_in_full(viewer: User, volunteer: Volunteer) -> bool:
    """Whether the viewer sees this volunteer's name and phone (their account's username):
    those who may see volunteers and see personal data in the volunteer's community."""
    return viewer.has_perm("grid.view_volunteer") and can_see_personal_data(
        viewer, volunteer.community
    )


def finds_volunteers_by_phone(viewer: User) -> bool:
    """Whether searching accounts by username (a volunteer's is the phone) may find volunteers:
    only for those who see every volunteer of their jurisdiction in full."""
    return viewer.has_perm("grid.view_volunteer") and sees_personal_data_throughout(viewer)


def without_hidden_volunteers(assignments: QuerySet[Assignment], viewer: User):
    """Assignments, leaving out those of volunteers' accounts the viewer does not see in full
    (`sees_volunteer_in_full`), whose usernames are the volunteers' phones."""
    others = Q(user__volunteer__isnull=True)
    if not viewer.has_perm("grid.view_volunteer"):
        return assignments.filter(others)
    seen = in_personal_data_scope(Volunteer.objects.all(), viewer, "community")
    return assignments.filter(others | Q(user__volunteer__in=seen))


def account_label(viewer: User, account: Account) -> str:
    """How an account is named to someone choosing it: the person's name and the username.
    Volunteer registration opens a volunteer's account under the volunteer's phone, so that
    account's name and username are the volunteer's personal data: in full only to those who
    may see volunteers and see personal data in the volunteer's community; to others the
    name and the phone masked. Other accounts' names are masked where the viewer does not see
    personal data on any of the account's areas."""
    name = account.get_full_name()
    volunteer: Volunteer | None = getattr(account, "volunteer", None)
    if volunteer is not None:
        if sees_volunteer_in_full(viewer, volunteer):
            return f"{name} ({account.username})"
        return f"{mask_name(name)} ({mask_phone(volunteer.phone)})"
    # Without a role an account has no area: its name is in full to platform admins only.
    areas = [a.area for a in account.assignments.all()] or [None]
    if not any(can_see_personal_data(viewer, area) for area in areas):
        name = mask_name(name)
    return f"{name} ({account.username})" if name else account.username


def household_list(user: User) -> QuerySet[Household]:
    """Households in the user's jurisdiction, with what the list shows (their tags and their
    members' among it), in a constant number of queries however many rows there are."""
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
        .prefetch_related("tags", "members__tags")
        .annotate(
            member_count=Coalesce(Subquery(member_count, output_field=IntegerField()), Value(0)),
            householder_name=Subquery(householder.values("name")[:1]),
            householder_id_number=Subquery(householder.values("id_number")[:1]),
            householder_phone=Subquery(householder.values("phone")[:1]),
        )
    )


def households_in_jurisdiction(user: User) -> int:
    """How many households the user's household list holds, from the areas' kept counts."""
    codes = jurisdiction_codes(user)
    roots = (
        Area.objects.filter(parent__isnull=True)
        if codes is EVERYWHERE
        else Area.objects.filter(code__in=codes)
    )
    return roots.aggregate(n=Sum("household_count"))["n"] or 0


def size_rule_violation(area: Area, household_count: int) -> str:
    """'below', 'above' or '' for a residential grid measured against the grid size rule."""
    if not area.is_grid or area.kind != Area.Kind.RESIDENTIAL:
        return ""
    if household_count < settings.GRID_HOUSEHOLDS_MIN:
        return "below"
    if household_count > settings.GRID_HOUSEHOLDS_MAX:
        return "above"
    return ""


def grids_outside_size_rule(areas: AreaQuerySet | None = None) -> list[tuple[Area, int, str]]:
    """Residential grids whose household count is outside the configured bounds."""
    grids = (
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


# --- Where things are ------------------------------------------------------------------------


def grid_at(longitude: float, latitude: float) -> Area | None:
    """The responsibility grid whose boundary contains the point; where boundaries overlap,
    the first by code. The boxes stored on the areas (indexed) leave the exact test to the few
    grids whose box holds the point."""
    boundaries = (
        Area.objects.grids()
        .filter(
            bbox_west__lte=longitude,
            bbox_east__gte=longitude,
            bbox_south__lte=latitude,
            bbox_north__gte=latitude,
        )
        .order_by("code")
        .values_list("pk", "boundary")
    )
    found = next(
        (pk for pk, boundary in boundaries if boundary_contains(boundary, longitude, latitude)),
        None,
    )
    return Area.objects.select_related("parent").get(pk=found) if found else None


POINT = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*[,，]\s*(-?\d{1,2}(?:\.\d+)?)\s*$")


def areas_at_place(text: str) -> list[Area]:
    """The areas a place given as text names: an area's code, a point written as "longitude,
    latitude" (the grid containing it), or an address (`areas_at_address`). More than one
    means the text is ambiguous; none, that it names no place served here."""
    text = text.strip()
    if text.isdigit():
        return list(Area.objects.filter(code=text).select_related("parent"))
    point = POINT.match(text)
    if point:
        longitude, latitude = float(point[1]), float(point[2])
        if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
            return []
        grid = grid_at(longitude, latitude)
        return [grid] if grid is not None else []
    return areas_at_address(text)


def areas_at_address(text: str, limit: int = 5) -> list[Area]:
    """The areas an address names, at most `limit` + 1 (more than one means it is ambiguous):
    the grids of buildings whose address is the text, or of units whose name or address is;
    else communities and grids of that name ("五松社区", "五松社区 第一网格"); else the grids of
    buildings and units whose address contains the text or is contained in it."""
    text = " ".join(text.split())
    if not text:
        return []
    grids = Area.objects.grids().select_related("parent")
    exact = grids.filter(
        Q(pk__in=Building.objects.filter(address__iexact=text).values("grid"))
        | Q(
            pk__in=Unit.objects.filter(Q(name__iexact=text) | Q(address__iexact=text)).values(
                "grid"
            )
        )
    )
    named = (
        Area.objects.filter(level__in=[Area.Level.COMMUNITY, Area.Level.GRID])
        .select_related("parent")
        .annotate(full_name=Concat("parent__name", "name"))
        .filter(Q(name=text) | Q(full_name=text.replace(" ", "")))
    )
    typed = Value(text, output_field=CharField())
    contained = grids.filter(
        Q(
            pk__in=Building.objects.exclude(address="")
            .annotate(typed=typed)
            .filter(Q(address__icontains=text) | Q(typed__icontains=F("address")))
            .values("grid")
        )
        | Q(
            pk__in=Unit.objects.exclude(address="")
            .annotate(typed=typed)
            .filter(Q(address__icontains=text) | Q(typed__icontains=F("address")))
            .values("grid")
        )
    )
    for found in (exact, named, contained):
        areas = list(found.order_by("code")[: limit + 1])
        if areas:
            return areas
    return []


def nearest_area(page: Page | None) -> Area | None:
    """The registry area of the page, or of its nearest ancestor bound to one."""
    while page is not None:
        specific = page.specific_deferred
        area = getattr(specific, "area", None)
        if area is not None:
            return area
        if page.is_root():
            return None
        page = page.get_parent()
    return None
