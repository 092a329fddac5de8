"""Party organisations import and export with the registers: each row an organisation on a
community or grid, keyed by its area and name, under a parent named by its name among the
community's organisations or the file's; errors name their row and column, and change
nothing."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from grid import exports
from grid.models import PartyOrganisation
from grid.registers import get_resource

from ..factories import worker_on
from .files import csv_bytes, read_csv, xlsx_bytes
from .helpers import errors, export, run

pytestmark = pytest.mark.django_db

HEADER = ["区域编码", "名称", "组织类型", "上级组织"]
ORGANISATION_EDIT = (
    "wagtailadmin.access_admin",
    "grid.view_partyorganisation",
    "grid.add_partyorganisation",
    "grid.change_partyorganisation",
)


def organisations(rows, user=None, dry_run=False):
    return run("party_organisations", csv_bytes([HEADER, *rows]), user=user, dry_run=dry_run)


def on_record() -> list[tuple]:
    return sorted(
        PartyOrganisation.objects.values_list("area__code", "name", "kind", "parent__name")
    )


@pytest.fixture
def committee(city):
    return PartyOrganisation.objects.create(
        name="五松社区党委", kind="committee", area=city.community
    )


def test_organisations_are_imported_updated_and_exported_again(city):
    rows = [
        [city.community.code, "五松社区党委", "党委", ""],
        [city.grid.code, "第一网格党支部", "党支部", "五松社区党委"],
        [city.grid_2.code, "第二网格党支部", "Party branch", "五松社区党委"],
    ]
    report = organisations(rows)
    assert report.ok and report.new == 3, errors(report)
    assert on_record() == [
        (city.community.code, "五松社区党委", "committee", None),
        (city.grid.code, "第一网格党支部", "branch", "五松社区党委"),
        (city.grid_2.code, "第二网格党支部", "branch", "五松社区党委"),
    ]

    # The same key updates: the second branch becomes a general branch under nobody.
    report = organisations([rows[0], rows[1], [city.grid_2.code, "第二网格党支部", "党总支", ""]])
    assert (report.new, report.updated, report.unchanged) == (0, 1, 2), errors(report)
    second = PartyOrganisation.objects.get(name="第二网格党支部")
    assert (second.kind, second.parent) == ("general_branch", None)

    with translation.override("zh-hans"):
        exported = export("party_organisations", "csv").decode("utf-8-sig")
    assert exported.splitlines() == [
        "区域编码,名称,组织类型,上级组织",
        f"{city.community.code},五松社区党委,党委,",
        f"{city.grid.code},第一网格党支部,党支部,五松社区党委",
        f"{city.grid_2.code},第二网格党支部,党总支,",
    ]
    again = run("party_organisations", exported.encode("utf-8-sig"))
    assert again.ok and (again.unchanged, again.new, again.updated) == (3, 0, 0), errors(again)


def test_a_parent_defined_later_in_the_file_is_found(city):
    rows = [
        [city.grid.code, "第一网格党支部", "党支部", "五松社区党总支"],
        [city.community.code, "五松社区党总支", "党总支", "五松社区党委"],
        [city.community.code, "五松社区党委", "党委", ""],
    ]
    dry = organisations(rows, dry_run=True)
    assert dry.ok and dry.new == 3, errors(dry)
    assert not PartyOrganisation.objects.exists()
    report = organisations(rows)
    assert report.ok and report.new == 3, errors(report)
    assert on_record() == [
        (city.community.code, "五松社区党委", "committee", None),
        (city.community.code, "五松社区党总支", "general_branch", "五松社区党委"),
        (city.grid.code, "第一网格党支部", "branch", "五松社区党总支"),
    ]


def test_an_organisation_on_record_is_put_under_a_new_one(city):
    PartyOrganisation.objects.create(name="第一网格党支部", kind="branch", area=city.grid)
    report = organisations(
        [
            [city.grid.code, "第一网格党支部", "党支部", "五松社区党委"],
            [city.community.code, "五松社区党委", "党委", ""],
        ]
    )
    assert (report.new, report.updated) == (1, 1), errors(report)
    assert PartyOrganisation.objects.get(name="第一网格党支部").parent.name == "五松社区党委"


def test_a_parent_in_another_community_is_refused(city):
    PartyOrganisation.objects.create(
        name="金口岭社区党委", kind="committee", area=city.other_community
    )
    report = organisations([[city.grid.code, "第一网格党支部", "党支部", "金口岭社区党委"]])
    assert errors(report) == [
        (
            2,
            "上级组织",
            "There is no party organisation 金口岭社区党委 in this community, on record or in "
            "this file.",
        )
    ]
    assert PartyOrganisation.objects.count() == 1


def test_each_error_names_its_row_and_column_and_nothing_is_written(city, committee):
    PartyOrganisation.objects.create(name="党小组", kind="branch", area=city.grid)
    PartyOrganisation.objects.create(name="党小组", kind="branch", area=city.grid_2)
    worker = worker_on(city.community, ORGANISATION_EDIT)
    street = city.community.parent
    report = organisations(
        [
            ["", "第一网格党支部", "党支部", ""],
            [city.grid.code + "9", "第一网格党支部", "党支部", ""],
            [city.other_grid.code, "第三网格党支部", "党支部", ""],
            [street.code, "长江路街道党工委", "党委", ""],
            [city.grid.code, "", "党支部", ""],
            [city.grid.code, "第" * 101, "党支部", ""],
            [city.grid.code, "第一网格党支部", "党小组", ""],
            [city.grid.code, "第一网格党支部", "", ""],
            [city.grid.code, "第一网格党支部", "党支部", "第九网格党支部"],
            [city.grid.code, "第一网格党支部", "党支部", "党小组"],
            [city.grid.code, "第一网格党支部", "党支部", "第一网格党支部"],
            [city.grid_2.code, "第二网格党支部", "党支部", "五松社区党委"],
            [city.grid_2.code, "第二网格党支部", "党支部", "五松社区党委"],
        ],
        user=worker,
    )
    assert errors(report) == [
        (2, "区域编码", "This cell must be filled in."),
        (3, "区域编码", f"There is no area with code {city.grid.code}9."),
        (4, "区域编码", f"Area {city.other_grid.code} is outside your jurisdiction."),
        (5, "区域编码", f"Area {street.code} is outside your jurisdiction."),
        (6, "名称", "This cell must be filled in."),
        (7, "名称", "Ensure this value has at most 100 characters (it has 101)."),
        (
            8,
            "组织类型",
            "“党小组” is not one of: Party committee、General party branch、Party branch.",
        ),
        (9, "组织类型", "This cell must be filled in."),
        (
            10,
            "上级组织",
            "There is no party organisation 第九网格党支部 in this community, on record or in "
            "this file.",
        ),
        (11, "上级组织", "More than one party organisation of this community is named 党小组."),
        (12, "上级组织", "An organisation cannot be under itself or under one it is above."),
        (14, "名称", "This record is already in row 13."),
    ]
    assert on_record() == [
        (city.community.code, "五松社区党委", "committee", None),
        (city.grid.code, "党小组", "branch", None),
        (city.grid_2.code, "党小组", "branch", None),
    ]


def test_an_organisation_is_on_a_community_or_a_grid(city):
    street = city.community.parent
    report = organisations([[street.code, "长江路街道党工委", "党委", ""]])
    assert errors(report) == [
        (
            2,
            "区域编码",
            f"Party organisations are on communities and grids: {street.code} is a Street.",
        )
    ]


def test_an_organisation_cannot_end_up_under_one_below_it(city, committee):
    PartyOrganisation.objects.create(
        name="第一网格党支部", kind="branch", area=city.grid, parent=committee
    )
    report = organisations([[city.community.code, "五松社区党委", "党委", "第一网格党支部"]])
    assert errors(report) == [
        (2, "上级组织", "An organisation cannot be under itself or under one it is above.")
    ]
    assert PartyOrganisation.objects.get(name="五松社区党委").parent is None


def test_errors_read_chinese(city):
    with translation.override("zh-hans"):
        report = organisations(
            [
                [city.grid.code, "第一网格党支部", "党小组", ""],
                [city.grid.code, "第一网格党支部", "党支部", "五松社区党委"],
                [city.community.parent.code, "长江路街道党工委", "党委", ""],
            ]
        )
    assert errors(report) == [
        (2, "组织类型", "“党小组”不是以下之一：党委、党总支、党支部。"),
        (3, "上级组织", "本社区在册和本文件中都没有名为 五松社区党委 的党组织。"),
        (4, "区域编码", f"党组织只设在社区和网格：{city.community.parent.code} 是街道。"),
    ]


def test_one_bad_row_leaves_everything_as_it_was(city, committee):
    report = organisations(
        [
            [city.community.code, "五松社区党委", "党总支", ""],
            [city.grid.code, "第一网格党支部", "党支部", "五松社区党委"],
            [city.grid_2.code, "第二网格党支部", "党支部", "第九社区党委"],
        ]
    )
    assert [(row, column) for row, column, _message in errors(report)] == [(4, "上级组织")]
    assert on_record() == [(city.community.code, "五松社区党委", "committee", None)]


def test_a_missing_required_column_is_an_error(city):
    data = csv_bytes([["区域编码", "名称"], [city.grid.code, "第一网格党支部"]])
    report = run("party_organisations", data)
    assert errors(report) == [(1, "kind", "The required column “kind” is missing.")]


def test_a_file_without_the_parent_column_leaves_parents_alone(city, committee):
    PartyOrganisation.objects.create(
        name="第一网格党支部", kind="branch", area=city.grid, parent=committee
    )
    data = csv_bytes([HEADER[:3], [city.grid.code, "第一网格党支部", "党总支"]])
    report = run("party_organisations", data)
    assert report.updated == 1, errors(report)
    branch = PartyOrganisation.objects.get(name="第一网格党支部")
    assert (branch.kind, branch.parent) == ("general_branch", committee)


def test_jurisdiction_limits_import_and_export(city, committee):
    PartyOrganisation.objects.create(
        name="金口岭社区党委", kind="committee", area=city.other_community
    )
    worker = worker_on(city.community, ORGANISATION_EDIT)
    report = organisations(
        [
            [city.grid.code, "第一网格党支部", "党支部", "五松社区党委"],
            [city.other_community.code, "金口岭社区党委", "党总支", ""],
        ],
        user=worker,
    )
    assert errors(report) == [
        (3, "区域编码", f"Area {city.other_community.code} is outside your jurisdiction.")
    ]
    assert PartyOrganisation.objects.get(name="金口岭社区党委").kind == "committee"
    register = get_resource("party_organisations")
    rows = read_csv(
        b"".join(
            exports.export_csv(register, PartyOrganisation.objects.all(), user=worker, filters={})
        )
    )
    assert [row[1] for row in rows[1:]] == ["五松社区党委"]


def test_a_grid_worker_reimports_a_branch_under_a_committee_outside_their_grid(city, committee):
    """The parent on record is named by the export wherever it is; naming an organisation
    outside the jurisdiction as a new parent is refused, as in the admin's form."""
    PartyOrganisation.objects.create(
        name="第一网格党支部", kind="branch", area=city.grid, parent=committee
    )
    worker = worker_on(city.grid, ORGANISATION_EDIT)
    register = get_resource("party_organisations")
    data = b"".join(
        exports.export_csv(register, PartyOrganisation.objects.all(), user=worker, filters={})
    )
    assert read_csv(data)[1:] == [
        [city.grid.code, "第一网格党支部", "Party branch", "五松社区党委"]
    ]
    report = run("party_organisations", data, user=worker)
    assert report.ok and report.unchanged == 1, errors(report)
    report = organisations(
        [[city.grid.code, "第一网格党小组", "党支部", "五松社区党委"]], user=worker
    )
    assert [(row, column) for row, column, _message in errors(report)] == [(2, "上级组织")]


