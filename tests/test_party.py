"""Party building: party organisations of the communities and grids, and their members, who
are residents named by ID number; a grid's card on My grids today shows its branch, how many
members it has and which of its volunteers are party members."""

import pytest
from django.urls import reverse

from grid.models import PartyMember, PartyOrganisation, Volunteer

from .daily.factories import visitor
from .factories import (
    CommunityFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    UserFactory,
    valid_id_number,
    worker_on,
)

pytestmark = pytest.mark.django_db

MANAGES = (
    "wagtailadmin.access_admin",
    "grid.view_partyorganisation",
    "grid.view_partymember",
    "grid.add_partymember",
    "grid.change_partymember",
)


@pytest.fixture
def city():
    community = CommunityFactory(name="五松社区")
    grid = GridFactory(parent=community, name="第一网格")
    other = GridFactory(parent=CommunityFactory(name="幸福社区"), name="第九网格")
    branch = PartyOrganisation.objects.create(
        name="第一网格党支部", kind=PartyOrganisation.Kind.BRANCH, area=grid
    )
    elsewhere = PartyOrganisation.objects.create(
        name="第九网格党支部", kind=PartyOrganisation.Kind.BRANCH, area=other
    )
    member = ResidentFactory(household=HouseholdFactory(building__grid=grid), name="李建国")
    stranger = ResidentFactory(household=HouseholdFactory(building__grid=other), name="赵四")
    return {
        "community": community,
        "grid": grid,
        "branch": branch,
        "elsewhere": elsewhere,
        "member": member,
        "stranger": stranger,
    }


def test_a_member_is_added_by_id_number_within_the_personal_data_scope(client, city):
    client.force_login(worker_on(city["community"], (*MANAGES, "grid.view_personal_data")))
    url = reverse("grid_partymember_modeladmin_create")
    form = client.get(url).content.decode()
    assert "第一网格党支部" in form and "第九网格党支部" not in form
    refused = client.post(
        url,
        {
            "organisation": city["branch"].pk,
            "id_number": city["stranger"].id_number,
            "duty": "member",
        },
    )
    assert "No resident with this ID number where you may see personal data." in (
        refused.content.decode()
    )
    assert not PartyMember.objects.exists()
    added = client.post(
        url,
        {
            "organisation": city["branch"].pk,
            "id_number": city["member"].id_number.lower(),
            "duty": "secretary",
            "joined_on": "1998-07-01",
        },
    )
    assert added.status_code == 302
    member = PartyMember.objects.get()
    assert (member.resident, member.duty) == (city["member"], "secretary")
    listed = client.get(reverse("grid_partymember_modeladmin_index")).content.decode()
    assert "李建国" in listed and city["member"].id_number not in listed  # masked in lists


def test_without_personal_data_no_member_can_be_named(client, city):
    client.force_login(worker_on(city["community"], MANAGES))
    response = client.post(
        reverse("grid_partymember_modeladmin_create"),
        {"organisation": city["branch"].pk, "id_number": city["member"].id_number},
    )
    assert response.status_code == 200
    assert "No resident with this ID number where you may see personal data." in (
        response.content.decode()
    )
    assert not PartyMember.objects.exists()


def test_a_grid_card_shows_its_branch_and_party_member_volunteers(client, city):
    PartyMember.objects.create(organisation=city["branch"], resident=city["member"])
    Volunteer.objects.create(
        user=UserFactory(),
        community=city["community"],
        grid=city["grid"],
        name="李建国",
        phone="13900001111",
        id_number=city["member"].id_number,
    )
    Volunteer.objects.create(
        user=UserFactory(),
        community=city["community"],
        grid=city["grid"],
        name="王芳",
        phone="13900002222",
        id_number=valid_id_number(77),
    )
    client.force_login(visitor(city["grid"]))
    card = client.get("/today/").content.decode()
    assert "第一网格党支部 · 1 party member" in card
    assert "party-member volunteers: 李建国" in card and "王芳" not in card
    client.force_login(visitor(city["grid"], personal_data=False))
    assert "party-member volunteers: 李*国" in client.get("/today/").content.decode()
