"""The periods of a return: calendar weeks (Monday to Sunday), months or quarters from the one
holding its first day to the one holding its last, or its dates once."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import Return


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    due: datetime.date
    label: str


def month_end(year: int, month: int) -> datetime.date:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def bounds(kind: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the period of `kind` holding `day`."""
    if kind == Return.Period.WEEKLY:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    if kind == Return.Period.MONTHLY:
        return day.replace(day=1), month_end(day.year, day.month)
    first_month = (day.month - 1) // 3 * 3 + 1
    return datetime.date(day.year, first_month, 1), month_end(day.year, first_month + 2)


def label(kind: str, start: datetime.date, end: datetime.date) -> str:
    if kind == Return.Period.WEEKLY:
        year, week, _weekday = start.isocalendar()
        return _("%(year)d, week %(week)d") % {"year": year, "week": week}
    if kind == Return.Period.MONTHLY:
        return _("%(year)d-%(month)02d") % {"year": start.year, "month": start.month}
    if kind == Return.Period.QUARTERLY:
        return _("%(year)d Q%(quarter)d") % {"year": start.year, "quarter": start.month // 3 + 1}
    return _("%(start)s to %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}


def period_of(return_form: Return, start: datetime.date, end: datetime.date) -> Period:
    due = end + datetime.timedelta(days=return_form.due_days)
    return Period(start, end, due, label(return_form.period, start, end))


def periods(return_form: Return, until: datetime.date | None = None) -> list[Period]:
    """The return's periods, oldest first; with `until`, those begun by that day."""
    last = return_form.ends_on if until is None else min(until, return_form.ends_on)
    if return_form.period == Return.Period.ONCE:
        found = [period_of(return_form, return_form.starts_on, return_form.ends_on)]
        return [p for p in found if p.start <= last]
    found = []
    day = return_form.starts_on
    while day <= last:
        start, end = bounds(return_form.period, day)
        found.append(period_of(return_form, start, end))
        day = end + datetime.timedelta(days=1)
    return found


def period_starting(return_form: Return, start: datetime.date) -> Period | None:
    return next((p for p in periods(return_form) if p.start == start), None)


def in_year(return_form: Return, year: int) -> int:
    """How many of the return's periods end in `year`: the filings it asks of an area that year."""
    return sum(1 for p in periods(return_form) if p.end.year == year)
