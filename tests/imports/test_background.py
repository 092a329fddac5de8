"""Large files are checked and imported by a background task: the page shows the job waiting
and then its progress, and keeps the result for the user."""

import io

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from grid import jobs
from grid.imports import import_file
from grid.models import Household, ImportJob
from grid.registers import HouseholdResource

from .conftest import new_id
from .files import csv_bytes
from .helpers import HOUSEHOLD_HEADER

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def rows(city, count):
    return [
        [city.grid.code, "3栋", f"4-{n}", 1, f"居民{n}", new_id(200 + n), "", "户主"]
        for n in range(count)
    ]


def work_the_queue():
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")


@pytest.mark.django_db(transaction=True)
def test_large_file_runs_in_a_worker_with_progress(client, city, settings):
    settings.TASKS = DATABASE_TASKS
    settings.REGISTRY_IMPORT_BACKGROUND_ROWS = 5
    client.force_login(city.worker)
    data = csv_bytes([HOUSEHOLD_HEADER, *rows(city, 8)])
    response = client.post(
        reverse("grid_household_modeladmin_import"),
        {"file": SimpleUploadedFile("big.csv", data)},
        follow=True,
    )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKING
    assert job.task_id
    assert "Waiting for a background worker to start" in response.text
    progress_url = reverse("grid_import_progress", args=[job.pk])
    assert client.get(progress_url).json()["waiting"] is True

    work_the_queue()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    assert job.report["new"] == 8
    # Waiting for confirmation, the file (ID numbers, phones) is in private storage, never
    # in the public media folder.
    assert storages["private"].open(job.file.name).read() == data
    assert not default_storage.exists(job.file.name)
    assert not Household.objects.filter(door_number="4-0").exists()

    response = client.post(reverse("grid_import_job", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING
    assert "Waiting for a background worker" in response.text
    work_the_queue()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED
    assert Household.objects.filter(door_number__startswith="4-").count() == 8
    assert client.get(progress_url).json() == {
        "status": "imported",
        "label": "Imported",
        "running": False,
    }
    response = client.get(reverse("grid_import_jobs"))
    assert "big.csv" in response.text


@pytest.mark.django_db
def test_progress_reported_chunk_by_chunk(city, monkeypatch):
    monkeypatch.setattr(HouseholdResource, "chunk_rows", 4)
    seen = []
    import_file(
        "households",
        io.BytesIO(csv_bytes([HOUSEHOLD_HEADER, *rows(city, 10)])),
        user=None,
        dry_run=True,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(4, 10), (8, 10), (10, 10)]


@pytest.mark.django_db
def test_running_job_shows_its_progress(client, city):
    job = ImportJob.objects.create(
        user=city.worker,
        resource="households",
        file_name="big.csv",
        language="en",
        status=ImportJob.Status.IMPORTING,
        rows=4000,
    )
    jobs.cache_progress(job)(1000, 4000)
    client.force_login(city.worker)
    state = client.get(reverse("grid_import_progress", args=[job.pk])).json()
    assert (state["percent"], state["stalled"]) == (25, False)
    response = client.get(reverse("grid_import_job", args=[job.pk]))
    assert "1000 of about 4000 rows (25%)" in response.text
    assert 'value="25"' in response.text
    cache.clear()


def test_worker_without_a_shared_cache_is_a_warning(settings):
    from grid.checks import import_progress_is_shared

    settings.TASKS = DATABASE_TASKS
    assert [message.id for message in import_progress_is_shared(None)] == ["grid.W001"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://",
        }
    }
    assert import_progress_is_shared(None) == []
