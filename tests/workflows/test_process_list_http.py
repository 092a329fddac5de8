"""The process list (/processes/) answers every signed-in user with the processes they may see
(as the process pages decide), filtered by process, area, state and number, in as many
queries for many processes as for a few. Viewflow's own list of processes is the platform
admins'."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from workflows import services
from workflows.models import ProcessInstance

from .factories import CommunityFactory, holder, submit, three_stages, version_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def processes():
    definition = three_stages(name="环境问题处理")
    here, there = CommunityFactory(name="五松社区"), CommunityFactory(name="金口岭社区")
    return {
        "definition": definition,
        "community": here,
        "here": services.start_process(version_of(definition), submit(definition, here)),
        "there": services.start_process(version_of(definition), submit(definition, there)),
        "worker": holder("community_worker", here),
    }


def process_link(process) -> str:
    return f'href="/workflow/generic/{process.pk}/"'


def listed(client, **filters) -> str:
    response = client.get("/processes/", filters)
    assert response.status_code == 200
    return response.content.decode()


def test_a_community_worker_lists_the_processes_of_their_community(client, processes):
    client.force_login(processes["worker"])
    content = listed(client)
    assert process_link(processes["here"]) in content
    assert process_link(processes["there"]) not in content
    assert "环境问题处理" in content and "五松社区" in content and "金口岭社区" not in content
    assert "社区初审" in content  # where it stands


def test_a_platform_admin_lists_every_process(client, processes):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    content = listed(client)
    assert process_link(processes["here"]) in content
    assert process_link(processes["there"]) in content


def test_someone_without_a_role_gets_an_empty_list(client, processes):
    client.force_login(UserFactory())
    content = listed(client)
    assert "环境问题处理" not in content and "There is no process for you to see." in content


def test_filters_narrow_the_list(client, processes):
    client.force_login(processes["worker"])
    here = processes["here"]
    other = services.start_process(
        version_of(processes["definition"]), submit(processes["definition"], processes["community"])
    )
    ProcessInstance.objects.filter(pk=other.pk).update(outcome=ProcessInstance.Outcome.REJECTED)
    closed = listed(client, state="closed")
    assert process_link(other) in closed and process_link(here) not in closed
    assert "Rejected" in closed  # how it ended, not a stage
    still_open = listed(client, state="open")
    assert process_link(here) in still_open and process_link(other) not in still_open
    by_number = listed(client, number=f"第{here.pk}号")
    assert process_link(here) in by_number and process_link(other) not in by_number
    by_area = listed(client, area=processes["community"].code)
    assert process_link(here) in by_area and process_link(other) in by_area


def test_a_wrong_number_is_refused_by_name(client, processes):
    client.force_login(processes["worker"])
    content = listed(client, number="abc")
    assert "Enter the number as digits, such as 123." in content


def test_the_list_asks_as_many_queries_for_many_processes(client, processes):
    client.force_login(processes["worker"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            listed(client)
        return len(captured)

    listed(client)  # the session and the version's design are read once
    few = queries()
    for _ in range(8):
        services.start_process(
            version_of(processes["definition"]),
            submit(processes["definition"], CommunityFactory(parent=processes["community"].parent)),
        )
        services.start_process(
            version_of(processes["definition"]),
            submit(processes["definition"], processes["community"]),
        )
    assert listed(client).count('class="task-number"') == 9
    assert queries() == few
