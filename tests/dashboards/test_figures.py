"""Every figure of the dashboards equals a count made here independently from the rows, before
and after the data changes (once the worker has refreshed the areas the changes marked stale);
the number of queries does not grow with the city."""

import datetime
import io
import itertools

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from daily.models import Inspection, Visit
from dashboards import selectors, services
from dashboards.models import Stale
from grid.imports import import_file
from grid.models import Area, Household, PartyOrganisation, Resident, Unit, Volunteer

from ..factories import (
    BuildingFactory,
    CommunityFactory,
    DistrictFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    StreetFactory,
    TagFactory,
    UnitFactory,
    UserFactory,
    valid_id_number,
    worker_on,
)
from ..imports.files import csv_bytes

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
_ids = itertools.count(500)
VIEWS = ("dashboards.view_dashboard",)
WALKS = ("daily.add_inspection", "daily.view_inspection")


def resident(household, born: datetime.date, **fields) -> Resident:
    return ResidentFactory(
        household=household, id_number=valid_id_number(next(_ids), birth=born), **fields
    )


def grid_with(community, households: int, elderly: int, young: int):
    grid = GridFactory(parent=community)
    building = BuildingFactory(grid=grid)
    made = [HouseholdFactory(building=building) for _ in range(households)]
    for n in range(elderly + young):
        born = datetime.date(1940 + n % 10, 5, 1) if n < elderly else datetime.date(1995, 5, 1)
        resident(made[n % households], born)
    return grid


@pytest.fixture
def city():
    district = DistrictFactory()
    streets = [StreetFactory(name="长江路街道"), StreetFactory(name="铜官山街道")]
    communities = [CommunityFactory(parent=s) for s in streets for _ in range(2)]
    grids = [
        grid_with(c, households=3 + n, elderly=n, young=2)
        for n, c in enumerate(communities)
        for _ in range(2)
    ]
    UnitFactory(grid=grids[0])
    UnitFactory(grid=grids[5])
    walker = worker_on(grids[0], WALKS)
    worker_on(grids[1], WALKS)
    PartyOrganisation.objects.create(area=grids[0], name="第一网格党支部", kind="branch")
    tag = TagFactory(name="独居老人")
    household = Household.objects.filter(building__grid=grids[2]).first()
    household.tags.add(tag)
    now = timezone.now()
    Inspection.objects.create(grid=grids[0], inspector=walker, started_at=now, finished_at=now)
    Visit.objects.create(
        household=household, grid=grids[2], visitor=walker, visited_on=TODAY, met="本人"
    )
    Volunteer.objects.create(
        user=UserFactory(), community=communities[1], name="何欣怡", phone="13900000001"
    )
    services.refresh_all()
    return {"district": district, "streets": streets, "grids": grids, "tag": tag}


def counted(area: Area) -> dict:
    """The figures of an area's subtree, counted from the rows."""
    code = area.code
    residents = Resident.objects.filter(household__building__grid__code__startswith=code)
    elderly = [
        r
        for r in residents
        if r.id_number and r.id_number[6:14] <= f"{TODAY.year - 60}{TODAY:%m%d}"
    ]
    grids = Area.objects.filter(level=Area.Level.GRID, code__startswith=code)
    week = TODAY - datetime.timedelta(days=TODAY.weekday())
    rounds = Inspection.objects.filter(
        grid__code__startswith=code, finished_at__date__gte=week, finished_at__isnull=False
    )
    return {
        "households": Household.objects.filter(building__grid__code__startswith=code).count(),
        "residents": residents.count(),
        "residents_60_plus": len(elderly),
        "units": Unit.objects.filter(grid__code__startswith=code).count(),
        "grids": grids.count(),
        "grids_with_party": grids.filter(party_organisations__isnull=False).distinct().count(),
        "volunteers": Volunteer.objects.filter(
            community__code__startswith=code, active=True
        ).count(),
        "inspections_week": rounds.count(),
        "grids_inspected_week": rounds.values("grid").distinct().count(),
        "visits_recent": Visit.objects.filter(
            grid__code__startswith=code,
            visited_on__gt=TODAY - datetime.timedelta(days=selectors.RECENT_DAYS),
        ).count(),
    }


def shown(row: selectors.Row) -> dict:
    return {name: getattr(row, name) for name in counted(row.area)}


def check(city, user) -> None:
    codes = selectors.reader_codes(user)
    top = selectors.top_area(codes)
    level = selectors.level(top, codes, user)
    assert [shown(row) for row in level.rows] == [counted(row.area) for row in level.rows]
    assert shown(level.total) == counted(top)
    for street in city["streets"]:
        below = selectors.level(street, codes, user)
        assert [shown(row) for row in below.rows] == [counted(row.area) for row in below.rows]
    household = Household.objects.filter(tags=city["tag"])
    assert level.total.tags[city["tag"].pk] == (household.count(), 0)


def test_the_figures_equal_independent_counts_before_and_after_changes(
    city, django_capture_on_commit_callbacks
):
    admin = UserFactory(is_superuser=True)
    check(city, admin)
    # Each change commits, marks its grid stale and queues the refresh, which the worker (here
    # the immediate task backend) runs.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        grid = city["grids"][3]
        building = BuildingFactory(grid=grid)
        added = HouseholdFactory(building=building)
        resident(added, datetime.date(1950, 1, 1))
        resident(added, datetime.date(2010, 1, 1))
        Household.objects.filter(building__grid=city["grids"][6]).first().delete()
        added.tags.add(city["tag"])
        UnitFactory(grid=city["grids"][7])
        walker = worker_on(city["grids"][4], WALKS)
        now = timezone.now()
        Inspection.objects.create(
            grid=city["grids"][4], inspector=walker, started_at=now, finished_at=now
        )
    assert callbacks
    assert not Stale.objects.exists()
    check(city, admin)


