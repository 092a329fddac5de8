"""Submissions in the admin: listed per form within the viewer's jurisdiction, masked in
lists, filtered, searched, exported cell by cell, deleted with an audit entry; uploaded files
only for those who may see them."""

import csv
import datetime
import io
import tracemalloc

import openpyxl
import pytest
from django.core.files.storage import storages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from wagtail.models import ModelLogEntry

from forms.models import Submission, SubmissionFile
from grid.masking import mask_code
from grid.models import ExportJob

from ..factories import GridFactory, UserFactory, valid_id_number, worker_on
from ..imports.test_background import DATABASE_TASKS, work_the_queue
from .factories import definition_with, png, submit

pytestmark = pytest.mark.django_db

INDEX = reverse("forms_submission_modeladmin_index")
READ = ("wagtailadmin.access_admin", "forms.view_submission", "grid.view_personal_data")


def shown(submission) -> str:
    """A submission's reference code as staff see it: masked, the applicant's key."""
    return mask_code(submission.reference)


def inspect_url(submission):
    return reverse("forms_submission_modeladmin_inspect", args=[submission.pk])


@pytest.fixture
def city():
    grid_a = GridFactory(name="甲网格", parent__name="五松社区")
    grid_b = GridFactory(name="乙网格", parent__name="金口岭社区")
    report = definition_with(
        {"label": "Grid", "field_type": "area", "area_level": 3},
        {"label": "Name", "field_type": "singleline", "is_personal": True},
        {"label": "Phone", "field_type": "phone"},
        {"label": "ID number", "field_type": "id_number", "required": False},
        {"label": "Details", "field_type": "multiline"},
        {"label": "Photo", "field_type": "file", "required": False},
        title="Supervision report",
    )
    survey = definition_with({"label": "Opinion", "field_type": "multiline"}, title="Survey")
    a = submit(
        report,
        {
            "Grid": grid_a.code,
            "Name": "王建国",
            "Phone": "13912345678",
            "ID number": valid_id_number(3),
            "Details": '=HYPERLINK("http://x")',
        },
        {"photo": png("a.png")},
    )
    b = submit(
        report,
        {"Grid": grid_b.code, "Name": "李芳", "Phone": "13800001111", "Details": "Broken bench"},
    )
    s = submit(survey, {"Opinion": "More benches please"})
    return {
        "grid_a": grid_a,
        "grid_b": grid_b,
        "report": report,
        "survey": survey,
        "a": a,
        "b": b,
        "survey_submission": s,
    }


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def worker_a(city):
    return logged_in(worker_on(city["grid_a"].parent, perms=READ))


@pytest.fixture
def admin(django_user_model):
    return logged_in(django_user_model.objects.create_superuser("root", "r@example.cn", "pw"))


def test_worker_sees_their_jurisdiction_and_forms_without_an_area(city, worker_a):
    content = worker_a.get(INDEX).content.decode()
    assert shown(city["a"]) in content
    assert shown(city["survey_submission"]) in content
    assert shown(city["b"]) not in content
    assert worker_a.get(inspect_url(city["b"])).status_code == 404
    assert worker_a.get(inspect_url(city["a"])).status_code == 200


def test_without_the_permission_nothing_is_listed(city):
    client = logged_in(worker_on(city["grid_a"].parent, perms=("wagtailadmin.access_admin",)))
    assert client.get(INDEX).status_code in (302, 403)
    assert client.get(inspect_url(city["a"])).status_code in (302, 403, 404)


def test_per_form_list_masks_personal_data_and_the_page_shows_it_whole(city, worker_a):
    content = worker_a.get(f"{INDEX}?definition__id__exact={city['report'].pk}").content.decode()
    for heading in ("Grid", "Name", "Phone", "ID number", "Details"):
        assert f">{heading}<" in content or heading in content
    assert "王*国" in content and "139****5678" in content
    assert "王建国" not in content and "13912345678" not in content
    page = worker_a.get(inspect_url(city["a"])).content.decode()
    assert "王建国" in page and "13912345678" in page and valid_id_number(3) in page


def test_answers_are_shown_as_text(city, admin):
    content = admin.get(inspect_url(city["a"])).content.decode()
    assert "=HYPERLINK(&quot;http://x&quot;)" in content


