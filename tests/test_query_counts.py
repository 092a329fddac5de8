"""Lists must not issue more queries as the data grows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grid import counts
from grid.models import Household, Resident

from .factories import BuildingFactory, GridFactory, valid_id_number, worker_on

pytestmark = pytest.mark.django_db


def fill(building, count, start):
    households = Household.objects.bulk_create(
        Household(building=building, door_number=f"{start + i}", registered_population=2)
        for i in range(count)
    )
    Resident.objects.bulk_create(
        Resident(
            household=h,
            name=f"居民{h.pk}",
            id_number=valid_id_number(h.pk),
            phone="13900000000",
            relation="householder",
        )
        for h in households
    )
    counts.recount()  # as every bulk write of the platform does


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize(
    "page",
    [
        "grid_household_modeladmin_index",
        "grid_resident_modeladmin_index",
        "grid_building_modeladmin_index",
        "grid_area_modeladmin_index",
    ],
)
def test_list_queries_do_not_grow_with_rows(client, page):
    grid = GridFactory()
    client.force_login(worker_on(grid.parent))
    url = reverse(page)
    fill(BuildingFactory(grid=grid), 10, 0)
    client.get(url)  # warm per-process caches (content types, permissions of the helper)
    small, _response = queries_for(client, url)
    for n in range(30):
        fill(BuildingFactory(grid=GridFactory(parent=grid.parent)), 33, 1000 + n * 100)
    large, response = queries_for(client, url)
    assert small == large
    if page == "grid_household_modeladmin_index":
        assert response.context["paginator"].count == 1000
