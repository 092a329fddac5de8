"""Each appraisal figure opens exactly the records it counts: for every figure of a community and
of a grid worker, the records page lists as many rows as the figure says, and the records just
outside the month, the community or the worker are not among them. Only who sees the street's
appraisal opens the pages; no resident is named; the queries do not grow with the records."""

import datetime
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from daily.models import Inspection, Visit
from dashboards import appraisal, records
from forms import services as form_services
from grid.models import Area
from returns import periods, services
from workflows import services as workflow_services
from workflows.models import ProcessEvent, ProcessInstance, StageTask, TaskDeadline, Verdict

from ..factories import (
    BuildingFactory,
    CommunityFactory,
    DepartmentFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    StreetFactory,
    TagFactory,
    worker_on,
)
from ..returns.factories import filer, monthly_return
from ..workflows.factories import submit, three_stages, version_of

pytestmark = pytest.mark.django_db

NOVEMBER = datetime.date(2026, 11, 1)
BEFORE, AFTER = datetime.date(2026, 10, 31), datetime.date(2026, 12, 1)
WALKS = ("daily.add_inspection", "daily.view_inspection")
VIEWS = ("dashboards.view_dashboard",)
RESIDENT = "欧阳明辉"


def day(n: int) -> datetime.date:
    return NOVEMBER + datetime.timedelta(days=n - 1)


def at(on: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(on, datetime.time(10)))


def round_of(grid, inspector, on: datetime.date) -> Inspection:
    return Inspection.objects.create(
        grid=grid, inspector=inspector, started_at=at(on), finished_at=at(on)
    )


def visit(household, visitor, on: datetime.date) -> Visit:
    return Visit.objects.create(
        household=household, grid=household.building.grid, visitor=visitor, visited_on=on
    )


def process(definition, community, closed: datetime.date | None, owner=None):
    """A process of the community, closed (approved) on `closed`; its last task finished by
    `owner` that day."""
    found = workflow_services.start_process(version_of(definition), submit(definition, community))
    if closed is not None:
        ProcessInstance.objects.filter(pk=found.pk).update(
            outcome=ProcessInstance.Outcome.APPROVED, finished=at(closed)
        )
        task = StageTask.objects.filter(process=found).order_by("-pk").first()
        StageTask.objects.filter(pk=task.pk).update(owner=owner, finished=at(closed))
    return found


def event(process_, kind: str, on: datetime.date) -> None:
    made = ProcessEvent.objects.create(process=process_, kind=kind, stage_name="社区初审")
    ProcessEvent.objects.filter(pk=made.pk).update(at=at(on))  # `at` is set on creation


def verdict(process_, on: datetime.date, satisfaction: int, reopened: bool = False) -> None:
    made = Verdict.objects.create(
        process=process_, resolved=not reopened, satisfaction=satisfaction, reopened=reopened
    )
    Verdict.objects.filter(pk=made.pk).update(at=at(on))


def late(process_, due: datetime.date) -> None:
    """The process's last task had a deadline, found passed."""
    task = StageTask.objects.filter(process=process_).order_by("-pk").first()
    TaskDeadline.objects.create(task=task, due_at=at(due), overdue_at=at(due))


