"""Appraisal (考核) of a street's communities and grid workers for a month, computed from the
work itself, never typed in: rounds made against working days, care-list households visited
within their interval, tasks closed on time, deadlines passed, escalations, residents'
satisfaction and reopened processes, returns filed on time; and a score weighted as the street
chose (`AppraisalWeights`), over the figures that have data."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr

from daily.models import Inspection, Visit
from grid import selectors as grid_selectors
from grid.models import Area, Household, Tag
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


# The records behind each figure. Each selector is the one place its rule lives: the marks
# count its queryset (grouped by community or person) and the records pages list it, so a
# figure and its list cannot disagree. `code` is the community's code, or the street's for
# a worker, whose figures count their work in that street only.


def rounds(month: Month, code: str, people: Iterable[int] | None = None) -> QuerySet[Inspection]:
    """Rounds finished within the month on the grids under `code` (by `people`)."""
    found = Inspection.objects.filter(
        in_month("finished_at__date", month), grid__code__startswith=code
    )
    return found if people is None else found.filter(inspector__in=people)


def visits(month: Month, code: str, people: Iterable[int] | None = None) -> QuerySet[Visit]:
    found = Visit.objects.filter(in_month("visited_on", month), grid__code__startswith=code)
    return found if people is None else found.filter(visitor__in=people)


def care_due(month: Month, code: str, grids: Iterable[int] | None = None) -> QuerySet[Household]:
    """Households under `code` (or on `grids`) carrying a tag that asks for visits, with the
    shortest such interval and their last visit by the month's end."""
    interval = (
        Tag.objects.filter(households=OuterRef("pk"), visit_interval_days__isnull=False)
        .order_by("visit_interval_days")
        .values("visit_interval_days")[:1]
    )
    last = (
        Visit.objects.filter(household=OuterRef("pk"), visited_on__lte=month.end)
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )
    found = Household.objects.filter(building__grid__code__startswith=code)
    if grids is not None:
        found = found.filter(building__grid__in=grids)
    return found.annotate(interval=Subquery(interval), last_visit=Subquery(last)).filter(
        interval__isnull=False
    )


def care_visited(
    month: Month, code: str, grids: Iterable[int] | None = None
) -> QuerySet[Household]:
    """Those of `care_due` visited within their interval before the month's end. The intervals
    are few (one per tag), so the comparison is spelled per interval rather than with date
    arithmetic, which each database writes its own way."""
    asking = Tag.objects.filter(visit_interval_days__isnull=False)
    intervals = {days for days in asking.values_list("visit_interval_days", flat=True) if days}
    in_time = reduce(
        or_,
        (
            Q(interval=days, last_visit__gt=month.end - datetime.timedelta(days=days))
            for days in intervals
        ),
        Q(pk__in=[]),
    )
    return care_due(month, code, grids).filter(in_time)


def processes_closed(month: Month, code: str) -> QuerySet[ProcessInstance]:
    """Processes of areas under `code` that ended within the month; `late` when a deadline of
    theirs ever passed."""
    late = ProcessEvent.objects.filter(process=OuterRef("pk"), kind=ProcessEvent.Kind.OVERDUE)
    return (
        ProcessInstance.objects.filter(
            in_month("finished__date", month), area__code__startswith=code
        )
        .exclude(outcome=ProcessInstance.Outcome.OPEN)
        .annotate(late=Exists(late))
    )


def processes_on_time(month: Month, code: str) -> QuerySet[ProcessInstance]:
    return processes_closed(month, code).filter(late=False)


def events(month: Month, code: str, kind: str) -> QuerySet[ProcessEvent]:
    return ProcessEvent.objects.filter(
        in_month("at__date", month), process__area__code__startswith=code, kind=kind
    )


def deadlines_passed(month: Month, code: str) -> QuerySet[ProcessEvent]:
    return events(month, code, ProcessEvent.Kind.OVERDUE)


def escalations(month: Month, code: str) -> QuerySet[ProcessEvent]:
    return events(month, code, ProcessEvent.Kind.ESCALATED)


def verdicts(month: Month, code: str) -> QuerySet[Verdict]:
    return Verdict.objects.filter(in_month("at__date", month), process__area__code__startswith=code)


def satisfied(month: Month, code: str) -> QuerySet[Verdict]:
    return verdicts(month, code).filter(satisfaction__gte=SATISFIED)


def reopened(month: Month, code: str) -> QuerySet[Verdict]:
    return verdicts(month, code).filter(reopened=True)


def tasks_closed(
    month: Month, code: str, people: Iterable[int] | None = None
) -> QuerySet[StageTask]:
    """Tasks of processes under `code` finished within the month (by `people`)."""
    found = StageTask.objects.filter(
        in_month("finished__date", month),
        process__processinstance__area__code__startswith=code,
    )
    return found if people is None else found.filter(owner__in=people)


def tasks_on_time(
    month: Month, code: str, people: Iterable[int] | None = None
) -> QuerySet[StageTask]:
    return tasks_closed(month, code, people).filter(deadline__overdue_at__isnull=True)


def tasks_late(month: Month, code: str, people: Iterable[int] | None = None) -> QuerySet[StageTask]:
    return tasks_closed(month, code, people).filter(deadline__overdue_at__isnull=False)


@dataclass
class DueReturn:
    """A return's periods falling due within the month, and the areas under a community that
    owe a filing for each."""

    return_form: Return
    periods: list[return_periods.Period]
    areas: QuerySet[Area]


