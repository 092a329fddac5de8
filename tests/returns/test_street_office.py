"""A street's own office (街道办事处) asks its communities for returns: the street's officials who
may define returns act for it without being assigned to it, defining its returns in the admin
like a department's clerk, citing its entries on the access list; its returns and entries stay
within its street; nobody else acts for it; the burden ledger lists it like any department."""

import pytest
from django.core.exceptions import ValidationError

from grid.models import Department
from pages.services import publish_access_entry
from returns import selectors
from returns.models import Return

from ..factories import CommunityFactory, StreetFactory, UserFactory, worker_on
from .factories import (
    ADD,
    FILES,
    MANAGES,
    YEAR_END,
    YEAR_START,
    admit,
    definition_data,
    monthly_form,
    monthly_return,
    office,
    official,
)

pytestmark = pytest.mark.django_db

ENTRIES = "/admin/snippets/pages/accesslistentry/add/"


@pytest.fixture
def city():
    """长江路街道 with 五松社区 and its office, admitted in 五松社区; 铜官山街道 beside it."""
    street = StreetFactory(name="长江路街道")
    other_street = StreetFactory(name="铜官山街道")
    wusong = CommunityFactory(parent=street, name="五松社区")
    tongguanshan = CommunityFactory(parent=other_street, name="铜官山社区")
    street_office = office(street)
    return {
        "street": street,
        "other_street": other_street,
        "wusong": wusong,
        "tongguanshan": tongguanshan,
        "office": street_office,
        "entries": admit(street_office, wusong),
        "official": official(street),
        "form": monthly_form(),
    }


def test_a_street_official_defines_a_return_of_their_office(client, city):
    client.force_login(city["official"])
    page = client.get(ADD).content.decode()
    # Their office is the one asker offered, without an assignment to it.
    assert "长江路街道办事处" in page
    answer = client.post(
        ADD, definition_data(city["office"], city["form"], [city["wusong"]], city["entries"])
    )
    assert answer.status_code == 302, answer.context["form"].errors
    saved = Return.objects.get()
    assert saved.department == city["office"]
    assert list(saved.access_entries.all()) == city["entries"]
    assert client.get(f"/admin/return_definitions/edit/{saved.pk}/").status_code == 200


