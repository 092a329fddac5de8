"""The dashboards' figures: for an area and the user's jurisdiction, a row per child area
(district → streets → communities → grids) summed from the summary rows by code prefix, the
processes by definition, a twelve-week trend and the returns' latest periods. Each figure is a
grouped query whose size follows the number of areas, not of households."""

import datetime
import statistics
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from grid import selectors as grid_selectors
from grid.models import Area, Tag, Volunteer
from grid.selectors import EVERYWHERE, User
from grid.validators import code_length, level_of_code
from pages.models import ActivitySignup, CommunityPage, VolunteerActivityPage
from returns import periods as return_periods
from returns import selectors as return_selectors
from returns.models import Filing, Return
from workflows.models import ProcessDefinition

from .models import PROCESS_COUNTS, AreaDay, AreaFigures, AreaTagCount, ProcessDay

VIEW = "dashboards.view_dashboard"
# Recent activity: visits and processes closed within this many days.
RECENT_DAYS = 30
TREND_WEEKS = 12


def reader_codes(user: User) -> tuple[str, ...] | None:
    return grid_selectors.permitted_codes(user, VIEW)


def may_view(user: User) -> bool:
    return grid_selectors.permitted_somewhere(user, VIEW)


def in_scope(codes: tuple[str, ...] | None, path: str = "code") -> Q:
    if codes is EVERYWHERE:
        return Q()
    return reduce(or_, (Q(**{f"{path}__startswith": c}) for c in codes), Q(pk__in=[]))


def top_area(codes: tuple[str, ...] | None) -> Area | None:
    """The smallest area holding every area the user sees the dashboards of."""
    if codes is EVERYWHERE:
        return Area.objects.filter(level=Area.Level.DISTRICT).order_by("code").first()
    if not codes:
        return None
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix) and level_of_code(prefix) > 0:
            prefix = prefix[: code_length(level_of_code(prefix) - 1)]
    return Area.objects.filter(code=prefix).first()


def may_open(codes: tuple[str, ...] | None, top: Area, area: Area) -> bool:
    """Whether a user may open the dashboard of `area`: within their top area, and inside or
    around the areas they see (a street official's street, not a sibling's)."""
    if not area.code.startswith(top.code):
        return False
    if codes is EVERYWHERE:
        return True
    return any(area.code.startswith(c) or c.startswith(area.code) for c in codes)


@dataclass
class Row:
    area: Area | None
    households: int = 0
    grids: int = 0
    grids_outside_rule: int = 0
    residents: int = 0
    residents_60_plus: int = 0
    units: int = 0
    workers: int = 0
    grids_with_party: int = 0
    volunteers: int = 0
    activities_recent: int = 0
    volunteer_hours_recent: float = 0
    inspections_week: int = 0
    grids_inspected_week: int = 0
    visits_recent: int = 0
    processes_open: int = 0
    processes_overdue: int = 0
    tags: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def inspected_share(self) -> int | None:
        return round(100 * self.grids_inspected_week / self.grids) if self.grids else None

    @property
    def party_share(self) -> int | None:
        return round(100 * self.grids_with_party / self.grids) if self.grids else None

    @property
    def workers_per_grid(self) -> float | None:
        return round(self.workers / self.grids, 1) if self.grids else None


def child_of(root: Area):
    """The expression naming, for a summary row, the child of `root` it rolls up to."""
    return Substr("code", 1, code_length(min(root.level + 1, Area.Level.GRID)))


def coarse(root: Area) -> bool:
    """Whether a level reads the communities' rollup rows rather than every grid's."""
    return root.level < Area.Level.COMMUNITY


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@dataclass
class Level:
    root: Area
    rows: list[Row]
    total: Row
    tags: list[Tag]
    leaf: bool
    # Rounds and visits per day of the trend's weeks, for `trend`.
    daily: dict[datetime.date, tuple[int, int]] = field(default_factory=dict)


