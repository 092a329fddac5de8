"""Keeping the summary rows: an area whose data changed is marked stale (by the signals, and
wholesale after bulk writes) and refreshed from its own rows by the worker soon after; a nightly
full refresh catches what time alone changes (who has turned 60). A refresh recounts one area
from scratch, so a figure is exact once its area's refresh has run."""

import datetime
import logging
from collections.abc import Callable, Iterable
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone

from daily.models import Inspection, Visit
from forms.models import FormDefinition
from grid import selectors as grid_selectors
from grid.models import (
    Area,
    Household,
    PartyOrganisation,
    Resident,
    Unit,
)
from grid.prepared import PreparedRead
from grid.validators import code_length
from returns.figures import years_before
from workflows.models import ProcessDefinition, ProcessEvent, ProcessInstance, StageTask, Verdict
from workflows.services.deadlines import OPEN

from .models import PROCESS_COUNTS, AreaDay, AreaFigures, AreaTagCount, ProcessDay, Stale

logger = logging.getLogger(__name__)

# Who walks a grid: the roles whose group may make rounds (the dashboards' "workers").
WALKS = "daily.add_inspection"
REFRESH_JOB = "refresh_figures"
# A verdict of this much satisfaction or more (of 5) is a satisfied resident.
SATISFIED = 4
QUEUED_KEY = "dashboards:refresh-queued"
CATEGORY_TYPES = ("dropdown", "radio")
QUEUED_SECONDS = 300


MARK_OF_AREA: PreparedRead[Stale] = PreparedRead(lambda pk: Stale.objects.filter(area_id=pk), -1)


def mark(area_ids: Iterable[int | None]) -> None:
    """Mark areas stale and ask the worker to refresh them."""
    ids = {pk for pk in area_ids if pk}
    if not ids:
        return
    # Most changes come to an area already marked (the worker has not come yet): asking is a
    # read, where inserting nothing would still be a write to commit after every decision.
    # One area, as after each decision, is asked by a prepared read.
    if len(ids) == 1:
        marked = {row.area_id for row in MARK_OF_AREA(*ids)}
    else:
        marked = set(Stale.objects.filter(area_id__in=ids).values_list("area_id", flat=True))
    missing = ids - marked
    if missing:
        Stale.objects.bulk_create([Stale(area_id=pk) for pk in missing], ignore_conflicts=True)
    ask_for_refresh()


class Marks:
    """The areas found marked after one transaction's commit: each later change of the same
    commit to one of them asks nothing more (a decision saves its process, its task and its
    history entry, all counted on one area: one read, not three)."""

    def __init__(self, owner: transaction.Atomic | None) -> None:
        self.owner = owner
        self.confirmed: set[int] = set()
        self.running = False

    def mark(self, find: Callable[[], Iterable[int | None]]) -> None:
        self.running = True
        ids = {pk for pk in find() if pk} - self.confirmed
        if ids:
            mark(ids)
            self.confirmed |= ids


