"""The area tree: levels, codes and kinds validated on save; the grid size rule reported."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError

from grid import selectors
from grid.models import Area

from .factories import (
    BuildingFactory,
    CommunityFactory,
    DistrictFactory,
    GridFactory,
    HouseholdFactory,
)

pytestmark = pytest.mark.django_db


def test_levels_follow_the_parent():
    grid = GridFactory()
    community = grid.parent
    assert (grid.level, community.level, community.parent.level, community.parent.parent.level) == (
        3,
        2,
        1,
        0,
    )
    assert len(grid.code) == 15
    assert grid.code.startswith(community.code)


def test_code_must_extend_the_parent_code():
    community = CommunityFactory()
    area = Area(parent=community, code="340702001001001", name="错", kind="residential")
    with pytest.raises(ValidationError) as info:
        area.full_clean()
    assert "code" in info.value.message_dict


def test_codes_are_unique():
    grid = GridFactory()
    twin = Area(parent=grid.parent, code=grid.code, name="重复", kind="residential")
    with pytest.raises(ValidationError) as info:
        twin.full_clean()
    assert "code" in info.value.message_dict


def test_a_grid_needs_a_kind_and_others_must_not_have_one():
    community = CommunityFactory()
    with pytest.raises(ValidationError) as info:
        Area(parent=community, code=community.code + "001", name="无类型").full_clean()
    assert "kind" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        Area(
            parent=community.parent, code=community.parent.code + "998", name="街", kind="unit"
        ).full_clean()
    assert "kind" in info.value.message_dict


def test_the_database_refuses_a_kind_on_a_community():
    community = CommunityFactory()
    community.kind = Area.Kind.UNIT
    with pytest.raises(IntegrityError):
        community.save()


def test_grids_cannot_have_children():
    grid = GridFactory()
    with pytest.raises(ValidationError) as info:
        Area(parent=grid, code=grid.code + "001", name="太深").full_clean()
    assert "parent" in info.value.message_dict


def test_renaming_keeps_the_code():
    grid = GridFactory()
    code = grid.code
    grid.name = "新名字"
    grid.full_clean()
    grid.save()
    grid.refresh_from_db()
    assert grid.code == code


def test_boundary_is_validated_geojson():
    grid = GridFactory()
    grid.boundary = {"type": "Polygon", "coordinates": [[[1, 1], [2, 2], [1, 1]]]}
    with pytest.raises(ValidationError) as info:
        grid.full_clean()
    assert "boundary" in info.value.message_dict


def households(grid, count):
    building = BuildingFactory(grid=grid)
    HouseholdFactory.create_batch(count, building=building)


@pytest.mark.parametrize(
    ("count", "violation"), [(249, "below"), (250, ""), (500, ""), (501, "above")]
)
def test_size_rule_bounds(count, violation):
    grid = GridFactory()
    households(grid, count)
    grid = Area.objects.get(pk=grid.pk)
    assert grid.household_count == count
    assert selectors.size_rule_violation(grid, count) == violation


def test_unit_grids_are_outside_the_size_rule(settings):
    grid = GridFactory(kind=Area.Kind.UNIT)
    assert selectors.size_rule_violation(grid, 0) == ""


def test_size_rule_bounds_are_settings(settings):
    settings.GRID_HOUSEHOLDS_MIN = 2
    settings.GRID_HOUSEHOLDS_MAX = 3
    small, fitting, large = GridFactory(), GridFactory(), GridFactory()
    households(small, 1)
    households(fitting, 3)
    households(large, 4)
    report = {
        (grid.pk, violation) for grid, _count, violation in selectors.grids_outside_size_rule()
    }
    assert report == {(small.pk, "below"), (large.pk, "above")}


def test_check_grid_sizes_command_reports_and_fails(settings, capsys):
    settings.GRID_HOUSEHOLDS_MIN = 2
    small = GridFactory(name="小网格")
    households(small, 1)
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_grid_sizes")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert small.code in out and "小网格" in out


def test_check_grid_sizes_passes_when_all_fit(settings, capsys):
    settings.GRID_HOUSEHOLDS_MIN = 1
    households(GridFactory(), 1)
    call_command("check_grid_sizes")
    assert "All residential grids" in capsys.readouterr().out


def test_within_uses_code_prefixes():
    district = DistrictFactory()
    community = CommunityFactory()
    grid = GridFactory(parent=community)
    other = GridFactory()
    within = set(Area.objects.within(community))
    assert community in within and grid in within
    assert other not in within and district not in within
