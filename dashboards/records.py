"""The records behind each appraisal figure, as its records page and export list them: the
figure's selector in `appraisal` (the one its count comes from), the records read with what
each row shows in a fixed number of queries, and a link to each record's own page where the
user may open it. No resident is named: households by their door, processes by their public
number, staff by their names (as the lists of rounds, visits and processes show them)."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from daily import selectors as daily_selectors
from grid.models import Area
from grid.selectors import User
from returns import periods as return_periods
from returns.models import Filing, Return
from workflows import process_list
from workflows import selectors as workflow_selectors
from workflows.models import ProcessInstance
from workflows.services.notifications import process_url

from . import appraisal


@dataclass(frozen=True)
class Scope:
    """Whose records: a community's (`code` its code), or a grid worker's in a street (`code`
    the street's, `people` the worker, `grids` the grids they walk there)."""

    month: appraisal.Month
    code: str
    people: tuple[int, ...] | None = None
    grids: tuple[int, ...] | None = None


@dataclass
class Row:
    cells: list[Any]
    url: str = ""  # the record's own page, when the user may open it


@dataclass(frozen=True)
class Figure:
    label: Promise
    count: str  # the attribute of an `appraisal.Mark` that counts these records
    kind: str  # how its records are shown: a key of KINDS
    records: Callable[[Scope], Any]  # a QuerySet, or the rows of returns due
    of_workers: bool = False
    of_communities: bool = True


def by_people(selector) -> Callable[[Scope], QuerySet]:
    return lambda scope: selector(scope.month, scope.code, scope.people)


def by_grids(selector) -> Callable[[Scope], QuerySet]:
    return lambda scope: selector(scope.month, scope.code, scope.grids)


def by_area(selector) -> Callable[[Scope], QuerySet]:
    return lambda scope: selector(scope.month, scope.code)


@dataclass
class DueFiling:
    """A filing a return asks of an area for a period due within the month, made or not."""

    return_form: Return
    area: Area
    period: return_periods.Period
    filing: Filing | None


def returns_due(scope: Scope) -> list[DueFiling]:
    due = appraisal.returns_due(scope.month, scope.code)
    made = {
        (f.return_form_id, f.area_id, f.period_start): f
        for f in appraisal.filings_due(due).only(
            "return_form_id", "area_id", "period_start", "filed_at", "late"
        )
    }
    return [
        DueFiling(
            item.return_form, area, period, made.get((item.return_form.pk, area.pk, period.start))
        )
        for item in due
        for area in item.areas.order_by("code")
        for period in item.periods
    ]


def tasks(label: Promise, count: str, selector) -> Figure:
    """A figure of a worker's tasks (a community's processes are counted instead)."""
    return Figure(label, count, "tasks", by_people(selector), of_workers=True, of_communities=False)


FIGURES: dict[str, Figure] = {
    "rounds": Figure(
        gettext_lazy("Rounds made"),
        "rounds_made",
        "rounds",
        by_people(appraisal.rounds),
        of_workers=True,
    ),
    "care_due": Figure(
        gettext_lazy("Households due a visit"),
        "care_due",
        "households",
        by_grids(appraisal.care_due),
        of_workers=True,
    ),
    "care_visited": Figure(
        gettext_lazy("Households visited in time"),
        "care_visited",
        "households",
        by_grids(appraisal.care_visited),
        of_workers=True,
    ),
    "visits": Figure(
        gettext_lazy("Visits"), "visits", "visits", by_people(appraisal.visits), of_workers=True
    ),
    "closed": Figure(
        gettext_lazy("Processes closed"), "closed", "processes", by_area(appraisal.processes_closed)
    ),
    "closed_on_time": Figure(
        gettext_lazy("Processes closed on time"),
        "closed_on_time",
        "processes",
        by_area(appraisal.processes_on_time),
    ),
    "overdue": Figure(
        gettext_lazy("Deadlines passed"), "overdue", "events", by_area(appraisal.deadlines_passed)
    ),
    "escalations": Figure(
        gettext_lazy("Escalations"), "escalations", "events", by_area(appraisal.escalations)
    ),
    "verdicts": Figure(
        gettext_lazy("Residents' verdicts"), "verdicts", "verdicts", by_area(appraisal.verdicts)
    ),
    "satisfied": Figure(
        gettext_lazy("Verdicts of satisfied residents"),
        "satisfied",
        "verdicts",
        by_area(appraisal.satisfied),
    ),
    "reopened": Figure(
        gettext_lazy("Verdicts that reopened the process"),
        "reopened",
        "verdicts",
        by_area(appraisal.reopened),
    ),
    "returns_due": Figure(
        gettext_lazy("Filings due"), "returns_expected", "due_filings", returns_due
    ),
    "returns_on_time": Figure(
        gettext_lazy("Filings made on time"),
        "returns_on_time",
        "filings",
        by_area(appraisal.returns_on_time),
    ),
    "tasks_closed": tasks(gettext_lazy("Tasks closed"), "closed", appraisal.tasks_closed),
    "tasks_on_time": tasks(
        gettext_lazy("Tasks closed on time"), "closed_on_time", appraisal.tasks_on_time
    ),
    "tasks_late": tasks(
        gettext_lazy("Tasks closed after their deadline"), "overdue", appraisal.tasks_late
    ),
}


def staff_name(user: User | None) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def moment(value: datetime.datetime | None) -> str:
    return formats.date_format(timezone.localtime(value), "Y-m-d H:i") if value else ""


def day(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def opened(visible: QuerySet, records: list) -> set[int]:
    """Which of `records` the user may open, of those `visible` to them: one query."""
    return set(visible.filter(pk__in=[r.pk for r in records]).values_list("pk", flat=True))


def processes_opened(user: User, processes: Iterable[ProcessInstance]) -> dict[int, str]:
    """The pages of the processes the user may open, by process."""
    found = list(processes)
    may = opened(workflow_selectors.visible_processes(user), found)
    return {p.pk: process_url(p) for p in found if p.pk in may}


@dataclass(frozen=True)
class Kind:
    """How records of one kind are read and shown."""

    header: Callable[[], list[str]]
    read: Callable[[Any], Any]  # the records with what their rows show, in their order
    rows: Callable[[User, list], list[Row]]


def round_rows(user: User, found: list) -> list[Row]:
    may = opened(daily_selectors.visible_inspections(user), found)
    return [
        Row(
            [r.grid.name, staff_name(r.inspector), moment(r.started_at), moment(r.finished_at)],
            reverse("daily:inspection", args=[r.pk]) if r.pk in may else "",
        )
        for r in found
    ]


def household_rows(user: User, found: list) -> list[Row]:
    may = opened(daily_selectors.visible_households(user), found)
    return [
        Row(
            [
                h.building.grid.name,
                h.building.name,
                h.door_number,
                h.interval,
                day(h.last_visit) or _("Never"),
            ],
            reverse("daily:household", args=[h.pk]) if h.pk in may else "",
        )
        for h in found
    ]


def visit_rows(user: User, found: list) -> list[Row]:
    households = opened(
        daily_selectors.visible_households(user), [v.household for v in found if v.household]
    )
    units = opened(daily_selectors.visible_units(user), [v.unit for v in found if v.unit])
    rows = []
    for visit in found:
        url = ""
        if visit.household_id in households:
            url = reverse("daily:household", args=[visit.household_id])
        elif visit.unit_id in units:
            url = reverse("daily:unit", args=[visit.unit_id])
        rows.append(
            Row(
                [
                    visit.grid.name,
                    str(visit.household or visit.unit or ""),
                    day(visit.visited_on),
                    staff_name(visit.visitor),
                ],
                url,
            )
        )
    return rows


def process_rows(user: User, found: list) -> list[Row]:
    urls = processes_opened(user, found)
    return [
        Row(
            [
                row.number,
                row.name,
                " › ".join(row.area_path),
                row.standing,
                moment(row.started),
                moment(row.process.finished),
            ],
            urls.get(row.process.pk, ""),
        )
        for row in process_list.rows(found)
    ]


def event_rows(user: User, found: list) -> list[Row]:
    urls = processes_opened(user, [e.process for e in found])
    return [
        Row(
            [*process_cells(e.process), e.stage_name, moment(e.at)],
            urls.get(e.process_id, ""),
        )
        for e in found
    ]


def verdict_rows(user: User, found: list) -> list[Row]:
    urls = processes_opened(user, [v.process for v in found])
    return [
        Row(
            [
                *process_cells(v.process),
                moment(v.at),
                v.satisfaction,
                yes_no(v.resolved),
                yes_no(v.reopened),
            ],
            urls.get(v.process_id, ""),
        )
        for v in found
    ]


def task_rows(user: User, found: list) -> list[Row]:
    urls = processes_opened(user, [t.process.processinstance for t in found])
    return [
        Row(
            [
                t.process.processinstance.number,
                t.process.processinstance.version.definition.name,
                t.stage_name,
                moment(t.due_at),
                moment(t.finished),
            ],
            urls.get(t.process_id, ""),
        )
        for t in found
    ]


def filing_cells(due: DueFiling) -> list[Any]:
    filing = due.filing
    filed = moment(filing.filed_at) if filing else _("Not filed")
    return [
        due.return_form.title,
        due.area.name,
        due.period.label,
        day(due.period.due),
        filed,
        yes_no(filing.late) if filing else "",
    ]


def filing_rows(_user: User, found: list) -> list[Row]:
    return [
        Row(
            filing_cells(
                DueFiling(
                    f.return_form,
                    f.area,
                    return_periods.period_starting(f.return_form, f.period_start),
                    f,
                )
            )
        )
        for f in found
    ]


def due_filing_rows(_user: User, found: list) -> list[Row]:
    return [Row(filing_cells(due)) for due in found]


def process_cells(process: ProcessInstance) -> list[str]:
    return [process.number, process.version.definition.name, process.area.name]


def process_header() -> list[str]:
    return [_("No."), _("Process"), _("Area")]


def filing_header() -> list[str]:
    return [_("Return"), _("Area"), _("Period"), _("Due"), _("Filed at"), _("Late")]


PROCESS = ("version__definition", "area")
KINDS: dict[str, Kind] = {
    "rounds": Kind(
        lambda: [
            _("Grid"),
            _("Grid worker"),
            pgettext("round", "Started"),
            pgettext("round", "Finished"),
        ],
        lambda q: q.select_related("grid", "inspector").order_by("finished_at", "pk"),
        round_rows,
    ),
    "households": Kind(
        lambda: [
            _("Grid"),
            _("Building"),
            _("Door number"),
            _("Visit every (days)"),
            _("Last visited"),
        ],
        lambda q: q.select_related("building__grid").order_by(
            "building__grid__code", "building__name", "door_number", "pk"
        ),
        household_rows,
    ),
    "visits": Kind(
        lambda: [_("Grid"), _("Household or unit"), _("Visited on"), _("Visitor")],
        lambda q: q.select_related("grid", "visitor", "household__building", "unit").order_by(
            "visited_on", "pk"
        ),
        visit_rows,
    ),
    "processes": Kind(
        lambda: [*process_header(), _("Where it stands"), _("Started"), _("Closed")],
        lambda q: q.select_related(*PROCESS, "applicant").order_by("finished", "pk"),
        process_rows,
    ),
    "events": Kind(
        lambda: [*process_header(), _("Stage"), _("At")],
        lambda q: q.select_related(*(f"process__{p}" for p in PROCESS)).order_by("at", "pk"),
        event_rows,
    ),
    "verdicts": Kind(
        lambda: [
            *process_header(),
            _("Given"),
            _("Satisfaction (1–5)"),
            _("Resolved"),
            _("Reopened"),
        ],
        lambda q: q.select_related(*(f"process__{p}" for p in PROCESS)).order_by("at", "pk"),
        verdict_rows,
    ),
    "tasks": Kind(
        lambda: [_("No."), _("Process"), _("Stage"), _("Due"), _("Closed")],
        lambda q: q.select_related(
            "deadline", "process__processinstance__version__definition"
        ).order_by("finished", "pk"),
        task_rows,
    ),
    "filings": Kind(
        filing_header,
        lambda q: q.select_related("return_form", "area").order_by(
            "return_form", "area__code", "period_start"
        ),
        filing_rows,
    ),
    "due_filings": Kind(filing_header, lambda rows: rows, due_filing_rows),
}
