"""A user imports and exports only inside their jurisdiction: a row for an area outside it is
an error, never a silent skip, and says nothing about what lies outside."""

import io

import pytest
from django.core.management import call_command

from grid.models import Area, Assignment, Household
from tests.factories import RoleFactory, UserFactory

from .conftest import new_id
from .files import csv_bytes, read_csv
from .helpers import errors, households, run, snapshot

pytestmark = pytest.mark.django_db


def test_row_outside_the_jurisdiction_is_an_error(city):
    before = snapshot()
    report = households(
        [
            [city.grid.code, "3栋", "1-102", 1, "张三", new_id(5), "", "户主"],
            [city.other_grid.code, "9栋", "2-203", 1, "李四", new_id(6), "", "户主"],
        ],
        user=city.worker,
    )
    assert errors(report) == [
        (3, "网格编码", f"Area {city.other_grid.code} is outside your jurisdiction.")
    ]
    assert snapshot() == before


def test_unknown_code_outside_the_jurisdiction_reads_the_same(city):
    code = city.other_community.code + "098"
    report = households(
        [[code, "9栋", "2-203", 1, "李四", new_id(6), "", "户主"]], user=city.worker
    )
    assert errors(report)[0][2] == f"Area {code} is outside your jurisdiction."


def test_id_number_held_outside_the_jurisdiction_is_not_described(city):
    report = households(
        [[city.grid.code, "3栋", "1-102", 1, "李四", city.other_resident.id_number, "", "户主"]],
        user=city.worker,
    )
    assert errors(report)[0][2] == (
        "This ID number is already registered to a member of a household outside your jurisdiction."
    )


def test_areas_only_below_the_users_own(city):
    data = csv_bytes(
        [
            ["编码", "名称", "网格类型"],
            [city.community.code + "007", "第七网格", "住宅网格"],
            [city.other_community.code + "007", "第七网格", "住宅网格"],
            ["340706", "新区", ""],
        ]
    )
    report = run("areas", data, user=city.worker)
    assert [(row, message) for row, _column, message in errors(report)] == [
        (3, f"Area {city.other_community.code}007 is outside your jurisdiction."),
        (4, "Area 340706 is outside your jurisdiction."),
    ]
    report = run(
        "areas",
        csv_bytes(
            [["编码", "名称", "网格类型"], [city.community.code + "007", "第七网格", "住宅网格"]]
        ),
        user=city.worker,
    )
    assert report.new == 1
    grid = Area.objects.get(code=city.community.code + "007")
    assert (grid.parent, grid.level, grid.kind) == (city.community, 3, "residential")


def test_roles_granted_only_inside_the_jurisdiction(city):
    role = RoleFactory(key="grid_worker")
    user = UserFactory(username="new_worker")
    data = csv_bytes(
        [
            ["用户名", "角色标识", "区域编码"],
            ["new_worker", "grid_worker", city.grid.code],
            ["new_worker", "grid_worker", city.other_grid.code],
        ]
    )
    report = run("assignments", data, user=city.worker)
    assert [(row, column) for row, column, _message in errors(report)] == [(3, "区域编码")]
    report = run(
        "assignments",
        csv_bytes(
            [["用户名", "角色标识", "区域编码"], ["new_worker", "grid_worker", city.grid.code]]
        ),
        user=city.worker,
    )
    assert report.new == 1
    assert Assignment.objects.get(user=user).role == role


def test_export_command_limited_to_the_users_jurisdiction(city, tmp_path):
    target = tmp_path / "households.csv"
    call_command(
        "export_registry",
        "households",
        str(target),
        user=city.worker.username,
        stdout=io.StringIO(),
    )
    rows = read_csv(target.read_bytes())
    assert [row[4] for row in rows[1:]] == ["王建国"]
    call_command("export_registry", "households", str(target), stdout=io.StringIO())
    assert len(read_csv(target.read_bytes())) == 3
    assert Household.objects.count() == 2
