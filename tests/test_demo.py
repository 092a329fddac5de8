"""The demo city: realistic, deterministic, idempotent, and refusing to run in production."""

import random
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from demo import registry as demo
from demo import tags as demo_tags
from grid import selectors, validators
from grid.models import (
    Area,
    Assignment,
    Building,
    Department,
    Facility,
    Household,
    Resident,
    Role,
    Tag,
    Unit,
)
from grid.validators import validate_credit_code, validate_id_number, validate_phone
from tests import demo_city as shared

pytestmark = pytest.mark.django_db

MODELS = (
    Area,
    Building,
    Household,
    Resident,
    Unit,
    Facility,
    Department,
    Role,
    Assignment,
    Tag,
    Household.tags.through,
    Resident.tags.through,
)


@pytest.fixture
def seeded(demo_city, settings):
    settings.DEBUG = True  # for the second run and the repair


def snapshot():
    return {
        model.__name__: list(
            model.objects.order_by("pk").values_list(
                *[f.attname for f in model._meta.concrete_fields]
            )
        )
        for model in (*MODELS, get_user_model())
    }


def test_the_city_has_the_promised_shape(seeded):
    levels = dict(Area.objects.values_list("level").annotate(n=Count("pk")))
    assert levels[0] == 1 and levels[1] >= 3 and levels[2] == 8 and levels[3] == 40
    assert Area.objects.get(level=0).code == "340705"
    kinds = set(Area.objects.grids().values_list("kind", flat=True))
    assert kinds == {"residential", "unit"}
    assert Household.objects.count() == 12000
    assert Resident.objects.count() > 24000
    assert Building.objects.exists() and Unit.objects.exists() and Facility.objects.exists()
    assert Department.objects.count() >= 10
    assert all(area.boundary for area in Area.objects.all())
    outside = selectors.grids_outside_size_rule()
    assert {violation for _grid, _count, violation in outside} == {"below", "above"}


def test_identifiers_are_valid(seeded):
    rng = random.Random(1)
    residents = list(Resident.objects.values_list("id_number", "phone"))
    for id_number, phone in rng.sample(residents, 500):
        validate_id_number(id_number)
        if phone:
            validate_phone(phone)
    for code, phone in Unit.objects.values_list("credit_code", "phone"):
        validate_credit_code(code)
        validate_phone(phone)
    assert Resident.objects.filter(relation="householder").count() == 12000


def test_the_grid_workers_grid_has_a_few_tagged_households_to_show(seeded):
    grid = Area.objects.get(code=demo_tags.TAGGED_GRID)
    households = Household.objects.filter(building__grid=grid)
    tagged = households.filter(Q(tags__isnull=False) | Q(members__tags__isnull=False)).distinct()
    assert 0.02 * households.count() <= tagged.count() <= 0.1 * households.count()
    floors = defaultdict(set)  # of each building, those with a tagged household
    for building, door in tagged.values_list("building__name", "door_number"):
        floors[building].add(door.partition("-")[2][:-2])
    assert max(len(tagged_floors) for tagged_floors in floors.values()) >= 6
    sensitive = Q(tags__sensitive=True) | Q(members__tags__sensitive=True)
    assert tagged.filter(sensitive).exists() and tagged.exclude(sensitive).exists()
    for household in households.filter(tags__name="独居老人"):
        (member,) = household.members.all()
        assert validators.id_birth_date(member.id_number).year <= demo_tags.ELDERLY_BORN_BY
    every = Tag.objects.all()
    users = get_user_model().objects
    assert every.filter(sensitive=True).count() == 3
    grid_worker, street_leader = (
        users.get(username="grid_worker"),
        users.get(username="street_leader"),
    )
    assert len(selectors.tags_shown(grid_worker, grid, every)) == 7
    assert [t.name for t in selectors.tags_shown(street_leader, grid, every)] == [
        "独居老人",
        "党员",
        "退役军人",
        "流动人口",
    ]


def test_every_role_has_a_demo_user_who_can_log_in(seeded, client):
    assert set(Role.objects.values_list("key", flat=True)) == set(
        Assignment.objects.values_list("role__key", flat=True)
    )
    for username, _role, _where in demo.logins():
        assert client.login(username=username, password=demo.DEMO_PASSWORD), username
        client.logout()


def test_demo_community_worker_sees_only_their_community(seeded):
    worker = get_user_model().objects.get(username="community_worker")
    community = Assignment.objects.get(user=worker).area
    visible = selectors.in_scope(Household.objects.all(), worker, "building__grid")
    assert visible.count() == Household.objects.filter(building__grid__parent=community).count()
    assert 0 < visible.count() < 12000


def test_second_run_changes_nothing(seeded, settings, capsys):
    before = snapshot()
    capsys.readouterr()
    call_command("seed_demo")
    assert snapshot() == before
    out = capsys.readouterr().out
    assert "demo.registry: nothing to create" in out


def test_repairs_a_partial_city_without_duplicates(seeded):
    Household.objects.filter(building__grid__code="340705001001001").delete()
    demo.build()
    assert Household.objects.count() == 12000
    assert Household.objects.values("building", "door_number").distinct().count() == 12000


def test_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=False"):
        call_command("seed_demo")
    assert not Area.objects.exists()


def test_force_runs_without_debug(demo_city, settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    assert Household.objects.count() == 12000


def test_logins_are_printed(demo_city, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo", "--logins")
    out = capsys.readouterr().out
    assert demo.DEMO_PASSWORD in out
    for username in ("street_official", "community_worker", "grid_worker", "department_clerk"):
        assert username in out


def test_nothing_of_wagtails_fresh_install_is_left_in_english(seeded):
    from django.contrib.auth.models import Group
    from wagtail.models import Page, Task, Workflow

    assert Page.get_first_root_node().title == "全部站点"
    assert not Page.objects.filter(title="Welcome to your new Wagtail site!").exists()
    names = set(Group.objects.values_list("name", flat=True))
    assert {"页面编辑", "页面审核员"} <= names and not {"Editors", "Moderators"} & names
    assert not Workflow.objects.filter(name="Moderators approval").exists()
    assert not Task.objects.filter(name="Moderators approval").exists()


def test_the_city_is_built_once_per_test_process(demo_city):
    """The tests that share the city run together (tests/demo_city.py): one build for all."""
    assert shared.CITY.builds == 1
