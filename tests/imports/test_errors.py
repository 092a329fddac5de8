"""Every kind of bad cell and row is an error naming its row and its column, and nothing is
imported."""

import datetime

import pytest

from grid.models import Household, Resident
from tests.factories import valid_credit_code, valid_id_number

from .conftest import new_id
from .files import csv_bytes
from .helpers import errors, households, run, snapshot

pytestmark = pytest.mark.django_db


def one_error(report):
    assert report.error_count == 1, errors(report)
    return errors(report)[0]


BAD_CHECK_DIGIT = new_id(5)[:-1] + ("0" if new_id(5)[-1] != "0" else "1")


def member_row(city, **cells) -> list:
    row = {
        "grid": city.grid.code,
        "building": "3栋",
        "door": "1-101",
        "population": 1,
        "name": "张三",
        "id_number": new_id(5),
        "phone": "",
        "relation": "户主",
    }
    return list({**row, **cells}.values())


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (
            {"id_number": BAD_CHECK_DIGIT},
            "身份证号",
            "The ID number's check digit is wrong: check it for a typing error.",
        ),
        (
            {"id_number": "34070519801332001X"},  # 32 December
            "身份证号",
            "The ID number does not contain a valid birth date.",
        ),
        ({"phone": "12345"}, "电话", "Enter a mainland mobile number"),
        ({"name": "张" * 51}, "姓名", "Ensure this value has at most 50 characters (it has 51)."),
        ({"relation": "邻居"}, "与户主关系", "“邻居” is not one of: Householder"),
        ({"building": ""}, "楼栋", "This cell must be filled in."),
        (
            {"building": "99栋"},
            "楼栋",
            "There is no building 99栋 in this grid: import the buildings first.",
        ),
    ],
)
def test_bad_cell(city, cells, column, message):
    row, found_column, found = one_error(households([member_row(city, **cells)]))
    assert (row, found_column) == (2, column)
    assert found.startswith(message)


def test_bad_credit_code(city):
    code = valid_credit_code(7)
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    data = csv_bytes(
        [
            ["单位名称", "类型", "统一社会信用代码", "地址", "网格编码"],
            ["长江路小学", "学校", bad, "长江路8号", city.grid.code],
        ]
    )
    assert one_error(run("units", data)) == (
        2,
        "统一社会信用代码",
        "The unified social credit code's check character is wrong.",
    )


def test_unknown_area_code(city):
    code = city.community.code + "999"  # factories never give 999
    report = households([[code, "3栋", "1-101", 1, "张三", new_id(5), "", "户主"]])
    assert one_error(report) == (2, "网格编码", f"There is no area with code {code}.")


def test_area_that_is_not_a_grid(city):
    report = households([[city.community.code, "3栋", "1-101", 1, "张三", new_id(5), "", "户主"]])
    assert one_error(report) == (
        2,
        "网格编码",
        f"Area {city.community.code} is a Community, not a Responsibility grid.",
    )


def test_building_in_another_grid(city):
    report = households([[city.grid.code, "5栋", "1-101", 1, "张三", new_id(5), "", "户主"]])
    assert one_error(report) == (
        2,
        "楼栋",
        f"Building 5栋 is not in this grid: it is in grid {city.grid_2.code}.",
    )


def test_duplicate_id_number_inside_the_file(city):
    number = new_id(5)
    report = households(
        [
            [city.grid.code, "3栋", "1-102", 2, "张三", number, "", "户主"],
            [city.grid.code, "3栋", "1-102", 2, "张四", number, "", "子女"],
        ]
    )
    assert one_error(report) == (3, "身份证号", "This ID number is already in row 2.")


def test_duplicate_id_number_against_the_database(city):
    report = households(
        [[city.grid.code, "3栋", "1-102", 1, "张三", city.householder.id_number, "", "户主"]]
    )
    assert one_error(report) == (
        2,
        "身份证号",
        f"This ID number is already registered to a member of 3栋 1-101 ({city.grid.code}).",
    )


def test_missing_required_column_is_named(city):
    header = ["网格编码", "楼栋", "姓名", "身份证号", "与户主关系"]
    report = households([[city.grid.code, "3栋", "张三", new_id(5), "户主"]], header=header)
    assert errors(report) == [(1, "door number", "The required column “door number” is missing.")]
    assert report.rows == 0


def test_wrong_type(city):
    data = csv_bytes(
        [["网格编码", "楼栋名称", "地址", "层数"], [city.grid.code, "7栋", "长江路1号", "六"]]
    )
    assert one_error(run("buildings", data)) == (2, "层数", "Enter a whole number.")


def test_fraction_where_a_whole_number_belongs(city):
    data = csv_bytes(
        [["网格编码", "楼栋名称", "地址", "层数"], [city.grid.code, "7栋", "长江路1号", "6.5"]]
    )
    assert one_error(run("buildings", data))[2] == "Enter a whole number."


def test_empty_rows_are_skipped_and_counted(city):
    report = households(
        [
            [city.grid.code, "3栋", "1-102", 1, "张三", new_id(5), "", "户主"],
            ["", "", "", "", "", "", "", ""],
            [],
            [city.grid.code, "3栋", "1-103", 1, "李四", new_id(6), "", "户主"],
        ]
    )
    assert errors(report) == []
    assert (report.new, report.empty_rows) == (2, 2)


def test_same_household_must_agree_on_population(city):
    report = households(
        [
            [city.grid.code, "3栋", "1-102", 2, "张三", new_id(5), "", "户主"],
            [city.grid.code, "3栋", "1-102", 3, "李梅", new_id(6), "", "配偶"],
        ]
    )
    assert one_error(report) == (
        3,
        "户籍人口",
        "This household's registered population is 2 in row 2.",
    )


def test_birth_date_column_is_checked_against_the_id_number(city):
    number = valid_id_number(5, birth=datetime.date(1980, 3, 15))
    header = ["网格编码", "楼栋", "门牌号", "姓名", "身份证号", "出生日期", "与户主关系"]
    report = households(
        [[city.grid.code, "3栋", "1-102", "张三", number, "1980-03-16", "户主"]], header=header
    )
    assert one_error(report) == (
        2,
        "出生日期",
        "The birth date does not match the ID number, which gives 1980-03-15.",
    )


def test_many_errors_are_all_reported_and_nothing_changes(city):
    before = snapshot()
    report = households(
        [
            [city.grid.code, "3栋", "1-102", 1, "张三", new_id(5), "", "户主"],
            [city.grid.code, "3栋", "1-103", 1, "", new_id(6), "", "户主"],
            [city.grid.code, "3栋", "1-104", "x", "王五", new_id(7), "139", "户主"],
        ]
    )
    assert [(row, column) for row, column, _message in errors(report)] == [
        (3, "姓名"),
        (4, "户籍人口"),
        (4, "电话"),
    ]
    assert snapshot() == before
    assert not Household.objects.filter(door_number="1-102").exists()
    assert Resident.objects.count() == 2
