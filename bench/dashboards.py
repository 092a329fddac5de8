"""The dashboards on a city of 1,000,000 households: 10 streets × 10 communities × 40 grids
(4,000), 10 buildings of 25 households per grid, 3 residents per household (3,000,000, born
1940–2019), a year of rounds (one per grid per weekday, about 1,040,000) and visits (one per
household, 1,000,000), and 200,000 processes of 4 kinds over the year.

The registers, rounds and visits are real rows, and every grid's summary rows are written by
the real refresh (`dashboards.services.refresh`), timed per grid. The processes are written as
their summary rows (`ProcessDay`): a process is a Viewflow row, a process instance and a form
submission, which bulk inserts cannot make, and a refresh of them reads them the same way as
the rounds. Then each community's rollup rows are summed (`roll_up`), timed per
community. Then the dashboard page of the district and of one community is asked as a
platform admin: cold (the first request on a new database connection) and warm (7 more), with
the queries of one request."""

import datetime
import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from daily.models import Inspection, Visit
from dashboards import services
from dashboards.models import ProcessDay
from forms.models import FormDefinition
from grid.models import Area, Building, Household, Resident
from grid.validators import id_check_char
from workflows.models import ProcessDefinition

from .forms import timed_work

STREETS = COMMUNITIES = 10
GRIDS = 40  # per community: 4,000
BUILDINGS = 10  # per grid
HOUSEHOLDS = 25  # per building: 4,000 × 10 × 25 = 1,000,000
RESIDENTS = 3  # per household
PROCESSES = 200_000
BATCH = 20_000
YEAR = 365


def id_number(n: int) -> str:
    """Unique for n below 29,200,000: born on each day of 80 years from 1940 in turn."""
    days = 80 * 365
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=n % days)
    first17 = f"340705{born:%Y%m%d}{n // days:03d}"
    return first17 + id_check_char(first17)


def build_areas() -> list[Area]:
    district = Area.objects.create(code="340705", name="铜官区")
    grids = []
    for s in range(1, STREETS + 1):
        street = Area.objects.create(code=f"340705{s:03d}", name=f"第{s}街道", parent=district)
        for c in range(1, COMMUNITIES + 1):
            community = Area.objects.create(
                code=f"{street.code}{c:03d}", name=f"{s}街{c}社区", parent=street
            )
            grids += Area.objects.bulk_create(
                Area(
                    code=f"{community.code}{g:03d}",
                    name=f"第{g}网格",
                    parent=community,
                    level=Area.Level.GRID,
                    kind="residential",
                    household_count=BUILDINGS * HOUSEHOLDS,
                )
                for g in range(1, GRIDS + 1)
            )
    return grids


def build_registers(grids: list[Area]) -> None:
    buildings = Building.objects.bulk_create(
        (
            Building(grid=grid, name=f"{b}号楼", address=f"长江路{g}-{b}号", floors=6, units=2)
            for g, grid in enumerate(grids)
            for b in range(1, BUILDINGS + 1)
        ),
        batch_size=BATCH,
    )
    per_batch = BATCH // HOUSEHOLDS
    serial = 0
    for start in range(0, len(buildings), per_batch):
        with transaction.atomic():
            households = Household.objects.bulk_create(
                (
                    Household(building=building, door_number=f"{1 + h // 4}0{1 + h % 4}")
                    for building in buildings[start : start + per_batch]
                    for h in range(HOUSEHOLDS)
                ),
                batch_size=BATCH,
            )
            residents = []
            for household in households:
                for r in range(RESIDENTS):
                    serial += 1
                    residents.append(
                        Resident(
                            household=household,
                            name="居民",
                            id_number=id_number(serial),
                            relation="householder" if r == 0 else "other",
                        )
                    )
            Resident.objects.bulk_create(residents, batch_size=BATCH)


