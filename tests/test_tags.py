"""Tags on households and residents: defined in the admin, set in the household's form, listed
on its page and in the household list; a sensitive tag only where the viewer sees personal
data, and otherwise not at all."""

import pytest
from django.urls import reverse

from grid import selectors
from grid.models import Household, PersonalDataLogEntry, Resident, Tag

from .factories import (
    REGISTRY_EDIT,
    AssignmentFactory,
    BuildingFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    RoleFactory,
    TagFactory,
    UserFactory,
    group_with,
    valid_id_number,
    worker_on,
)
from .test_personal_data import household_post, member_data

pytestmark = pytest.mark.django_db

WITHOUT_PERSONAL_DATA = tuple(p for p in REGISTRY_EDIT if p != "grid.view_personal_data")


@pytest.fixture
def tags():
    return {
        "party": TagFactory(name="党员", short="党", sort_order=3),
        "low_income": TagFactory(name="低保户", short="保", sensitive=True, sort_order=2),
        "disabled": TagFactory(name="残疾人", short="残", sensitive=True, sort_order=1),
    }


@pytest.fixture
def grid():
    return GridFactory()


def names(tags) -> list[str]:
    return [tag.name for tag in tags]


def test_sensitive_tags_are_shown_only_to_those_who_see_personal_data(grid, tags):
    every = Tag.objects.all()  # in the tags' order
    in_full = worker_on(grid.parent)
    masked = worker_on(grid.parent, perms=WITHOUT_PERSONAL_DATA)
    elsewhere = worker_on(GridFactory())
    admin = UserFactory(is_superuser=True)
    assert names(selectors.tags_shown(in_full, grid, every)) == ["残疾人", "低保户", "党员"]
    assert names(selectors.tags_shown(admin, grid, every)) == ["残疾人", "低保户", "党员"]
    assert names(selectors.tags_shown(masked, grid, every)) == ["党员"]
    assert names(selectors.tags_shown(elsewhere, grid, every)) == ["党员"]
    # Data of no area: in full to platform admins only.
    assert names(selectors.tags_shown(in_full, None, every)) == ["党员"]
    assert names(selectors.tags_shown(admin, None, every)) == ["残疾人", "低保户", "党员"]


def test_the_household_form_saves_household_and_member_tags(client, grid, tags):
    building = BuildingFactory(grid=grid)
    resident = ResidentFactory(household=HouseholdFactory(building=building), name="李四")
    resident.tags.set([tags["party"]])
    worker = worker_on(grid.parent)
    client.force_login(worker)
    data = household_post(
        building,
        [
            member_data(
                0,
                pk=resident.pk,
                name="李四",
                id_number=resident.id_number,
                phone=resident.phone,
            ),
            member_data(1, name="李小梅", id_number=valid_id_number(8), relation="child"),
        ],
        initial=1,
        door=resident.household.door_number,
    )
    data |= {
        "tags": [tags["low_income"].pk],
        "members-0-tags": [tags["disabled"].pk, tags["party"].pk],
        "members-1-tags": [tags["disabled"].pk],
    }
    url = reverse("grid_household_modeladmin_edit", args=[resident.household_id])
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    household = Household.objects.get(pk=resident.household_id)
    assert names(household.tags.all()) == ["低保户"]
    assert names(resident.tags.all()) == ["残疾人", "党员"]
    assert names(Resident.objects.get(name="李小梅").tags.all()) == ["残疾人"]
    # Unticking takes them off.
    data |= {"tags": [], "members-1-id": Resident.objects.get(name="李小梅").pk}
    data |= {"members-INITIAL_FORMS": 2, "members-0-tags": [], "members-1-tags": []}
    assert client.post(url, data).status_code == 302
    assert not household.tags.exists() and not Resident.tags.through.objects.exists()


def test_a_new_household_gets_its_tags(client, grid, tags):
    building = BuildingFactory(grid=grid)
    client.force_login(worker_on(grid.parent))
    data = household_post(building, [member_data(0, name="王五", id_number=valid_id_number(9))])
    data |= {"tags": [tags["party"].pk], "members-0-tags": [tags["party"].pk]}
    response = client.post(reverse("grid_household_modeladmin_create"), data)
    assert response.status_code == 302, response.context["form"].errors
    household = Household.objects.get(building=building, door_number="2-301")
    assert names(household.tags.all()) == ["党员"]
    assert names(household.members.get().tags.all()) == ["党员"]


