"""A process is visible to the people who work it: the holders of the roles its tasks are or
were offered to and who took them, the roles its definition names as overseers at the process's
area, the applicant and platform admins; not to everyone else assigned in its area."""

import pytest
from django.test import Client

from grid.models import Area
from tests.factories import UserFactory
from workflows import services
from workflows.models import Overseer

from . import inbox
from .factories import (
    CommunityFactory,
    GridFactory,
    holder,
    role,
    submit,
    three_stages,
    version_of,
)

pytestmark = pytest.mark.django_db

NAME = "环境问题处理"


@pytest.fixture
def city():
    definition = three_stages(
        name=NAME,
        overseers=[Overseer(role=role("community_director"), role_level=Area.Level.COMMUNITY)],
    )
    grid = GridFactory()
    here = grid.parent
    there = CommunityFactory(parent=here.parent)
    applicant = UserFactory()
    version = version_of(definition)
    people = {
        "volunteer": holder("volunteer", here),
        "cleaner": holder("cleaner", grid),
        "building_leader": holder("building_leader", grid),
        "supervisor": holder("supervisor", here),
        "worker": holder("community_worker", here),
        "director": holder("community_director", here),
        "official": holder("street_official", here.parent),
        "admin": UserFactory(is_superuser=True, is_staff=True),
        "applicant": applicant,
    }
    return {
        "here": services.start_process(version, submit(definition, here), user=applicant),
        "there": services.start_process(version, submit(definition, there)),
        **people,
    }


def sees(user, process) -> bool:
    """Whether `user` opens the process's page and finds it in the process list."""
    client = Client()
    client.force_login(user)
    status = client.get(f"/workflow/generic/{process.pk}/").status_code
    assert status in (200, 404), status
    listed = f'href="/workflow/generic/{process.pk}/"' in (
        client.get("/processes/").content.decode()
    )
    assert listed == (status == 200), "the page and the list disagree"
    return status == 200


@pytest.mark.parametrize("who", ["volunteer", "cleaner", "building_leader", "supervisor"])
def test_others_assigned_in_the_community_do_not_see_it(city, who):
    assert not sees(city[who], city["here"])


@pytest.mark.parametrize("who", ["worker", "director", "applicant", "admin"])
def test_its_actors_overseer_applicant_and_admins_see_it(city, who):
    assert sees(city[who], city["here"])


def test_the_next_stage_actor_sees_it_once_it_reaches_them(city):
    process = city["here"]
    inbox.decide(city["worker"], process, "approve")
    assert sees(city["official"], process)
    assert sees(city["worker"], process)  # the past stage's actor still does


def test_an_actor_of_a_later_stage_does_not_see_it_before(city):
    assert not sees(city["official"], city["here"])


@pytest.mark.parametrize(
    "who", ["volunteer", "cleaner", "building_leader", "supervisor", "worker", "director"]
)
def test_a_process_of_another_community_is_hidden(city, who):
    assert not sees(city[who], city["there"])


def test_overseers_follow_it_in_the_process_list_and_have_no_task(city):
    for who, overseen, acting in (
        ("cleaner", False, False),
        ("volunteer", False, False),
        ("director", True, False),
        ("worker", True, True),
    ):
        client = Client()
        client.force_login(city[who])
        assert (NAME in client.get("/processes/").content.decode()) is overseen, who
        assert (NAME in client.get("/tasks/").content.decode()) is acting, who


def test_overseers_are_frozen_with_the_version(city):
    """Removing an overseer from the definition changes who oversees new versions only."""
    definition = city["here"].version.definition
    definition.overseers = []
    definition.save()
    definition.save_revision().publish()
    assert sees(city["director"], city["here"])
    later = services.start_process(version_of(definition), submit(definition, city["here"].area))
    assert not sees(city["director"], later)
