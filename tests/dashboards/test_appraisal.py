"""A street's appraisal for a month, each figure against a count made here: rounds against
working days, care-list households visited in time, returns filed on time; the score is the
weighted mean of the figures with data, with the weights the street sets (and only it)."""

import datetime
import io

import openpyxl
import pytest
from django.conf import settings
from django.utils import timezone

from daily.models import Inspection, Visit
from dashboards import appraisal
from grid.models import Area

from ..factories import (
    BuildingFactory,
    CommunityFactory,
    DepartmentFactory,
    GridFactory,
    HouseholdFactory,
    StreetFactory,
    TagFactory,
    worker_on,
)
from ..returns.factories import filer, monthly_return

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)
WALKS = ("daily.add_inspection", "daily.view_inspection")
VIEWS = ("dashboards.view_dashboard",)


def working_days(start: datetime.date, end: datetime.date) -> int:
    days = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    return sum(
        1
        for d in days
        if d.isoformat() in settings.PROCESS_EXTRA_WORKING_DAYS
        or (d.weekday() < 5 and d.isoformat() not in settings.PROCESS_HOLIDAYS)
    )


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@pytest.fixture
def street():
    street = StreetFactory(name="长江路街道")
    first, second = (CommunityFactory(parent=street, name=n) for n in ("五松社区", "长江社区"))
    grids = [GridFactory(parent=first), GridFactory(parent=first), GridFactory(parent=second)]
    walkers = [worker_on(grid, WALKS, first_name=f"网格员{n}") for n, grid in enumerate(grids)]
    for day in (MARCH, MARCH + datetime.timedelta(days=1), MARCH + datetime.timedelta(days=20)):
        Inspection.objects.create(
            grid=grids[0], inspector=walkers[0], started_at=at(day), finished_at=at(day)
        )
    Inspection.objects.create(
        grid=grids[2], inspector=walkers[2], started_at=at(MARCH), finished_at=at(MARCH)
    )
    # Outside March: not counted.
    april = datetime.date(2026, 4, 1)
    Inspection.objects.create(
        grid=grids[0], inspector=walkers[0], started_at=at(april), finished_at=at(april)
    )
    care = TagFactory(name="独居老人", visit_interval_days=30)
    building = BuildingFactory(grid=grids[0])
    visited, forgotten = HouseholdFactory(building=building), HouseholdFactory(building=building)
    for household in (visited, forgotten):
        household.tags.add(care)
    Visit.objects.create(
        household=visited, grid=grids[0], visitor=walkers[0], visited_on=datetime.date(2026, 3, 20)
    )
    Visit.objects.create(
        household=forgotten, grid=grids[0], visitor=walkers[0], visited_on=datetime.date(2026, 1, 5)
    )
    return {"street": street, "communities": [first, second], "grids": grids, "walkers": walkers}


def test_each_figure_is_counted_from_the_work(street):
    month = appraisal.month_of(MARCH)
    days = working_days(MARCH, datetime.date(2026, 3, 31))
    assert month.working_days == days
    first, second = appraisal.communities(street["street"], month)
    assert (first.rounds_made, first.rounds_expected) == (3, 2 * days)
    assert first.rounds == round(100 * 3 / (2 * days))
    assert (second.rounds_made, second.rounds_expected) == (1, days)
    assert (first.care_visited, first.care_due) == (1, 2) and first.care == 50
    assert second.care is None  # no household needing visits: not scored
    assert first.on_time is None and first.satisfaction is None
    workers = {m.subject: m for m in appraisal.workers(street["street"], month)}
    walker = workers[street["walkers"][0]]
    assert (walker.rounds_made, walker.rounds_expected, walker.visits) == (3, days, 1)
    assert (walker.care_visited, walker.care_due) == (1, 2)
    assert workers[street["walkers"][1]].rounds_made == 0


def test_the_score_is_the_weighted_mean_of_the_figures_with_data(street):
    month = appraisal.month_of(MARCH)
    weights = appraisal.weights_of(street["street"])
    first = appraisal.scored(appraisal.communities(street["street"], month), weights)[0]
    expected = (weights.rounds * first.rounds + weights.care * first.care) / (
        weights.rounds + weights.care
    )
    assert first.score == round(expected, 1)


def test_returns_filed_on_time(street):
    department = DepartmentFactory()
    return_form = monthly_return(department, [street["street"]])
    from forms import services as form_services
    from returns import periods, services

    february = periods.period_starting(return_form, datetime.date(2026, 2, 1))  # due 5 March
    community = street["communities"][0]
    names = {f.label: f.clean_name for f in return_form.form.fields.all()}
    form = form_services.validate(
        return_form.form, {names["户数"]: 1, names["老年人数"]: 0, names["新增救助对象"]: 0}
    )
    services.file(filer(community), return_form, community, february, form, {}, now=at(MARCH))
    first, second = appraisal.communities(street["street"], appraisal.month_of(MARCH))
    assert (first.returns_on_time, first.returns_expected) == (1, 1)
    assert (second.returns_on_time, second.returns_expected) == (0, 1)


def test_the_street_sets_its_weights_and_exports(client, street):
    url = f"/dashboard/appraisal/?area={street['street'].code}&month=2026-03"
    director = worker_on(street["communities"][0], (*VIEWS, "dashboards.change_appraisalweights"))
    client.force_login(director)
    assert client.get(url).status_code == 404  # a community's director: not the street's
    official = worker_on(street["street"], (*VIEWS, "dashboards.change_appraisalweights"))
    client.force_login(official)
    page = client.get(url).content.decode()
    assert "五松社区" in page and "Save the weights" in page
    fields = dict.fromkeys(appraisal.CRITERIA, "0") | {"rounds": "1"}
    assert client.post(url, fields).status_code == 302
    first = appraisal.scored(
        appraisal.communities(street["street"], appraisal.month_of(MARCH)),
        appraisal.weights_of(street["street"]),
    )[0]
    assert first.score == first.rounds  # only rounds count now
    book = openpyxl.load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content))
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert rows[0][:3] == ["Community", "Grids", "Rounds made (%)"]
    assert rows[1][0] == "五松社区" and rows[1][2] == first.rounds and rows[1][-1] == first.score
    reader = worker_on(street["street"], VIEWS)
    client.force_login(reader)
    assert "Save the weights" not in client.get(url).content.decode()
    assert client.post(url, fields).status_code == 404
    other = worker_on(StreetFactory(), VIEWS)
    client.force_login(other)
    assert client.get(url).status_code == 404
    assert Area.objects.get(pk=street["street"].pk).appraisal_weights.rounds == 1
