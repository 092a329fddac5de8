"""Fixtures shared by the engine's admin tests."""

import pytest
from django.test import Client

from tests.factories import UserFactory

from .city import build_city


@pytest.fixture
def city_designer() -> Client:
    """A platform admin's client, in the demo's organisation (areas, roles, users)."""
    build_city()
    client = Client()
    client.force_login(UserFactory(is_superuser=True))
    return client
