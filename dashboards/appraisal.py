"""Appraisal (考核) of a street's communities and grid workers for a month, computed from the
work itself, never typed in: rounds made against working days, care-list households visited
within their interval, tasks closed on time, deadlines passed, escalations, residents'
satisfaction and reopened processes, returns filed on time; and a score weighted as the street
chose (`AppraisalWeights`), over the figures that have data."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Exists, Max, Min, OuterRef, Q
from django.db.models.functions import Substr

from daily.models import Inspection, Visit
from grid.models import Area, Assignment, Household, Role
from grid.validators import code_length
from returns import periods as return_periods
from returns import selectors as return_selectors
from returns.models import Filing, Return
from workflows.calendar import is_working_day
from workflows.models import ProcessEvent, ProcessInstance, StageTask, Verdict

from .models import AppraisalWeights
from .services import SATISFIED, WALKS

# The criteria that make the score, in order: (attribute of a Mark, weight field).
CRITERIA = ("rounds", "care", "on_time", "satisfaction", "returns")


@dataclass
class Month:
    start: datetime.date
    end: datetime.date

    @property
    def working_days(self) -> int:
        days = (self.end - self.start).days + 1
        return sum(is_working_day(self.start + datetime.timedelta(days=n)) for n in range(days))


def month_of(day: datetime.date) -> Month:
    start = day.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return Month(start, end)


def share(part: int, whole: int) -> int | None:
    return min(100, round(100 * part / whole)) if whole else None


@dataclass
class Mark:
    """One community's or worker's figures for the month; shares are percentages."""

    subject: Any  # a community (Area) or a grid worker (User)
    grids: int = 0
    rounds_made: int = 0
    rounds_expected: int = 0
    care_due: int = 0
    care_visited: int = 0
    closed: int = 0
    closed_on_time: int = 0
    overdue: int = 0
    escalations: int = 0
    verdicts: int = 0
    satisfied: int = 0
    satisfaction_average: float | None = None
    reopened: int = 0
    returns_expected: int = 0
    returns_on_time: int = 0
    visits: int = 0
    score: float | None = None
    details: dict = field(default_factory=dict)

    @property
    def rounds(self) -> int | None:
        return share(self.rounds_made, self.rounds_expected)

    @property
    def care(self) -> int | None:
        return share(self.care_visited, self.care_due)

    @property
    def on_time(self) -> int | None:
        return share(self.closed_on_time, self.closed)

    @property
    def satisfaction(self) -> int | None:
        return share(self.satisfied, self.verdicts)

    @property
    def returns(self) -> int | None:
        return share(self.returns_on_time, self.returns_expected)

    @property
    def reopen_rate(self) -> int | None:
        return share(self.reopened, self.closed)


def weights_of(street: Area) -> AppraisalWeights:
    return AppraisalWeights.objects.filter(street=street).first() or AppraisalWeights(street=street)


def score(mark: Mark, weights: AppraisalWeights) -> float | None:
    """The weighted mean of the criteria that have data (a community without processes is
    scored on the others)."""
    scored = [
        (getattr(weights, name), getattr(mark, name))
        for name in CRITERIA
        if getattr(mark, name) is not None and getattr(weights, name)
    ]
    total = sum(weight for weight, _value in scored)
    return round(sum(w * v for w, v in scored) / total, 1) if total else None


def in_month(field_name: str, month: Month) -> Q:
    return Q(**{f"{field_name}__gte": month.start, f"{field_name}__lte": month.end})


def care_households(code: str, month: Month) -> dict[int, tuple[int, int]]:
    """Per grid under `code`: the households carrying a tag that asks for visits, and those of
    them visited within the shortest such interval before the month's end."""
    needing = (
        Household.objects.filter(
            building__grid__code__startswith=code, tags__visit_interval_days__isnull=False
        )
        .values("pk", "building__grid_id")
        .annotate(interval=Min("tags__visit_interval_days"))
    )
    latest = dict(
        Visit.objects.filter(
            household__building__grid__code__startswith=code, visited_on__lte=month.end
        )
        .values("household")
        .annotate(last=Max("visited_on"))
        .values_list("household", "last")
    )
    per_grid: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in needing:
        counts = per_grid[row["building__grid_id"]]
        counts[0] += 1
        last = latest.get(row["pk"])
        if last is not None and (month.end - last).days < row["interval"]:
            counts[1] += 1
    return {grid: (due, visited) for grid, (due, visited) in per_grid.items()}


def grouped(queryset, path: str, length: int, **aggregates) -> dict[str, dict]:
    """Aggregates of `queryset` per code prefix of `length` along `path`."""
    return {
        row.pop("prefix"): row
        for row in queryset.annotate(prefix=Substr(path, 1, length))
        .values("prefix")
        .annotate(**aggregates)
    }


