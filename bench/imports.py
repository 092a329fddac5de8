"""Import 100,000 households with their members from CSV, beside a plain bulk_create
of the same rows (parsing included), on the database the run uses.

The two alternate, ROUNDS times each, on an emptied register every time, so that a slow
minute of this shared machine weighs on both; each round's ratio is reported. Each measured
step runs in a forked child process, so that its peak resident memory (the whole process:
interpreter, Django and the step) is its own and not an earlier step's.
"""

import csv
import datetime
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from django.db import connection
from django.test.utils import override_settings

from bench.settings import QUEUED_TASKS
from grid.models import Area, Building, Household, ImportJob, PersonalDataLogEntry, Resident
from grid.validators import id_check_char

HOUSEHOLDS = 100_000
ROUNDS = 3
GRIDS = 50
BUILDINGS_PER_GRID = 50
# Members per household, in turn: 3 on average, as in the demo city.
SIZES = (1, 2, 3, 4, 5)
RELATIONS = ("户主", "配偶", "子女", "子女", "父母")
HEADER = ["网格编码", "楼栋", "门牌号", "户籍人口", "姓名", "身份证号", "电话", "与户主关系"]
RELATION_VALUES = {"户主": "householder", "配偶": "spouse", "子女": "child", "父母": "parent"}


def id_number(n: int) -> str:
    birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=n % 25000)
    first17 = f"340705{birth:%Y%m%d}{n // 25000 % 1000:03d}"
    return first17 + id_check_char(first17)


def build_city() -> list[str]:
    district = Area.objects.create(code="340705", name="铜官区")
    street = Area.objects.create(code="340705001", name="长江路街道", parent=district)
    community = Area.objects.create(code="340705001001", name="五松社区", parent=street)
    codes = []
    for g in range(1, GRIDS + 1):
        grid = Area.objects.create(
            code=f"{community.code}{g:03d}", name=f"第{g}网格", parent=community, kind="residential"
        )
        Building.objects.bulk_create(
            Building(grid=grid, name=f"{b}栋", address="长江路1号", floors=18, units=3)
            for b in range(1, BUILDINGS_PER_GRID + 1)
        )
        codes.append(grid.code)
    return codes


def write_csv(path: Path, grid_codes: list[str]) -> int:
    rows = 0
    person = 0
    with path.open("w", newline="", encoding="utf-8-sig") as target:
        writer = csv.writer(target)
        writer.writerow(HEADER)
        for h in range(HOUSEHOLDS):
            grid = grid_codes[h % GRIDS]
            building = f"{h // GRIDS % BUILDINGS_PER_GRID + 1}栋"
            door = f"{h // (GRIDS * BUILDINGS_PER_GRID) + 1}"
            size = SIZES[h % len(SIZES)]
            for m in range(size):
                person += 1
                phone = f"139{person:08d}" if m < 2 else ""
                writer.writerow(
                    [
                        grid,
                        building,
                        door,
                        size,
                        f"居民{person}",
                        id_number(person),
                        phone,
                        RELATIONS[m],
                    ]
                )
                rows += 1
    return rows


def plain_bulk_create(path: Path) -> None:
    """The yardstick: read the CSV and bulk_create the same households and members, with no
    checks at all."""
    buildings = {
        (code, name): pk
        for pk, code, name in Building.objects.values_list("pk", "grid__code", "name")
    }
    households: dict[tuple, Household] = {}
    members = []
    with path.open(newline="", encoding="utf-8-sig") as source:
        reader = csv.reader(source)
        next(reader)
        for grid, building, door, population, name, number, phone, relation in reader:
            key = (grid, building, door)
            if key not in households:
                households[key] = Household(
                    building_id=buildings[(grid, building)],
                    door_number=door,
                    registered_population=int(population),
                )
            members.append((key, name, number, phone, RELATION_VALUES[relation]))
    Household.objects.bulk_create(households.values(), batch_size=1000)
    Resident.objects.bulk_create(
        (
            Resident(
                household=households[key],
                name=name,
                id_number=number,
                phone=phone,
                relation=relation,
            )
            for key, name, number, phone, relation in members
        ),
        batch_size=1000,
    )


