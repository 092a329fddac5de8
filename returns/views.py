"""The filers' list and filing form, the tables of a return's filings with their drill-down and
XLSX export, and the public burden ledger. A return, area or period the user may not see is a
404."""

import datetime
import decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from forms import services as form_services
from grid.models import Area
from grid.selectors import EVERYWHERE
from grid.tabular import xlsx_response

from . import periods as period_rules
from . import selectors, services
from .models import Filing, Return
from .periods import Period


@login_required
def my_returns(request: HttpRequest) -> HttpResponse:
    """What the user has to file, and the tables they may read."""
    return render(
        request,
        "returns/my_returns.html",
        {
            "due": selectors.to_file(request.user),
            "recent": [
                (filing, period_rules.period_starting(filing.return_form, filing.period_start))
                for filing in Filing.objects.filter(filed_by=request.user)
                .select_related("return_form", "area")
                .order_by("-filed_at")[:10]
            ],
            "tables": selectors.readable_returns(request.user),
            "today": timezone.localdate(),
        },
    )


def parse_day(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


@login_required
def file_return(request: HttpRequest, pk: int, area_code: str, start: str) -> HttpResponse:
    return_form = get_object_or_404(Return.objects.select_related("form", "department"), pk=pk)
    area = get_object_or_404(Area, code=area_code)
    day = parse_day(start)
    period = period_rules.period_starting(return_form, day) if day else None
    try:
        services.check_filer(request.user, return_form, area, period)
    except services.FilingRefused:
        raise Http404 from None
    assert period is not None
    filed = Filing.objects.filter(
        return_form=return_form, area=area, period_start=period.start
    ).first()
    if filed:
        messages.info(
            request,
            _("%(area)s filed this period on %(day)s.")
            % {
                "area": area.name,
                "day": timezone.localtime(filed.filed_at).strftime("%Y-%m-%d %H:%M"),
            },
        )
        return redirect("returns:mine")
    prefilled = services.prefill(return_form, area, period)
    post = request.method == "POST"
    form = form_services.build_form(
        return_form.form,
        request.POST if post else None,
        area_root=area,
        initial=prefilled,
    )
    error = ""
    if post and form.is_valid():
        try:
            services.file(request.user, return_form, area, period, form, prefilled)
        except services.FilingRefused as refusal:
            error = str(refusal)
        else:
            messages.success(
                request,
                _("%(title)s for %(area)s, %(period)s, is filed.")
                % {"title": return_form.title, "area": area.name, "period": period.label},
            )
            return redirect("returns:mine")
    labels = {f.clean_name: f.label for f in return_form.form.fields.all()}
    return render(
        request,
        "returns/file.html",
        {
            "return_form": return_form,
            "area": area,
            "period": period,
            "form": form,
            "form_error": error,
            "prefilled": [(labels.get(name, name), value) for name, value in prefilled.items()],
            "field_count": len(form.input_specs),
            "overdue": timezone.localdate() > period.due,
        },
    )


def readable(request: HttpRequest, pk: int) -> tuple[Return, tuple[str, ...] | None]:
    return_form = next((r for r in selectors.readable_returns(request.user) if r.pk == pk), None)
    if return_form is None:
        raise Http404
    codes = selectors.reader_codes(request.user, return_form)
    if codes is not EVERYWHERE and not codes:
        raise Http404
    return return_form, codes


def chosen_table(request: HttpRequest, pk: int) -> selectors.Table:
    """The table the query asks for: a period (by default the latest that has ended, the one
    being filed) and an area to drill into (by default the smallest holding all the reader
    reads)."""
    return_form, codes = readable(request, pk)
    today = timezone.localdate()
    begun = period_rules.periods(return_form, until=today) or period_rules.periods(return_form)[:1]
    ended = [p for p in begun if p.end < today]
    day = parse_day(request.GET.get("period", ""))
    period: Period | None = (
        next((p for p in begun if p.start == day), None) if day else (ended or begun)[-1]
    )
    if period is None:
        raise Http404
    root = selectors.default_root(return_form, codes)
    if root is None:
        raise Http404
    if code := request.GET.get("area"):
        chosen = Area.objects.filter(code=code, code__startswith=root.code).first()
        if chosen is None or chosen.level > return_form.level:
            raise Http404
        root = chosen
    return selectors.table(return_form, period, root, codes)


@login_required
def table(request: HttpRequest, pk: int) -> HttpResponse:
    found = chosen_table(request, pk)
    return_form = found.return_form
    return render(
        request,
        "returns/table.html",
        {
            "table": found,
            "periods": list(
                reversed(period_rules.periods(return_form, until=timezone.localdate()))
            ),
            "trail": list(
                Area.objects.filter(
                    code__in=[found.root.code[:n] for n in range(6, len(found.root.code) + 1, 3)]
                ).order_by("code")
            ),
            "today": timezone.localdate(),
            "top": selectors.default_root(
                return_form, selectors.reader_codes(request.user, return_form)
            ),
        },
    )


def number(value: decimal.Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@login_required
def table_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The table as shown, as a workbook: numbers as numbers."""
    found = chosen_table(request, pk)
    header = [
        _("Area"),
        _("Code"),
        pgettext("returns table", "To file"),
        _("Filed"),
        _("Late"),
        *[label for _name, label in found.numbers],
    ]
    rows = [
        [row.area.name, row.area.code, row.expected, row.filed, row.late, *map(number, row.sums)]
        for row in [*found.rows, found.total]
    ]
    rows[-1][0] = _("Total")
    if found.leaf:
        header += [_("Filed at"), _("Filed by")] + [
            label for name, label in found.answer_fields if name not in dict(found.numbers)
        ]
        numbers = dict(found.numbers)
        for cells, row in zip(rows, found.rows, strict=False):
            if row.filing:
                data = row.filing.submission.form_data
                cells += [
                    timezone.localtime(row.filing.filed_at).strftime("%Y-%m-%d %H:%M"),
                    row.filing.filed_by.get_full_name() if row.filing.filed_by else "",
                    *[
                        selectors.display(data.get(name))
                        for name, _label in found.answer_fields
                        if name not in numbers
                    ],
                ]
    name = f"{found.return_form.pk}-{found.root.code}-{found.period.start.isoformat()}.xlsx"
    return xlsx_response(name, header, rows)


def burden_ledger(request: HttpRequest) -> HttpResponse:
    """Public: what each department's returns ask of the communities in a year."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    if not 2000 <= year <= this_year + 1:
        year = this_year
    return render(
        request,
        "returns/burden.html",
        {
            "ledger": selectors.burden(year),
            "year": year,
            "years": range(this_year + 1, this_year - 4, -1),
        },
    )
