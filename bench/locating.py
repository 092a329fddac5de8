"""Locating a point among 40,000 responsibility grids drawn as 48-vertex polygons: the stored
boxes (`grid.selectors.grid_at`, an indexed filter and an exact test of the few candidates)
against testing every grid's boundary in code order, the algorithm before the boxes. The two
run interleaved on the same points in one run; min, median and max of each are reported."""

import math
import random
import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from grid import geometry, selectors
from grid.models import Area

STREETS, COMMUNITIES, GRIDS = 20, 20, 100  # 40,000 grids, a 200 × 200 lattice
SIDE = 200
SIZE = 0.001  # degrees per cell
VERTICES = 48
POINTS, FULL_SCANS = 200, 5


def outline(column: int, row: int, rng: random.Random) -> dict:
    """A ring of VERTICES points around the cell's centre, within the cell, no two alike."""
    cx, cy = 117.0 + (column + 0.5) * SIZE, 30.0 + (row + 0.5) * SIZE
    ring = []
    for k in range(VERTICES):
        angle = 2 * math.pi * k / VERTICES
        radius = SIZE * rng.uniform(0.35, 0.5)
        ring.append(
            [round(cx + radius * math.cos(angle), 7), round(cy + radius * math.sin(angle), 7)]
        )
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def build() -> None:
    rng = random.Random(40_000)
    district = Area.objects.create(code="340705", name="铜官区")
    for s in range(STREETS):
        street = Area.objects.create(code=f"340705{s + 1:03d}", name=f"街道{s}", parent=district)
        for c in range(COMMUNITIES):
            community = Area.objects.create(
                code=f"{street.code}{c + 1:03d}", name=f"社区{s}-{c}", parent=street
            )
            first = (s * COMMUNITIES + c) * GRIDS
            cells = []
            for g in range(GRIDS):
                row, column = divmod(first + g, SIDE)
                cell = Area(
                    code=f"{community.code}{g + 1:03d}",
                    name=f"第{g + 1}网格",
                    parent=community,
                    level=Area.Level.GRID,
                    kind=Area.Kind.RESIDENTIAL,
                    boundary=outline(column, row, rng),
                )
                cell.set_box()  # as save() and the registry import do
                cells.append(cell)
            Area.objects.bulk_create(cells)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE grid_area")


def every_boundary(longitude: float, latitude: float) -> int | None:
    boundaries = (
        Area.objects.grids()
        .filter(boundary__isnull=False)
        .order_by("code")
        .values_list("pk", "boundary")
    )
    return next(
        (
            pk
            for pk, boundary in boundaries
            if geometry.boundary_contains(boundary, longitude, latitude)
        ),
        None,
    )


def spread(timings: list[float]) -> dict:
    return {
        "min_ms": round(min(timings), 2),
        "median_ms": round(statistics.median(timings), 2),
        "max_ms": round(max(timings), 2),
        "runs": len(timings),
    }


def run() -> dict:
    build()
    rng = random.Random(1)
    points = [
        (117.0 + rng.uniform(0, SIDE * SIZE), 30.0 + rng.uniform(0, SIDE * SIZE))
        for _ in range(POINTS)
    ]
    boxes, full, found = [], [], 0
    for n, point in enumerate(points):
        started = time.perf_counter()
        grid = selectors.grid_at(*point)
        boxes.append((time.perf_counter() - started) * 1000)
        found += grid is not None
        if n < FULL_SCANS:  # interleaved: the same point, right after
            started = time.perf_counter()
            pk = every_boundary(*point)
            full.append((time.perf_counter() - started) * 1000)
            assert pk == (grid.pk if grid else None), point
    with CaptureQueriesContext(connection) as queries:
        selectors.grid_at(*points[0])
    return {
        "grids": Area.objects.grids().count(),
        "vertices_per_polygon": VERTICES,
        "points_in_a_grid": f"{found} of {len(points)}",
        "with_boxes": spread(boxes),
        "testing_every_boundary": spread(full),
        "queries_with_boxes": len(queries),
    }
