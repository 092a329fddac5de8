import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _english(settings):
    """Tests read the interface in English unless a test switches language itself."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache outlives each test's database transaction: start every test without pages
    cached or rate limits counted by an earlier one."""
    cache.clear()
