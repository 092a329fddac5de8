"""The diary of people's feelings (民情日志): a grid worker writes a visit to a household or a
unit on their phone; the household's page lists its visits; a visit that needs following up
waits on the worker's home until they have followed it up. Only those who visit the grid write
visits, only those who may read the diary in the area read them."""

import datetime
import re

import pytest
from django.utils import timezone

from daily.models import Visit
from grid.models import PersonalDataLogEntry

from ..factories import (
    BuildingFactory,
    CommunityFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    UnitFactory,
    UserFactory,
)
from .factories import visitor

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    community = CommunityFactory(name="五松社区")
    grid = GridFactory(parent=community, name="第一网格")
    building = BuildingFactory(grid=grid, name="3栋")
    household = HouseholdFactory(building=building, door_number="2-301")
    ResidentFactory(household=household, name="王秀英")
    elsewhere = GridFactory(parent=CommunityFactory(name="幸福社区"), name="第九网格")
    return {
        "grid": grid,
        "household": household,
        "unit": UnitFactory(grid=grid, name="五松超市"),
        "worker": visitor(grid),
        "elsewhere": visitor(elsewhere),
    }


def visit(**fields) -> dict:
    return {
        "visited_on": timezone.localdate().isoformat(),
        "met": "户主本人",
        "category": "health",
        "text": "腿脚不便，想申请上门医疗服务。",
        "mood": "concerned",
        **fields,
    }


def test_a_worker_writes_a_visit_and_follows_it_up(client, city):
    household = city["household"]
    client.force_login(city["worker"])
    page = client.get(f"/today/households/{household.pk}/").content.decode()
    assert "3栋 2-301" in page and "王秀英" in page and "No visits yet." in page
    assert "Write a visit" in page

    response = client.post(f"/today/households/{household.pk}/visit/", visit(follow_up="on"))
    assert response["Location"] == f"/today/households/{household.pk}/"
    saved = Visit.objects.get()
    assert (saved.grid, saved.visitor, saved.household) == (
        city["grid"],
        city["worker"],
        household,
    )
    page = client.get(f"/today/households/{household.pk}/").content.decode()
    assert "腿脚不便" in page and "Health and care" in page and "Needs following up" in page

    today = client.get("/today/").content.decode()
    assert "To follow up" in today and "想申请上门医疗服务" in today
    client.post(f"/today/visits/{saved.pk}/done/")
    saved.refresh_from_db()
    assert saved.followed_up_at is not None
    assert "To follow up" not in client.get("/today/").content.decode()


def test_what_was_raised_must_be_written_and_a_visit_is_not_in_the_future(client, city):
    client.force_login(city["worker"])
    url = f"/today/households/{city['household'].pk}/visit/"
    page = client.post(url, visit(text="  ")).content.decode()
    assert "Write down what they raised." in page
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page = client.post(url, visit(visited_on=tomorrow.isoformat())).content.decode()
    assert "A visit cannot be in the future." in page
    page = client.post(url, visit(category="nothing", text="", follow_up="on")).content.decode()
    assert "Write down what they raised." in page
    assert not Visit.objects.exists()
    # Nothing raised, nothing to write: a visit all the same.
    assert client.post(url, visit(category="nothing", text="", mood="calm")).status_code == 302


def test_a_unit_is_visited_like_a_household(client, city):
    client.force_login(city["worker"])
    unit = city["unit"]
    response = client.post(f"/today/units/{unit.pk}/visit/", visit(category="safety"))
    assert response["Location"] == f"/today/units/{unit.pk}/"
    page = client.get(f"/today/units/{unit.pk}/").content.decode()
    assert "五松超市" in page and "Safety" in page
    grid_page = client.get(f"/today/grids/{city['grid'].pk}/households/").content.decode()
    assert "3栋" in grid_page and "五松超市" in grid_page and "腿脚不便" in grid_page


def test_names_are_masked_without_personal_data_and_audited_with_it(client, city):
    household = city["household"]
    client.force_login(visitor(city["grid"], personal_data=False))
    page = client.get(f"/today/households/{household.pk}/").content.decode()
    assert "王*英" in page and "王秀英" not in page
    assert not PersonalDataLogEntry.objects.filter(action="grid.personal_data.view").exists()
    client.force_login(city["worker"])
    assert "王秀英" in client.get(f"/today/households/{household.pk}/").content.decode()
    assert PersonalDataLogEntry.objects.filter(action="grid.personal_data.view").count() == 1


def test_another_communitys_worker_sees_no_diary_even_by_url(client, city):
    household, unit = city["household"], city["unit"]
    client.force_login(city["worker"])
    client.post(f"/today/households/{household.pk}/visit/", visit(follow_up="on"))
    saved = Visit.objects.get()
    client.force_login(city["elsewhere"])
    for url in (
        f"/today/households/{household.pk}/",
        f"/today/units/{unit.pk}/",
        f"/today/grids/{city['grid'].pk}/households/",
        f"/today/buildings/{household.building_id}/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/today/households/{household.pk}/visit/",
        f"/today/units/{unit.pk}/visit/",
        f"/today/visits/{saved.pk}/done/",
        f"/today/visits/{saved.pk}/report/",
    ):
        assert client.post(url, visit()).status_code == 404, url
    assert Visit.objects.count() == 1 and Visit.objects.get().followed_up_at is None


def test_a_visit_sent_twice_with_its_key_is_stored_once(client, city):
    url = f"/today/households/{city['household'].pk}/visit/"
    client.force_login(city["worker"])
    form = client.get(url).content.decode()
    key = re.search(r'name="client_key" value="([0-9a-f-]{36})"', form)[1]
    first = client.post(url, visit(client_key=key))
    again = client.post(url, visit(client_key=key, text="再次发送"))
    assert first["Location"] == again["Location"] == f"/today/households/{city['household'].pk}/"
    assert Visit.objects.get().text == "腿脚不便，想申请上门医疗服务。"
    # Someone else's key stores nothing and says no.
    client.force_login(visitor(city["grid"]))
    assert client.post(url, visit(client_key=key)).status_code == 403
    assert Visit.objects.count() == 1


def test_a_platform_admin_reads_every_diary(client, city):
    client.force_login(city["worker"])
    client.post(f"/today/households/{city['household'].pk}/visit/", visit())
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get(f"/today/households/{city['household'].pk}/").content.decode()
    assert "腿脚不便" in page and "Write a visit" not in page  # reads all, visits none
    grid_page = client.get(f"/today/grids/{city['grid'].pk}/households/").content.decode()
    assert "腿脚不便" in grid_page
