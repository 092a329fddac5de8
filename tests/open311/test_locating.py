"""Where a request is: a point in a grid's boundary (ray casting over GeoJSON, holes and
multipolygons included), an address matched to the registry, the centre reported back."""

import json
import random

import pytest

from demo.registry import rectangle
from grid import geometry, selectors
from grid.models import Area
from tests.factories import BuildingFactory, CommunityFactory, GridFactory, UnitFactory
from tests.imports.files import csv_bytes
from tests.imports.helpers import run

SQUARE = rectangle(0, 0, 10, 10)
WITH_HOLE = {
    "type": "Polygon",
    "coordinates": [
        [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
        [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
    ],
}
TWO_ISLANDS = {
    "type": "MultiPolygon",
    "coordinates": [rectangle(0, 0, 1, 1)["coordinates"], rectangle(5, 5, 8, 8)["coordinates"]],
}
L_SHAPE = {
    "type": "Polygon",
    "coordinates": [[[0, 0], [4, 0], [4, 1], [1, 1], [1, 4], [0, 4], [0, 0]]],
}


@pytest.mark.parametrize(
    ("boundary", "point", "inside"),
    [
        (SQUARE, (5, 5), True),
        (SQUARE, (10.5, 5), False),
        (SQUARE, (-0.1, 5), False),
        (WITH_HOLE, (2, 2), True),
        (WITH_HOLE, (5, 5), False),  # in the hole
        (TWO_ISLANDS, (0.5, 0.5), True),
        (TWO_ISLANDS, (6, 7), True),
        (TWO_ISLANDS, (3, 3), False),  # between the islands
        (L_SHAPE, (0.5, 3), True),
        (L_SHAPE, (3, 3), False),  # in the notch of the L
        (L_SHAPE, (3, 1), False),  # level with a vertex, outside
        (None, (0, 0), False),
    ],
)
def test_point_in_boundary(boundary, point, inside):
    assert geometry.boundary_contains(boundary, *point) is inside


def test_centre_of_the_largest_outline():
    assert geometry.boundary_centre(SQUARE) == (5, 5)
    assert geometry.boundary_centre(TWO_ISLANDS) == (6.5, 6.5)
    assert geometry.boundary_centre(WITH_HOLE) == (5, 5)
    assert geometry.boundary_centre(None) is None


@pytest.mark.django_db
def test_grid_at_a_point():
    community = CommunityFactory()
    west = GridFactory(parent=community, boundary=rectangle(117.0, 30.0, 117.1, 30.1))
    east = GridFactory(parent=community, boundary=rectangle(117.1, 30.0, 117.2, 30.1))
    GridFactory(parent=community, boundary=None)
    assert selectors.grid_at(117.05, 30.05) == west
    assert selectors.grid_at(117.15, 30.05) == east
    assert selectors.grid_at(118.0, 30.05) is None


def every_grid_containing(longitude: float, latitude: float):
    """The reference: every grid's boundary tested in code order, no box consulted."""
    grids = Area.objects.grids().filter(boundary__isnull=False).order_by("code")
    return next(
        (g for g in grids if geometry.boundary_contains(g.boundary, longitude, latitude)), None
    )


@pytest.mark.django_db
def test_grid_at_agrees_with_testing_every_boundary_on_10000_points():
    """Holes, multipolygons, overlaps (the first by code wins), a notch, and points exactly on
    edges and vertices: the stored boxes change no answer."""
    community = CommunityFactory()
    shapes = [
        WITH_HOLE,
        TWO_ISLANDS,
        L_SHAPE,
        rectangle(3, 3, 7, 7),  # overlaps the hole's square and the islands
        rectangle(10, 0, 12, 10),  # shares an edge with WITH_HOLE
        {"type": "Polygon", "coordinates": [[[2, 8], [9, 12], [0, 12], [2, 8]]]},
    ]
    for shape in shapes:
        GridFactory(parent=community, boundary=shape)
    GridFactory(parent=community, boundary=None)
    rng = random.Random(7)
    vertices = [
        (float(x), float(y))
        for shape in shapes
        for rings in geometry.polygons(shape)
        for ring in rings
        for x, y in ring
    ]
    points = [(rng.uniform(-1, 13), rng.uniform(-1, 13)) for _ in range(9_000)]
    points += [(rng.choice(range(-1, 14)), rng.uniform(-1, 13)) for _ in range(500)]  # on edges
    points += [rng.choice(vertices) for _ in range(500)]
    reference = {point: every_grid_containing(*point) for point in points}
    assert sum(found is not None for found in reference.values()) > 3_000
    assert {point: selectors.grid_at(*point) for point in points} == reference


@pytest.mark.django_db
def test_an_areas_box_follows_its_boundary():
    community = CommunityFactory()
    grid = GridFactory(parent=community, boundary=TWO_ISLANDS)
    assert (grid.bbox_west, grid.bbox_south, grid.bbox_east, grid.bbox_north) == (0, 0, 8, 8)
    grid.boundary = rectangle(117.0, 30.0, 117.1, 30.1)
    grid.save(update_fields=["boundary"])
    assert selectors.grid_at(117.05, 30.05) == grid and selectors.grid_at(6, 6) is None
    grid.boundary = None
    grid.save()
    grid.refresh_from_db()
    assert grid.bbox_west is None and selectors.grid_at(117.05, 30.05) is None


@pytest.mark.django_db
def test_a_grid_imported_with_a_boundary_is_located_and_follows_a_new_one():
    """The registry import writes rows in bulk, without Area.save: it stores the box too."""
    community = CommunityFactory()
    code = community.code + "009"

    def imported(boundary: dict):
        header = ["编码", "名称", "网格类型", "边界"]
        row = [code, "第九网格", "住宅网格", json.dumps(boundary)]
        report = run("areas", csv_bytes([header, row]))
        assert not report.errors, report.errors

    imported(rectangle(117.0, 30.0, 117.1, 30.1))
    assert selectors.grid_at(117.05, 30.05).code == code
    imported(rectangle(118.0, 31.0, 118.1, 31.1))
    assert selectors.grid_at(117.05, 30.05) is None
    assert selectors.grid_at(118.05, 31.05).code == code


@pytest.mark.django_db
def test_areas_at_an_address_exact_before_contained():
    wusong = CommunityFactory(name="五松社区")
    first = GridFactory(parent=wusong, name="第一网格")
    second = GridFactory(parent=wusong, name="第二网格")
    BuildingFactory(grid=first, address="长江中路88号")
    BuildingFactory(grid=second, address="长江中路8号")
    UnitFactory(grid=second, name="市人民医院", address="义安大道1号")
    assert selectors.areas_at_address("长江中路88号") == [first]
    assert selectors.areas_at_address("市人民医院") == [second]
    assert selectors.areas_at_address("五松社区") == [wusong]
    assert selectors.areas_at_address("五松社区 第二网格") == [second]
    # Typed with more detail than the registry holds: the building's address is inside it.
    assert selectors.areas_at_address("铜陵市长江中路88号3单元") == [first]
    # Part of two buildings' addresses: ambiguous.
    assert selectors.areas_at_address("长江中路") == [first, second]
    assert selectors.areas_at_address("  ") == []
