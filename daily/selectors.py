"""What the grid workers' day reads: their grids with how each was inspected, and the rounds
each user may see (those of grids in their jurisdiction)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from grid import selectors as grid_selectors
from grid.models import Area
from grid.selectors import User

from .models import Inspection

# The permissions (of a role's group) that make a role walk its grids and see their rounds.
MAKE_ROUNDS = "daily.add_inspection"
SEE_ROUNDS = "daily.view_inspection"


def my_grids(user: User) -> QuerySet[Area]:
    """The grids a user walks: those under the areas of their roles that make rounds (whose
    group may add inspections, such as grid and community workers). A platform admin walks
    none."""
    codes = grid_selectors.permitted_codes(user, MAKE_ROUNDS)
    if codes is grid_selectors.EVERYWHERE:
        return Area.objects.none()
    return grid_selectors.in_codes(Area.objects.filter(level=Area.Level.GRID), codes, "").order_by(
        "code"
    )


def start_of_day(moment: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class GridToday:
    grid: Area
    inspected_today: int
    inspected_this_week: int
    last_inspected: datetime.datetime | None
    walks: bool  # whether the user makes rounds of this grid
    my_open_round: int | None  # the user's unfinished inspection of this grid


def grids_today(user: User, now: datetime.datetime | None = None) -> list[GridToday]:
    """The grids the user walks, or else those whose rounds they oversee (a community
    director: which grids were not inspected today), with their finished rounds today and this
    week (from Monday) and the last one, in as many queries however many grids and rounds
    there are. Platform admins oversee the whole city: not a list for a day's work."""
    walked = my_grids(user)
    walks = walked.exists()
    if walks:
        grids = walked
    elif grid_selectors.permitted_codes(user, SEE_ROUNDS) is grid_selectors.EVERYWHERE:
        return []
    else:
        grids = visible_grids(user).order_by("code")
    today = start_of_day(now or timezone.now())
    monday = today - datetime.timedelta(days=today.weekday())
    done = Q(inspections__finished_at__isnull=False)
    grids = (
        grids.select_related("parent__parent")
        .defer("boundary", "parent__boundary", "parent__parent__boundary")
        .annotate(
            today=Count("inspections", filter=done & Q(inspections__started_at__gte=today)),
            week=Count("inspections", filter=done & Q(inspections__started_at__gte=monday)),
            last=Max("inspections__finished_at", filter=done),
        )
    )
    open_rounds = dict(
        Inspection.objects.filter(inspector_id=user.pk, finished_at__isnull=True)
        .order_by("started_at")
        .values_list("grid_id", "pk")
    )
    return [
        GridToday(grid, grid.today, grid.week, grid.last, walks, open_rounds.get(grid.pk))
        for grid in grids
    ]


def visible_inspections(user: User) -> QuerySet[Inspection]:
    """The rounds of the grids under the areas of the user's roles that may see them (whose
    group may view inspections), and of every grid for platform admins."""
    codes = grid_selectors.permitted_codes(user, SEE_ROUNDS)
    return grid_selectors.in_codes(Inspection.objects.all(), codes, "grid")


def visible_grids(user: User) -> QuerySet[Area]:
    """The grids whose rounds the user may see."""
    codes = grid_selectors.permitted_codes(user, SEE_ROUNDS)
    return grid_selectors.in_codes(Area.objects.filter(level=Area.Level.GRID), codes, "")
