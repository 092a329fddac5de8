"""The dashboard of an area: its children's figures with a chart, the processes by definition,
the weekly trend and the returns, drilled down from the user's top area to a grid; the table
exports to XLSX. Areas outside the user's jurisdiction are a 404."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grid import selectors as grid_selectors
from grid.models import Area
from grid.tabular import xlsx_response

from . import appraisal, records, selectors, services
from .models import AppraisalWeights

WEIGH = "dashboards.change_appraisalweights"


def chosen(request: HttpRequest) -> tuple[Area, Area, tuple[str, ...] | None]:
    codes = selectors.reader_codes(request.user)
    if codes is not None and not codes:
        raise Http404
    top = selectors.top_area(codes)
    if top is None:
        raise Http404
    area = top
    if code := request.GET.get("area"):
        area = Area.objects.filter(code=code).first()
        if area is None or not selectors.may_open(codes, top, area):
            raise Http404
    return top, area, codes


# The figures the map colours its areas by, the first by default.
MAPPED = [
    ("households", gettext_lazy("Households")),
    ("residents", gettext_lazy("Residents")),
    ("residents_60_plus", gettext_lazy("Aged 60 or over")),
    ("inspected_share", gettext_lazy("Grids walked this week (%)")),
    ("visits_recent", gettext_lazy("Visits in 30 days")),
    ("processes_open", gettext_lazy("Processes open")),
    ("processes_overdue", gettext_lazy("Overdue")),
]


def columns(level: selectors.Level) -> list[tuple[str, str]]:
    """(attribute, heading) of the table's number columns, in order."""
    return [
        ("households", _("Households")),
        ("residents", _("Residents")),
        ("residents_60_plus", _("Aged 60 or over")),
        ("units", _("Units")),
        ("grids", _("Grids")),
        ("grids_outside_rule", _("Grids outside the size rule")),
        ("workers_per_grid", _("Workers per grid")),
        ("party_share", _("Grids with a party organisation (%)")),
        ("volunteers", _("Active volunteers")),
        ("activities_recent", _("Volunteer activities in 30 days")),
        ("volunteer_hours_recent", _("Volunteer hours in 30 days")),
        ("inspections_week", _("Rounds this week")),
        ("inspected_share", _("Grids walked this week (%)")),
        ("visits_recent", _("Visits in 30 days")),
        ("processes_open", _("Processes open")),
        ("processes_overdue", _("Overdue")),
    ]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    top, area, codes = chosen(request)
    found = selectors.level(area, codes, request.user)
    activity = selectors.processes(area, codes)
    heads = columns(found)
    waiting, since = services.pending()
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "level": found,
            "columns": heads,
            "cells": [
                (row, [getattr(row, name) for name, _label in heads], row_tags(row, found))
                for row in found.rows
            ],
            "total_cells": [getattr(found.total, name) for name, _label in heads],
            "total_tags": row_tags(found.total, found),
            "trail": list(
                Area.objects.filter(
                    code__in=[area.code[:n] for n in range(6, len(area.code) + 1, 3)],
                    code__startswith=top.code,
                ).order_by("code")
            ),
            "processes": activity.figures,
            "returns": selectors.returns(area, codes),
            "chart": {
                "areas": [row.area.name for row in found.rows],
                "households": [row.households for row in found.rows],
                "residents": [row.residents for row in found.rows],
                "walked": [row.inspected_share or 0 for row in found.rows],
                "labels": {
                    "households": _("Households"),
                    "residents": _("Residents"),
                    "walked": _("Grids walked this week (%)"),
                    "started": _("Processes started"),
                    "closed": _("Processes closed"),
                    "inspections": _("Rounds"),
                    "visits": _("Visits"),
                },
                "trend": selectors.trend(found, activity),
                "categories": category_chart(activity.figures),
                "map": [
                    {
                        "code": row.area.code,
                        "name": row.area.name,
                        "boundary": row.area.boundary,
                        "values": {name: getattr(row, name) for name, _label in MAPPED},
                    }
                    for row in found.rows
                    if row.area.boundary
                ],
                "mapped": [(name, str(label)) for name, label in MAPPED],
            },
            "pending": waiting,
            "pending_since": since,
            "recent_days": selectors.RECENT_DAYS,
        },
    )


def row_tags(row: selectors.Row, level: selectors.Level) -> list[tuple[int, int]]:
    return [row.tags.get(tag.pk, (0, 0)) for tag in level.tags]