@pytest.fixture
def city():
    street = StreetFactory(name="长江路街道")
    wusong, changjiang = (CommunityFactory(parent=street, name=n) for n in ("五松社区", "长江社区"))
    grids = [GridFactory(parent=wusong), GridFactory(parent=wusong), GridFactory(parent=changjiang)]
    walkers = [worker_on(g, WALKS, first_name=f"网格员{n}") for n, g in enumerate(grids)]
    w0, w1, w2 = walkers
    elsewhere = GridFactory(parent=CommunityFactory(parent=StreetFactory(name="铜都街道")))
    # Rounds: two of w0's in November; just before, just after, in the other community and
    # in another street (w0 standing in there) are not the first community's nor w0's there.
    for on in (day(2), day(30), BEFORE, AFTER):
        round_of(grids[0], w0, on)
    round_of(grids[1], w1, day(3))
    round_of(grids[2], w2, day(3))
    round_of(elsewhere, w0, day(4))
    # Care: two households asking for a visit every 30 days, one visited in time; a third
    # visited but asking for none; one of the other community.
    care = TagFactory(name="独居老人", visit_interval_days=30)
    building = BuildingFactory(grid=grids[0])
    kept, forgotten, plain = (HouseholdFactory(building=building) for _n in range(3))
    for household in (kept, forgotten):
        household.tags.add(care)
    ResidentFactory(household=kept, name=RESIDENT)
    visit(kept, w0, day(10))
    visit(forgotten, w0, datetime.date(2026, 9, 20))
    visit(forgotten, w0, AFTER)  # after the month: neither its last visit nor counted
    visit(plain, w0, day(2))
    other = HouseholdFactory(building=BuildingFactory(grid=grids[2]))
    other.tags.add(care)
    visit(other, w2, day(5))
    # Processes of the first community: closed on time, closed late (its deadline passed in
    # November), closed in December (escalated in November), open (its deadline passed in
    # October); and one of the other community.
    definition = three_stages()
    on_time = process(definition, wusong, day(10), owner=w0)
    overdue = process(definition, wusong, day(20), owner=w0)
    late(overdue, day(15))
    event(overdue, ProcessEvent.Kind.OVERDUE, day(15))
    december = process(definition, wusong, AFTER, owner=w0)
    event(december, ProcessEvent.Kind.ESCALATED, day(25))
    still_open = process(definition, wusong, None)
    event(still_open, ProcessEvent.Kind.OVERDUE, BEFORE)
    theirs = process(definition, changjiang, day(10), owner=w1)
    verdict(on_time, day(12), 5)
    verdict(overdue, day(22), 2, reopened=True)
    verdict(on_time, AFTER, 4)
    verdict(theirs, day(12), 5)
    # Returns: October's monthly return falls due on 5 November; the first community files it
    # on time, the other does not; November's (due in December) is not this month's.
    return_form = monthly_return(DepartmentFactory(), [street])
    names = {f.label: f.clean_name for f in return_form.form.fields.all()}
    answers = {names["户数"]: 1, names["老年人数"]: 0, names["新增救助对象"]: 0}
    for start, filed in ((datetime.date(2026, 10, 1), day(3)), (NOVEMBER, day(30))):
        form = form_services.validate(return_form.form, answers)
        period = periods.period_starting(return_form, start)
        services.file(filer(wusong), return_form, wusong, period, form, {}, now=at(filed))
    return {
        "street": street,
        "communities": [wusong, changjiang],
        "grids": grids,
        "walkers": walkers,
        "households": {"kept": kept, "forgotten": forgotten},
    }


def official(city, *perms: str):
    return worker_on(city["street"], (*VIEWS, *perms))


def listed(page) -> list[str]:
    """The rows of a records page's table."""
    body = page.content.decode()
    if 'id="appraisal-records"' not in body:
        return []
    table = body.split('id="appraisal-records"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>.*?</tr>", table.split("<tbody>", 1)[1], flags=re.S)


def sheet(client, url: str) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(client.get(url).content))
    return [list(r) for r in book.active.iter_rows(values_only=True)]


def marks(city):
    month = appraisal.month_of(NOVEMBER)
    return appraisal.communities(city["street"], month), appraisal.workers(city["street"], month)


# What the fixture makes each figure, counted by hand: the records outside the month, the
# community or the worker must stay out of both the figure and its list.
WUSONG = {
    "rounds": 3,
    "care_due": 2,
    "care_visited": 1,
    "visits": 2,
    "closed": 2,
    "closed_on_time": 1,
    "overdue": 1,
    "escalations": 1,
    "verdicts": 2,
    "satisfied": 1,
    "reopened": 1,
    "returns_due": 1,
    "returns_on_time": 1,
}
FIRST_WALKER = {
    "rounds": 2,
    "care_due": 2,
    "care_visited": 1,
    "visits": 2,
    "tasks_closed": 2,
    "tasks_on_time": 1,
    "tasks_late": 1,
}


