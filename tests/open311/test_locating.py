"""Where a request is: a point in a grid's boundary (ray casting over GeoJSON, holes and
multipolygons included), an address matched to the registry, the centre reported back."""

import pytest

from demo.registry import rectangle
from grid import selectors
from tests.factories import BuildingFactory, CommunityFactory, GridFactory, UnitFactory

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
    assert selectors.boundary_contains(boundary, *point) is inside


def test_centre_of_the_largest_outline():
    assert selectors.boundary_centre(SQUARE) == (5, 5)
    assert selectors.boundary_centre(TWO_ISLANDS) == (6.5, 6.5)
    assert selectors.boundary_centre(WITH_HOLE) == (5, 5)
    assert selectors.boundary_centre(None) is None


@pytest.mark.django_db
def test_grid_at_a_point():
    community = CommunityFactory()
    west = GridFactory(parent=community, boundary=rectangle(117.0, 30.0, 117.1, 30.1))
    east = GridFactory(parent=community, boundary=rectangle(117.1, 30.0, 117.2, 30.1))
    GridFactory(parent=community, boundary=None)
    assert selectors.grid_at(117.05, 30.05) == west
    assert selectors.grid_at(117.15, 30.05) == east
    assert selectors.grid_at(118.0, 30.05) is None


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
