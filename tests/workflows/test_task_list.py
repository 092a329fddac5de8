"""The task list at /tasks/: every task a person has or may take, with what they need to choose
one, filters and a search by number, several taken at once, counts that agree with the
dashboard, and queries that do not grow with the tasks."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.status import STATUS

from workflows import services, task_list
from workflows.models import StageTask, TaskDeadline

from ..factories import GridFactory, StreetFactory
from .factories import CommunityFactory, holder, submit, three_stages, version_of
from .test_inbox_http import console_user

pytestmark = pytest.mark.django_db

URL = "/tasks/"


@pytest.fixture
def city():
    street = StreetFactory(name="长江路街道")
    wusong = CommunityFactory(name="五松社区", parent=street)
    other = CommunityFactory(name="金口岭社区", parent=street)
    definition = three_stages()
    worker = holder("community_worker", wusong, first_name="陈静")
    return {
        "street": street,
        "wusong": wusong,
        "other": other,
        "definition": definition,
        "worker": worker,
    }


def start(city, community=None, subject="楼道堆物") -> StageTask:
    definition = city["definition"]
    process = services.start_process(
        version_of(definition), submit(definition, community or city["wusong"], subject)
    )
    return StageTask.objects.get(process=process, flow_task_type="HUMAN")


def human():
    return StageTask.objects.filter(flow_task_type="HUMAN")


def due(task: StageTask, hours: float, warned: bool = False) -> None:
    now = timezone.now()
    TaskDeadline.objects.create(
        task=task,
        due_at=now + datetime.timedelta(hours=hours),
        warned_at=now if warned else None,
    )


def page(client, user, query="") -> str:
    client.force_login(user)
    response = client.get(URL + query)
    assert response.status_code == 200
    return response.content.decode()


def numbers(content: str) -> list[str]:
    return re.findall(r'class="task-number"[^>]*><a href="[^"]+">([^<]+)</a>', content)


def test_each_task_shows_what_an_official_chooses_by(client, city):
    late = start(city)
    due(late, -2)
    soon = start(city)
    due(soon, 3, warned=True)
    plain = start(city)
    content = page(client, city["worker"])
    no = {task: f"No. {task.process_id}" for task in (late, soon, plain)}
    # The most urgent first: overdue, then due soon, then those without a deadline.
    assert numbers(content) == [no[late], no[soon], no[plain]]
    row = content.split(f">{no[late]}</a>")[1].split("</tr>")[0]
    assert "社区初审" in row and "长江路街道 › 五松社区" in row
    assert "A resident, not signed in" in row and "Waiting to be taken" in row
    assert "task-overdue" in content.split(no[late])[0].rsplit("<tr", 1)[1]
    assert 'class="task-row task-due_soon"' in content
    assert content.count('type="checkbox" name="task"') == 3
    assert "3 open tasks" in content


def test_filters_narrow_the_list_and_say_what_is_wrong(client, city):
    wusong_task = start(city)
    due(wusong_task, -1)
    other_worker = holder("community_worker", city["other"])
    start(city, city["other"])
    street_official = holder("street_official", city["street"])
    assert numbers(page(client, other_worker)) == [
        f"No. {human().exclude(pk=wusong_task.pk).get().process_id}"
    ]
    worker = city["worker"]
    mine = start(city)
    services.claim(mine, worker)
    assert numbers(page(client, worker, "?show=mine")) == [f"No. {mine.process_id}"]
    assert numbers(page(client, worker, "?show=waiting")) == [f"No. {wusong_task.process_id}"]
    assert numbers(page(client, worker, "?due=overdue")) == [f"No. {wusong_task.process_id}"]
    assert numbers(page(client, worker, "?due=none")) == [f"No. {mine.process_id}"]
    assert numbers(page(client, worker, f"?number=第{mine.process_id}号")) == [
        f"No. {mine.process_id}"
    ]
    assert numbers(page(client, worker, f"?area={city['wusong'].code}&stage=社区初审")) == [
        f"No. {wusong_task.process_id}",
        f"No. {mine.process_id}",
    ]
    # The street official has no task yet: nothing of the communities' shows.
    assert numbers(page(client, street_official)) == []
    wrong = page(client, worker, "?number=abc&process=999999&due=someday")
    assert "Enter the number as digits, such as 123." in wrong
    assert wrong.count('role="alert"') == 3
    assert len(numbers(wrong)) == 2  # the valid filters (none here) still apply


def test_several_tasks_are_taken_at_once_and_refusals_are_named(client, city):
    first, second, third = start(city), start(city), start(city)
    colleague = holder("community_worker", city["wusong"])
    services.claim(third, colleague)  # taken meanwhile by a colleague
    worker = city["worker"]
    client.force_login(worker)
    response = client.post(
        URL + "?show=waiting", {"task": [first.pk, second.pk, third.pk]}, follow=True
    )
    content = response.content.decode()
    assert response.redirect_chain[-1][0] == URL + "?show=waiting"
    assert "2 tasks taken: they are in your inbox." in content
    assert f"Task {third.pk} is no longer waiting to be taken: someone has it." in content
    for task in (first, second):
        task.refresh_from_db()
        assert (task.owner, task.status) == (worker, STATUS.ASSIGNED)
    third.refresh_from_db()
    assert third.owner == colleague
    nothing = client.post(URL, {}, follow=True).content.decode()
    assert "Choose the tasks to take." in nothing


def test_a_stranger_takes_nothing_of_another_community(client, city):
    task = start(city)
    stranger = holder("community_worker", city["other"])
    client.force_login(stranger)
    client.post(URL, {"task": [task.pk, "x", "-1"]})
    task.refresh_from_db()
    assert task.owner is None and task.status == STATUS.NEW


def test_the_counts_agree_with_the_list_and_the_dashboard(client, city):
    for hours in (-1, -1, 2):
        due(start(city), hours, warned=hours > 0)
    start(city)
    worker = console_user(city["worker"])
    services.claim(human().filter(deadline__isnull=True).get(), worker)
    listed = page(client, worker)
    counts = re.search(r'<p class="pg-task-counts">.*?</p>', listed, re.S).group(0)
    assert counts in client.get("/admin/").content.decode()
    for text, query in (
        ("4 open tasks", ""),
        ("1 in my inbox", "?show=mine"),
        ("3 waiting to be taken", "?show=waiting"),
        ("1 due soon", "?due=due_soon"),
        ("2 overdue", "?due=overdue"),
    ):
        link = re.search(rf'href="([^"]*)"[^>]*>{text}</a>', counts)
        assert link, text
        assert link.group(1) == URL + query.replace("&", "&amp;")
        expected = int(text.split()[0])
        assert len(numbers(page(client, worker, query))) == expected


def test_the_list_asks_as_many_queries_for_many_tasks_as_for_one(client, city):
    start(city)
    worker = city["worker"]
    client.force_login(worker)
    client.get(URL)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(12):
        due(start(city, subject="占道经营"), 5)
    start(city, city["other"])
    assert queries() == few
    # Two of them are the registered source's (daily's follow-ups: its count, its tasks).
    assert few <= 15, few


def test_signing_in_is_needed(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_area_filter_offers_streets_communities_and_grids():
    grid = GridFactory(name="第一网格", parent__name="五松社区", parent__parent__name="长江路街道")
    community, street = grid.parent, grid.parent.parent
    assert task_list.area_choices({grid.code}) == [
        (street.code, "长江路街道"),
        (community.code, "长江路街道 › 五松社区"),
        (grid.code, "长江路街道 › 五松社区 › 第一网格"),
    ]
