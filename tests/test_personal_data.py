"""Personal data: masked in lists, full only inside the jurisdiction's detail and edit pages,
and every create, change and delete in the audit log with the user who made it."""

import json

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from grid import audit
from grid.masking import mask_id_number, mask_name, mask_phone
from grid.models import Household, PersonalDataLogEntry, Resident

from .factories import (
    BuildingFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    valid_id_number,
    worker_on,
)

pytestmark = pytest.mark.django_db

ID_NUMBER = valid_id_number(7, birth=__import__("datetime").date(1980, 3, 15))


@given(
    st.dictionaries(
        st.sampled_from(["name", "id_number", "phone"]),
        st.lists(st.text(), min_size=2, max_size=2),
        min_size=1,
    )
)
def test_entries_written_in_bulk_hold_the_json_of_a_single_save(changes):
    """Imports spell their entries' JSON out: quotes, backslashes and control characters in a
    masked value come out as the JSON encoder writes them."""
    assert audit.entry_json(changes) == json.dumps(audit.entry_data(changes), ensure_ascii=False)


def test_masks():
    assert mask_id_number("340702198001011234") == "340702********1234"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("0562-2881234") == "0562-***1234"
    assert mask_name("张伟") == "张*"
    assert mask_name("欧阳明月") == "欧**月"
    assert mask_id_number(None) == mask_phone("") == ""


def member_data(
    prefix_index,
    *,
    pk="",
    name="张三",
    id_number=ID_NUMBER,
    phone="13912345678",
    relation="householder",
    delete=False,
):
    data = {
        f"members-{prefix_index}-id": pk,
        f"members-{prefix_index}-name": name,
        f"members-{prefix_index}-id_number": id_number,
        f"members-{prefix_index}-phone": phone,
        f"members-{prefix_index}-relation": relation,
    }
    if delete:
        data[f"members-{prefix_index}-DELETE"] = "1"
    return data


def household_post(building, members, initial=0, door="2-301"):
    data = {
        "building": building.pk,
        "door_number": door,
        "registered_population": 2,
        "members-TOTAL_FORMS": len(members),
        "members-INITIAL_FORMS": initial,
        "members-MIN_NUM_FORMS": 0,
        "members-MAX_NUM_FORMS": 1000,
    }
    for member in members:
        data.update(member)
    return data


@pytest.fixture
def worker_and_building():
    grid = GridFactory()
    return worker_on(grid.parent), BuildingFactory(grid=grid)


def test_household_list_masks_id_and_phone(client, worker_and_building):
    worker, building = worker_and_building
    ResidentFactory(
        household=HouseholdFactory(building=building), id_number=ID_NUMBER, phone="13912345678"
    )
    client.force_login(worker)
    content = client.get(reverse("grid_household_modeladmin_index")).content.decode()
    assert mask_id_number(ID_NUMBER) in content and ID_NUMBER not in content
    assert "139****5678" in content and "13912345678" not in content
    residents = client.get(reverse("grid_resident_modeladmin_index")).content.decode()
    assert mask_id_number(ID_NUMBER) in residents and ID_NUMBER not in residents


def test_detail_inside_the_jurisdiction_shows_the_full_number(client, worker_and_building):
    worker, building = worker_and_building
    household = ResidentFactory(
        household=HouseholdFactory(building=building), id_number=ID_NUMBER
    ).household
    client.force_login(worker)
    content = client.get(
        reverse("grid_household_modeladmin_inspect", args=[household.pk])
    ).content.decode()
    assert ID_NUMBER in content


def test_every_unmasked_showing_is_audited(client, worker_and_building):
    worker, building = worker_and_building
    resident = ResidentFactory(household=HouseholdFactory(building=building), id_number=ID_NUMBER)
    client.force_login(worker)
    pages = [
        ("grid_household_modeladmin_inspect", resident.household, "inspect"),
        ("grid_household_modeladmin_edit", resident.household, "edit"),
        ("grid_resident_modeladmin_inspect", resident, "inspect"),
    ]
    for url_name, record, page in pages:
        assert client.get(reverse(url_name, args=[record.pk])).status_code == 200
        entry = PersonalDataLogEntry.objects.filter(action=audit.VIEW).latest("pk")
        assert (entry.user, entry.object_id, entry.data["page"]) == (worker, str(record.pk), page)
        assert entry.area == building.grid.code
        assert ID_NUMBER not in str(entry.data) and ID_NUMBER not in entry.label
    # Lists show masked data only: nothing to audit.
    client.get(reverse("grid_household_modeladmin_index"))
    assert PersonalDataLogEntry.objects.filter(action=audit.VIEW).count() == len(pages)


def test_creating_a_household_with_members_is_audited(client, worker_and_building):
    worker, building = worker_and_building
    client.force_login(worker)
    response = client.post(
        reverse("grid_household_modeladmin_create"),
        household_post(building, [member_data(0)]),
    )
    assert response.status_code == 302, response.context["form"].errors
    resident = Resident.objects.get(name="张三")
    entry = PersonalDataLogEntry.objects.get(action=audit.CREATE, object_id=str(resident.pk))
    assert entry.user == worker
    assert entry.data["fields"] == ["id_number", "name", "phone"]
    assert entry.label == "resident 张*"
    # The log keeps masked values only: it must not become a copy of the register.
    assert ID_NUMBER not in str(entry.data) and "13912345678" not in str(entry.data)
    assert PersonalDataLogEntry.objects.filter(action="wagtail.create", user=worker).exists()


