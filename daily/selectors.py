"""What the grid workers' day reads: their grids with how each was inspected, and the rounds
each user may see (those of grids in their jurisdiction)."""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.auth.models import User as Account
from django.db.models import Case, Count, Exists, Max, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from grid import selectors as grid_selectors
from grid.masking import mask_name
from grid.models import (
    Area,
    Building,
    Household,
    PartyMember,
    PartyOrganisation,
    Tag,
    Unit,
    Volunteer,
)
from grid.selectors import User
from workflows.task_list import DUE_OVERDUE, DUE_SOON
from workflows.task_sources import SourceCounts, SourceTask

from .models import Checklist, Inspection, Visit

# The permissions (of a role's group) that make a role walk its grids and see their rounds, and
# visit their households and units and read the diary of those visits.
MAKE_ROUNDS = "daily.add_inspection"
SEE_ROUNDS = "daily.view_inspection"
MAKE_VISITS = "daily.add_visit"
SEE_VISITS = "daily.view_visit"
# Households and their tags are seen with the households register's permission.
SEE_HOUSEHOLDS = "grid.view_household"
# Households visited within this many days count as covered on the grids' cards.
COVERAGE_DAYS = 30


def my_grids(user: User, permission: str = MAKE_ROUNDS) -> QuerySet[Area]:
    """The grids a user walks (or visits, with MAKE_VISITS): those under the areas of their
    roles whose group holds the permission, such as grid and community workers. A platform
    admin walks none."""
    codes = grid_selectors.permitted_codes(user, permission)
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
    not_visited: int  # households without a visit in the last COVERAGE_DAYS days


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
    covered = (
        Visit.objects.filter(
            grid=OuterRef("pk"),
            household__isnull=False,
            visited_on__gte=today.date() - datetime.timedelta(days=COVERAGE_DAYS),
        )
        .values("grid")
        .annotate(households=Count("household", distinct=True))
        .values("households")
    )
    grids = (
        grids.select_related("parent__parent")
        .defer("boundary", "parent__boundary", "parent__parent__boundary")
        .annotate(
            today=Count("inspections", filter=done & Q(inspections__started_at__gte=today)),
            week=Count("inspections", filter=done & Q(inspections__started_at__gte=monday)),
            last=Max("inspections__finished_at", filter=done),
            visited=Coalesce(Subquery(covered), 0),
        )
    )
    open_rounds = dict(
        Inspection.objects.filter(inspector_id=user.pk, finished_at__isnull=True)
        .order_by("started_at")
        .values_list("grid_id", "pk")
    )
    return [
        GridToday(
            grid,
            grid.today,
            grid.week,
            grid.last,
            walks,
            open_rounds.get(grid.pk),
            max(grid.household_count - grid.visited, 0),
        )
        for grid in grids
    ]


def visible_inspections(user: User) -> QuerySet[Inspection]:
    """The rounds of the grids under the areas of the user's roles that may see them (whose
    group may view inspections), and of every grid for platform admins."""
    return grid_selectors.where_permitted(Inspection.objects.all(), user, SEE_ROUNDS, "grid")


def visible_grids(user: User) -> QuerySet[Area]:
    """The grids whose rounds the user may see."""
    grids = Area.objects.filter(level=Area.Level.GRID)
    return grid_selectors.where_permitted(grids, user, SEE_ROUNDS, "")


def visible_visits(user: User) -> QuerySet[Visit]:
    """The visits to households and units of the grids under the areas of the user's roles
    that may read the diary, and every visit for platform admins."""
    return grid_selectors.where_permitted(Visit.objects.all(), user, SEE_VISITS, "grid")


def reads_visits(user: User) -> bool:
    return grid_selectors.permitted_somewhere(user, SEE_VISITS)


def visible_households(user: User) -> QuerySet[Household]:
    """The households whose page (and the status map of whose buildings) the user may open:
    within the areas of their roles that may view households."""
    households = Household.objects.all()
    return grid_selectors.where_permitted(households, user, SEE_HOUSEHOLDS, "building__grid")


def visible_units(user: User) -> QuerySet[Unit]:
    return grid_selectors.where_permitted(Unit.objects.all(), user, "grid.view_unit", "grid")


def visible_buildings(user: User) -> QuerySet[Building]:
    return grid_selectors.where_permitted(Building.objects.all(), user, SEE_HOUSEHOLDS, "grid")


# By when a visit's follow-up is due, in days after the visit, by how pressing it was: an
# urgent matter by the next day, a concern within three days, anything else within a week.
# My grids today and the task list show it; the counts of tasks count by it.
FOLLOW_UP_DAYS: dict[str, int] = {Visit.Mood.URGENT: 1, Visit.Mood.CONCERNED: 3, Visit.Mood.CALM: 7}
# A follow-up is due soon on its due date and this many days before it.
FOLLOW_UP_WARNING_DAYS = 1


def follow_up_due_on(visit: Visit) -> datetime.date:
    return visit.visited_on + datetime.timedelta(days=FOLLOW_UP_DAYS[visit.mood])