def test_every_figure_lists_as_many_records_as_it_counts(client, city):
    client.force_login(official(city))
    communities, workers = marks(city)
    assert {
        key: getattr(communities[0], figure.count)
        for key, figure in records.FIGURES.items()
        if figure.of_communities
    } == WUSONG
    by_user = {m.subject: m for m in workers}
    assert {
        key: getattr(by_user[city["walkers"][0]], figure.count)
        for key, figure in records.FIGURES.items()
        if figure.of_workers
    } == FIRST_WALKER
    checked = 0
    for mark in [*communities, *workers]:
        applies = "of_communities" if isinstance(mark.subject, Area) else "of_workers"
        for key, figure in records.FIGURES.items():
            if not getattr(figure, applies):
                continue
            url = records_url(city, mark, key)
            answer = client.get(url)
            assert answer.status_code == 200, url
            assert len(listed(answer)) == getattr(mark, figure.count), url
            checked += 1
    assert checked == 2 * 13 + 3 * 7
    # The appraisal links its figures to these very pages.
    page = client.get(f"/dashboard/appraisal/?area={city['street'].code}&month=2026-11")
    body = page.content.decode().replace("&amp;", "&")
    for mark in [*communities, *workers]:
        assert records_url(city, mark, "rounds") in body


def records_url(city, mark, key: str) -> str:
    if isinstance(mark.subject, Area):
        return f"/dashboard/appraisal/communities/{mark.subject.pk}/{key}/?month=2026-11"
    street = city["street"].code
    return f"/dashboard/appraisal/workers/{mark.subject.pk}/{key}/?area={street}&month=2026-11"


def test_a_workers_figures_count_their_work_in_the_street_only(city):
    """A round w0 made standing in for a grid of another street is that street's work: it
    was counted in every street w0 walks until now."""
    _communities, workers = marks(city)
    first = next(m for m in workers if m.subject == city["walkers"][0])
    assert first.rounds_made == 2
    assert Inspection.objects.filter(inspector=first.subject, finished_at__month=11).count() == 3


def test_only_who_sees_the_streets_appraisal_opens_its_records(client, city):
    wusong = city["communities"][0]
    walker = city["walkers"][0]
    street = city["street"].code
    community_url = f"/dashboard/appraisal/communities/{wusong.pk}/rounds/?month=2026-11"
    worker_url = f"/dashboard/appraisal/workers/{walker.pk}/rounds/?area={street}&month=2026-11"
    client.force_login(official(city))
    assert client.get(community_url).status_code == 200
    assert client.get(worker_url).status_code == 200
    # What is no figure of a community or of a worker, and who walks no grid of the street.
    for url in (
        f"/dashboard/appraisal/communities/{wusong.pk}/tasks_closed/",
        f"/dashboard/appraisal/communities/{wusong.pk}/nothing/",
        f"/dashboard/appraisal/communities/{city['grids'][0].pk}/rounds/",
        f"/dashboard/appraisal/workers/{walker.pk}/closed/?area={street}",
        f"/dashboard/appraisal/workers/{official(city).pk}/rounds/?area={street}",
    ):
        assert client.get(url).status_code == 404, url
    # A community's director sees no street's appraisal, not even of their own community.
    client.force_login(worker_on(wusong, VIEWS))
    assert client.get(community_url).status_code == 404
    assert client.get(worker_url).status_code == 404
    # Another street's official.
    client.force_login(worker_on(StreetFactory(), VIEWS))
    assert client.get(community_url).status_code == 404
    assert client.get(worker_url).status_code == 404
    # The grid worker, who may not see the dashboards.
    client.force_login(walker)
    assert client.get(community_url).status_code == 404
    # A walker of another street, asked with this street's official.
    stranger = worker_on(GridFactory(parent=CommunityFactory(parent=StreetFactory())), WALKS)
    client.force_login(official(city))
    url = f"/dashboard/appraisal/workers/{stranger.pk}/rounds/?area={street}&month=2026-11"
    assert client.get(url).status_code == 404