@login_required
def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    _top, area, codes = chosen(request)
    found = selectors.level(area, codes, request.user)
    heads = columns(found)
    header = [
        _("Area"),
        _("Code"),
        *[label for _name, label in heads],
        *[
            label
            for tag in found.tags
            for label in (
                _("%(tag)s households") % {"tag": tag.name},
                _("%(tag)s residents") % {"tag": tag.name},
            )
        ],
    ]
    rows = [
        [
            row.area.name if row is not found.total else _("Total"),
            row.area.code,
            *[getattr(row, name) for name, _label in heads],
            *[n for pair in row_tags(row, found) for n in pair],
        ]
        for row in [*found.rows, found.total]
    ]
    name = f"dashboard-{area.code}-{timezone.localdate().isoformat()}.xlsx"
    return xlsx_response(name, header, rows)


@login_required
def processes_xlsx(request: HttpRequest) -> HttpResponse:
    """The table of processes, each followed by its categories."""
    _top, area, codes = chosen(request)
    header = [
        _("Process"),
        _("Category"),
        _("Started"),
        _("Closed"),
        _("On time (%)"),
        _("Approved (%)"),
        _("Median days to close"),
        _("Verdicts"),
        _("Residents satisfied (%)"),
        _("Average satisfaction (1–5)"),
    ]
    rows = [
        [
            item.definition.name,
            item.category,
            item.started,
            item.closed,
            item.on_time_share,
            item.approval_rate,
            item.median_days,
            item.verdicts,
            item.satisfied_share,
            item.satisfaction_average,
        ]
        for figures in selectors.processes(area, codes).figures
        for item in [figures, *figures.categories]
    ]
    name = f"processes-{area.code}-{timezone.localdate().isoformat()}.xlsx"
    return xlsx_response(name, header, rows)


class WeightsForm(forms.ModelForm):
    class Meta:
        model = AppraisalWeights
        fields = appraisal.CRITERIA


@login_required
def appraisal_page(request: HttpRequest) -> HttpResponse:
    """A street's appraisal of its communities and grid workers for a month; the street's
    weights, changed by those who may change them there."""
    area, streets = appraised(request)
    if len(streets) != 1:
        return render(
            request, "dashboards/appraisal_streets.html", {"streets": streets, "area": area}
        )
    area = streets[0]
    month = appraisal.month_of(parse_month(request.GET.get("month", "")))
    weights = appraisal.weights_of(area)
    may_weigh = grid_selectors.permitted_codes(request.user, WEIGH)
    may_weigh = may_weigh is None or any(area.code.startswith(c) for c in may_weigh)
    form = WeightsForm(request.POST or None, instance=weights)
    if request.method == "POST":
        if not may_weigh:
            raise Http404
        if form.is_valid():
            form.save()
            messages.success(
                request, _("The weights of %(street)s are saved.") % {"street": area.name}
            )
            return redirect(request.get_full_path())
    communities = appraisal.scored(appraisal.communities(area, month), weights)
    workers = appraisal.scored(appraisal.workers(area, month), weights)
    for mark in [*communities, *workers]:
        mark.details["records"] = records_urls(mark, area, month)
    if request.GET.get("format") == "xlsx":
        return appraisal_xlsx(area, month, communities, workers)
    return render(
        request,
        "dashboards/appraisal.html",
        {
            "street": area,
            "month": month,
            "months": recent_months(),
            "communities": communities,
            "workers": workers,
            "weights": weights,
            "form": form if may_weigh else None,
            "chart": {
                "names": [m.subject.name for m in communities],
                "scores": [m.score for m in communities],
                "label": _("Score"),
            },
        },
    )


def appraised(request: HttpRequest) -> tuple[Area, list[Area]]:
    """The area asked for (`?area=`, else the user's top area) and the streets in it whose
    appraisal the user may see: the area itself if it is one."""
    top, area, codes = chosen(request)
    if area.level == Area.Level.STREET:
        return area, [area]
    streets = Area.objects.filter(level=Area.Level.STREET, code__startswith=area.code)
    return area, [s for s in streets if selectors.may_open(codes, top, s)]


def records_urls(mark: appraisal.Mark, street: Area, month: appraisal.Month) -> dict[str, str]:
    """The records page of each of a mark's figures."""
    query = {"month": f"{month.start:%Y-%m}"}
    if isinstance(mark.subject, Area):
        name, applies = "dashboards:community_records", "of_communities"
    else:
        name, applies = "dashboards:worker_records", "of_workers"
        query = {"area": street.code, **query}
    return {
        key: f"{reverse(name, args=[mark.subject.pk, key])}?{urlencode(query)}"
        for key, figure in records.FIGURES.items()
        if getattr(figure, applies)
    }