def level(
    root: Area, codes: tuple[str, ...] | None, user: User, today: datetime.date | None = None
) -> Level:
    """A row per child of `root` within the user's jurisdiction, and their total."""
    today = today or timezone.localdate()
    leaf = root.level == Area.Level.GRID
    child = child_of(root)
    scope = in_scope(codes) & Q(code__startswith=root.code)
    # Children holding the areas the user sees, though not inside them (a street of theirs).
    around = [c[: code_length(root.level + 1)] for c in codes or ()]
    children = {
        a.code: a
        for a in (
            Area.objects.filter(pk=root.pk)
            if leaf
            else Area.objects.filter(parent=root).filter(in_scope(codes) | Q(code__in=around))
        )
    }
    rows = {code: Row(area) for code, area in children.items()}
    total = Row(root)

    def add(code: str, **values: int) -> None:
        for target in (rows.get(code), total):
            if target is None:
                continue
            for name, value in values.items():
                setattr(target, name, getattr(target, name) + (value or 0))

    grids = Area.objects.filter(scope, level=Area.Level.GRID).annotate(child=child)
    for code, kind, households in grids.values_list("child", "kind", "household_count"):
        outside = bool(
            kind == Area.Kind.RESIDENTIAL
            and grid_selectors.size_rule_violation(
                Area(kind=kind, level=Area.Level.GRID), households
            )
        )
        add(code, grids=1, households=households, grids_outside_rule=int(outside))
    figures = (
        AreaFigures.objects.filter(scope)
        .annotate(child=child)
        .values("child")
        .annotate(
            residents=Sum("residents"),
            residents_60_plus=Sum("residents_60_plus"),
            units=Sum("units"),
            workers=Sum("workers"),
            grids_with_party=Count(
                "pk", filter=Q(party_organisations__gt=0, area__level=Area.Level.GRID)
            ),
            processes_open=Sum("processes_open"),
            processes_overdue=Sum("processes_overdue"),
        )
    )
    for values in figures:
        add(values.pop("child"), **values)
    week = week_start(today)
    inspected = (
        AreaDay.objects.filter(
            scope, rollup=False, day__gte=week, day__lte=today, inspections__gt=0
        )
        .annotate(child=child)
        .values("child")
        .annotate(n=Sum("inspections"), grids=Count("area", distinct=True))
    )
    for values in inspected:
        add(values["child"], inspections_week=values["n"], grids_inspected_week=values["grids"])
    # One pass over the trend's weeks gives each child's recent visits and the daily series.
    recent = today - datetime.timedelta(days=RECENT_DAYS)
    daily: dict[datetime.date, tuple[int, int]] = {}
    days = (
        AreaDay.objects.filter(
            scope, day__gte=trend_start(today), day__lte=today, rollup=coarse(root)
        )
        .annotate(child=child)
        .values("child", "day")
        .annotate(i=Sum("inspections"), v=Sum("visits"))
        .values_list("child", "day", "i", "v")
    )
    for code, day, rounds, visits in days:
        if day > recent:
            add(code, visits_recent=visits)
        before = daily.get(day, (0, 0))
        daily[day] = (before[0] + rounds, before[1] + visits)
    volunteers = (
        Volunteer.objects.filter(
            in_scope(codes, "community__code"), community__code__startswith=root.code, active=True
        )
        .annotate(child=Substr("community__code", 1, code_length(min(root.level + 1, 3))))
        .values("child")
        .annotate(n=Count("pk"))
    )
    for values in volunteers:
        add(values["child"], volunteers=values["n"])
    step = code_length(min(root.level + 1, Area.Level.COMMUNITY))
    for code, activities, hours in activities_by_community(root, codes, today):
        for target in (rows.get(code[:step]), total):
            if target is not None:
                target.activities_recent += activities
                target.volunteer_hours_recent += hours
    tags = list(Tag.objects.order_by("sort_order", "name"))
    if not grid_selectors.sees_personal_data_throughout(user):
        tags = [tag for tag in tags if not tag.sensitive]
    tag_rows = (
        AreaTagCount.objects.filter(scope, tag__in=tags)
        .annotate(child=child)
        .values("child", "tag")
        .annotate(households=Sum("households"), residents=Sum("residents"))
    )
    for values in tag_rows:
        for target in (rows.get(values["child"]), total):
            if target is not None:
                h, r = target.tags.get(values["tag"], (0, 0))
                target.tags[values["tag"]] = (h + values["households"], r + values["residents"])
    ordered = sorted(rows.values(), key=lambda r: r.area.code if r.area else "")
    return Level(root, ordered, total, tags, leaf, daily)