def follow_ups_due(**bounds: datetime.date) -> Q:
    """Visits whose follow-up is due within `bounds`, date lookups such as `lt=today`: by the
    visit's date, however pressing (a query needs no date arithmetic, on every database)."""
    return reduce(
        or_,
        (
            Q(
                mood=mood,
                **{
                    f"visited_on__{lookup}": day - datetime.timedelta(days=days)
                    for lookup, day in bounds.items()
                },
            )
            for mood, days in FOLLOW_UP_DAYS.items()
        ),
    )


def follow_ups_overdue(today: datetime.date) -> Q:
    return follow_ups_due(lt=today)


def follow_ups_due_soon(today: datetime.date) -> Q:
    warning = datetime.timedelta(days=FOLLOW_UP_WARNING_DAYS)
    return follow_ups_due(gte=today, lte=today + warning)


def open_follow_up_visits(user: User) -> QuerySet[Visit]:
    """The user's visits that need following up and are not yet followed up or reported: a
    visit is its visitor's own work, nobody else's."""
    return Visit.objects.filter(
        visitor_id=user.pk, follow_up=True, followed_up_at__isnull=True, process__isnull=True
    )


@dataclass(frozen=True)
class FollowUp:
    visit: Visit  # with its household's building, its unit and its grid's path
    due_on: datetime.date
    state: str  # task_list.DUE_OVERDUE, DUE_SOON or ""
    reportable: bool  # its grid's kind is reported as a process (the checklist names one)

    @property
    def area_path(self) -> list[str]:
        """Street › community › grid."""
        community = self.visit.grid.parent
        street = community.parent if community else None
        return [area.name for area in (street, community, self.visit.grid) if area is not None]


def open_follow_ups(user: User, today: datetime.date | None = None) -> list[FollowUp]:
    """The user's open follow-ups, the first due first, each with its due date and whether it
    is due soon or overdue (by the rules the counts of tasks use), in one query."""
    today = today or timezone.localdate()
    visits = (
        open_follow_up_visits(user)
        .select_related("household__building", "unit", "grid__parent__parent")
        .defer("grid__boundary", "grid__parent__boundary", "grid__parent__parent__boundary")
        .annotate(
            due_state=Case(
                When(follow_ups_overdue(today), then=Value(DUE_OVERDUE)),
                When(follow_ups_due_soon(today), then=Value(DUE_SOON)),
                default=Value(""),
            ),
            reportable=Exists(
                Checklist.objects.filter(
                    grid_kind=OuterRef("grid__kind"), report_process__isnull=False
                )
            ),
        )
    )
    found = [
        FollowUp(visit, follow_up_due_on(visit), visit.due_state, visit.reportable)
        for visit in visits
    ]
    return sorted(found, key=lambda row: (row.due_on, row.visit.visited_on, row.visit.pk))


def follow_up_counts(user: User, today: datetime.date | None = None) -> SourceCounts:
    """The user's open follow-ups as the counts of tasks count them, in one query."""
    today = today or timezone.localdate()
    return SourceCounts(
        **open_follow_up_visits(user).aggregate(
            open=Count("pk"),
            due_soon=Count("pk", filter=follow_ups_due_soon(today)),
            overdue=Count("pk", filter=follow_ups_overdue(today)),
        )
    )


# The task list shows a follow-up's row with this template.
FOLLOW_UP_ROW = "daily/includes/follow_up_task.html"


class FollowUpTasks:
    """The visitor's open follow-ups as tasks of their own kind (走访跟进) in their task list
    and in every count of tasks: a `workflows.task_sources.TaskSource`, registered with the
    `register_task_source` hook in `daily.wagtail_hooks`."""

    def counts(self, user: Account) -> SourceCounts:
        return follow_up_counts(user)

    def tasks(self, user: Account) -> list[SourceTask]:
        return [
            SourceTask(FOLLOW_UP_ROW, row.visit.grid.code, due_by(row.due_on), row.state, row)
            for row in open_follow_ups(user)
        ]


def due_by(day: datetime.date) -> datetime.datetime:
    """The end of `day`, when what is due on it is overdue: where it falls among the tasks."""
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(midnight)


# A door number: an optional entrance (2-, 2单元), then the floor and a two-digit flat (301,
# 1102).
DOOR_NUMBER = re.compile(r"^\s*(?:(\d{1,2})\s*(?:-|单元)\s*)?(\d{1,3})(\d{2})\s*$")


@dataclass(frozen=True)
class Door:
    household: Household | None  # None: a flat of the landing with no household on record
    flat: str
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True)
class Entrance:
    number: int
    flats: int  # doors per landing, the widest floor's
    floors: list[tuple[int, list[Door]]]  # top floor first


@dataclass(frozen=True)
class BuildingMap:
    entrances: list[Entrance]
    others: list[Door]  # households whose door number gives no entrance, floor and flat
    legend: list[Tag]  # the tags drawn, in the tags' order


