"""Exports of long lists are written by a background task: the user is taken to the job's page,
follows its progress, and downloads the file there; the file holds exactly what the list
showed, is private to that user, and is audited like any export."""

import csv
import io

import openpyxl
import pytest
from django.core.files.storage import default_storage, storages
from django.urls import reverse

from grid.models import ExportJob, ExportRecord, Household
from tests.factories import HouseholdFactory, ResidentFactory, valid_id_number, worker_on

from .test_background import DATABASE_TASKS, work_the_queue

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "grid_household_modeladmin_index"


@pytest.fixture
def long_list(city, settings):
    settings.TASKS = DATABASE_TASKS
    settings.REGISTRY_EXPORT_BACKGROUND_ROWS = 5
    for n in range(8):
        household = HouseholdFactory(building=city.building, door_number=f"8-{n}")
        ResidentFactory(household=household, name=f"赵{n}号", id_number=valid_id_number(300 + n))
    return city


def export(client, query: str):
    return client.get(f"{reverse(LIST)}?{query}", follow=True)


def test_a_long_list_is_exported_by_a_worker_and_downloaded_from_its_page(client, long_list):
    client.force_login(long_list.worker)
    page = export(client, f"grid={long_list.grid.code}&export=csv")
    job = ExportJob.objects.get()
    assert page.redirect_chain == [(reverse("grid_export_job", args=[job.pk]), 302)]
    assert "Waiting for a background worker to start" in page.text
    assert "9 rows" in page.text  # the grid's 1 + 8 households, too many to send at once
    progress = reverse("grid_export_progress", args=[job.pk])
    assert client.get(progress).json()["waiting"] is True
    assert not ExportRecord.objects.exists()

    work_the_queue()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPORTED and job.rows == 9
    assert client.get(progress).json()["running"] is False
    page = client.get(reverse("grid_export_job", args=[job.pk]))
    download = reverse("grid_export_download", args=[job.pk])
    assert "9 rows exported" in page.text and download in page.text

    response = client.get(download)
    assert response["Content-Disposition"] == 'attachment; filename="households.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    doors = sorted(row[2] for row in rows[1:])
    assert doors == sorted(["1-101", *(f"8-{n}" for n in range(8))])
    assert "王建国" in {row[4] for row in rows}  # the worker sees personal data here
    record = ExportRecord.objects.get()
    assert (record.user, record.rows, record.filters) == (
        long_list.worker,
        9,
        {"grid": long_list.grid.code},
    )
    # Private storage, never the public media folder.
    assert storages["private"].exists(job.file.name)
    assert not default_storage.exists(job.file.name)


def test_the_file_holds_what_the_searched_list_showed_as_xlsx(client, long_list, settings):
    settings.REGISTRY_EXPORT_BACKGROUND_ROWS = 2
    client.force_login(long_list.worker)
    export(client, "q=赵&export=xlsx")
    work_the_queue()
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.EXPORTED
    response = client.get(reverse("grid_export_download", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = sorted(row[4] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert names == sorted(f"赵{n}号" for n in range(8))


def test_only_the_user_who_asked_sees_the_job_and_its_file(client, long_list):
    client.force_login(long_list.worker)
    export(client, "export=csv")
    work_the_queue()
    job = ExportJob.objects.get()
    colleague = worker_on(long_list.community)
    client.force_login(colleague)
    for name in ("grid_export_job", "grid_export_progress", "grid_export_download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404


def test_a_user_who_lost_the_right_before_the_worker_ran_gets_no_file(client, long_list):
    client.force_login(long_list.worker)
    export(client, "export=csv")
    long_list.worker.assignments.all().delete()  # no longer holds the role
    work_the_queue()
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.FAILED and not job.file
    assert not ExportRecord.objects.exists()
    assert Household.objects.count() == 10  # nothing else changed


def test_a_short_list_is_still_sent_at_once(client, long_list, settings):
    settings.REGISTRY_EXPORT_BACKGROUND_ROWS = 100
    client.force_login(long_list.worker)
    response = client.get(f"{reverse(LIST)}?export=csv")
    assert response.status_code == 200 and not ExportJob.objects.exists()