@login_required
def community_records(request: HttpRequest, pk: int, figure: str) -> HttpResponse:
    """The records a community's figure counts, to those who see its street's appraisal."""
    found = records.FIGURES.get(figure)
    community = Area.objects.filter(pk=pk, level=Area.Level.COMMUNITY).first()
    if found is None or not found.of_communities or community is None:
        raise Http404
    codes = selectors.reader_codes(request.user)
    top = selectors.top_area(codes)
    street = community.parent
    if top is None or street is None or not selectors.may_open(codes, top, street):
        raise Http404
    month = appraisal.month_of(parse_month(request.GET.get("month", "")))
    scope = records.Scope(month, community.code)
    return records_page(request, community.name, street, scope, found)


@login_required
def worker_records(request: HttpRequest, pk: int, figure: str) -> HttpResponse:
    """The records a grid worker's figure counts in the street (`?area=`), to those who see
    the street's appraisal."""
    found = records.FIGURES.get(figure)
    if found is None or not found.of_workers:
        raise Http404
    _area, streets = appraised(request)
    if len(streets) != 1:
        raise Http404
    street = streets[0]
    walker = appraisal.walkers(street).get(pk)
    if walker is None:
        raise Http404
    user, grids = walker
    month = appraisal.month_of(parse_month(request.GET.get("month", "")))
    scope = records.Scope(month, street.code, (user.pk,), tuple(g.pk for g in grids))
    return records_page(request, records.staff_name(user), street, scope, found)


RECORDS_PER_PAGE = 50


def records_page(
    request: HttpRequest, subject: str, street: Area, scope: records.Scope, figure: records.Figure
) -> HttpResponse:
    kind = records.KINDS[figure.kind]
    listed = kind.read(figure.records(scope))
    month = formats.date_format(scope.month.start, "YEAR_MONTH_FORMAT")
    title = _("%(subject)s · %(month)s · %(figure)s") % {
        "subject": subject,
        "month": month,
        "figure": figure.label,
    }
    if request.GET.get("format") == "xlsx":
        rows = kind.rows(request.user, list(listed))
        name = f"appraisal-records-{scope.code}-{scope.month.start:%Y-%m}.xlsx"
        return xlsx_response(name, kind.header(), [row.cells for row in rows])
    page = Paginator(listed, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    kept = request.GET.copy()
    kept.pop("page", None)
    return render(
        request,
        "dashboards/appraisal_records.html",
        {
            "title": title,
            "street": street,
            "month": scope.month,
            "header": kind.header(),
            "rows": kind.rows(request.user, list(page.object_list)),
            "page": page,
            "query": kept.urlencode(),
        },
    )


def parse_month(text: str) -> datetime.date:
    """The month asked for; by default the last one, the month being appraised."""
    try:
        return datetime.date.fromisoformat(f"{text}-01")
    except ValueError:
        return timezone.localdate().replace(day=1) - datetime.timedelta(days=1)


def recent_months(count: int = 12) -> list[datetime.date]:
    first = timezone.localdate().replace(day=1)
    months = [first]
    for _month in range(count - 1):
        months.append((months[-1] - datetime.timedelta(days=1)).replace(day=1))
    return months


def appraisal_xlsx(street: Area, month: appraisal.Month, communities, workers) -> HttpResponse:
    header = [
        _("Community"),
        _("Grids"),
        _("Rounds made (%)"),
        _("Care visits in time (%)"),
        _("Closed on time (%)"),
        _("Deadlines passed"),
        _("Escalations"),
        _("Residents satisfied (%)"),
        _("Reopened (%)"),
        _("Returns on time (%)"),
        _("Score"),
    ]
    rows = [
        [
            m.subject.name,
            m.grids,
            m.rounds,
            m.care,
            m.on_time,
            m.overdue,
            m.escalations,
            m.satisfaction,
            m.reopen_rate,
            m.returns,
            m.score,
        ]
        for m in communities
    ]
    rows += [
        [],
        [
            _("Grid worker"),
            _("Grids"),
            _("Rounds made (%)"),
            _("Care visits in time (%)"),
            _("Tasks closed on time (%)"),
            _("Deadlines passed"),
            _("Visits"),
            _("Score"),
        ],
    ]
    rows += [
        [
            m.subject.get_full_name() or m.subject.username,
            m.grids,
            m.rounds,
            m.care,
            m.on_time,
            m.overdue,
            m.visits,
            m.score,
        ]
        for m in workers
    ]
    return xlsx_response(f"appraisal-{street.code}-{month.start:%Y-%m}.xlsx", header, rows)


def category_chart(figures) -> dict[str, list]:
    """Each process's categories as bars: "process · category", started and closed."""
    rows = [
        (f"{item.definition.name} · {category.category}", category.started, category.closed)
        for item in figures
        for category in item.categories
    ]
    return {
        "names": [name for name, _started, _closed in rows],
        "started": [started for _name, started, _closed in rows],
        "closed": [closed for _name, _started, closed in rows],
    }
