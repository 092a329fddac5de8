"""A grid worker walks their grid on a phone: starts a round from their grids today, marks each
checklist item fine or a problem (a problem needs a note, and may carry photos), finishes it;
their grids today and the grid's history show it. Only the round's inspector changes it, and
only while it is open; a second tap resumes it instead of starting another."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from daily.models import Finding, FindingPhoto, Inspection

from ..factories import BuildingFactory, CommunityFactory, GridFactory, HouseholdFactory
from .factories import checklist, overseer, photo, walker

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    community = CommunityFactory(name="五松社区")
    grid = GridFactory(parent=community, name="第一网格")
    for door in ("101", "102", "201"):
        HouseholdFactory(building=BuildingFactory(grid=grid), door_number=door)
    other = GridFactory(parent=community, name="第二网格")
    checklist()
    return {"community": community, "grid": grid, "other": other, "worker": walker(grid)}


def start(client, grid) -> Inspection:
    response = client.post(f"/today/grids/{grid.pk}/inspect/")
    assert response.status_code == 302, response.status_code
    return Inspection.objects.get(pk=int(re.search(r"/(\d+)/$", response["Location"])[1]))


def answers(inspection: Inspection, problems: dict[str, str], **extra) -> dict:
    data = {"notes": extra.pop("notes", "")}
    for finding in inspection.findings.all():
        note = problems.get(finding.item)
        data[f"result_{finding.pk}"] = "problem" if note is not None else "ok"
        data[f"note_{finding.pk}"] = note or ""
    return {**data, **extra}


def test_a_worker_walks_their_grid_and_finishes_the_round(client, city):
    client.force_login(city["worker"])
    today = client.get("/today/").content.decode()
    assert "第一网格" in today and "Not inspected today" in today and "Start a round" in today
    assert "第二网格" not in today  # held on the grid, not on the community
    assert "3 households" in today
    inspection = start(client, city["grid"])
    form = client.get(f"/today/inspections/{inspection.pk}/").content.decode()
    assert "环境卫生" in form and "看安全隐患" in form and "Finish the round" in form
    fire = inspection.findings.get(item="消防通道")
    data = answers(inspection, {"消防通道": "二单元楼道堆放纸箱"}, notes="整体良好", finish="")
    data[f"photos_{fire.pk}"] = [photo("a.jpg"), photo("b.jpg")]
    response = client.post(f"/today/inspections/{inspection.pk}/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/today/inspections/{inspection.pk}/"
    inspection.refresh_from_db()
    assert inspection.finished and inspection.notes == "整体良好"
    assert list(Finding.objects.filter(problem=True).values_list("item", "note")) == [
        ("消防通道", "二单元楼道堆放纸箱")
    ]
    assert FindingPhoto.objects.filter(finding=fire).count() == 2
    today = client.get("/today/").content.decode()
    assert "Inspected today" in today and "1 of 1 grid inspected today" in today
    history = client.get(f"/today/grids/{city['grid'].pk}/").content.decode()
    assert "1 problem" in history
    detail = client.get(f"/today/inspections/{inspection.pk}/").content.decode()
    assert "二单元楼道堆放纸箱" in detail and "Finish the round" not in detail
    stored = FindingPhoto.objects.filter(finding=fire).first()
    image = client.get(f"/today/photos/{stored.pk}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert image["Cache-Control"] == "private, no-store"


def test_a_problem_without_a_note_is_refused_and_changes_nothing(client, city):
    client.force_login(city["worker"])
    inspection = start(client, city["grid"])
    data = answers(inspection, {"安全隐患": "  "}, finish="")
    response = client.post(f"/today/inspections/{inspection.pk}/", data)
    assert response.status_code == 200
    assert "Say what the problem is." in response.content.decode()
    inspection.refresh_from_db()
    assert not inspection.finished and not Finding.objects.filter(problem=True).exists()


def test_a_file_that_is_not_a_photo_is_refused_by_name(client, city):
    client.force_login(city["worker"])
    inspection = start(client, city["grid"])
    finding = inspection.findings.first()
    data = answers(inspection, {}, save="")
    from django.core.files.uploadedfile import SimpleUploadedFile

    data[f"photos_{finding.pk}"] = SimpleUploadedFile("notes.txt", b"not an image")
    response = client.post(f"/today/inspections/{inspection.pk}/", data)
    assert response.status_code == 200
    assert "Upload a valid image" in response.content.decode()
    assert not FindingPhoto.objects.exists()


def test_an_item_carries_at_most_five_photos_with_those_it_has(client, city):
    client.force_login(city["worker"])
    inspection = start(client, city["grid"])
    finding = inspection.findings.first()
    data = answers(inspection, {}, save="")
    data[f"photos_{finding.pk}"] = [photo(f"{n}.jpg") for n in range(4)]
    client.post(f"/today/inspections/{inspection.pk}/", data)
    data[f"photos_{finding.pk}"] = [photo(f"{n}.jpg") for n in range(2)]
    response = client.post(f"/today/inspections/{inspection.pk}/", data)
    assert response.content.decode().count("At most 5 photos for one item.") == 1
    assert FindingPhoto.objects.filter(finding=finding).count() == 4


def test_saving_keeps_the_round_open_and_a_second_start_resumes_it(client, city):
    client.force_login(city["worker"])
    inspection = start(client, city["grid"])
    data = answers(inspection, {"环境卫生": "垃圾桶满溢"}, save="")
    response = client.post(f"/today/inspections/{inspection.pk}/", data)
    assert response["Location"] == f"/today/inspections/{inspection.pk}/"
    assert start(client, city["grid"]) == inspection
    assert Inspection.objects.count() == 1
    assert "Continue the round" in client.get("/today/").content.decode()
    form = client.get(f"/today/inspections/{inspection.pk}/").content.decode()
    assert "垃圾桶满溢" in form


def test_a_finished_round_and_another_worker_s_round_are_only_read(client, city):
    client.force_login(city["worker"])
    inspection = start(client, city["grid"])
    client.post(f"/today/inspections/{inspection.pk}/", answers(inspection, {}, finish=""))
    again = answers(inspection, {"环境卫生": "改过"}, finish="")
    assert (
        "Finish the round"
        not in client.get(f"/today/inspections/{inspection.pk}/").content.decode()
    )
    client.post(f"/today/inspections/{inspection.pk}/", again)
    colleague = walker(city["grid"])
    client.force_login(colleague)
    open_round = start(client, city["grid"])
    client.force_login(city["worker"])
    page = client.get(f"/today/inspections/{open_round.pk}/").content.decode()
    assert "Finish the round" not in page and "not finished" in page
    client.post(
        f"/today/inspections/{open_round.pk}/", answers(open_round, {"环境卫生": "x"}, finish="")
    )
    assert not Finding.objects.filter(problem=True).exists()
    open_round.refresh_from_db()
    assert not open_round.finished


def test_no_checklist_for_the_grid_s_kind_is_said_in_words(client, city):
    unit_grid = GridFactory(parent=city["community"], name="单位网格", kind="unit")
    worker = walker(city["community"])
    client.force_login(worker)
    response = client.post(f"/today/grids/{unit_grid.pk}/inspect/", follow=True)
    assert "No inspection checklist is set for this kind of grid (Unit grid) yet" in (
        response.content.decode()
    )
    assert not Inspection.objects.exists()


def test_a_community_worker_walks_every_grid_of_the_community(client, city):
    client.force_login(walker(city["community"]))
    today = client.get("/today/").content.decode()
    assert "第一网格" in today and "第二网格" in today
    assert "0 of 2 grids inspected today" in today


def test_a_director_sees_which_grids_were_not_inspected_today_and_starts_none(client, city):
    client.force_login(city["worker"])
    inspection = start(client, city["grid"])
    client.post(f"/today/inspections/{inspection.pk}/", answers(inspection, {}, finish=""))
    director = overseer(city["community"])
    client.force_login(director)
    today = client.get("/today/").content.decode()
    assert "1 of 2 grids inspected today" in today
    assert "Start a round" not in today
    assert client.post(f"/today/grids/{city['other'].pk}/inspect/").status_code == 404
    assert "All fine" in client.get(f"/today/grids/{city['grid'].pk}/").content.decode()


def test_signing_in_leads_a_worker_to_their_grids_and_others_to_their_account(client, city):
    city["worker"].set_password("pw-for-test-1")
    city["worker"].save()
    response = client.post(
        "/accounts/login/", {"username": city["worker"].username, "password": "pw-for-test-1"}
    )
    assert client.get(response["Location"])["Location"] == "/today/"
    director = overseer(city["community"])
    client.force_login(director)
    assert client.get("/accounts/start/")["Location"] == "/accounts/"


def test_my_grids_today_asks_as_many_queries_for_many_grids(client, city):
    worker = walker(city["community"])
    client.force_login(worker)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/today/").status_code == 200
        return len(queries)

    few = count()
    for n in range(8):
        GridFactory(parent=city["community"], name=f"新网格{n}")
    client.force_login(city["worker"])
    start(client, city["grid"])
    client.force_login(worker)
    assert count() == few


def test_a_save_sent_again_from_the_phone_is_applied_once_photos_included(client, city):
    """The phone's queue resends a save whose answer it never saw: the round keeps one copy of
    its photos, and the resend leads where the first send did, even once the round is
    finished."""
    client.force_login(city["worker"])
    inspection = start(client, city["grid"])
    form = client.get(f"/today/inspections/{inspection.pk}/").content.decode()
    key = re.search(r'name="client_key" value="([0-9a-f-]{36})"', form)[1]
    fire = inspection.findings.get(item="消防通道")
    url = f"/today/inspections/{inspection.pk}/"

    def finish(note: str):
        data = answers(inspection, {"消防通道": note}, finish="", client_key=key)
        data[f"photos_{fire.pk}"] = [photo("a.jpg"), photo("b.jpg")]
        return client.post(url, data)

    first, again = finish("楼道堆放纸箱"), finish("再次发送")
    assert first["Location"] == again["Location"] == url
    fire.refresh_from_db()
    assert fire.note == "楼道堆放纸箱"
    assert FindingPhoto.objects.filter(finding=fire).count() == 2
    # A new save of an open round carries a new key.
    other = start(client, city["grid"])
    assert other != inspection
    second = client.get(f"/today/inspections/{other.pk}/").content.decode()
    assert key not in second and 'name="client_key"' in second


def test_a_key_of_another_round_is_refused_in_words_and_changes_nothing(client, city):
    client.force_login(city["worker"])
    inspection = start(client, city["grid"])
    key = "6f1c2a52-3f7e-4a53-9e2e-0c3b6ad4f1aa"
    data = answers(inspection, {}, finish="", client_key=key)
    client.post(f"/today/inspections/{inspection.pk}/", data)
    other = start(client, city["grid"])
    data = answers(other, {"环境卫生": "垃圾桶满溢"}, finish="", client_key=key)
    response = client.post(f"/today/inspections/{other.pk}/", data, follow=True)
    assert "This save was sent for another round." in response.content.decode()
    other.refresh_from_db()
    assert not other.finished and not other.findings.filter(problem=True).exists()