def communities(street: Area, month: Month) -> list[Mark]:
    """The street's communities' marks for the month."""
    length = code_length(Area.Level.COMMUNITY)
    marks = {c.code: Mark(c) for c in Area.objects.filter(parent=street).order_by("code")}
    code = street.code

    def each(rows: dict[str, dict], **fields: str) -> None:
        for prefix, values in rows.items():
            if prefix in marks:
                for attribute, key in fields.items():
                    setattr(marks[prefix], attribute, values[key] or 0)

    grids = Area.objects.filter(level=Area.Level.GRID, code__startswith=code)
    each(grouped(grids, "code", length, n=Count("pk")), grids="n")
    for mark in marks.values():
        mark.rounds_expected = mark.grids * month.working_days
    rounds = Inspection.objects.filter(
        in_month("finished_at__date", month), grid__code__startswith=code
    )
    each(grouped(rounds, "grid__code", length, n=Count("pk")), rounds_made="n")
    visits = Visit.objects.filter(in_month("visited_on", month), grid__code__startswith=code)
    each(grouped(visits, "grid__code", length, n=Count("pk")), visits="n")
    grid_codes = dict(grids.values_list("pk", "code"))
    for grid_id, (due, visited) in care_households(code, month).items():
        holder = marks.get(grid_codes[grid_id][:length])
        if holder is not None:
            holder.care_due += due
            holder.care_visited += visited
    late = ProcessEvent.objects.filter(process=OuterRef("pk"), kind=ProcessEvent.Kind.OVERDUE)
    closed = (
        ProcessInstance.objects.filter(
            in_month("finished__date", month), area__code__startswith=code
        )
        .exclude(outcome=ProcessInstance.Outcome.OPEN)
        .annotate(late=Exists(late))
    )
    each(
        grouped(closed, "area__code", length, n=Count("pk"), late=Count("pk", filter=Q(late=True))),
        closed="n",
        closed_on_time="late",
    )
    for mark in marks.values():
        mark.closed_on_time = mark.closed - mark.closed_on_time
    events = ProcessEvent.objects.filter(
        in_month("at__date", month), process__area__code__startswith=code
    )
    each(
        grouped(
            events,
            "process__area__code",
            length,
            overdue=Count("pk", filter=Q(kind=ProcessEvent.Kind.OVERDUE)),
            escalations=Count("pk", filter=Q(kind=ProcessEvent.Kind.ESCALATED)),
        ),
        overdue="overdue",
        escalations="escalations",
    )
    verdicts = Verdict.objects.filter(
        in_month("at__date", month), process__area__code__startswith=code
    )
    said = grouped(
        verdicts,
        "process__area__code",
        length,
        n=Count("pk"),
        satisfied=Count("pk", filter=Q(satisfaction__gte=SATISFIED)),
        reopened=Count("pk", filter=Q(reopened=True)),
        average=Avg("satisfaction"),
    )
    each(said, verdicts="n", satisfied="satisfied", reopened="reopened")
    for prefix, values in said.items():
        if prefix in marks and values["average"] is not None:
            marks[prefix].satisfaction_average = round(values["average"], 1)
    for mark in marks.values():
        mark.returns_expected, mark.returns_on_time = returns_on_time(mark.subject, month)
    return list(marks.values())


def returns_on_time(community: Area, month: Month) -> tuple[int, int]:
    """Filings due within the month from the community (or its grids): how many, and how many
    of them filed by their due day."""
    expected = on_time = 0
    for return_form in Return.objects.filter(starts_on__lte=month.end).prefetch_related("areas"):
        due = [
            p
            for p in return_periods.periods(return_form, until=month.end)
            if month.start <= p.due <= month.end
        ]
        if not due:
            continue
        areas = return_selectors.expected_areas(return_form, (community.code,))
        count = areas.count()
        expected += count * len(due)
        on_time += Filing.objects.filter(
            return_form=return_form,
            period_start__in=[p.start for p in due],
            area__in=areas,
            late=False,
        ).count()
    return expected, on_time


def workers(street: Area, month: Month) -> list[Mark]:
    """The marks of those who walk the street's grids."""
    app_label, codename = WALKS
    assignments = Assignment.objects.filter(
        area__code__startswith=street.code,
        area__level=Area.Level.GRID,
        role__scope=Role.Scope.AREA,
        role__group__permissions__content_type__app_label=app_label,
        role__group__permissions__codename=codename,
    ).select_related("user", "area")
    grids: dict[int, list[Area]] = defaultdict(list)
    people = {}
    for assignment in assignments:
        if assignment.area is None:
            continue
        grids[assignment.user_id].append(assignment.area)
        people[assignment.user_id] = assignment.user
    marks = {pk: Mark(user, grids=len(grids[pk])) for pk, user in people.items()}
    care = care_households(street.code, month)
    rounds = dict(
        Inspection.objects.filter(in_month("finished_at__date", month), inspector__in=people)
        .values("inspector")
        .annotate(n=Count("pk"))
        .values_list("inspector", "n")
    )
    visits = dict(
        Visit.objects.filter(in_month("visited_on", month), visitor__in=people)
        .values("visitor")
        .annotate(n=Count("pk"))
        .values_list("visitor", "n")
    )
    tasks = (
        StageTask.objects.filter(
            owner__in=people, finished__date__gte=month.start, finished__date__lte=month.end
        )
        .values("owner")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(deadline__overdue_at__isnull=False)))
    )
    done = {row["owner"]: row for row in tasks}
    for pk, mark in marks.items():
        mark.rounds_expected = mark.grids * month.working_days
        mark.rounds_made = rounds.get(pk, 0)
        mark.visits = visits.get(pk, 0)
        for grid in grids[pk]:
            due, visited = care.get(grid.pk, (0, 0))
            mark.care_due += due
            mark.care_visited += visited
        row = done.get(pk, {"n": 0, "late": 0})
        mark.closed, mark.overdue = row["n"], row["late"]
        mark.closed_on_time = mark.closed - mark.overdue
        mark.details["grids"] = grids[pk]
    return sorted(marks.values(), key=lambda m: m.subject.get_full_name() or m.subject.username)


def scored(marks: list[Mark], weights: AppraisalWeights) -> list[Mark]:
    for mark in marks:
        mark.score = score(mark, weights)
    return marks
