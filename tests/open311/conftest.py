import pytest

from .factories import city, report_service


@pytest.fixture
def place():
    return city()


@pytest.fixture
def service(place):
    return report_service()
