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
from .models import Filing, FilingEvent, Return
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
                (filing, period, period is not None and services.may_amend(filing, period))
                for filing in Filing.objects.filter(filed_by=request.user)
                .select_related("return_form", "area")
                .order_by("-filed_at")[:10]
                for period in [
                    period_rules.period_starting(filing.return_form, filing.period_start)
                ]
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


def chosen_period(return_form: Return, start: str) -> Period | None:
    day = parse_day(start)
    return period_rules.period_starting(return_form, day) if day else None


def version_asked(request: HttpRequest) -> int:
    """The version of the filing the form acting on it was opened at (carried in its URL)."""
    try:
        return int(request.GET.get("version", ""))
    except ValueError:
        return 0


@login_required
def file_return(request: HttpRequest, pk: int, area_code: str, start: str) -> HttpResponse:
    """The filing form: a new filing, or the area's filing amended (until the due day) or
    corrected and refiled (when sent back), filled in with its answers."""
    return_form = get_object_or_404(Return.objects.select_related("form", "department"), pk=pk)
    area = get_object_or_404(Area, code=area_code)
    period = chosen_period(return_form, start)
    try:
        services.check_filer(request.user, return_form, area, period)
    except services.FilingRefused:
        raise Http404 from None
    assert period is not None
    filed = (
        Filing.objects.filter(return_form=return_form, area=area, period_start=period.start)
        .select_related("area", "return_form__department", "submission")
        .prefetch_related("events")
        .first()
    )
    kind = ""
    if filed:
        try:
            kind = services.amendment(filed, period)
        except services.FilingRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("returns:mine")
    prefilled = filed.prefilled if filed else services.prefill(return_form, area, period)
    post = request.method == "POST"
    form = form_services.build_form(
        return_form.form,
        request.POST if post else None,
        area_root=area,
        initial=filed.submission.form_data if filed else prefilled,
    )
    error = ""
    if post and form.is_valid():
        try:
            if filed:
                services.amend(
                    request.user, return_form, area, period, form, version_asked(request)
                )
            else:
                services.file(request.user, return_form, area, period, form, prefilled)
        except services.FilingChanged as refusal:
            messages.error(request, str(refusal))
            return redirect(request.path)
        except services.FilingRefused as refusal:
            error = str(refusal)
        else:
            done = {
                "": _("%(title)s for %(area)s, %(period)s, is filed."),
                FilingEvent.Kind.AMENDED: _("%(title)s for %(area)s, %(period)s, is amended."),
                FilingEvent.Kind.REFILED: _("%(title)s for %(area)s, %(period)s, is refiled."),
            }[kind]
            messages.success(
                request,
                done % {"title": return_form.title, "area": area.name, "period": period.label},
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
            "action": f"{request.path}?version={filed.version}" if filed else request.path,
            "filed": filed,
            "kind": kind,
            "reason": selectors.last_reason(filed) if filed else "",
            "prefilled": [(labels.get(name, name), value) for name, value in prefilled.items()],
            "field_count": len(form.input_specs),
            "overdue": not filed and timezone.localdate() > period.due,
        },
    )


@login_required
def send_back(request: HttpRequest, pk: int, area_code: str, start: str) -> HttpResponse:
    """Send an area's filing back for correction, with a reason: for whoever reads it in the
    return's table, on the same rules; anyone else, or a period or filing there is not, 404."""
    return_form, _codes = readable(request, pk)
    area = get_object_or_404(Area, code=area_code)
    period = chosen_period(return_form, start)
    try:
        services.check_sender(request.user, return_form, area)
    except services.FilingRefused:
        raise Http404 from None
    if period is None or period.start > timezone.localdate():
        raise Http404
    back = services.table_url(return_form, area, period)
    error = ""
    if request.method == "POST":
        try:
            services.send_back(
                request.user,
                return_form,
                area,
                period,
                request.POST.get("reason", ""),
                version_asked(request),
            )
        except services.FilingRefused as refusal:
            error = str(refusal)
        else:
            messages.success(
                request,
                _("The filing of %(area)s for %(period)s is sent back; its filers are told.")
                % {"area": area.name, "period": period.label},
            )
            return redirect(back)
    filing = (
        Filing.objects.filter(return_form=return_form, area=area, period_start=period.start)
        .select_related("submission", "filed_by")
        .first()
    )
    if filing is None:
        raise Http404
    shown = selectors.shown_fields(return_form.form)
    return render(
        request,
        "returns/send_back.html",
        {
            "return_form": return_form,
            "area": area,
            "period": period,
            "filing": filing,
            "answers": list(
                zip(
                    [f.label for f in shown],
                    selectors.shown_answers(filing.submission.form_data, shown),
                    strict=True,
                )
            ),
            "error": error,
            "reason": request.POST.get("reason", ""),
            "back": back,
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
    for row in found.rows:
        row.may_send_back = bool(
            row.filing
            and row.filing.state != Filing.State.RETURNED
            and not selectors.may_file(request.user, row.area)
        )
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
        _("Sent back"),
        *[label for _name, label in found.numbers],
    ]
    rows = [
        [
            row.area.name,
            row.area.code,
            row.expected,
            row.filed,
            row.late,
            row.returned,
            *map(number, row.sums),
        ]
        for row in [*found.rows, found.total]
    ]
    rows[-1][0] = _("Total")
    if found.leaf:
        header += [_("Status"), _("Filed at"), _("Filed by")] + [
            label for name, label in found.answer_fields if name not in dict(found.numbers)
        ]
        numbers = dict(found.numbers)
        for cells, row in zip(rows, found.rows, strict=False):
            if row.filing:
                data = row.filing.submission.form_data
                cells += [
                    row.filing.get_state_display(),
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