def activities_by_community(
    root: Area, codes: tuple[str, ...] | None, today: datetime.date
) -> list[tuple[str, int, float]]:
    """(community code, volunteer activities held in the last RECENT_DAYS, hours served at
    them) for the communities within `root`: an activity belongs to the community whose page
    it is published under."""
    since = today - datetime.timedelta(days=RECENT_DAYS)
    communities = list(
        CommunityPage.objects.filter(
            in_scope(codes, "area__code"), area__code__startswith=root.code
        ).values_list("path", "area__code")
    )
    if not communities:
        return []
    held = (
        VolunteerActivityPage.objects.live()
        .filter(
            starts_at__date__gt=since,
            starts_at__date__lte=today,
        )
        .filter(reduce(or_, (Q(path__startswith=path) for path, _code in communities)))
    )
    paths = dict(held.values_list("pk", "path"))
    hours = dict(
        ActivitySignup.objects.filter(activity__in=list(paths), hours__isnull=False)
        .values("activity")
        .annotate(total=Sum("hours"))
        .values_list("activity", "total")
    )
    found: dict[str, list] = {}
    for activity, path in paths.items():
        code = next(code for prefix, code in communities if path.startswith(prefix))
        entry = found.setdefault(code, [0, 0.0])
        entry[0] += 1
        entry[1] += float(hours.get(activity) or 0)
    return [(code, count, total) for code, (count, total) in found.items()]


@dataclass
class DefinitionFigures:
    definition: ProcessDefinition
    # The answer to the definition's category field these figures are of ("" for all).
    category: str = ""
    started: int = 0
    closed: int = 0
    closed_on_time: int = 0
    approved: int = 0
    rejected: int = 0
    verdicts: int = 0
    satisfied: int = 0
    satisfaction: int = 0
    close_days: list[float] = field(default_factory=list)
    # The same figures per category, most started first (see `processes`).
    categories: list["DefinitionFigures"] = field(default_factory=list)

    def add(self, values: dict[str, int]) -> None:
        for name in PROCESS_COUNTS:
            setattr(self, name, getattr(self, name) + values[name])

    @property
    def satisfied_share(self) -> int | None:
        return round(100 * self.satisfied / self.verdicts) if self.verdicts else None

    @property
    def satisfaction_average(self) -> float | None:
        return round(self.satisfaction / self.verdicts, 1) if self.verdicts else None

    @property
    def on_time_share(self) -> int | None:
        return round(100 * self.closed_on_time / self.closed) if self.closed else None

    @property
    def approval_rate(self) -> int | None:
        decided = self.approved + self.rejected
        return round(100 * self.approved / decided) if decided else None

    @property
    def median_days(self) -> float | None:
        return round(statistics.median(self.close_days), 1) if self.close_days else None


@dataclass
class Processes:
    figures: list[DefinitionFigures]
    # Processes started and closed per day of the trend's weeks, for `trend`.
    daily: dict[datetime.date, tuple[int, int]]


