"""What a user may see is the union of their assignments' subtrees: lists, detail, edit and
delete all stop at the jurisdiction, and guessing a URL outside it is a 404."""

import pytest
from django.urls import reverse

from grid import selectors
from grid.models import Area, Building, Household, Resident

from .factories import (
    REGISTRY_EDIT,
    AssignmentFactory,
    BuildingFactory,
    CommunityFactory,
    DepartmentFactory,
    FacilityFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    StreetFactory,
    UnitFactory,
    UserFactory,
    worker_on,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    """Two streets; the first with two communities; one household in a grid of each community."""
    street_a, street_b = StreetFactory(name="甲街道"), StreetFactory(name="乙街道")
    here = CommunityFactory(parent=street_a, name="本社区")
    neighbour = CommunityFactory(parent=street_a, name="邻社区")
    far = CommunityFactory(parent=street_b, name="远社区")
    homes = {}
    for community in (here, neighbour, far):
        grid = GridFactory(parent=community)
        homes[community.name] = ResidentFactory(
            household=HouseholdFactory(building=BuildingFactory(grid=grid), door_number="1-101"),
            name=f"{community.name}户主",
        ).household
    return {
        "street_a": street_a,
        "street_b": street_b,
        "here": here,
        "neighbour": neighbour,
        "far": far,
        "homes": homes,
    }


def url(model, action, pk=None):
    name = f"grid_{model}_modeladmin_{action}"
    return reverse(name, args=[pk] if pk is not None else [])


def test_visible_areas_is_the_union_of_subtrees(city):
    user = worker_on(city["here"])
    AssignmentFactory(user=user, area=city["far"])
    visible = set(selectors.visible_areas(user))
    assert city["here"] in visible and city["far"] in visible
    assert city["neighbour"] not in visible
    assert city["street_a"] not in visible  # above the assignment


def test_nested_assignments_collapse_to_the_outer_one(city):
    user = worker_on(city["street_a"])
    AssignmentFactory(user=user, area=city["here"])
    assert selectors.jurisdiction_codes(user) == (city["street_a"].code,)


def test_department_assignments_give_no_area(city):
    user = UserFactory()
    assert not selectors.visible_areas(user).exists()


def test_an_area_role_held_on_a_department_covers_no_area(city):
    user = worker_on(city["here"])
    AssignmentFactory(user=user, area=None, department=DepartmentFactory())
    assert selectors.jurisdiction_codes(user) == (city["here"].code,)
    assert selectors.visible_areas(user).filter(code=city["here"].code).exists()


def test_superuser_sees_everything(city):
    admin = UserFactory(is_superuser=True)
    assert selectors.visible_areas(admin).count() == Area.objects.count()


def test_household_list_shows_only_the_community(client, city):
    client.force_login(worker_on(city["here"]))
    response = client.get(url("household", "index"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "本社区户主" in content
    assert "邻社区户主" not in content and "远社区户主" not in content


def test_street_official_sees_the_whole_street_but_not_the_next(client, city):
    client.force_login(worker_on(city["street_a"]))
    content = client.get(url("household", "index")).content.decode()
    assert "本社区户主" in content and "邻社区户主" in content
    assert "远社区户主" not in content


@pytest.mark.parametrize("action", ["inspect", "edit", "delete", "history"])
def test_other_communitys_household_is_a_404_not_a_403(client, city, action):
    client.force_login(worker_on(city["here"]))
    foreign = city["homes"]["邻社区"]
    assert client.get(url("household", action, foreign.pk)).status_code == 404
    assert client.post(url("household", action, foreign.pk), {}).status_code == 404
    assert Household.objects.filter(pk=foreign.pk).exists()


@pytest.mark.parametrize("action", ["inspect", "edit", "delete", "history"])
def test_own_household_is_reachable(client, city, action):
    client.force_login(worker_on(city["here"]))
    assert client.get(url("household", action, city["homes"]["本社区"].pk)).status_code == 200


def test_nonexistent_and_malformed_ids_are_404(client, city):
    client.force_login(worker_on(city["here"]))
    assert client.get(url("household", "edit", 999999)).status_code == 404
    assert client.get("/admin/grid/household/edit/abc/").status_code == 404


@pytest.mark.parametrize(
    ("model", "factory"),
    [("building", BuildingFactory), ("unit", UnitFactory), ("facility", FacilityFactory)],
)
def test_every_register_stops_at_the_jurisdiction(client, city, model, factory):
    foreign = factory(grid=GridFactory(parent=city["far"]))
    own = factory(grid=GridFactory(parent=city["here"]))
    client.force_login(worker_on(city["here"]))
    listing = client.get(url(model, "index")).content.decode()
    assert own.name in listing and foreign.name not in listing
    assert client.get(url(model, "edit", foreign.pk)).status_code == 404
    assert client.get(url(model, "edit", own.pk)).status_code == 200


def test_resident_of_another_street_is_a_404(client, city):
    client.force_login(worker_on(city["here"]))
    foreign = Resident.objects.get(name="远社区户主")
    assert client.get(url("resident", "inspect", foreign.pk)).status_code == 404


def test_cannot_delete_across_communities(client, city):
    client.force_login(worker_on(city["here"]))
    foreign = city["homes"]["邻社区"]
    client.post(url("household", "delete", foreign.pk))
    assert Household.objects.filter(pk=foreign.pk).exists()


def test_edit_form_offers_only_buildings_in_scope(client, city):
    client.force_login(worker_on(city["here"]))
    own = city["homes"]["本社区"]
    foreign_building = city["homes"]["远社区"].building
    response = client.get(url("household", "edit", own.pk))
    choices = {b.pk for b in response.context["form"].fields["building"].queryset}
    assert own.building_id in choices and foreign_building.pk not in choices


def test_cannot_move_a_household_out_of_the_jurisdiction(client, city):
    client.force_login(worker_on(city["here"]))
    own = city["homes"]["本社区"]
    foreign_building = city["homes"]["远社区"].building
    response = client.post(
        url("household", "edit", own.pk),
        {
            "building": foreign_building.pk,
            "door_number": "9-999",
            "registered_population": 1,
            "members-TOTAL_FORMS": 0,
            "members-INITIAL_FORMS": 0,
            "members-MIN_NUM_FORMS": 0,
            "members-MAX_NUM_FORMS": 1000,
        },
    )
    assert response.status_code == 200  # the form again, with an error
    assert "building" in response.context["form"].errors
    own.refresh_from_db()
    assert own.building_id != foreign_building.pk


def test_cannot_create_a_building_in_a_foreign_grid(client, city):
    client.force_login(worker_on(city["here"]))
    foreign_grid = Area.objects.filter(parent=city["far"]).get()
    client.post(
        url("building", "create"),
        {"grid": foreign_grid.pk, "name": "偷建楼", "address": "某路1号", "floors": 3, "units": 1},
    )
    assert not Building.objects.filter(name="偷建楼").exists()


def test_community_worker_cannot_create_a_district(client, city):
    client.force_login(worker_on(city["here"]))
    response = client.post(url("area", "create"), {"code": "340711", "name": "新区"})
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert not Area.objects.filter(code="340711").exists()


def test_area_list_and_page_stop_at_the_jurisdiction(client, city):
    client.force_login(worker_on(city["here"]))
    listing = client.get(url("area", "index")).content.decode()
    assert "本社区" in listing and "远社区" not in listing
    assert client.get(url("area", "inspect", city["far"].pk)).status_code == 404
    assert client.get(url("area", "inspect", city["street_a"].pk)).status_code == 404


def test_user_without_role_cannot_reach_the_admin(client, city):
    client.force_login(UserFactory())
    response = client.get(url("household", "index"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_view_only_role_cannot_edit(client, city):
    client.force_login(
        worker_on(
            city["here"],
            ("wagtailadmin.access_admin", "grid.view_household", "grid.view_personal_data"),
        )
    )
    own = city["homes"]["本社区"]
    assert client.get(url("household", "index")).status_code == 200
    assert client.get(url("household", "inspect", own.pk)).status_code == 200
    # Wagtail's admin turns a refusal into a redirect home with a "no permission" message.
    response = client.get(url("household", "edit", own.pk), follow=True)
    assert response.redirect_chain[0] == ("/admin/", 302)
    assert "do not have permission" in response.content.decode()
    assert client.post(url("household", "edit", own.pk), {"door_number": "x"}).status_code == 302
    own.refresh_from_db()
    assert own.door_number == "1-101"


def test_assignment_perms_apply_only_via_the_role(city):
    user = worker_on(city["here"], REGISTRY_EDIT)
    assert user.has_perm("grid.change_household")
    assert not UserFactory().has_perm("grid.change_household")


def test_a_role_without_the_personal_data_permission_keeps_the_masked_list_only(client, city):
    """A party secretary may read the household list of their grid, masked; the detail and
    edit pages, which show ID numbers and phones in full, are not for them."""
    client.force_login(
        worker_on(
            city["here"],
            ("wagtailadmin.access_admin", "grid.view_household", "grid.change_household"),
        )
    )
    own = city["homes"]["本社区"]
    householder = own.members.get()
    listing = client.get(url("household", "index")).content.decode()
    assert householder.name in listing and householder.id_number not in listing
    assert url("household", "inspect", own.pk) not in listing
    assert url("household", "edit", own.pk) not in listing
    for action in ("inspect", "edit"):
        response = client.get(url("household", action, own.pk), follow=True)
        assert response.redirect_chain[0] == ("/admin/", 302)
        assert householder.id_number not in response.content.decode()


def test_the_personal_data_permission_stops_at_the_areas_its_role_is_held_on(client, city):
    """Someone who is a grid worker in one community and a volunteer in another sees personal
    data in the first only."""
    user = worker_on(city["here"])
    AssignmentFactory(user=user, area=city["neighbour"], role__group=None)
    assert selectors.can_see_personal_data(user, city["here"])
    assert not selectors.can_see_personal_data(user, city["neighbour"])
    assert not selectors.can_see_personal_data(user, None)