def build_work(grids: list[Area], today: datetime.date) -> None:
    walker = get_user_model().objects.create_user("bench_walker")
    zone = timezone.get_current_timezone()
    days = [today - datetime.timedelta(days=n) for n in range(YEAR)]
    weekdays = [d for d in days if d.weekday() < 5]
    rows = []
    for grid in grids:
        for day in weekdays:
            moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)), zone)
            rows.append(
                Inspection(grid=grid, inspector=walker, started_at=moment, finished_at=moment)
            )
        if len(rows) >= BATCH * 5:
            Inspection.objects.bulk_create(rows, batch_size=BATCH)
            rows = []
    Inspection.objects.bulk_create(rows, batch_size=BATCH)
    rng = random.Random(11)
    households = Household.objects.values_list("pk", "building__grid_id").iterator(chunk_size=BATCH)
    batch = []
    for household_id, grid_id in households:
        batch.append(
            Visit(
                household_id=household_id,
                grid_id=grid_id,
                visitor=walker,
                visited_on=rng.choice(days),
                met="户主本人",
                category="other",
            )
        )
        if len(batch) >= BATCH:
            Visit.objects.bulk_create(batch)
            batch = []
    Visit.objects.bulk_create(batch)


def build_processes(grids: list[Area], today: datetime.date) -> None:
    """200,000 processes' summary rows, as the refresh would write them."""
    form = FormDefinition.objects.create(title="事项", slug="bench-process")
    definitions = [
        ProcessDefinition.objects.create(key=f"bench-{n}", name=f"事项{n}", intake_form=form)
        for n in range(4)
    ]
    rng = random.Random(5)
    rows: dict[tuple, ProcessDay] = {}

    def row(grid: Area, day: datetime.date, definition: ProcessDefinition) -> ProcessDay:
        key = (grid.pk, day, definition.pk)
        if key not in rows:
            rows[key] = ProcessDay(
                area=grid,
                code=grid.code,
                level=grid.level,
                day=day,
                definition=definition,
                close_days=[],
            )
        return rows[key]

    for _ in range(PROCESSES):
        grid, definition = rng.choice(grids), rng.choice(definitions)
        started = today - datetime.timedelta(days=rng.randrange(YEAR))
        row(grid, started, definition).started += 1
        took = rng.expovariate(1 / 4)
        closed_on = started + datetime.timedelta(days=int(took))
        if closed_on > today:
            continue
        closed = row(grid, closed_on, definition)
        closed.closed += 1
        closed.closed_on_time += int(took < 10)
        closed.approved += int(rng.random() < 0.8)
        closed.rejected += int(closed.approved == 0)
        closed.close_days.append(round(took, 2))
    ProcessDay.objects.bulk_create(rows.values(), batch_size=BATCH)


def analyse() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def page_timings(client: Client, url: str) -> dict:
    connection.close()  # cold: a new connection, nothing of this page asked on it yet
    started = time.perf_counter()
    assert client.get(url).status_code == 200
    cold = (time.perf_counter() - started) * 1000

    def get():
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    return {"cold_ms": round(cold, 1), **timed_work(get)}


def run() -> dict:
    today = timezone.localdate()
    started = time.perf_counter()
    grids = build_areas()
    build_registers(grids)
    build_work(grids, today)
    built = time.perf_counter() - started
    analyse()
    started = time.perf_counter()
    per_grid = []
    for grid in grids:
        one = time.perf_counter()
        services.refresh(grid, today)
        per_grid.append((time.perf_counter() - one) * 1000)
    for area in Area.objects.exclude(level=Area.Level.GRID):
        services.refresh(area, today)
    refreshed = time.perf_counter() - started
    build_processes(grids, today)
    started = time.perf_counter()
    communities = Area.objects.filter(level=Area.Level.COMMUNITY)
    for community in communities:
        services.roll_up(community)
    rolled_up = time.perf_counter() - started
    analyse()
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("bench_admin"))
    community = grids[0].parent
    return {
        "households": Household.objects.count(),
        "residents": Resident.objects.count(),
        "rounds": Inspection.objects.count(),
        "visits": Visit.objects.count(),
        "process_summary_rows": ProcessDay.objects.count(),
        "build_seconds": round(built, 1),
        "refresh_all_seconds": round(refreshed, 1),
        "refresh_grid_median_ms": round(statistics.median(per_grid), 1),
        "refresh_grid_max_ms": round(max(per_grid), 1),
        "roll_up_community_ms": round(rolled_up * 1000 / len(communities), 1),
        "dashboard_district": page_timings(client, "/dashboard/"),
        "dashboard_community": page_timings(client, f"/dashboard/?area={community.code}"),
        "dashboard_grid": page_timings(client, f"/dashboard/?area={grids[0].code}"),
    }