def registry_import(path: Path, dry_run: bool = False) -> dict:
    from grid.imports import import_file

    with override_settings(TASKS=QUEUED_TASKS), path.open("rb") as stream:
        report = import_file("households", stream, user=None, dry_run=dry_run)
    assert report.ok, report.errors[:5]
    return {"new": report.new, "updated": report.updated, "unchanged": report.unchanged}


def worker_refresh() -> dict:
    """What the worker then does: refresh the figures of the grids the import marked."""
    from dashboards.services import refresh_stale

    return {"areas": refresh_stale(limit=10_000)}


def measured(step, *args) -> dict:
    """Run `step` in a child process; its duration, its peak memory and what it returned."""
    connection.close()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            started = time.perf_counter()
            result = step(*args) or {}
            seconds = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            payload = {"seconds": seconds, "peak_mb": round(peak), **result}
        except BaseException as error:
            payload = {"error": repr(error)}
        finally:
            connection.close()
        with os.fdopen(write, "w") as pipe:
            json.dump(payload, pipe)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        payload = json.load(pipe)
    os.waitpid(pid, 0)
    if "error" in payload:
        raise RuntimeError(payload["error"])
    return payload


def wipe() -> None:
    """Empty the household registers, as fresh as before the first step: TRUNCATE on
    PostgreSQL (a DELETE would leave the next step dead rows and bloated indexes to wade
    through), DELETE and VACUUM on SQLite."""
    from wagtail.models import ModelLogEntry

    logs = (ModelLogEntry, PersonalDataLogEntry)
    tables = [model._meta.db_table for model in (*logs, Resident, Household, ImportJob)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            cursor.execute("ANALYZE")
            return
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute("VACUUM")


def rate(rows: int, seconds: float) -> int:
    return round(rows / seconds)


def spread(values: list[float]) -> str:
    """min / median / max"""
    return " / ".join(
        str(round(value, 1)) for value in (min(values), statistics.median(values), max(values))
    )


def run() -> dict:
    codes = build_city()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "households.csv"
        rows = write_csv(path, codes)
        size_mb = round(path.stat().st_size / 2**20, 1)
        baselines, imports, refreshes = [], [], []
        for _ in range(ROUNDS):
            baselines.append(measured(plain_bulk_create, path))
            residents = Resident.objects.count()
            wipe()
            imports.append(measured(registry_import, path))
            assert Resident.objects.count() == residents
            refreshes.append(measured(worker_refresh))
            wipe()
        dry_run = measured(registry_import, path, True)
        measured(registry_import, path)
        again = measured(registry_import, path)
    ratios = [b["seconds"] / i["seconds"] for b, i in zip(baselines, imports, strict=True)]
    return {
        "csv_rows": rows,
        "csv_mb": size_mb,
        "households": HOUSEHOLDS,
        "residents": residents,
        "rounds": ROUNDS,
        "bulk_create_seconds": spread([step["seconds"] for step in baselines]),
        "bulk_create_rows_per_s": rate(rows, statistics.median(s["seconds"] for s in baselines)),
        "bulk_create_peak_mb": max(step["peak_mb"] for step in baselines),
        "import_seconds": spread([step["seconds"] for step in imports]),
        "import_rows_per_s": rate(rows, statistics.median(s["seconds"] for s in imports)),
        "import_peak_mb": max(step["peak_mb"] for step in imports),
        "import_vs_bulk_create_each_round": [round(ratio, 2) for ratio in ratios],
        "import_vs_bulk_create": round(statistics.median(ratios), 2),
        "then_worker_refreshes_areas": refreshes[0]["areas"],
        "then_worker_refresh_seconds": spread([step["seconds"] for step in refreshes]),
        "dry_run_rows_per_s": rate(rows, dry_run["seconds"]),
        "dry_run_peak_mb": dry_run["peak_mb"],
        "reimport_unchanged": again["unchanged"],
        "reimport_rows_per_s": rate(rows, again["seconds"]),
    }