def test_changing_a_phone_is_audited_with_the_field(client, worker_and_building):
    worker, building = worker_and_building
    resident = ResidentFactory(
        household=HouseholdFactory(building=building),
        name="李四",
        id_number=ID_NUMBER,
        phone="13912345678",
    )
    client.force_login(worker)
    response = client.post(
        reverse("grid_household_modeladmin_edit", args=[resident.household_id]),
        household_post(
            building,
            [member_data(0, pk=resident.pk, name="李四", phone="13800000000")],
            initial=1,
            door=resident.household.door_number,
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    entry = PersonalDataLogEntry.objects.get(action=audit.CHANGE, object_id=str(resident.pk))
    assert entry.user == worker
    assert entry.data["fields"] == ["phone"]
    assert entry.data["changes"]["phone"] == ["139****5678", "138****0000"]


def test_saving_without_changes_logs_no_personal_data_change(worker_and_building):
    _worker, building = worker_and_building
    resident = ResidentFactory(household=HouseholdFactory(building=building))
    resident.save()
    assert not PersonalDataLogEntry.objects.filter(action=audit.CHANGE).exists()


def test_deleting_a_household_audits_each_member(client, worker_and_building):
    worker, building = worker_and_building
    household = HouseholdFactory(building=building)
    members = ResidentFactory.create_batch(2, household=household)
    client.force_login(worker)
    response = client.post(reverse("grid_household_modeladmin_delete", args=[household.pk]))
    assert response.status_code == 302
    assert not Household.objects.filter(pk=household.pk).exists()
    deleted = PersonalDataLogEntry.objects.filter(action=audit.DELETE, user=worker)
    assert {e.object_id for e in deleted} == {str(m.pk) for m in members}


def test_removing_a_member_in_the_form_is_audited(client, worker_and_building):
    worker, building = worker_and_building
    resident = ResidentFactory(household=HouseholdFactory(building=building), id_number=ID_NUMBER)
    client.force_login(worker)
    client.post(
        reverse("grid_household_modeladmin_edit", args=[resident.household_id]),
        household_post(
            building,
            [member_data(0, pk=resident.pk, name=resident.name, phone=resident.phone, delete=True)],
            initial=1,
            door=resident.household.door_number,
        ),
    )
    assert not Resident.objects.filter(pk=resident.pk).exists()
    assert PersonalDataLogEntry.objects.filter(
        action=audit.DELETE, object_id=str(resident.pk), user=worker
    ).exists()


def test_bad_id_number_in_the_form_is_refused_with_the_reason(client, worker_and_building):
    worker, building = worker_and_building
    client.force_login(worker)
    bad = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    response = client.post(
        reverse("grid_household_modeladmin_create"),
        household_post(building, [member_data(0, id_number=bad, phone="12345")]),
    )
    assert response.status_code == 200
    assert not Household.objects.exists() and not Resident.objects.exists()
    content = response.content.decode()
    assert "check digit is wrong" in content
    assert "mainland mobile number" in content


def test_duplicate_id_number_is_refused(client, worker_and_building):
    worker, building = worker_and_building
    ResidentFactory(household=HouseholdFactory(building=building), id_number=ID_NUMBER)
    client.force_login(worker)
    response = client.post(
        reverse("grid_household_modeladmin_create"),
        household_post(building, [member_data(0)], door="9-909"),
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Resident.objects.filter(id_number=ID_NUMBER).count() == 1


def test_history_is_visible_on_the_household(client, worker_and_building):
    worker, building = worker_and_building
    client.force_login(worker)
    client.post(
        reverse("grid_household_modeladmin_create"), household_post(building, [member_data(0)])
    )
    household = Household.objects.get()
    history = client.get(reverse("grid_household_modeladmin_history", args=[household.pk]))
    assert history.status_code == 200
    assert worker.first_name in history.content.decode()


def test_the_site_history_report_keeps_to_the_readers_jurisdiction(client, django_user_model):
    here, there = GridFactory(), GridFactory()
    ResidentFactory(household=HouseholdFactory(building=BuildingFactory(grid=here)), name="王一")
    ResidentFactory(household=HouseholdFactory(building=BuildingFactory(grid=there)), name="李二")
    worker = worker_on(here.parent)
    client.force_login(worker)
    for url in ("/admin/reports/site-history/", "/admin/reports/site-history/results/"):
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert mask_name("王一") in content and mask_name("李二") not in content, url
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.cn", "x"))
    content = client.get("/admin/reports/site-history/").content.decode()
    assert mask_name("王一") in content and mask_name("李二") in content


def test_the_site_history_report_needs_the_admin(client):
    assert client.get("/admin/reports/site-history/").status_code == 302