def test_filter_by_date_and_community_and_search(city, admin):
    Submission.objects.filter(pk=city["b"].pk).update(
        submit_time=timezone.now() - datetime.timedelta(days=30)
    )
    since = urlencode({"submit_time__gte": timezone.now() - datetime.timedelta(days=7)})
    recent = admin.get(f"{INDEX}?{since}").content.decode()
    assert shown(city["a"]) in recent and shown(city["b"]) not in recent
    community = city["grid_b"].parent.code
    by_area = admin.get(f"{INDEX}?community={community}").content.decode()
    assert shown(city["b"]) in by_area and shown(city["a"]) not in by_area
    found = admin.get(f"{INDEX}?q=benches").content.decode()
    assert shown(city["survey_submission"]) in found and shown(city["a"]) not in found
    # A caller reads their code out: staff find it by the whole code, and see it masked.
    found = admin.get(f"{INDEX}?q={city['b'].reference}").content.decode()
    assert shown(city["b"]) in found and shown(city["a"]) not in found


def test_csv_export_cell_by_cell(city, admin):
    response = admin.get(f"{INDEX}?definition__id__exact={city['report'].pk}&export=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "reference code",
        "submitted at",
        "area",
        "Grid",
        "Name",
        "Phone",
        "ID number",
        "Details",
        "Photo",
    ]
    by_reference = {row[0]: row for row in rows[1:]}
    assert len(by_reference) == 2
    a = by_reference[shown(city["a"])]
    assert a[2] == str(city["grid_a"]) and a[3] == f"甲网格 ({city['grid_a'].code})"
    assert a[4:7] == ["王建国", "13912345678", valid_id_number(3)]
    # A cell that a spreadsheet would run as a formula is exported as text.
    assert a[7] == '\'=HYPERLINK("http://x")'
    assert a[8] == "a.png"
    b = by_reference[shown(city["b"])]
    assert b[4:9] == ["李芳", "13800001111", "", "Broken bench", ""]


# XLSX with fewer rows: openpyxl under tracemalloc is slow, and 10,000 held rows already
# take several times the bound.
@pytest.mark.parametrize(("file_format", "count"), [("csv", 50_000), ("xlsx", 10_000)])
def test_an_export_of_many_submissions_holds_no_more_memory_than_a_few_thousand(
    city, admin, file_format, count, settings
):
    """Read in chunks and streamed (CSV) or written to a temporary file (XLSX): the peak of
    memory allocated while the rows go out stays far below what holding them would take. Here
    within the request (an install may keep every export there); the worker writes the same."""
    settings.FORMS_EXPORT_BACKGROUND_ROWS = 0
    template = Submission.objects.get(pk=city["a"].pk)
    fields = [
        f.attname for f in Submission._meta.concrete_fields if f.attname not in ("id", "reference")
    ]
    Submission.objects.bulk_create(
        (
            Submission(**{name: getattr(template, name) for name in fields}, reference=f"R{n:08d}")
            for n in range(count)
        ),
        batch_size=5000,
    )
    url = f"{INDEX}?definition__id__exact={city['report'].pk}&export={file_format}"
    tracemalloc.start()
    try:
        response = admin.get(url)
        rows = 0
        for chunk in response.streaming_content:
            rows += chunk.count(b"\n")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    if file_format == "csv":
        assert rows == count + 3  # the heading, the two of the city, the copies
    assert peak < 35 * 1024 * 1024, f"{peak / 1024 / 1024:.0f} MB"