def processes(
    root: Area, codes: tuple[str, ...] | None, today: datetime.date | None = None
) -> Processes:
    """Per process definition, over the last RECENT_DAYS: started, closed, on time, approved
    or rejected, the median days to close and the residents' verdicts, in all and per category
    (the supervision report's category, the incident's kind); and per day of the trend's weeks,
    started and closed."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=RECENT_DAYS - 1)
    rows = ProcessDay.objects.filter(in_scope(codes), code__startswith=root.code, day__lte=today)
    # Above communities: the communities' rollup rows, and the rows of the areas above them
    # (a street's own processes), asked apart so that each goes through its index.
    parts = (
        [rows.filter(rollup=True), rows.filter(rollup=False, level__lt=Area.Level.COMMUNITY)]
        if coarse(root)
        else [rows.filter(rollup=False)]
    )
    found: dict[int, DefinitionFigures] = {}
    by_category: dict[tuple[int, str], DefinitionFigures] = {}
    daily: dict[datetime.date, tuple[int, int]] = {}
    definitions = ProcessDefinition.objects.in_bulk()

    def figures_of(definition_id: int, category: str) -> list[DefinitionFigures]:
        """The definition's figures, and its category's where the processes have one."""
        definition = definitions[definition_id]
        of = [found.setdefault(definition_id, DefinitionFigures(definition))]
        if category:
            key = (definition_id, category)
            of.append(by_category.setdefault(key, DefinitionFigures(definition, category)))
        return of

    for part in parts:
        sums = (
            part.filter(day__gte=min(since, trend_start(today)))
            .values("definition_id", "category", "day")
            .annotate(**{name: Sum(name) for name in PROCESS_COUNTS})
        )
        for row in sums:
            before = daily.get(row["day"], (0, 0))
            daily[row["day"]] = (before[0] + row["started"], before[1] + row["closed"])
            if row["day"] >= since:
                for figures in figures_of(row["definition_id"], row["category"]):
                    figures.add(row)
        # The days each took, for the median: only the rows of days something closed.
        for definition_id, category, days in part.filter(day__gte=since, closed__gt=0).values_list(
            "definition_id", "category", "close_days"
        ):
            for figures in figures_of(definition_id, category):
                figures.close_days += days
    for (definition_id, _category), figures in by_category.items():
        found[definition_id].categories.append(figures)
    for figures in found.values():
        figures.categories.sort(key=lambda f: (-f.started, f.category))
    return Processes(sorted(found.values(), key=lambda f: -f.started), daily)


def trend_start(today: datetime.date) -> datetime.date:
    return week_start(today) - datetime.timedelta(weeks=TREND_WEEKS - 1)


def trend(level: Level, activity: Processes, today: datetime.date | None = None) -> dict[str, list]:
    """Processes started and closed, rounds and visits, per week of the last TREND_WEEKS."""
    today = today or timezone.localdate()
    weeks = [trend_start(today) + datetime.timedelta(weeks=n) for n in range(TREND_WEEKS)]
    index = {week: n for n, week in enumerate(weeks)}
    series = {name: [0] * TREND_WEEKS for name in ("started", "closed", "inspections", "visits")}
    for names, daily in (
        (("started", "closed"), activity.daily),
        (("inspections", "visits"), level.daily),
    ):
        for day, values in daily.items():
            if day in index or week_start(day) in index:
                for name, value in zip(names, values, strict=True):
                    series[name][index[week_start(day)]] += value
    return {"weeks": [w.isoformat() for w in weeks], **series}


@dataclass
class ReturnFigures:
    return_form: Return
    period: return_periods.Period
    expected: int
    filed: int
    late: int


def returns(root: Area, codes: tuple[str, ...] | None) -> list[ReturnFigures]:
    """Each return's latest period that has ended: how many areas within `root` (and the
    user's jurisdiction) were to file it, filed it, and filed it late."""
    today = timezone.localdate()
    found = []
    for return_form in Return.objects.filter(starts_on__lte=today).prefetch_related("areas"):
        ended = [p for p in return_periods.periods(return_form, until=today) if p.end < today]
        if not ended:
            continue
        expected = return_selectors.expected_areas(return_form, codes).filter(
            code__startswith=root.code
        )
        count = expected.count()
        if not count:
            continue
        filings = Filing.objects.filter(
            return_form=return_form, period_start=ended[-1].start, area__in=expected
        )
        found.append(
            ReturnFigures(
                return_form,
                ended[-1],
                count,
                filings.count(),
                filings.filter(late=True).count(),
            )
        )
    return found