def building_map(user: User, building: Building) -> BuildingMap:
    """The household status map (户情图) of a building: for each entrance a floor × flat grid
    drawn from the households' door numbers, each door with its household's and members'
    tags (the sensitive ones only for those who see personal data there) and no names; in
    the same number of queries however many households the building has."""
    households = list(
        building.households.prefetch_related("tags", "members__tags").order_by("door_number")
    )
    placed: dict[int, dict[int, dict[int, Door]]] = defaultdict(lambda: defaultdict(dict))
    others = []
    drawn: dict[int, Tag] = {}
    grid: Area = building.grid
    for household in households:
        tags = tuple(
            grid_selectors.tags_shown(user, grid, grid_selectors.household_tags(household))
        )
        drawn.update((tag.pk, tag) for tag in tags)
        match = DOOR_NUMBER.match(household.door_number)
        if match is None:
            others.append(Door(household, household.door_number, tags))
            continue
        entrance, floor, flat = int(match[1] or 1), int(match[2]), int(match[3])
        placed[entrance][floor][flat] = Door(household, f"{floor}{flat:02d}", tags)
    entrances = []
    for number in sorted(placed):
        floors = placed[number]
        flats = max(max(doors) for doors in floors.values())
        top = max(building.floors, max(floors))
        entrances.append(
            Entrance(
                number,
                flats,
                [
                    (
                        floor,
                        [
                            floors[floor].get(flat) or Door(None, f"{floor}{flat:02d}")
                            for flat in range(1, flats + 1)
                        ],
                    )
                    for floor in range(top, 0, -1)
                ],
            )
        )
    legend = sorted(drawn.values(), key=lambda tag: (tag.sort_order, tag.name))
    return BuildingMap(entrances, others, legend)


@dataclass(frozen=True)
class CareDue:
    household: Household
    tags: list[Tag]  # the tags that put it on the care list, as the user may see them
    interval: int  # days between visits its tags ask for (the shortest)
    last_visit: datetime.date | None
    overdue_days: int


def care_due(user: User, today: datetime.date | None = None) -> list[CareDue]:
    """The households of the grids the user visits that are due a visit: those carrying a
    tag with a visit interval (or with a member carrying one) whose last visit is longer ago
    than the shortest such interval, or never; most overdue first. A sensitive tag counts for
    everyone but is named only to those who see personal data there."""
    today = today or timezone.localdate()
    cared = Q(tags__visit_interval_days__isnull=False) | Q(
        members__tags__visit_interval_days__isnull=False
    )
    last_visit = (
        Visit.objects.filter(household=OuterRef("pk"))
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )
    households = (
        Household.objects.filter(building__grid__in=my_grids(user, MAKE_VISITS))
        .filter(pk__in=Household.objects.filter(cared).values("pk"))
        .select_related("building__grid")
        .prefetch_related("tags", "members__tags")
        .annotate(last_visit=Subquery(last_visit))
    )
    due = []
    for household in households:
        tags = [tag for tag in grid_selectors.household_tags(household) if tag.visit_interval_days]
        interval = min(days for tag in tags if (days := tag.visit_interval_days))
        last: datetime.date | None = household.last_visit
        overdue = (today - last).days - interval if last else interval
        if last is None or overdue >= 0:
            shown = grid_selectors.tags_shown(user, household.building.grid, tags)
            due.append(CareDue(household, list(shown), interval, last, overdue))
    return sorted(due, key=lambda row: (row.last_visit is not None, -row.overdue_days))


@dataclass(frozen=True)
class GridParty:
    branches: list[str]  # the party organisations of the grid
    members: int
    volunteers: list[str]  # the grid's volunteers who are party members, named as the user may


def grid_party(user: User, grids: list[Area]) -> dict[int, GridParty]:
    """For each grid, its party branch, how many members the branch has, and which of the
    grid's volunteers are party members (matched to members by ID number), named in full only
    to those who see personal data there; in three queries however many grids."""
    branches: dict[int, list[str]] = defaultdict(list)
    members: dict[int, int] = defaultdict(int)
    organisations = (
        PartyOrganisation.objects.filter(area__in=grids)
        .annotate(member_count=Count("members"))
        .order_by("name")
    )
    for organisation in organisations:
        branches[organisation.area_id].append(organisation.name)
        members[organisation.area_id] += organisation.member_count
    party_numbers = PartyMember.objects.filter(resident__id_number__isnull=False).values(
        "resident__id_number"
    )
    volunteers: dict[int, list[str]] = defaultdict(list)
    by_pk = {grid.pk: grid for grid in grids}
    for grid_id, name in (
        Volunteer.objects.filter(grid__in=grids, active=True, id_number__in=party_numbers)
        .order_by("name")
        .values_list("grid_id", "name")
    ):
        in_full = grid_selectors.can_see_personal_data(user, by_pk[grid_id])
        volunteers[grid_id].append(name if in_full else mask_name(name))
    return {
        grid.pk: GridParty(branches[grid.pk], members[grid.pk], volunteers[grid.pk])
        for grid in grids
        if branches[grid.pk] or volunteers[grid.pk]
    }
