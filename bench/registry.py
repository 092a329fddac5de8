"""The household admin list with 100,000 households in the viewer's jurisdiction."""

import datetime
import statistics
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from grid.models import Area, Assignment, Building, Household, Resident, Role
from grid.validators import id_check_char

HOUSEHOLDS = 100_000
GRIDS = 50
RUNS = 7


def id_number(n: int) -> str:
    """A valid, unique ID number for the n-th resident."""
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=n % 20000)
    first17 = f"340705{birth:%Y%m%d}{n // 20000 % 1000:03d}"
    return first17 + id_check_char(first17)


def build_city() -> Area:
    district = Area.objects.create(code="340705", name="铜官区")
    street = Area.objects.create(code="340705001", name="长江路街道", parent=district)
    community = Area.objects.create(code="340705001001", name="五松社区", parent=street)
    per_grid = HOUSEHOLDS // GRIDS
    for g in range(1, GRIDS + 1):
        grid = Area.objects.create(
            code=f"{community.code}{g:03d}", name=f"第{g}网格", parent=community, kind="residential"
        )
        buildings = Building.objects.bulk_create(
            Building(grid=grid, name=f"{b}栋", address="长江路1号", floors=10, units=2)
            for b in range(per_grid // 40)
        )
        households = Household.objects.bulk_create(
            Household(
                building=buildings[i % len(buildings)], door_number=f"{i}", registered_population=2
            )
            for i in range(per_grid)
        )
        Resident.objects.bulk_create(
            (
                Resident(
                    household=household,
                    name=f"居民{household.pk}",
                    id_number=id_number(household.pk),
                    phone=f"139{household.pk:08d}",
                    relation="householder",
                )
                for household in households
            ),
            batch_size=5000,
        )
    return street


def official_of(street: Area):
    user = get_user_model().objects.create_user("bench_official", password="pw")
    role = Role.objects.create(key="street_official", name="街道审批人员")
    group = Group.objects.create(name="bench")
    group.permissions.set(
        Permission.objects.filter(
            codename__in=["access_admin", "view_household", "change_household"]
        )
    )
    role.group = group
    role.save()
    Assignment.objects.create(user=user, role=role, area=street)
    return user


def time_page(client: Client, url: str) -> dict:
    client.get(url)  # warm caches
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {"median_ms": round(statistics.median(timings), 1), "queries": len(queries)}


def run() -> dict:
    started = time.perf_counter()
    street = build_city()
    built = time.perf_counter() - started
    client = Client()
    client.force_login(official_of(street))
    in_scope = Household.objects.count()
    return {
        "households_in_scope": in_scope,
        "build_seconds": round(built, 1),
        "household_list": time_page(client, "/admin/grid/household/"),
        "household_list_page_100": time_page(client, "/admin/grid/household/?p=100"),
        "household_list_one_grid": time_page(client, "/admin/grid/household/?grid=340705001001007"),
        "household_list_search_name": time_page(client, "/admin/grid/household/?q=居民5000"),
    }