def test_xlsx_export_cell_by_cell_and_it_is_audited(city, admin):
    response = admin.get(f"{INDEX}?definition__id__exact={city['report'].pk}&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][3:] == ["Grid", "Name", "Phone", "ID number", "Details", "Photo"]
    a = next(row for row in rows if row[0] == shown(city["a"]))
    assert a[4:8] == ["王建国", "13912345678", valid_id_number(3), '=HYPERLINK("http://x")']
    assert sheet.cell(row=rows.index(a) + 1, column=8).data_type == "s"
    entry = ModelLogEntry.objects.get(action="forms.submission.export")
    assert entry.object_id == str(city["report"].pk) and entry.data["count"] == 2


def test_export_keeps_columns_of_fields_the_form_no_longer_has(city, admin):
    city["report"].fields.filter(label="Details").delete()
    response = admin.get(f"{INDEX}?definition__id__exact={city['report'].pk}&export=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][-1] == "Details"
    assert "Broken bench" in [row[-1] for row in rows]


def test_export_of_all_forms_lists_answers_with_their_labels(city, admin):
    response = admin.get(f"{INDEX}?export=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["reference code", "submitted at", "form", "area", "answers"]
    survey = next(row for row in rows if row[0] == shown(city["survey_submission"]))
    assert survey[2:] == ["Survey", "", "Opinion: More benches please"]


def test_worker_export_holds_only_their_jurisdiction(city, worker_a):
    response = worker_a.get(f"{INDEX}?definition__id__exact={city['report'].pk}&export=csv")
    content = b"".join(response.streaming_content).decode()
    assert shown(city["a"]) in content and shown(city["b"]) not in content


def test_deletion_is_audited_and_removes_files(city, admin):
    stored = SubmissionFile.objects.get(submission=city["a"])
    path = stored.file.name
    assert storages["private"].exists(path)
    url = reverse("forms_submission_modeladmin_delete", args=[city["a"].pk])
    response = admin.post(url)
    assert response.status_code == 302
    assert not Submission.objects.filter(pk=city["a"].pk).exists()
    entry = ModelLogEntry.objects.get(action="forms.submission.delete")
    assert entry.user.username == "root"
    assert entry.data["reference"] == shown(city["a"])
    assert entry.data["area"] == city["grid_a"].code
    assert "王建国" not in str(entry.data)


def test_workers_without_the_delete_permission_cannot_delete(city, worker_a):
    url = reverse("forms_submission_modeladmin_delete", args=[city["a"].pk])
    assert worker_a.post(url).status_code in (302, 403)
    assert Submission.objects.filter(pk=city["a"].pk).exists()


def test_submissions_cannot_be_created_or_edited_in_the_admin(city, admin):
    assert admin.get(reverse("forms_submission_modeladmin_create")).status_code in (302, 403)
    edit = reverse("forms_submission_modeladmin_edit", args=[city["a"].pk])
    assert admin.get(edit).status_code in (302, 403)


def test_private_file_is_served_to_those_who_may_see_it(city, worker_a):
    stored = SubmissionFile.objects.get(submission=city["a"])
    url = reverse("forms_submission_file", args=[stored.pk])
    assert f'href="{url}"' in worker_a.get(inspect_url(city["a"])).content.decode()
    response = worker_a.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    other = logged_in(worker_on(city["grid_b"].parent, perms=READ))
    assert other.get(url).status_code == 404
    stranger = logged_in(worker_on(city["grid_a"].parent, perms=("wagtailadmin.access_admin",)))
    assert stranger.get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    plain_user = logged_in(UserFactory())
    assert plain_user.get(url).status_code in (302, 403)


def test_a_personal_file_goes_only_to_who_sees_the_sender_and_is_audited(city):
    form = definition_with(
        {"label": "Grid", "field_type": "area", "area_level": 3},
        {"label": "ID card", "field_type": "file", "is_personal": True},
        title="Subsidy request",
    )
    submission = submit(form, {"Grid": city["grid_a"].code}, {"id_card": png("card.png")})
    stored = SubmissionFile.objects.get(submission=submission)
    url = reverse("forms_submission_file", args=[stored.pk])
    masked = logged_in(
        worker_on(
            city["grid_a"].parent, perms=("wagtailadmin.access_admin", "forms.view_submission")
        )
    )
    page = masked.get(inspect_url(submission)).content.decode()
    assert url not in page and "card.png" not in page
    assert masked.get(url).status_code == 404
    assert not ModelLogEntry.objects.filter(action="grid.personal_data.view").exists()
    reader = worker_on(city["grid_a"].parent, perms=READ)
    assert f'href="{url}"' in logged_in(reader).get(inspect_url(submission)).content.decode()
    response = logged_in(reader).get(url)
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    entry = ModelLogEntry.objects.filter(user=reader).latest("timestamp")
    assert entry.data["page"] == "file"


def test_list_queries_do_not_grow_with_rows(city, admin):
    url = f"{INDEX}?definition__id__exact={city['report'].pk}"

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(url).status_code == 200
        return len(queries)

    admin.get(url)  # warm per-process caches (content types, sites, permissions)
    few = count()
    for n in range(20):
        submit(
            city["report"],
            {
                "Grid": city["grid_a"].code,
                "Name": f"居民{n}",
                "Phone": "13900000000",
                "Details": "x",
            },
        )
    assert count() == few


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_answer_with_control_characters_still_exports(city, admin, file_format):
    # A stranger's answer may hold any character; openpyxl refuses the ones XML cannot hold.
    strange = submit(
        city["report"],
        {
            "Grid": city["grid_b"].code,
            "Name": "李芳",
            "Phone": "13800001111",
            "Details": "bro\x08ken\x1b bench\x0b",
        },
    )
    response = admin.get(f"{INDEX}?definition__id__exact={city['report'].pk}&export={file_format}")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if file_format == "csv":
        rows = list(csv.reader(io.StringIO(content.decode())))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    row = next(row for row in rows if row[0] == shown(strange))
    assert "broken bench" in row


def test_showing_personal_answers_in_full_is_audited(city, worker_a):
    assert worker_a.get(inspect_url(city["a"])).status_code == 200
    entry = ModelLogEntry.objects.get(action="grid.personal_data.view")
    assert entry.object_id == str(city["a"].pk) and entry.data["area"] == city["grid_a"].code
    # The reference code is the applicant's key: the audit names the submission by number.
    assert city["a"].reference not in entry.label and "王建国" not in entry.label
    # A submission with no personal answer shows nothing to audit.
    worker_a.get(inspect_url(city["survey_submission"]))
    assert ModelLogEntry.objects.filter(action="grid.personal_data.view").count() == 1


# A form's submissions beyond FORMS_EXPORT_BACKGROUND_ROWS are exported by the worker, as the
# registers' long lists are: the file holds exactly what the list showed, masked as the list is.


@pytest.fixture
def in_background(settings):
    settings.TASKS = DATABASE_TASKS
    settings.FORMS_EXPORT_BACKGROUND_ROWS = 1


@pytest.mark.django_db(transaction=True)
def test_a_long_export_is_written_by_the_worker_for_its_page(city, worker_a, in_background):
    page = worker_a.get(f"{INDEX}?export=csv", follow=True)
    job = ExportJob.objects.get()
    assert page.redirect_chain == [(reverse("grid_export_job", args=[job.pk]), 302)]
    assert "Export of Form submissions" in page.text
    assert "Waiting for a background worker to start" in page.text

    work_the_queue()
    job.refresh_from_db()
    # The worker's jurisdiction holds one of the two reports and the survey: the file too.
    assert (job.status, job.rows, job.resource) == (ExportJob.Status.EXPORTED, 2, "submissions")
    download = worker_a.get(reverse("grid_export_download", args=[job.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="submissions.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert rows[0] == ["reference code", "submitted at", "form", "area", "answers"]
    assert {row[0] for row in rows[1:]} == {shown(city["a"]), shown(city["survey_submission"])}
    assert "Form submissions" in worker_a.get(reverse("grid_export_jobs")).text


@pytest.mark.django_db(transaction=True)
def test_an_xlsx_export_in_the_background_and_nobody_else_downloads_it(
    city, admin, in_background, django_user_model
):
    admin.get(f"{INDEX}?definition__id__exact={city['report'].pk}&export=xlsx")
    work_the_queue()
    job = ExportJob.objects.get()
    download = admin.get(reverse("grid_export_download", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][3:] == ["Grid", "Name", "Phone", "ID number", "Details", "Photo"]
    assert {row[0] for row in rows[1:]} == {shown(city["a"]), shown(city["b"])}
    other = logged_in(django_user_model.objects.create_superuser("other", "o@example.cn", "pw"))
    assert other.get(reverse("grid_export_download", args=[job.pk])).status_code == 404
    assert other.get(reverse("grid_export_job", args=[job.pk])).status_code == 404
