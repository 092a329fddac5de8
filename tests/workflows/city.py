"""The demo's organisation for the shipped processes' tests: its areas, departments, roles
and users (without the registers), since the shipped files name them."""

from collections import Counter

from django.contrib.auth import get_user_model

from demo import registry as demo
from demo.processes import FIXTURES
from workflows.definition_files import import_definition


def build_city() -> None:
    created: Counter = Counter()
    org = demo.load("organisation.json")
    areas = demo.build_areas(demo.area_specs(demo.load("areas.json")), created)
    departments, roles = demo.build_organisation(org, created)
    demo.build_users(org, areas, departments, roles, created)


def user(username: str):
    return get_user_model().objects.get(username=username)


def fixture_text(name: str) -> str:
    return (FIXTURES / f"{name}.yaml").read_text(encoding="utf-8")


def import_fixture(name: str):
    return import_definition(fixture_text(name))