def test_a_change_marks_its_area_only_once_it_commits(city, django_capture_on_commit_callbacks):
    grid = city["grids"][3]
    with django_capture_on_commit_callbacks() as callbacks:
        HouseholdFactory(building=BuildingFactory(grid=grid))
    assert not Stale.objects.exists()  # nothing until the commit
    # A refresh already queued: the commit marks the grid and queues no other.
    cache.set(services.QUEUED_KEY, True)
    for callback in callbacks:
        callback()
    assert list(Stale.objects.values_list("area_id", flat=True)) == [grid.pk]
    assert services.refresh_stale() == 1
    check(city, UserFactory(is_superuser=True))


def test_an_import_marks_the_grids_it_wrote_in_only(city, django_capture_on_commit_callbacks):
    grid = city["grids"][2]
    building = BuildingFactory(grid=grid)
    header = ["网格编码", "楼栋", "门牌号", "户籍人口", "姓名", "身份证号", "电话", "与户主关系"]
    rows = [[grid.code, building.name, "1-101", 1, "王新民", valid_id_number(990), "", "户主"]]
    cache.set(services.QUEUED_KEY, True)  # a refresh already queued
    with django_capture_on_commit_callbacks(execute=True):
        report = import_file(
            "households", io.BytesIO(csv_bytes([header, *rows])), user=None, dry_run=False
        )
    assert report.ok, report.errors
    assert list(Stale.objects.values_list("area_id", flat=True)) == [grid.pk]
    assert services.refresh_stale() == 1
    check(city, UserFactory(is_superuser=True))


def test_a_street_official_sees_their_street_only(city):
    official = worker_on(city["streets"][0], VIEWS)
    codes = selectors.reader_codes(official)
    top = selectors.top_area(codes)
    assert top == city["streets"][0]
    level = selectors.level(top, codes, official)
    assert {row.area.parent_id for row in level.rows} == {top.pk}
    assert level.total.households == counted(top)["households"]
    assert not selectors.may_open(codes, top, city["streets"][1])
    assert not selectors.may_open(codes, top, city["district"])
    assert selectors.may_open(codes, top, city["grids"][0])


def test_sensitive_tags_only_for_those_who_see_personal_data(city):
    city["tag"].sensitive = True
    city["tag"].save()
    official = worker_on(city["streets"][0], VIEWS)
    level = selectors.level(city["streets"][0], selectors.reader_codes(official), official)
    assert city["tag"] not in level.tags
    trusted = worker_on(city["streets"][0], (*VIEWS, "grid.view_personal_data"))
    level = selectors.level(city["streets"][0], selectors.reader_codes(trusted), trusted)
    assert city["tag"] in level.tags


def test_the_dashboard_asks_as_many_queries_however_large_the_city(client, city):
    admin = UserFactory(is_superuser=True)
    client.force_login(admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/dashboard/").status_code == 200
        return len(captured)

    before = queries()
    for street in city["streets"]:
        community = CommunityFactory(parent=street)
        for _ in range(3):
            grid_with(community, households=4, elderly=2, young=2)
    services.refresh_all()
    assert queries() == before


def test_an_area_already_marked_is_marked_again_by_a_read(city, django_capture_on_commit_callbacks):
    """Changes come to an area whose refresh the worker has not made yet: their commits ask
    whether it is marked and write nothing (each write would be one more commit)."""
    grid = city["grids"][3]
    cache.set(services.QUEUED_KEY, True)  # the worker's refresh is queued, not yet run
    with django_capture_on_commit_callbacks(execute=True):
        HouseholdFactory(building=BuildingFactory(grid=grid))
    assert list(Stale.objects.values_list("area_id", flat=True)) == [grid.pk]
    with django_capture_on_commit_callbacks() as callbacks:
        HouseholdFactory(building=BuildingFactory(grid=grid))
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    assert not [
        q
        for q in queries.captured_queries
        if "dashboards_stale" in q["sql"].split(" WHERE")[0] and not q["sql"].startswith("SELECT")
    ]
    assert list(Stale.objects.values_list("area_id", flat=True)) == [grid.pk]


def stale_reads(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'FROM "dashboards_stale"' in q["sql"]]


def test_one_transactions_changes_ask_once_about_each_area(
    city, django_capture_on_commit_callbacks
):
    """A decision saves its process, its task and its history entry; a registry edit saves a
    household and its members: after the commit, each of their areas is asked about once."""
    first, second = city["grids"][0], city["grids"][5]
    Stale.objects.all().delete()
    cache.set(services.QUEUED_KEY, True)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        HouseholdFactory(building=BuildingFactory(grid=first))
        UnitFactory(grid=first)
        UnitFactory(grid=second)
        HouseholdFactory(building=BuildingFactory(grid=first))
    assert len(callbacks) >= 4
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    assert len([sql for sql in stale_reads(queries) if sql.startswith("SELECT")]) == 2
    assert set(Stale.objects.values_list("area_id", flat=True)) == {first.pk, second.pk}


@pytest.mark.django_db(transaction=True)
def test_a_transaction_rolled_back_leaves_no_mark_for_the_next():
    first, second = GridFactory(), GridFactory()
    cache.set(services.QUEUED_KEY, True)
    with pytest.raises(RuntimeError), transaction.atomic():
        UnitFactory(grid=first)
        raise RuntimeError("the save failed")
    with transaction.atomic():
        UnitFactory(grid=second)
    assert list(Stale.objects.values_list("area_id", flat=True)) == [second.pk]
