"""Encodings and spreadsheet quirks: UTF-8 with and without BOM, GB18030/GBK, XLSX with
formula cells and Excel's serial dates, and clear errors for files that are none of these."""

import codecs
import datetime

import pytest

from grid.models import Building, Resident
from tests.factories import valid_id_number

from .conftest import new_id
from .files import csv_bytes, xlsx_bytes
from .helpers import HOUSEHOLD_HEADER, WITH_BIRTH_DATE, errors, run

pytestmark = pytest.mark.django_db


def rows(city):
    return [
        HOUSEHOLD_HEADER,
        [city.grid.code, "3栋", "1-102", 2, "欧阳明月", new_id(5), "13800138000", "户主"],
        [city.grid.code, "3栋", "1-102", 2, "张晓燕", new_id(6), "", "配偶"],
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "gbk"])
def test_encodings_are_detected(city, encoding):
    report = run("households", csv_bytes(rows(city), encoding))
    assert errors(report) == []
    assert report.new == 2
    assert set(
        Resident.objects.filter(household__door_number="1-102").values_list("name", flat=True)
    ) == {
        "欧阳明月",
        "张晓燕",
    }


def test_bom_is_not_part_of_the_first_header(city):
    data = csv_bytes(rows(city), "utf-8-sig")
    assert data.startswith(codecs.BOM_UTF8)
    assert run("households", data).encoding == "utf-8-sig"


def test_gb18030_file_with_rare_characters(city):
    data = csv_bytes(
        [HOUSEHOLD_HEADER, [city.grid.code, "3栋", "1-102", 1, "王𠀀", new_id(5), "", "户主"]],
        "gb18030",
    )
    report = run("households", data)
    assert report.encoding == "gb18030"
    assert Resident.objects.filter(name="王𠀀").exists()


def test_chosen_encoding_that_does_not_fit(city):
    data = csv_bytes(rows(city), "gb18030")
    report = run("households", data, encoding="utf-8-sig")
    assert errors(report) == [
        (1, "", "Line 1 is not valid UTF-8 text: choose the file's encoding.")
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (codecs.BOM_UTF16_LE + "网格编码".encode("utf-16-le"), "This file is UTF-16 text"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "This is an Excel 97-2003"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "This is not a CSV or XLSX file."),
        (b"abc,\x80\xff\n", "The file is neither UTF-8 nor GB18030/GBK text"),
        (b"", "The file is empty."),
        (b"PK\x03\x04 not really a zip", "The workbook cannot be opened"),
    ],
)
def test_files_that_cannot_be_read(city, data, message):
    report = run("households", data)
    assert report.error_count == 1
    assert report.errors[0].row == 1
    assert report.errors[0].message.startswith(message)
    assert Resident.objects.count() == 2


def test_semicolon_separated(city):
    report = run("households", csv_bytes(rows(city), delimiter=";"))
    assert report.new == 2


def test_xlsx_formula_cells_and_serial_dates(city):
    number = valid_id_number(5, birth=datetime.date(1980, 3, 15))
    header = WITH_BIRTH_DATE
    data = xlsx_bytes(
        [
            header,
            # The door number and population are formulas; the birth date is Excel's serial
            # number of 1980-03-15, as a cell formatted "General" shows it.
            [int(city.grid.code), "3栋", '="1-"&"102"', "=1+1", "张三", number, 29295, "户主"],
            [
                int(city.grid.code),
                "3栋",
                "1-102",
                2,
                "李梅",
                new_id(6),
                datetime.datetime(1990, 3, 15),
                "配偶",
            ],
        ],
        cached={"C2": "1-102", "D2": 2},
    )
    report = run("households", data)
    assert errors(report) == []
    assert report.new == 2
    household = Resident.objects.get(name="张三").household
    assert (household.door_number, household.registered_population) == ("1-102", 2)


def test_xlsx_numbers_where_text_belongs(city):
    data = xlsx_bytes(
        [
            ["网格编码", "楼栋名称", "地址", "层数", "单元数"],
            [int(city.grid.code), 12, "长江路1号", 6.0, 2],
        ]
    )
    report = run("buildings", data)
    assert errors(report) == []
    assert Building.objects.get(name="12").floors == 6


def test_xlsx_id_number_stored_as_a_number(city):
    data = xlsx_bytes(
        [
            HOUSEHOLD_HEADER,
            [city.grid.code, "3栋", "1-102", 1, "张三", 3.40705198003151e17, "", "户主"],
        ]
    )
    assert errors(run("households", data)) == [
        (
            2,
            "身份证号",
            "Excel stored this ID number as a number and lost its last digits: format the "
            "column as text and type the number again.",
        )
    ]
