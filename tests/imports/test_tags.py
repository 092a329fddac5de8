"""Tags move with the households register: household tags and member tags columns, tag names
looked up once per file, an unknown name an error naming row, column and name."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grid.models import Household, Resident
from tests.factories import (
    REGISTRY_EDIT,
    HouseholdFactory,
    ResidentFactory,
    TagFactory,
    worker_on,
)

from .conftest import new_id
from .helpers import HOUSEHOLD_HEADER, errors, export, households, run, snapshot

pytestmark = pytest.mark.django_db

HEADER = [*HOUSEHOLD_HEADER, "户标签", "成员标签"]


@pytest.fixture
def tags(db):
    return {
        "elderly": TagFactory(name="独居老人", short="独", visit_interval_days=7, sort_order=1),
        "low_income": TagFactory(name="低保户", short="保", sensitive=True, sort_order=3),
        "party": TagFactory(name="党员", short="党", sort_order=4),
        "disabled": TagFactory(name="残疾人", short="残", sensitive=True, sort_order=2),
    }


def tagged(household: Household) -> tuple[set[str], dict[str, set[str]]]:
    return (
        set(household.tags.values_list("name", flat=True)),
        {m.name: set(m.tags.values_list("name", flat=True)) for m in household.members.all()},
    )


def all_tags() -> list:
    return sorted(
        [
            *Household.tags.through.objects.values_list(
                "household__building__name", "household__door_number", "tag__name"
            ),
            *Resident.tags.through.objects.values_list(
                "resident__household__door_number", "resident__name", "tag__name"
            ),
        ]
    )


@pytest.fixture
def registry(city, tags):
    city.household.tags.set([tags["elderly"], tags["low_income"]])
    city.householder.tags.set([tags["disabled"], tags["party"]])
    spouse = ResidentFactory(household=city.household, name="李梅", relation="spouse")
    spouse.tags.set([tags["party"]])
    empty = HouseholdFactory(building=city.building_2, door_number="3-301")  # no members
    empty.tags.set([tags["low_income"]])
    return city


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_exported_tags_reimport_unchanged_and_rebuild_the_same(registry, file_format):
    before, tags_before = snapshot(), all_tags()
    data = export("households", file_format)
    report = run("households", data)
    assert errors(report) == []
    assert report.rows == report.unchanged == 4
    Resident.objects.all().delete()
    Household.objects.all().delete()
    report = run("households", data)
    assert errors(report) == []
    assert report.new == report.rows == 4
    assert snapshot() == before
    assert all_tags() == tags_before


def test_export_writes_tags_in_their_order_on_every_member_row(registry):
    lines = export("households", "csv").decode("utf-8-sig").splitlines()
    assert lines[0].endswith(",household tags,member tags")
    by_member = {line.split(",")[4]: line.split(",")[-2:] for line in lines[1:]}
    assert by_member["王建国"] == ["独居老人、低保户", "残疾人、党员"]
    assert by_member["李梅"] == ["独居老人、低保户", "党员"]
    assert by_member[""] == ["低保户", ""]  # the household without members


def row(city, door, name, id_number, household_tags="", member_tags="", relation="户主") -> list:
    return [
        city.grid.code,
        "3栋",
        door,
        1,
        name,
        id_number,
        "",
        relation,
        household_tags,
        member_tags,
    ]


def test_unknown_tag_names_row_column_and_name_and_nothing_is_written(city, tags):
    before, tags_before = snapshot(), all_tags()
    report = households(
        [
            row(city, "1-101", "王建国", city.householder.id_number, "独居老人"),
            row(city, "1-102", "张三", new_id(5), member_tags="党员、困难户"),
            row(city, "1-103", "赵六", new_id(6), "五保户"),
        ],
        header=HEADER,
    )
    assert errors(report) == [
        (3, "成员标签", "There is no tag named “困难户”."),
        (4, "户标签", "There is no tag named “五保户”."),
    ]
    assert snapshot() == before and all_tags() == tags_before


def test_names_are_separated_by_any_of_the_usual_marks(city, tags):
    report = households(
        [
            row(
                city,
                "1-101",
                "王建国",
                city.householder.id_number,
                "独居老人，低保户",
                "党员;残疾人",
            ),
            row(city, "1-102", "张三", new_id(5), member_tags="党员、 残疾人 ,党员"),
        ],
        header=HEADER,
    )
    assert errors(report) == []
    assert (report.updated, report.new) == (1, 1)
    assert tagged(city.household) == ({"独居老人", "低保户"}, {"王建国": {"党员", "残疾人"}})
    resident = Resident.objects.get(name="张三")
    assert set(resident.tags.values_list("name", flat=True)) == {"党员", "残疾人"}


def test_a_filled_cell_sets_the_tags_and_an_empty_one_leaves_them(registry, tags):
    report = households(
        [
            row(registry, "1-101", "王建国", registry.householder.id_number, "党员"),
            row(registry, "1-101", "李梅", "", member_tags="残疾人", relation="配偶"),
        ],
        header=HEADER,
    )
    assert errors(report) == []
    assert report.updated == 2
    assert tagged(registry.household) == (
        {"党员"},
        {"王建国": {"残疾人", "党员"}, "李梅": {"残疾人"}},
    )


def test_rows_of_one_household_must_agree_on_its_tags(city, tags):
    report = households(
        [
            row(city, "1-101", "王建国", city.householder.id_number, "独居老人"),
            row(city, "1-101", "李梅", new_id(5), relation="配偶"),
            row(city, "1-101", "王小明", new_id(6), "低保户", relation="子女"),
        ],
        header=HEADER,
    )
    assert errors(report) == [(4, "户标签", "This household's tags are 独居老人 in row 2.")]


def test_member_tags_without_a_member_are_an_error(city, tags):
    report = households(
        [row(city, "1-109", "", "", member_tags="党员", relation="")], header=HEADER
    )
    assert errors(report)[0][2] == "A member needs a name and a relation to the householder."


def test_an_importer_who_does_not_see_personal_data_keeps_the_sensitive_tags(registry, tags):
    without = tuple(p for p in REGISTRY_EDIT if p != "grid.view_personal_data")
    importer = worker_on(registry.community, perms=without)
    report = households(
        [row(registry, "1-101", "王建国", registry.householder.id_number, "党员", "党员")],
        user=importer,
        header=HEADER,
    )
    assert errors(report) == []
    household, members = tagged(registry.household)
    assert household == {"党员", "低保户"}
    assert members["王建国"] == {"党员", "残疾人"}


def test_tag_names_are_read_once_per_file(city, tags):
    rows = [
        [
            city.grid.code,
            "3栋",
            f"1-{n}",
            1,
            f"居民{n}",
            new_id(100 + n),
            "",
            "户主",
            "党员",
            "党员",
        ]
        for n in range(201, 241)
    ]
    with CaptureQueriesContext(connection) as captured:
        report = households(rows, header=HEADER)
    assert errors(report) == [] and report.new == 40
    reads = [q["sql"] for q in captured if 'FROM "grid_tag"' in q["sql"]]
    assert len(reads) == 1
    writes = [
        q["sql"] for q in captured if q["sql"].startswith('INSERT INTO "grid_household_tags"')
    ]
    assert len(writes) == 1


def test_a_file_without_tag_columns_reads_no_tags(city, tags):
    with CaptureQueriesContext(connection) as captured:
        report = households([row(city, "1-101", "王建国", city.householder.id_number)[:8]])
    assert errors(report) == []
    assert not [q for q in captured if "tag" in q["sql"]]
