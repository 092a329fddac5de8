import pytest


@pytest.fixture(autouse=True)
def _english(settings):
    """Tests read the interface in English unless a test switches language itself."""
    settings.LANGUAGE_CODE = "en"
