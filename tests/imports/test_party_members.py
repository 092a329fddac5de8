"""Party members import and export with the registers: each row a membership, the
organisation named by its area and name, the member by ID number among the residents whose
personal data the importer sees; errors name their row and column, and change nothing."""

import datetime

import pytest
from django.utils import translation

from grid.models import PartyMember, PartyOrganisation

from ..factories import worker_on
from .files import csv_bytes
from .helpers import errors, export, run

pytestmark = pytest.mark.django_db

HEADER = ["区域编码", "党组织", "姓名", "身份证号", "职务", "入党日期"]
PARTY_EDIT = (
    "wagtailadmin.access_admin",
    "grid.view_partymember",
    "grid.add_partymember",
    "grid.change_partymember",
    "grid.view_personal_data",
)


@pytest.fixture
def branch(city):
    return PartyOrganisation.objects.create(name="第一网格党支部", kind="branch", area=city.grid)


def members(rows, user=None, dry_run=False):
    return run("party_members", csv_bytes([HEADER, *rows]), user=user, dry_run=dry_run)


def test_members_are_imported_updated_and_exported_again(city, branch):
    row = [
        city.grid.code,
        "第一网格党支部",
        "王建国",
        city.householder.id_number,
        "党员",
        "2005-07-01",
    ]
    report = members([row])
    assert report.ok and report.new == 1, errors(report)
    member = PartyMember.objects.get()
    assert (member.organisation, member.resident, member.duty, member.joined_on) == (
        branch,
        city.householder,
        "member",
        datetime.date(2005, 7, 1),
    )
    report = members([[*row[:4], "书记", "2005-07-01"]])
    assert (report.new, report.updated) == (0, 1)
    assert PartyMember.objects.get().duty == "secretary"
    with translation.override("zh-hans"):
        exported = export("party_members", "csv").decode("utf-8-sig")
    assert exported.startswith("区域编码,党组织,姓名,身份证号,职务,入党日期")
    assert (
        f"{city.grid.code},第一网格党支部,王建国,{city.householder.id_number},书记,2005-07-01"
        in (exported)
    )
    again = run("party_members", exported.encode("utf-8-sig"))
    assert again.ok and again.unchanged == 1


def test_each_error_names_its_row_and_column_and_nothing_is_written(city, branch):
    worker = worker_on(city.community, PARTY_EDIT)
    report = members(
        [
            # A branch of no such name in the grid.
            [city.grid.code, "第九网格党支部", "王建国", city.householder.id_number, "", ""],
            # A resident of the other community: not where the worker sees personal data.
            [city.grid.code, "第一网格党支部", "李四", city.other_resident.id_number, "", ""],
            # The name does not match the register's.
            [city.grid.code, "第一网格党支部", "王建", city.householder.id_number, "", ""],
            # An area outside the worker's jurisdiction.
            [city.other_grid.code, "第一网格党支部", "", city.householder.id_number, "", ""],
            [city.grid.code, "第一网格党支部", "", city.householder.id_number, "主席", ""],
        ],
        user=worker,
    )
    found = errors(report)
    assert [(row, column) for row, column, _message in found] == [
        (2, "党组织"),
        (3, "身份证号"),
        (4, "姓名"),
        (5, "区域编码"),
        (6, "职务"),
    ]
    assert (
        found[0][2] == "There is no party organisation 第九网格党支部 in this area: add it first."
    )
    assert found[1][2] == "No resident with this ID number where you may see personal data."
    assert found[2][2] == "The households register names the resident with this ID number 王建国."
    assert not PartyMember.objects.exists()


def test_a_member_named_twice_in_a_file_is_an_error(city, branch):
    row = [city.grid.code, "第一网格党支部", "王建国", city.householder.id_number, "", ""]
    report = members([row, row])
    assert [(r, c) for r, c, _m in errors(report)] == [(3, "身份证号")]
    assert not PartyMember.objects.exists()