def test_an_office_s_return_reaching_another_street_is_refused(client, city, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(city["official"])
    answer = client.post(
        ADD,
        definition_data(
            city["office"], city["form"], [city["wusong"], city["tongguanshan"]], city["entries"]
        ),
    )
    assert answer.status_code == 200
    assert answer.context["form"].errors["areas"] == [
        "铜官山社区不在长江路街道辖区内：长江路街道办事处只能在本街道辖区内开展工作。"
    ]
    # A street as a whole is as far outside as its communities.
    answer = client.post(
        ADD, definition_data(city["office"], city["form"], [city["other_street"]], [])
    )
    assert answer.context["form"].errors["areas"] == [
        "铜官山街道不在长江路街道辖区内：长江路街道办事处只能在本街道辖区内开展工作。"
    ]
    assert not Return.objects.exists()


def test_an_office_s_entry_for_another_street_s_community_is_refused(client, city):
    """Whether published by an approved request or added in the access list's admin."""
    with pytest.raises(ValidationError) as refused:
        publish_access_entry(
            community=city["tongguanshan"],
            department=city["office"],
            content="社区平安建设工作月报",
            starts_on=YEAR_START,
            ends_on=YEAR_END,
        )
    assert refused.value.message_dict["community"] == [
        "铜官山社区 is not in 长江路街道: 长江路街道办事处 works only within its own street."
    ]
    client.force_login(UserFactory(is_superuser=True))
    entry = {
        "community": city["tongguanshan"].pk,
        "department": city["office"].pk,
        "content": "社区平安建设工作月报",
        "starts_on": YEAR_START.isoformat(),
        "ends_on": YEAR_END.isoformat(),
        "reference": "",
    }
    page = client.post(ENTRIES, entry).content.decode()
    assert "铜官山社区 is not in 长江路街道" in page
    assert client.post(ENTRIES, entry | {"community": city["wusong"].pk}).status_code == 302
    assert city["office"].access_entries.count() == 2


def test_a_community_worker_does_not_act_for_the_office(client, city):
    worker = worker_on(city["wusong"], ("wagtailadmin.access_admin", *FILES))
    client.force_login(worker)
    answer = client.get(ADD)
    # Wagtail's refusal: back to the dashboard.
    assert answer.status_code == 403 or answer["Location"] == "/admin/"
    # Not even one whose role on the community may define returns: the office is the street's.
    director = worker_on(city["wusong"], MANAGES)
    assert not selectors.departments_of(director).exists()
    client.force_login(director)
    assert "长江路街道办事处" not in client.get(ADD).content.decode()
    answer = client.post(
        ADD, definition_data(city["office"], city["form"], [city["wusong"]], city["entries"])
    )
    assert answer.status_code == 200 and "department" in answer.context["form"].errors
    assert not Return.objects.exists()
    theirs = monthly_return(city["office"], [city["wusong"]])
    for user in (worker, director):
        client.force_login(user)
        assert client.get(f"/admin/return_definitions/edit/{theirs.pk}/").status_code in (
            302,
            403,
            404,
        )
    assert client.get(f"/returns/{theirs.pk}/").status_code == 404


def test_another_street_s_official_does_not_see_the_office_s_returns(client, city):
    theirs = monthly_return(city["office"], [city["wusong"]], title="平安建设月报")
    other_office = office(city["other_street"])
    other_official = official(city["other_street"])
    assert list(selectors.departments_of(other_official)) == [other_office]
    client.force_login(other_official)
    assert "平安建设月报" not in client.get("/admin/return_definitions/").content.decode()
    for view in ("edit", "delete", "history", "usage"):
        assert client.get(f"/admin/return_definitions/{view}/{theirs.pk}/").status_code == 404
    assert client.post(f"/admin/return_definitions/delete/{theirs.pk}/").status_code == 404
    assert client.get(f"/returns/{theirs.pk}/").status_code == 404
    assert Return.objects.filter(pk=theirs.pk).exists()
    # Their own office's people read the table of their return everywhere it is filed.
    client.force_login(city["official"])
    assert client.get(f"/returns/{theirs.pk}/").status_code == 200


def test_platform_admins_manage_every_office_s_returns(client, city):
    theirs = monthly_return(city["office"], [city["wusong"]])
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(f"/admin/return_definitions/edit/{theirs.pk}/").status_code == 200


def test_the_burden_ledger_lists_the_office_like_any_department(client, city):
    monthly_return(city["office"], [city["street"]], title="平安建设月报")
    page = client.get("/returns/burden/?year=2026").content.decode()
    (row,) = [r for r in page.split("<tbody>")[1].split("</tr>") if "长江路街道办事处" in r]
    cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:]]
    assert cells == ["1", "1", "12.0", "48.0", "24.0"]


def test_a_department_s_street_is_edited_in_the_departments_admin(client, city):
    client.force_login(UserFactory(is_superuser=True))
    edit = f"/admin/grid/department/edit/{city['office'].pk}/"
    page = client.get(edit).content.decode()
    assert "Only for a street office" in page
    data = {"key": city["office"].key, "name": "长江路街道办事处", "description": "", "phone": ""}
    # Only a street may be chosen.
    assert client.post(edit, data | {"street": city["wusong"].pk}).status_code == 200
    assert client.post(edit, data | {"street": city["other_street"].pk}).status_code == 302
    assert Department.objects.get(pk=city["office"].pk).street == city["other_street"]
    assert client.post(edit, data | {"street": ""}).status_code == 302
    assert Department.objects.get(pk=city["office"].pk).street is None