def test_xlsx_imports(city):
    data = xlsx_bytes(
        [
            HEADER,
            [int(city.community.code), "五松社区党委", "党委", None],
            [int(city.grid.code), "第一网格党支部", "党支部", "五松社区党委"],
        ]
    )
    report = run("party_organisations", data)
    assert report.ok and report.new == 2, errors(report)
    assert PartyOrganisation.objects.get(name="第一网格党支部").parent.area == city.community


def test_the_register_has_import_export_and_a_template_in_the_admin(client, city):
    client.force_login(worker_on(city.community, ORGANISATION_EDIT))
    listing = client.get(reverse("grid_partyorganisation_modeladmin_index")).text
    assert reverse("grid_partyorganisation_modeladmin_import") in listing
    assert "export=xlsx" in listing
    template = client.get(reverse("grid_partyorganisation_modeladmin_import_template"))
    assert template.status_code == 200
    # The template's example row imports, on one of the city's grids, once its parent is on
    # record.
    PartyOrganisation.objects.create(name="五松社区党委", kind="committee", area=city.community)
    header, example = openpyxl.load_workbook(io.BytesIO(template.content)).active.values
    report = run("party_organisations", xlsx_bytes([header, [city.grid.code, *example[1:]]]))
    assert report.ok and report.new == 1, errors(report)
    response = client.post(
        reverse("grid_partyorganisation_modeladmin_import"),
        {
            "file": SimpleUploadedFile(
                "organisations.csv",
                csv_bytes([HEADER, [city.grid_2.code, "第二网格党支部", "党支部", "五松社区党委"]]),
            ),
            "encoding": "",
        },
        follow=True,
    )
    assert response.context["report"].new == 1


def test_importing_needs_the_add_and_change_permissions(client, city):
    client.force_login(
        worker_on(city.community, ("wagtailadmin.access_admin", "grid.view_partyorganisation"))
    )
    listing = client.get(reverse("grid_partyorganisation_modeladmin_index")).text
    assert reverse("grid_partyorganisation_modeladmin_import") not in listing
    assert "export=xlsx" in listing
    assert client.get(reverse("grid_partyorganisation_modeladmin_import")).status_code == 302
