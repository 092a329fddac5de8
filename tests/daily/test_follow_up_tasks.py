"""A visit that needs following up is a task of its visitor's task list (走访跟进): what it is
about, where, what was raised, how pressing, when it is due (by how pressing), coloured when
due soon or overdue; followed up or reported as a process from the list; counted wherever tasks
are counted, alike; filtered as the list's filters say; in as many queries for ten as for one.
Nobody else sees it. Dates are set relative to today, and the due-date rules are checked on
fixed days through the selectors' `today`."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from daily import selectors
from daily.models import Visit
from grid.models import Area
from tests.forms.factories import names
from workflows import selectors as workflow_selectors
from workflows import task_list
from workflows.models import ProcessInstance

from ..factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, UnitFactory
from ..workflows.city import build_city, import_fixture, user
from ..workflows.test_shipped_processes import FIRST_GRID, decide, grid_worker_here
from .factories import checklist, follow_up, visitor

pytestmark = pytest.mark.django_db

URL = "/tasks/"
KIND = "Visit follow-up"


@pytest.fixture
def city():
    grid = GridFactory(name="第一网格", parent__name="五松社区", parent__parent__name="长江路街道")
    building = BuildingFactory(grid=grid, name="3栋")
    household = HouseholdFactory(building=building, door_number="2-301")
    ResidentFactory(household=household, name="王秀英")
    return {
        "grid": grid,
        "building": building,
        "household": household,
        "worker": visitor(grid, first_name="李"),
        "colleague": visitor(grid, first_name="张"),
    }


def page(client, worker, url=URL) -> str:
    client.force_login(worker)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def follow_up_rows(content: str) -> list[str]:
    return re.findall(r'<tr class="task-row task-follow-up[^"]*">.*?</tr>', content, re.S)


def subjects(content: str) -> list[str]:
    return re.findall(r'class="task-subject"[^>]*><a href="[^"]+">([^<]+)</a>', content)


def counts(content: str) -> str:
    return re.search(r'<p class="pg-task-counts">.*?</p>', content, re.S).group(0)


def door(city, number: str):
    return HouseholdFactory(building=city["building"], door_number=number)


def test_a_follow_up_is_in_its_visitors_task_list_with_what_they_need(client, city):
    visit = follow_up(city["worker"], city["household"], days_ago=1)
    content = page(client, city["worker"])
    (row,) = follow_up_rows(content)
    assert f'href="/today/households/{city["household"].pk}/">3栋 2-301</a>' in row
    assert KIND in row and "长江路街道 › 五松社区 › 第一网格" in row
    assert "Health and care" in row and "想申请上门医疗服务" in row and "Concerned" in row
    visited = visit.visited_on
    assert f">{visited:%Y-%m-%d}</time>" in row
    assert f">{visited + datetime.timedelta(days=3):%Y-%m-%d}</time>" in row
    assert f'formaction="/today/visits/{visit.pk}/done/?next=/tasks/"' in row
    assert "Report as an incident" not in row  # no process is named for the grid's kind
    # The door, as on My grids today; never a member's name.
    assert "王秀英" not in content and "王*英" not in content
    assert "1 task" in content and "1 open task" in content
    # A visit is its visitor's own work: not a colleague's of the same grid.
    other = page(client, city["colleague"])
    assert follow_up_rows(other) == [] and "3栋 2-301" not in other
    assert "You have no open tasks." in other


def test_a_unit_is_followed_up_like_a_household(client, city):
    unit = UnitFactory(grid=city["grid"], name="五松超市")
    follow_up(city["worker"], unit)
    (row,) = follow_up_rows(page(client, city["worker"]))
    assert f'href="/today/units/{unit.pk}/">五松超市</a>' in row


def test_due_dates_follow_how_pressing_it_was():
    """Urgent by the next day, concerned within three days, calm within a week; due soon on
    the due date and the day before, overdue after it."""
    grid = GridFactory()
    worker = visitor(grid)
    building = BuildingFactory(grid=grid)
    visited = datetime.date(2025, 3, 10)
    for number, mood in (("101", "urgent"), ("102", "concerned"), ("103", "calm")):
        visit = follow_up(worker, HouseholdFactory(building=building, door_number=number))
        Visit.objects.filter(pk=visit.pk).update(visited_on=visited, mood=mood)

    def states(day: int) -> dict[str, str]:
        today = datetime.date(2025, 3, day)
        rows = selectors.open_follow_ups(worker, today)
        found = selectors.follow_up_counts(worker, today)
        assert found.overdue == sum(row.state == task_list.DUE_OVERDUE for row in rows)
        assert found.due_soon == sum(row.state == task_list.DUE_SOON for row in rows)
        return {row.visit.mood: row.state for row in rows}

    due_on = {row.visit.mood: row.due_on for row in selectors.open_follow_ups(worker, visited)}
    assert due_on == {
        "urgent": datetime.date(2025, 3, 11),
        "concerned": datetime.date(2025, 3, 13),
        "calm": datetime.date(2025, 3, 17),
    }
    assert states(10) == {"urgent": "due_soon", "concerned": "", "calm": ""}
    assert states(12) == {"urgent": "overdue", "concerned": "due_soon", "calm": ""}
    assert states(13) == {"urgent": "overdue", "concerned": "due_soon", "calm": ""}
    assert states(14) == {"urgent": "overdue", "concerned": "overdue", "calm": ""}
    assert states(16) == {"urgent": "overdue", "concerned": "overdue", "calm": "due_soon"}
    assert states(18) == {"urgent": "overdue", "concerned": "overdue", "calm": "overdue"}


def test_overdue_and_due_soon_are_coloured_and_listed_first(client, city):
    worker = city["worker"]
    follow_up(worker, door(city, "1-101"), mood="calm")  # due in a week
    follow_up(worker, door(city, "1-102"), days_ago=2, mood="concerned")  # due tomorrow
    follow_up(worker, door(city, "1-103"), days_ago=2, mood="urgent")  # due yesterday
    content = page(client, worker)
    assert subjects(content) == ["3栋 1-103", "3栋 1-102", "3栋 1-101"]
    late, soon, calm = follow_up_rows(content)
    assert 'class="task-row task-follow-up task-overdue"' in late and "Overdue" in late
    assert 'class="task-row task-follow-up task-due_soon"' in soon and "Due soon" in soon
    assert 'class="task-row task-follow-up"' in calm
    assert "Overdue" not in calm and "Due soon" not in calm
    today = page(client, worker, "/today/")
    follow_ups = today.split('class="daily-follow-ups"')[1]
    assert follow_ups.index("1-103") < follow_ups.index("1-102") < follow_ups.index("1-101")
    assert "Overdue" in follow_ups and "Due soon" in follow_ups


def test_followed_up_from_the_list_it_leaves_the_list_and_every_count(client, city):
    worker = city["worker"]
    visit = follow_up(worker, city["household"], days_ago=3, mood="urgent")
    assert workflow_selectors.task_counts(worker) == {
        "open": 1,
        "mine": 1,
        "waiting": 0,
        "due_soon": 0,
        "overdue": 1,
    }
    client.force_login(worker)
    response = client.post(f"/today/visits/{visit.pk}/done/?next=/tasks/%3Fshow%3Dmine")
    assert response["Location"] == "/tasks/?show=mine"
    # Only back to this site.
    again = follow_up(worker, door(city, "1-101"))
    elsewhere = client.post(f"/today/visits/{again.pk}/done/?next=https://example.com/")
    assert elsewhere["Location"] == "/today/"
    content = page(client, worker)
    assert follow_up_rows(content) == [] and "0 open tasks" in content
    assert "Followed up: 3栋 2-301." in content
    assert workflow_selectors.task_counts(worker)["open"] == 0
    assert "To follow up" not in page(client, worker, "/today/")


def test_the_counts_agree_on_every_screen(client, city):
    worker = city["worker"]
    access = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    worker.assignments.get().role.group.permissions.add(access)  # the dashboard too
    follow_up(worker, door(city, "1-101"), mood="calm")
    follow_up(worker, door(city, "1-102"), days_ago=2, mood="concerned")
    follow_up(worker, door(city, "1-103"), days_ago=2, mood="urgent")
    follow_up(city["colleague"], door(city, "1-104"), days_ago=9)  # not theirs
    listed = counts(page(client, worker))
    assert listed == counts(page(client, worker, "/today/"))
    assert listed == counts(page(client, worker, "/admin/"))
    assert listed == counts(page(client, worker, "/accounts/"))
    for text, query, shown in (
        ("3 open tasks", "", 3),
        ("3 in my inbox", "?show=mine", 3),
        ("0 waiting to be taken", "?show=waiting", 0),
        ("1 due soon", "?due=due_soon", 1),
        ("1 overdue", "?due=overdue", 1),
    ):
        link = re.search(rf'href="([^"]*)"[^>]*>{text}</a>', listed)
        assert link and link.group(1) == URL + query, text
        assert len(follow_up_rows(page(client, worker, URL + query))) == shown, text


def test_the_filters_apply_to_follow_ups(client, city):
    elsewhere = GridFactory(name="第二网格", parent=city["grid"].parent)
    worker = visitor(city["grid"].parent)  # a community worker, who visits both grids
    follow_up(worker, door(city, "1-101"), mood="calm")
    follow_up(worker, door(city, "1-103"), days_ago=2, mood="urgent")
    follow_up(
        worker,
        HouseholdFactory(building=BuildingFactory(grid=elsewhere, name="9栋"), door_number="101"),
    )

    def listed(query: str) -> list[str]:
        return subjects(page(client, worker, URL + query))

    assert listed("?show=mine") == ["3栋 1-103", "9栋 101", "3栋 1-101"]
    assert listed("?show=waiting") == []
    assert listed("?due=overdue") == ["3栋 1-103"]
    assert listed("?due=none") == []
    assert listed(f"?area={city['grid'].code}") == ["3栋 1-103", "3栋 1-101"]
    assert listed(f"?area={elsewhere.code}&due=overdue") == []
    assert listed("?number=123") == []
    # A process or a stage is offered from the user's stages; a follow-up is neither.
    assert task_list.narrowed(task_list.source_tasks(worker), {"process": 7}) == []
    assert task_list.narrowed(task_list.source_tasks(worker), {"stage": "社区初审"}) == []
    # The grids of the follow-ups are offered to filter by.
    assert f'<option value="{elsewhere.code}">长江路街道 › 五松社区 › 第二网格</option>' in page(
        client, worker
    )


def test_the_list_asks_as_many_queries_for_ten_follow_ups_as_for_one(client, city):
    worker = city["worker"]
    follow_up(worker, city["household"], days_ago=2, mood="urgent")
    client.force_login(worker)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = {url: queries(url) for url in (URL, "/today/")}
    for number in range(9):
        follow_up(worker, door(city, f"1-{number + 1}01"), days_ago=number)
    assert len(follow_up_rows(page(client, worker))) == 10
    assert {url: queries(url) for url in (URL, "/today/")} == one


def test_reported_as_a_process_the_follow_up_makes_way_for_the_process(client):
    build_city()
    made = checklist()
    made.report_process = import_fixture("grid-incident")
    made.save()
    grid = Area.objects.get(code=FIRST_GRID)
    household = HouseholdFactory(building=BuildingFactory(grid=grid, name="5栋"), door_number="301")
    worker = user("grid_worker")
    visit = follow_up(worker, household, text="楼道灯坏了一周。")
    (row,) = follow_up_rows(page(client, worker))
    report_url = f"/today/visits/{visit.pk}/report/"
    assert f'href="{report_url}"' in row and "Report as an incident" in row

    form = page(client, worker, report_url)
    assert "5栋 301（Health and care）：楼道灯坏了一周。" in form
    fields = names(made.report_process.intake_form)
    sent = client.post(
        report_url,
        {
            fields["事件类型"]: "安全隐患",
            fields["所在网格"]: FIRST_GRID,
            fields["具体位置"]: "5栋 301",
            fields["事件描述"]: "楼道灯坏了一周。",
        },
    )
    assert sent["Location"] == f"/today/households/{household.pk}/"
    process = ProcessInstance.objects.get()
    content = page(client, worker)
    assert follow_up_rows(content) == [] and f">{process.number}</a>" not in content
    community = Client()
    assert process.number in page(community, user("community_worker"))
    decide(process, "community_worker", "approve", dispatch_to=grid_worker_here())
    content = page(client, worker)
    assert follow_up_rows(content) == [] and f">{process.number}</a>" in content
    assert workflow_selectors.task_counts(worker)["open"] == 1
