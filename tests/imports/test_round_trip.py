"""Export → import gives back the same registry: an exported file re-imports unchanged, and
into an emptied registry it rebuilds the same records."""

import io

import pytest
from django.utils import translation

from grid.models import (
    Assignment,
    Department,
    Facility,
    Household,
    PartyMember,
    PartyOrganisation,
    Resident,
    Unit,
)
from grid.registers import RESOURCES
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    FacilityFactory,
    HouseholdFactory,
    RoleFactory,
    UnitFactory,
    UserFactory,
)

from .helpers import errors, export, run, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(city):
    UnitFactory(grid=city.grid, phone="0562-2881234")
    UnitFactory(grid=city.grid_2, credit_code=None)
    FacilityFactory(grid=city.grid, latitude="30.912345", longitude="117.812345")
    DepartmentFactory(phone="0562-2812308", description="户籍管理")
    AssignmentFactory(area=city.grid, work_phone="0562-2881234")
    AssignmentFactory(
        role=RoleFactory(scope="department"), area=None, department=DepartmentFactory()
    )
    committee = PartyOrganisation.objects.create(
        name="五松社区党委", kind="committee", area=city.community
    )
    branch = PartyOrganisation.objects.create(
        name="第一网格党支部", kind="branch", area=city.grid, parent=committee
    )
    PartyMember.objects.create(
        organisation=branch, resident=city.householder, duty="secretary", joined_on="2005-07-01"
    )
    HouseholdFactory(building=city.building_2, door_number="3-301")  # no members
    return city


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_exported_file_reimports_unchanged(registry, resource, file_format, language):
    with translation.override(language):
        data = export(resource, file_format)
    report = run(resource, data)
    assert errors(report) == []
    assert report.rows > 0
    assert report.rows == report.unchanged
    assert report.new == report.updated == 0


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_households_rebuilt_from_their_export(registry, file_format):
    before = snapshot()
    data = export("households", file_format)
    Resident.objects.all().delete()
    Household.objects.all().delete()
    report = run("households", data)
    assert errors(report) == []
    assert report.new == report.rows == 3
    assert snapshot() == before


@pytest.mark.parametrize(
    ("resource", "model"),
    [("units", Unit), ("facilities", Facility), ("departments", Department)],
)
def test_registers_rebuilt_from_their_export(registry, resource, model):
    fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
    before = sorted(model.objects.values_list(*fields))
    data = export(resource, "xlsx")
    if model is Department:
        Assignment.objects.filter(department__isnull=False).delete()
    model.objects.all().delete()
    report = run(resource, data)
    assert errors(report) == []
    assert sorted(model.objects.values_list(*fields)) == before


def test_a_change_in_the_file_is_an_update(registry):
    data = export("households", "csv").decode("utf-8-sig").replace("13912345678", "13800138000")
    report = run("households", data.encode())
    assert (report.updated, report.new) == (1, 0)
    assert Resident.objects.get(name="王建国").phone == "13800138000"


def test_english_and_chinese_headers_mix(registry):
    with translation.override("en"):
        english = export("buildings", "csv").decode("utf-8-sig").splitlines()
    with translation.override("zh-hans"):
        chinese = export("buildings", "csv").decode("utf-8-sig").splitlines()
    mixed = ",".join(english[0].split(",")[:2] + chinese[0].split(",")[2:])
    report = run("buildings", "\n".join([mixed, *english[1:]]).encode())
    assert errors(report) == []
    assert report.unchanged == 3


def test_text_that_looks_like_a_formula_stays_text_in_xlsx(registry):
    UserFactory()
    Department.objects.update(description="=1+1")
    report = run("departments", export("departments", "xlsx"))
    assert report.unchanged == 2
    assert set(Department.objects.values_list("description", flat=True)) == {"=1+1"}


def test_text_that_looks_like_a_formula_is_escaped_in_csv_and_reads_back(registry):
    Department.objects.update(description='=HYPERLINK("http://x")')
    data = export("departments", "csv")
    assert b"'=HYPERLINK" in data
    report = run("departments", data)
    assert report.unchanged == 2
    assert set(Department.objects.values_list("description", flat=True)) == {
        '=HYPERLINK("http://x")'
    }


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_control_characters_never_break_an_export(registry, file_format):
    Department.objects.update(description="户籍\x08管理\x1b")
    data = export("departments", file_format)
    assert "户籍管理".encode() in data or file_format == "xlsx"
    if file_format == "xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        assert "户籍管理" in [cell.value for row in sheet.iter_rows() for cell in row]