def mark_after_commit(find: Callable[[], Iterable[int | None]]) -> None:
    """Mark the areas `find` names once the change commits: the change's own transaction
    (a decision, a save) costs no statement more, and a change rolled back marks nothing. Were
    the process to stop between the commit and the mark, the nightly refresh catches up."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        # Committed already: marked now, and a failure to mark undoes nothing.
        transaction.on_commit(lambda: mark(find()), robust=True)
        return
    # The changes of one transaction share what their marks found: a batch whose marks have
    # run, or of another outermost block, belongs to a transaction already ended.
    owner = connection.atomic_blocks[0] if connection.atomic_blocks else None
    batch: Marks | None = getattr(connection, "dashboards_marks", None)
    if batch is None or batch.running or batch.owner is not owner:
        batch = connection.dashboards_marks = Marks(owner)
    transaction.on_commit(partial(batch.mark, find), robust=True)


def ask_for_refresh() -> None:
    """Queue one refresh for however many changes come before the worker starts it: the key
    is taken here and given back when the task starts, so a change after that queues again.
    A key never given back (the queue down) expires, and the nightly refresh catches up."""
    if cache.add(QUEUED_KEY, True, timeout=QUEUED_SECONDS):
        from .tasks import refresh_stale_areas  # the task module imports this one

        refresh_stale_areas.enqueue()


def mark_all() -> None:
    mark(Area.objects.values_list("pk", flat=True))


def registers(area: Area, today: datetime.date) -> dict[str, int]:
    residents = Resident.objects.filter(household__building__grid=area)
    elderly = residents.exclude(id_number=None).annotate(born=Substr("id_number", 7, 8))
    workers = grid_selectors.assignments_granting(WALKS).filter(area=area)
    processes = ProcessInstance.objects.filter(area=area, outcome=ProcessInstance.Outcome.OPEN)
    overdue_task = StageTask.objects.filter(
        process=OuterRef("pk"), status__in=OPEN, deadline__overdue_at__isnull=False
    )
    return {
        "residents": residents.count(),
        "residents_60_plus": elderly.filter(born__lte=years_before(today, 60)).count(),
        "units": Unit.objects.filter(grid=area).count(),
        "workers": workers.values("user").distinct().count(),
        "party_organisations": PartyOrganisation.objects.filter(area=area).count(),
        "processes_open": processes.count(),
        "processes_overdue": processes.filter(Exists(overdue_task)).count(),
    }


def tag_counts(area: Area) -> list[AreaTagCount]:
    households = Household.tags.through.objects.filter(household__building__grid=area)
    residents = Resident.tags.through.objects.filter(resident__household__building__grid=area)
    counts: dict[int, AreaTagCount] = {}
    tallies = ((households, "households"), (residents, "residents"))
    for rows, field in tallies:
        for tally in rows.values("tag_id").annotate(n=Count("pk")):
            tag_id = tally["tag_id"]
            row = counts.setdefault(tag_id, AreaTagCount(area=area, code=area.code, tag_id=tag_id))
            setattr(row, field, tally["n"])
    return list(counts.values())


def days(area: Area) -> list[AreaDay]:
    rows: dict[datetime.date, AreaDay] = {}
    finished = (
        Inspection.objects.filter(grid=area, finished_at__isnull=False)
        .annotate(day=TruncDate("finished_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    visited = (
        Visit.objects.filter(grid=area)
        .values("visited_on")
        .annotate(n=Count("pk"))
        .values_list("visited_on", "n")
    )
    for source, field in ((finished, "inspections"), (visited, "visits")):
        for day, count in source:
            row = rows.setdefault(day, AreaDay(area=area, code=area.code, day=day))
            setattr(row, field, count)
    return list(rows.values())


def category_field(form: FormDefinition) -> str | None:
    """The name of a form's category field: its first required single choice (a dropdown or
    radio buttons) that is not personal — the supervision report's category, the incident's
    kind, the department asking for access. Processes are counted by its answer."""
    for form_field in form.fields.all():
        if (
            form_field.field_type in CATEGORY_TYPES
            and form_field.required
            and not form_field.is_personal
        ):
            return form_field.clean_name
    return None


def process_days(area: Area) -> list[ProcessDay]:
    """Per definition, category and day: processes started, and closed (on time when no
    deadline of theirs passed; approved or rejected; with the days each took)."""
    zone = timezone.get_current_timezone()
    late = ProcessEvent.objects.filter(process=OuterRef("pk"), kind=ProcessEvent.Kind.OVERDUE)
    rows: dict[tuple[datetime.date, int, str], ProcessDay] = {}

    def row(day: datetime.date, definition_id: int, category: str) -> ProcessDay:
        key = (day, definition_id, category)
        if key not in rows:
            rows[key] = ProcessDay(
                area=area,
                code=area.code,
                level=area.level,
                day=day,
                definition_id=definition_id,
                category=category,
                close_days=[],
            )
        return rows[key]

    processes = ProcessInstance.objects.filter(area=area).annotate(late=Exists(late))
    found = list(
        processes.values_list(
            "pk",
            "created",
            "finished",
            "outcome",
            "version__definition_id",
            "late",
            "submission__form_data",
        )
    )
    fields = {
        definition.pk: category_field(definition.intake_form)
        for definition in ProcessDefinition.objects.filter(
            pk__in={values[4] for values in found}
        ).prefetch_related("intake_form__fields")
    }
    categories: dict[int, str] = {}
    for pk, created, finished, outcome, definition_id, was_late, answers in found:
        name = fields[definition_id]
        answer = (answers or {}).get(name) if name else None
        category = categories[pk] = str(answer)[:255] if answer else ""
        row(created.astimezone(zone).date(), definition_id, category).started += 1
        if outcome == ProcessInstance.Outcome.OPEN or finished is None:
            continue
        closed = row(finished.astimezone(zone).date(), definition_id, category)
        closed.closed += 1
        closed.closed_on_time += int(not was_late)
        closed.approved += int(outcome == ProcessInstance.Outcome.APPROVED)
        closed.rejected += int(outcome == ProcessInstance.Outcome.REJECTED)
        closed.close_days.append(round((finished - created).total_seconds() / 86400, 2))
    verdicts = Verdict.objects.filter(process__area=area).values_list(
        "at", "satisfaction", "process__version__definition_id", "process_id"
    )
    for at, satisfaction, definition_id, process_id in verdicts:
        said = row(at.astimezone(zone).date(), definition_id, categories.get(process_id, ""))
        said.verdicts += 1
        said.satisfied += int(satisfaction >= SATISFIED)
        said.satisfaction += satisfaction
    return list(rows.values())


@transaction.atomic
def refresh(area: Area, today: datetime.date | None = None) -> None:
    """Recount one area's summary rows from its own data."""
    today = today or timezone.localdate()
    AreaFigures.objects.update_or_create(
        area=area,
        defaults={"code": area.code, "refreshed_at": timezone.now(), **registers(area, today)},
    )
    AreaTagCount.objects.filter(area=area).delete()
    AreaTagCount.objects.bulk_create(tag_counts(area))
    AreaDay.objects.filter(area=area, rollup=False).delete()
    AreaDay.objects.bulk_create(days(area))
    ProcessDay.objects.filter(area=area, rollup=False).delete()
    ProcessDay.objects.bulk_create(process_days(area))


