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
from returns import periods as return_periods
from returns import selectors as return_selectors
from returns.models import Filing, Return
from workflows.models import ProcessDefinition

from .models import AreaDay, AreaFigures, AreaTagCount, ProcessDay

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


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@dataclass
class Level:
    root: Area
    rows: list[Row]
    total: Row
    tags: list[Tag]
    leaf: bool


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
        AreaDay.objects.filter(scope, day__gte=week, day__lte=today, inspections__gt=0)
        .annotate(child=child)
        .values("child")
        .annotate(n=Sum("inspections"), grids=Count("area", distinct=True))
    )
    for values in inspected:
        add(values["child"], inspections_week=values["n"], grids_inspected_week=values["grids"])
    visits = (
        AreaDay.objects.filter(scope, day__gt=today - datetime.timedelta(days=RECENT_DAYS))
        .annotate(child=child)
        .values("child")
        .annotate(n=Sum("visits"))
    )
    for values in visits:
        add(values["child"], visits_recent=values["n"])
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
    return Level(
        root, sorted(rows.values(), key=lambda r: r.area.code if r.area else ""), total, tags, leaf
    )


@dataclass
class DefinitionFigures:
    definition: ProcessDefinition
    started: int = 0
    closed: int = 0
    on_time: int = 0
    approved: int = 0
    rejected: int = 0
    close_days: list[float] = field(default_factory=list)

    @property
    def on_time_share(self) -> int | None:
        return round(100 * self.on_time / self.closed) if self.closed else None

    @property
    def approval_rate(self) -> int | None:
        decided = self.approved + self.rejected
        return round(100 * self.approved / decided) if decided else None

    @property
    def median_days(self) -> float | None:
        return round(statistics.median(self.close_days), 1) if self.close_days else None


def processes(
    root: Area, codes: tuple[str, ...] | None, today: datetime.date | None = None
) -> list[DefinitionFigures]:
    """Per process definition, over the last RECENT_DAYS: started, closed, on time, approved
    or rejected, and the median days to close."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=RECENT_DAYS - 1)
    rows = ProcessDay.objects.filter(
        in_scope(codes), code__startswith=root.code, day__gte=since, day__lte=today
    )
    found: dict[int, DefinitionFigures] = {}
    definitions = ProcessDefinition.objects.in_bulk(
        set(rows.values_list("definition_id", flat=True))
    )
    for row in rows.only(
        "definition_id", "started", "closed", "closed_on_time", "approved", "rejected", "close_days"
    ):
        figures = found.setdefault(
            row.definition_id, DefinitionFigures(definitions[row.definition_id])
        )
        figures.started += row.started
        figures.closed += row.closed
        figures.on_time += row.closed_on_time
        figures.approved += row.approved
        figures.rejected += row.rejected
        figures.close_days += row.close_days
    return sorted(found.values(), key=lambda f: -f.started)


def trend(
    root: Area, codes: tuple[str, ...] | None, today: datetime.date | None = None
) -> dict[str, list]:
    """Processes started and closed, rounds and visits, per week of the last TREND_WEEKS."""
    today = today or timezone.localdate()
    first = week_start(today) - datetime.timedelta(weeks=TREND_WEEKS - 1)
    weeks = [first + datetime.timedelta(weeks=n) for n in range(TREND_WEEKS)]
    index = {week: n for n, week in enumerate(weeks)}
    series = {name: [0] * TREND_WEEKS for name in ("started", "closed", "inspections", "visits")}
    scope = in_scope(codes) & Q(code__startswith=root.code, day__gte=first, day__lte=today)
    for day, started, closed in (
        ProcessDay.objects.filter(scope)
        .values("day")
        .annotate(s=Sum("started"), c=Sum("closed"))
        .values_list("day", "s", "c")
    ):
        series["started"][index[week_start(day)]] += started
        series["closed"][index[week_start(day)]] += closed
    for day, rounds, visits in (
        AreaDay.objects.filter(scope)
        .values("day")
        .annotate(i=Sum("inspections"), v=Sum("visits"))
        .values_list("day", "i", "v")
    ):
        series["inspections"][index[week_start(day)]] += rounds
        series["visits"][index[week_start(day)]] += visits
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
