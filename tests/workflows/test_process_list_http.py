"""The inbox's process list (the dashboard's "list" button, Viewflow's flow list at
/workflow/generic/flows/) and task list answer every signed-in user with the processes they may
see, and every link the dashboard offers answers."""

import re

import pytest

from tests.factories import UserFactory
from workflows import services

from .factories import CommunityFactory, holder, submit, three_stages, version_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def processes():
    definition = three_stages(name="环境问题处理")
    here, there = CommunityFactory(name="五松社区"), CommunityFactory(name="金口岭社区")
    return {
        "here": services.start_process(version_of(definition), submit(definition, here)),
        "there": services.start_process(version_of(definition), submit(definition, there)),
        "worker": holder("community_worker", here),
    }


def process_link(process) -> str:
    return f'href="/workflow/generic/{process.pk}/"'


def test_a_community_worker_lists_the_processes_of_their_community(client, processes):
    client.force_login(processes["worker"])
    for url in ("/workflow/generic/flows/", "/workflow/generic/flows/?status=NEW"):
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert process_link(processes["here"]) in content
        assert process_link(processes["there"]) not in content
        assert "环境问题处理 · 五松社区" in content and "金口岭社区" not in content
    tasks = client.get("/workflow/generic/tasks/")
    assert tasks.status_code == 200 and "五松社区" in tasks.content.decode()
    assert "金口岭社区" not in tasks.content.decode()


def test_a_platform_admin_lists_every_process(client, processes):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    content = client.get("/workflow/generic/flows/").content.decode()
    assert process_link(processes["here"]) in content
    assert process_link(processes["there"]) in content


def test_someone_without_a_role_gets_an_empty_list(client, processes):
    client.force_login(UserFactory())
    response = client.get("/workflow/generic/flows/")
    assert response.status_code == 200
    assert "环境问题处理" not in response.content.decode()


def test_every_page_the_dashboard_links_to_answers(client, processes):
    client.force_login(processes["worker"])
    dashboard = client.get("/workflow/generic/")
    assert dashboard.status_code == 200
    links = set(re.findall(r'href="(/workflow/generic/[a-z]+/[^"#]*)"', dashboard.content.decode()))
    assert "/workflow/generic/flows/?status=NEW" in {link.replace("&amp;", "&") for link in links}
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link


def test_a_process_chart_is_only_for_who_may_see_the_process(client, processes):
    client.force_login(processes["worker"])
    here, there = processes["here"].pk, processes["there"].pk
    assert client.get(f"/workflow/generic/{here}/chart/").status_code == 200
    assert client.get(f"/workflow/generic/{there}/chart/").status_code == 404
    assert client.get("/workflow/generic/chart/").status_code == 200