def returns_due(month: Month, code: str) -> list[DueReturn]:
    found = []
    for return_form in Return.objects.filter(starts_on__lte=month.end).prefetch_related("areas"):
        due = [
            p
            for p in return_periods.periods(return_form, until=month.end)
            if month.start <= p.due <= month.end
        ]
        if due:
            areas = return_selectors.expected_areas(return_form, (code,))
            found.append(DueReturn(return_form, due, areas))
    return found


def filings_due(due: list[DueReturn]) -> QuerySet[Filing]:
    """The filings made for the periods and areas of `due`, on time or not."""
    return Filing.objects.filter(
        reduce(
            or_,
            (
                Q(
                    return_form=item.return_form,
                    period_start__in=[p.start for p in item.periods],
                    area__in=item.areas,
                )
                for item in due
            ),
            Q(pk__in=[]),
        )
    )


def returns_on_time(month: Month, code: str) -> QuerySet[Filing]:
    return filings_due(returns_due(month, code)).filter(late=False)


def returns_expected(month: Month, code: str) -> int:
    return sum(item.areas.count() * len(item.periods) for item in returns_due(month, code))


def grouped(queryset, path: str, length: int, **aggregates) -> dict[str, dict]:
    """Aggregates of `queryset` per code prefix of `length` along `path`."""
    return {
        row.pop("prefix"): row
        for row in queryset.annotate(prefix=Substr(path, 1, length))
        .values("prefix")
        .annotate(**aggregates)
    }


def counted(queryset, by: str) -> dict[Any, int]:
    """How many rows of `queryset` per value of `by`."""
    return dict(queryset.values(by).annotate(n=Count("pk")).values_list(by, "n"))


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

    def count(attribute: str, queryset, path: str) -> None:
        each(grouped(queryset, path, length, n=Count("pk")), **{attribute: "n"})

    grids = Area.objects.filter(level=Area.Level.GRID, code__startswith=code)
    count("grids", grids, "code")
    for mark in marks.values():
        mark.rounds_expected = mark.grids * month.working_days
    count("rounds_made", rounds(month, code), "grid__code")
    count("visits", visits(month, code), "grid__code")
    count("care_due", care_due(month, code), "building__grid__code")
    count("care_visited", care_visited(month, code), "building__grid__code")
    count("closed", processes_closed(month, code), "area__code")
    count("closed_on_time", processes_on_time(month, code), "area__code")
    count("overdue", deadlines_passed(month, code), "process__area__code")
    count("escalations", escalations(month, code), "process__area__code")
    said = grouped(
        verdicts(month, code),
        "process__area__code",
        length,
        n=Count("pk"),
        average=Avg("satisfaction"),
    )
    each(said, verdicts="n")
    for prefix, values in said.items():
        if prefix in marks and values["average"] is not None:
            marks[prefix].satisfaction_average = round(values["average"], 1)
    count("satisfied", satisfied(month, code), "process__area__code")
    count("reopened", reopened(month, code), "process__area__code")
    for mark in marks.values():
        mark.returns_expected = returns_expected(month, mark.subject.code)
        mark.returns_on_time = returns_on_time(month, mark.subject.code).count()
    return list(marks.values())


def walkers(street: Area) -> dict[int, tuple[Any, list[Area]]]:
    """Those who walk the street's grids (their roles' groups may make rounds there), each with
    the grids they hold such a role on."""
    assignments = (
        grid_selectors.assignments_granting(WALKS)
        .filter(area__code__startswith=street.code, area__level=Area.Level.GRID)
        .select_related("user", "area")
    )
    found: dict[int, tuple[Any, list[Area]]] = {}
    for assignment in assignments:
        if assignment.area is None:
            continue
        _user, grids = found.setdefault(assignment.user_id, (assignment.user, []))
        if assignment.area not in grids:
            grids.append(assignment.area)
    return found


def workers(street: Area, month: Month) -> list[Mark]:
    """The marks of those who walk the street's grids, for their work in the street."""
    people = walkers(street)
    code = street.code
    care = {
        "care_due": counted(care_due(month, code), "building__grid"),
        "care_visited": counted(care_visited(month, code), "building__grid"),
    }
    made = counted(rounds(month, code, people), "inspector")
    seen = counted(visits(month, code, people), "visitor")
    closed = counted(tasks_closed(month, code, people), "owner")
    late = counted(tasks_late(month, code, people), "owner")
    on_time = counted(tasks_on_time(month, code, people), "owner")
    marks = []
    for pk, (user, grids) in people.items():
        mark = Mark(user, grids=len(grids))
        mark.rounds_expected = mark.grids * month.working_days
        mark.rounds_made = made.get(pk, 0)
        mark.visits = seen.get(pk, 0)
        for attribute, per_grid in care.items():
            setattr(mark, attribute, sum(per_grid.get(grid.pk, 0) for grid in grids))
        mark.closed, mark.overdue = closed.get(pk, 0), late.get(pk, 0)
        mark.closed_on_time = on_time.get(pk, 0)
        mark.details["grids"] = grids
        marks.append(mark)
    return sorted(marks, key=lambda m: m.subject.get_full_name() or m.subject.username)


def scored(marks: list[Mark], weights: AppraisalWeights) -> list[Mark]:
    for mark in marks:
        mark.score = score(mark, weights)
    return marks