def community_of(area: Area) -> str | None:
    """The code of the community an area's rows roll up to (none above communities)."""
    if area.level < Area.Level.COMMUNITY:
        return None
    return area.code[: code_length(Area.Level.COMMUNITY)]


@transaction.atomic
def roll_up(community: Area) -> None:
    """Sum a community's own and its grids' day rows into its rollup rows."""
    AreaDay.objects.filter(area=community, rollup=True).delete()
    ProcessDay.objects.filter(area=community, rollup=True).delete()
    below = {"rollup": False, "code__startswith": community.code}
    AreaDay.objects.bulk_create(
        AreaDay(area=community, code=community.code, rollup=True, **values)
        for values in AreaDay.objects.filter(**below)
        .values("day")
        .annotate(inspections=Sum("inspections"), visits=Sum("visits"))
    )
    rows: dict[tuple, ProcessDay] = {}
    for values in (
        ProcessDay.objects.filter(**below)
        .values("day", "definition_id", "category")
        .annotate(**{name: Sum(name) for name in PROCESS_COUNTS})
    ):
        rows[(values["day"], values["definition_id"], values["category"])] = ProcessDay(
            area=community,
            code=community.code,
            level=community.level,
            rollup=True,
            close_days=[],
            **values,
        )
    for day, definition_id, category, close_days in ProcessDay.objects.filter(
        closed__gt=0, **below
    ).values_list("day", "definition_id", "category", "close_days"):
        rows[(day, definition_id, category)].close_days += close_days
    ProcessDay.objects.bulk_create(rows.values())


def refresh_stale(limit: int = 500) -> int:
    """Refresh up to `limit` stale areas, each taken by one worker alone (a row lock that
    another worker skips); how many were refreshed."""
    done = 0
    while done < limit:
        with transaction.atomic():
            taken = list(
                Stale.objects.select_for_update(skip_locked=True)
                .order_by("marked_at")
                .values_list("pk", "area_id")[: min(50, limit - done)]
            )
            if not taken:
                break
            areas = Area.objects.in_bulk([area_id for _pk, area_id in taken])
            for area in areas.values():
                refresh(area)
            communities = {community_of(area) for area in areas.values()} - {None}
            for community in Area.objects.filter(code__in=communities):
                roll_up(community)
            Stale.objects.filter(pk__in=[pk for pk, _area in taken]).delete()
        done += len(taken)
    return done


def refresh_all() -> int:
    """Everything again (nightly): what time changes without any row changing."""
    mark_all()
    count = 0
    while refreshed := refresh_stale():
        count += refreshed
    return count


def pending() -> tuple[int, datetime.datetime | None]:
    """How many areas wait for a refresh, and since when."""
    first = Stale.objects.order_by("marked_at").values_list("marked_at", flat=True).first()
    return Stale.objects.count(), first