def test_the_household_list_shows_sensitive_tags_only_where_the_viewer_sees_personal_data(
    client, grid, tags
):
    other_grid = GridFactory(parent=grid.parent)
    here = ResidentFactory(household=HouseholdFactory(building=BuildingFactory(grid=grid)))
    here.household.tags.set([tags["low_income"]])
    there = ResidentFactory(household=HouseholdFactory(building=BuildingFactory(grid=other_grid)))
    there.tags.set([tags["disabled"]])
    there.household.tags.set([tags["party"]])
    # The list of the whole community, personal data on the first grid only.
    viewer = worker_on(grid)
    role = RoleFactory(group=group_with(*WITHOUT_PERSONAL_DATA))
    AssignmentFactory(user=viewer, role=role, area=grid.parent)
    client.force_login(viewer)
    page = client.get(reverse("grid_household_modeladmin_index")).content.decode()
    assert "低保户" in page and "党员" in page
    assert "残疾人" not in page
    client.force_login(worker_on(grid.parent))
    page = client.get(reverse("grid_household_modeladmin_index")).content.decode()
    assert "低保户" in page and "党员" in page and "残疾人" in page


def test_the_household_page_lists_its_and_its_members_tags(client, grid, tags):
    resident = ResidentFactory(
        household=HouseholdFactory(building=BuildingFactory(grid=grid)), name="赵六"
    )
    resident.household.tags.set([tags["low_income"]])
    resident.tags.set([tags["disabled"]])
    client.force_login(worker_on(grid.parent))
    url = reverse("grid_household_modeladmin_inspect", args=[resident.household_id])
    page = client.get(url).content.decode()
    assert "低保户" in page and "残疾人" in page
    assert 'class="grid-tag tag-b42318"' in page


def test_tags_are_defined_by_those_who_hold_the_tag_permissions(client, tags):
    viewer = worker_on(GridFactory(), perms=("wagtailadmin.access_admin", "grid.view_tag"))
    client.force_login(viewer)
    index = client.get(reverse("grid_tag_modeladmin_index"))
    assert index.status_code == 200 and "低保户" in index.content.decode()
    assert client.get(reverse("grid_tag_modeladmin_create")).status_code == 302  # refused
    client.force_login(worker_on(GridFactory()))  # the registers, but not the tags
    assert client.get(reverse("grid_tag_modeladmin_index")).status_code == 302
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.post(
        reverse("grid_tag_modeladmin_create"),
        {"name": "退役军人", "short": "军", "colour": Tag.Colour.GREEN, "sort_order": 5},
    )
    assert response.status_code == 302
    tag = Tag.objects.get(name="退役军人")
    assert (tag.short, tag.css_class, tag.sensitive, tag.visit_interval_days) == (
        "军",
        "tag-067647",
        False,
        None,
    )


def test_every_colour_has_its_class(settings):
    css = (settings.BASE_DIR / "grid" / "static" / "grid" / "tags.css").read_text()
    for value, _label in Tag.Colour.choices:
        assert f".tag-{value[1:]} {{ --tag: {value}; }}" in css


def test_a_sensitive_tag_put_on_or_taken_off_is_on_the_audit_log_unnamed(grid, tags):
    resident = ResidentFactory(household=HouseholdFactory(building=BuildingFactory(grid=grid)))
    changed = PersonalDataLogEntry.objects.filter(action="grid.personal_data.change")
    resident.tags.add(tags["party"])
    assert not changed.exists()  # not personal data
    resident.tags.add(tags["disabled"])
    resident.household.tags.add(tags["low_income"])
    resident.tags.remove(tags["disabled"])
    resident.household.tags.clear()
    entries = list(changed.order_by("pk"))
    assert len(entries) == 4
    assert all((entry.data, entry.area) == ({"fields": ["tags"]}, grid.code) for entry in entries)
    assert "残疾人" not in str([entry.label for entry in entries])