def test_no_resident_is_named_and_links_follow_what_the_user_may_open(client, city):
    wusong = city["communities"][0]
    kept = city["households"]["kept"]
    client.force_login(official(city, "grid.view_household", "daily.view_inspection"))
    url = f"/dashboard/appraisal/communities/{wusong.pk}/care_due/?month=2026-11"
    page = client.get(url).content.decode()
    assert kept.door_number in page and f'href="/today/households/{kept.pk}/"' in page
    assert RESIDENT not in page and "欧*辉" not in page  # not even masked: no name at all
    assert RESIDENT not in str(sheet(client, url + "&format=xlsx"))
    rounds = client.get(f"/dashboard/appraisal/communities/{wusong.pk}/rounds/?month=2026-11")
    assert "/today/inspections/" in rounds.content.decode()
    # A reader of the appraisal alone: the same rows, no link to pages they may not open.
    client.force_login(official(city))
    page = client.get(url).content.decode()
    assert kept.door_number in page and "/today/households/" not in page
    closed = client.get(f"/dashboard/appraisal/communities/{wusong.pk}/closed/?month=2026-11")
    assert len(listed(closed)) == 2 and "/workflow/" not in closed.content.decode()


def test_the_export_holds_the_rows_listed(client, city):
    client.force_login(official(city))
    wusong = city["communities"][0]
    url = f"/dashboard/appraisal/communities/{wusong.pk}/returns_due/?month=2026-11"
    rows = sheet(client, url + "&format=xlsx")
    assert rows[0] == ["Return", "Area", "Period", "Due", "Filed at", "Late"]
    assert len(rows) == 2 and rows[1][:2] == ["民政月报", "五松社区"]
    assert rows[1][3] == "2026-11-05" and rows[1][5] == "No"
    changjiang = city["communities"][1]
    url = f"/dashboard/appraisal/communities/{changjiang.pk}/returns_due/?month=2026-11"
    rows = sheet(client, url + "&format=xlsx")
    assert rows[1][1] == "长江社区" and rows[1][4] == "Not filed"
    walker = city["walkers"][0]
    url = (
        f"/dashboard/appraisal/workers/{walker.pk}/tasks_late/"
        f"?area={city['street'].code}&month=2026-11&format=xlsx"
    )
    rows = sheet(client, url)
    assert rows[0] == ["No.", "Process", "Stage", "Due", "Closed"]
    assert len(rows) == 2 and rows[1][3].startswith("2026-11-15")


def grow_rounds(city, n: int) -> None:
    for _n in range(n):
        round_of(city["grids"][0], city["walkers"][0], day(7))


def grow_visits(city, n: int) -> None:
    care = TagFactory(visit_interval_days=10)
    for _n in range(n):
        household = HouseholdFactory(building=city["households"]["kept"].building)
        household.tags.add(care)
        visit(household, city["walkers"][0], day(25))


def grow_processes(city, n: int) -> None:
    definition = three_stages()
    for _n in range(n):
        event(
            process(definition, city["communities"][0], day(8)), ProcessEvent.Kind.OVERDUE, day(8)
        )


@pytest.mark.parametrize(
    ("figures", "grow"),
    [
        (("rounds",), grow_rounds),
        (("care_due", "care_visited", "visits"), grow_visits),
        (("closed", "overdue"), grow_processes),
    ],
)
def test_the_records_pages_ask_as_many_queries_however_many_records(client, city, figures, grow):
    client.force_login(official(city, "grid.view_household", "daily.view_inspection"))
    wusong = city["communities"][0]
    pages = [f"/dashboard/appraisal/communities/{wusong.pk}/{f}/?month=2026-11" for f in figures]

    def asked() -> list[tuple[int, int]]:
        found = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                rows = len(listed(client.get(url)))
            found.append((rows, len(queries)))
        return found

    grow(city, 1)
    few = asked()
    grow(city, 18)
    many = asked()
    assert all(rows >= 2 for rows, _q in few)
    assert [rows for rows, _q in many] == [rows + 18 for rows, _q in few]
    assert [q for _r, q in many] == [q for _r, q in few]
