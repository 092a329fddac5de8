import os
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings

from . import demo_city as shared

CHROMIUM = "/usr/bin/chromium"

# Property tests explore new inputs on every run at a developer's desk; in CI they replay the
# same ones, so that a submission lands or fails on its own code, not on chance. Whatever a
# local run finds is kept in .hypothesis/ and replayed first next time.
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    shared.order(items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # After the session's last test the test database itself is torn down: the city must go
    # before it, when its own fixture ends.
    shared.CITY.last = nextitem is None
    try:
        return (yield)
    finally:
        if shared.uses_city(item) and (nextitem is None or not shared.uses_city(nextitem)):
            shared.CITY.close()


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """The demo city as `seed_demo` builds it, shared by the tests that ask for it (see
    tests/demo_city.py). Module-scoped so that it stands before any test's own transaction."""
    shared.CITY.open(django_db_blocker)
    yield
    if shared.CITY.last:
        shared.CITY.close()


@pytest.fixture(autouse=True)
def _english(settings):
    """Tests read the interface in English unless a test switches language itself."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache outlives each test's database transaction: start every test without pages
    cached or rate limits counted by an earlier one."""
    cache.clear()


class _Requests:
    """Counts the live server's requests in progress. On SQLite in memory the server's threads
    share the test's connection: a request the browser left behind (a page's background call
    still being answered when its tab closes) must end before the test's database is flushed,
    or the flush fails with the table locked."""

    def __init__(self, server) -> None:
        self.active = 0
        self.changed = threading.Condition()
        handle = server.process_request_thread

        def counted(request, client_address):
            with self.changed:
                self.active += 1
                self.changed.notify_all()
            try:
                handle(request, client_address)
            finally:
                with self.changed:
                    self.active -= 1
                    self.changed.notify_all()

        server.process_request_thread = counted

    def settle(self, quiet: float = 0.2, limit: float = 30.0) -> None:
        """Return once no request has been in progress for `quiet` seconds."""
        end = time.monotonic() + limit
        with self.changed:
            while time.monotonic() < end:
                if self.active:
                    self.changed.wait(end - time.monotonic())
                elif not self.changed.wait(quiet) and not self.active:
                    return


@pytest.fixture(autouse=True)
def _live_server_settles(request):
    """Asked for after the test's database (so torn down before it is flushed) and before the
    browser pages (so torn down after they close)."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    server = request.getfixturevalue("live_server").thread.httpd
    requests = getattr(server, "requests_counted", None) or _Requests(server)
    server.requests_counted = requests
    yield
    requests.settle()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one for the whole run: the browser tests and the
    acceptance journeys share it (Playwright's sync API runs one instance per thread)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    if not Path(CHROMIUM).exists():
        pytest.fail("Browser tests need Debian's Chromium: run .ci/browser-deps", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
