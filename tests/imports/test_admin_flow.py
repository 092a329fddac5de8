"""The admin flow through its own views: upload → dry run → confirm → done, with an audit
entry; the template; export of the filtered list."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import ModelLogEntry

from grid import audit
from grid.models import Household, ImportJob, PersonalDataLogEntry, Resident

from .conftest import new_id
from .files import csv_bytes, read_csv

pytestmark = pytest.mark.django_db

HEADER = ["网格编码", "楼栋", "门牌号", "户籍人口", "姓名", "身份证号", "电话", "与户主关系"]


def upload(client, rows, name="households.csv", url="grid_household_modeladmin_import"):
    data = csv_bytes([HEADER, *rows])
    return client.post(
        reverse(url), {"file": SimpleUploadedFile(name, data), "encoding": ""}, follow=True
    )


def test_upload_dry_run_confirm(client, city):
    client.force_login(city.worker)
    code = city.grid.code
    response = upload(
        client,
        [
            [code, "3栋", "1-102", 2, "张三", new_id(10), "13800138000", "户主"],
            [code, "3栋", "1-102", 2, "李梅", new_id(11), "", "配偶"],
        ],
    )
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKED, str(job.report)
    assert "Dry run: nothing has been saved yet" in response.text
    assert response.context["report"].new == 2
    assert not Household.objects.filter(door_number="1-102").exists()

    response = client.post(reverse("grid_import_job", args=[job.pk]), follow=True)
    assert "Imported" in response.text
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED
    assert not job.file
    household = Household.objects.get(door_number="1-102")
    assert sorted(household.members.values_list("name", flat=True)) == ["张三", "李梅"]
    entry = ModelLogEntry.objects.get(action=audit.IMPORT)
    assert entry.user == city.worker
    assert entry.data["new"] == 2
    created = PersonalDataLogEntry.objects.filter(action=audit.CREATE, user=city.worker)
    assert created.count() == 2
    assert new_id(10) not in str(list(created.values_list("data", flat=True)))


def test_dry_run_lists_errors_and_offers_no_confirm(client, city):
    client.force_login(city.worker)
    response = upload(
        client, [[city.grid.code, "3栋", "1-103", 1, "张三", "340705199003150010", "", "户主"]]
    )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert "Not imported: the file has errors" in response.text
    assert "check digit" in response.text
    assert "Import these rows" not in response.text
    response = client.post(reverse("grid_import_job", args=[job.pk]))
    assert response.status_code == 302  # Wagtail's answer to a forbidden admin request
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED


def test_list_has_import_and_export_buttons_and_exports_the_filtered_list(client, city):
    client.force_login(city.worker)
    response = client.get(reverse("grid_household_modeladmin_index"))
    assert reverse("grid_household_modeladmin_import") in response.text
    assert "export=xlsx" in response.text
    response = client.get(
        reverse("grid_household_modeladmin_index") + f"?grid={city.grid_2.code}&export=csv"
    )
    assert response.status_code == 200
    rows = read_csv(b"".join(response.streaming_content))
    assert rows == [rows[0]]  # the second grid has no households
    response = client.get(
        reverse("grid_household_modeladmin_index") + f"?grid={city.grid.code}&export=csv"
    )
    rows = read_csv(b"".join(response.streaming_content))
    assert [row[4] for row in rows[1:]] == ["王建国"]
    entry = ModelLogEntry.objects.filter(action=audit.EXPORT).first()
    assert entry.user == city.worker
    assert entry.data["rows"] == 1
    assert entry.data["filters"] == {"grid": city.grid.code}


def test_template_download(client, city):
    client.force_login(city.worker)
    response = client.get(reverse("grid_household_modeladmin_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_other_users_job_is_404(client, city):
    client.force_login(city.worker)
    upload(client, [[city.grid.code, "3栋", "1-104", 1, "张三", new_id(12), "", "户主"]])
    job = ImportJob.objects.get()
    from tests.factories import worker_on

    client.force_login(worker_on(city.other_community))
    assert client.get(reverse("grid_import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("grid_import_progress", args=[job.pk])).status_code == 404


def test_import_needs_permissions(client, city):
    from tests.factories import worker_on

    viewer = worker_on(
        city.community,
        ("wagtailadmin.access_admin", "grid.view_household", "grid.view_resident"),
    )
    client.force_login(viewer)
    assert client.get(reverse("grid_household_modeladmin_import")).status_code == 302
    response = client.get(reverse("grid_household_modeladmin_index"))
    assert reverse("grid_household_modeladmin_import") not in response.text
    assert Resident.objects.count() == 2


def test_unexpected_failure_is_shown_not_a_server_error(client, city, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("grid.jobs.import_file", broken)
    client.force_login(city.worker)
    response = upload(client, [[city.grid.code, "3栋", "1-105", 1, "张三", new_id(13), "", "户主"]])
    assert response.status_code == 200
    assert "The import stopped unexpectedly. Nothing was imported." in response.text
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert not job.file
