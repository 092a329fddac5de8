"""Deadlines in hours or working days. Working days are Monday to Friday, less the public
holidays and plus the make-up working days (调休) a deployment lists in its settings."""

import datetime

from django.conf import settings
from django.utils import timezone


def is_working_day(day: datetime.date) -> bool:
    if day.isoformat() in settings.PROCESS_EXTRA_WORKING_DAYS:
        return True
    if day.isoformat() in settings.PROCESS_HOLIDAYS:
        return False
    return day.weekday() < 5


def add_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """The same time of day, `days` working days after `start` (days counted locally)."""
    moment = timezone.localtime(start)
    remaining = days
    while remaining:
        moment += datetime.timedelta(days=1)
        if is_working_day(moment.date()):
            remaining -= 1
    return moment


def deadline(start: datetime.datetime, amount: int | None, unit: str) -> datetime.datetime | None:
    if not amount:
        return None
    if unit == "hours":
        return start + datetime.timedelta(hours=amount)
    return add_working_days(start, amount)


def warning_time(
    start: datetime.datetime, due: datetime.datetime | None, percent: int | None
) -> datetime.datetime | None:
    """When `percent` of the time from `start` to `due` has passed."""
    if due is None or not percent:
        return None
    return start + (due - start) * percent / 100
