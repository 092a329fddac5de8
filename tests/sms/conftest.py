import pytest

# A superuser's client, shared with the process designer's tests.
from tests.workflows.test_admin_design import admin  # noqa: F401


@pytest.fixture(autouse=True)
def sms_folder(settings, tmp_path):
    """Each test's messages in a folder of its own, read back with `read_messages`."""
    settings.SMS_BACKEND = "sms.backends.file.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return settings.SMS_FILE_PATH
