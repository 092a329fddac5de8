"""What the platform already knows of an area, offered to fill in a return's fields: counts of
the registers (now) and of the daily work and processes (within the period). Each figure
counts within the area's subtree by code prefix."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from daily.models import Inspection, Visit
from grid.models import Area, Household, Resident, Tag, Unit, Volunteer
from workflows.models import ProcessInstance

from .periods import Period


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    count: Callable[[str, Period, Tag | None], int]
    needs_tag: bool = False


def years_before(day: datetime.date, years: int) -> str:
    """The birth date (YYYYMMDD, as in ID numbers) of someone turning `years` on `day`."""
    try:
        born = day.replace(year=day.year - years)
    except ValueError:  # 29 February
        born = day.replace(year=day.year - years, day=28)
    return born.strftime("%Y%m%d")


def residents(code: str) -> QuerySet[Resident]:
    return Resident.objects.filter(household__building__grid__code__startswith=code)


def aged(low: int | None, high: int | None) -> Callable[[str, Period, Tag | None], int]:
    """Residents aged `low` or over and under `high` on the period's last day, by the birth
    date in their ID numbers (residents without one are not counted)."""

    def count(code: str, period: Period, tag: Tag | None) -> int:
        found = residents(code).exclude(id_number=None).annotate(born=Substr("id_number", 7, 8))
        if low is not None:
            found = found.filter(born__lte=years_before(period.end, low))
        if high is not None:
            found = found.filter(born__gt=years_before(period.end, high))
        return found.count()

    return count


def in_period(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def started_in(period: Period) -> Q:
    after = datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time())
    before = datetime.datetime.combine(period.start, datetime.time())
    zone = timezone.get_current_timezone()
    return Q(
        created__gte=timezone.make_aware(before, zone), created__lt=timezone.make_aware(after, zone)
    )


def all_residents(code: str, period: Period, tag: Tag | None) -> int:
    return residents(code).count()


def households(code: str, period: Period, tag: Tag | None) -> int:
    return Household.objects.filter(building__grid__code__startswith=code).count()


def population(code: str, period: Period, tag: Tag | None) -> int:
    found = Household.objects.filter(building__grid__code__startswith=code)
    return found.aggregate(total=Sum("registered_population"))["total"] or 0


def tagged_households(code: str, period: Period, tag: Tag | None) -> int:
    found = Household.objects.filter(building__grid__code__startswith=code, tags=tag)
    return found.count()


def tagged_residents(code: str, period: Period, tag: Tag | None) -> int:
    return residents(code).filter(tags=tag).count()


def units_of(unit_type: str | None) -> Callable[[str, Period, Tag | None], int]:
    def count(code: str, period: Period, tag: Tag | None) -> int:
        found = Unit.objects.filter(grid__code__startswith=code)
        return (found.filter(unit_type=unit_type) if unit_type else found).count()

    return count


def grids(code: str, period: Period, tag: Tag | None) -> int:
    return Area.objects.filter(level=Area.Level.GRID, code__startswith=code).count()


def volunteers(code: str, period: Period, tag: Tag | None) -> int:
    return Volunteer.objects.filter(community__code__startswith=code, active=True).count()


def inspections(code: str, period: Period, tag: Tag | None) -> int:
    found = Inspection.objects.filter(grid__code__startswith=code, finished_at__isnull=False)
    return found.filter(in_period("finished_at__date", period)).count()


def visits(code: str, period: Period, tag: Tag | None) -> int:
    found = Visit.objects.filter(grid__code__startswith=code)
    return found.filter(in_period("visited_on", period)).count()


def processes_started(code: str, period: Period, tag: Tag | None) -> int:
    found = ProcessInstance.objects.filter(area__code__startswith=code)
    return found.filter(started_in(period)).count()


def processes_open(code: str, period: Period, tag: Tag | None) -> int:
    found = ProcessInstance.objects.filter(area__code__startswith=code)
    return found.filter(outcome=ProcessInstance.Outcome.OPEN).count()


FIGURES: dict[str, Figure] = {
    figure.key: figure
    for figure in [
        Figure("households", _("Households"), households),
        Figure("population", _("Registered population"), population),
        Figure("residents", _("Residents"), all_residents),
        Figure("residents_under_18", _("Residents under 18"), aged(None, 18)),
        Figure("residents_18_59", _("Residents aged 18 to 59"), aged(18, 60)),
        Figure("residents_60_plus", _("Residents aged 60 or over"), aged(60, None)),
        Figure("residents_80_plus", _("Residents aged 80 or over"), aged(80, None)),
        Figure("households_tagged", _("Households with the tag"), tagged_households, True),
        Figure("residents_tagged", _("Residents with the tag"), tagged_residents, True),
        Figure("units", _("Units"), units_of(None)),
        *(
            Figure(f"units_{value}", format_lazy(_("Units: {}"), label), units_of(value))
            for value, label in Unit.Type.choices
        ),
        Figure("grids", _("Grids"), grids),
        Figure("volunteers", _("Active volunteers"), volunteers),
        Figure("inspections", _("Inspection rounds finished in the period"), inspections),
        Figure("visits", _("Visits in the period"), visits),
        Figure("processes_started", _("Processes started in the period"), processes_started),
        Figure("processes_open", _("Processes open now"), processes_open),
    ]
}


def choices() -> list[tuple[str, str | Promise]]:
    return [(figure.key, figure.label) for figure in FIGURES.values()]


def value(key: str, area: Area, period: Period, tag: Tag | None = None) -> int:
    return FIGURES[key].count(area.code, period, tag)
