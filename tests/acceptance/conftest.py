"""Acceptance journeys: Chromium against the demo city as `make run` serves it.

One demo is served for the whole session (fixture `demo`); each journey gets a `journey`
that opens phone or desktop pages, signs demo users in, takes a screenshot at every step and,
when the test ends, fails it on any HTTP 5xx, any request to another host, or English left on
a Chinese screen.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ..screenshots import capture
from .harness import (
    ARTIFACTS,
    PASSWORD,
    VISIBLE_TEXT_JS,
    DemoServer,
    Guards,
    running_demo,
    start_demo,
    untranslated_words,
)

HERE = Path(__file__).resolve().parent
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


# First: pytest-xdist reads the group marker in its own hook.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).resolve().parent == HERE and "demo" in item.fixturenames:
            item.add_marker(pytest.mark.acceptance)
            item.add_marker(pytest.mark.browser)
            # Under pytest-xdist, one worker runs the journeys: one demo served, not two.
            item.add_marker(pytest.mark.xdist_group("acceptance"))


@pytest.fixture(scope="session")
def demo() -> DemoServer:
    """The demo city served by `make run` on a free port, with a database of its own."""
    server = running_demo()
    if server:
        yield server
        return
    server = start_demo()
    print(f"\nacceptance: make run served {server.base_url} in {server.started_in:.1f} s")
    yield server
    server.stop()
    shutil.rmtree(server.workdir, ignore_errors=True)


TRACKING_CODE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")


class Journey:
    """One person's way through the demo: pages, steps with screenshots, guards."""

    def __init__(self, name: str, browser, demo: DemoServer):
        self.demo = demo
        self.browser = browser
        self.guards = Guards(hosts=demo.hosts)
        self.contexts = []
        self.steps = 0
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)

    def _page(self, device: dict, locale: str):
        context = self.browser.new_context(locale=locale, **device)
        context.set_default_timeout(20_000)
        self.guards.watch(context)
        self.contexts.append(context)
        return context.new_page()

    def phone(self, locale: str = "zh-CN"):
        """A page in a fresh 390×844 touch phone browser."""
        return self._page(PHONE, locale)

    def desktop(self, locale: str = "zh-CN"):
        """A page in a fresh 1280×900 desktop browser."""
        return self._page(DESKTOP, locale)

    def step(self, page, name: str) -> Path:
        """Screenshot the page as it is now, and check that a Chinese screen shows no English.

        A server error fails the journey at once: nothing after it would mean anything.
        """
        page.wait_for_load_state()
        self.steps += 1
        label = f"{self.steps:02d}-{re.sub(r'[^A-Za-z0-9_-]+', '-', name)}"
        path = self.folder / f"{label}.png"
        capture(page, path)
        assert not self.guards.server_errors, (
            f"server error before step {label}: {self.guards.server_errors}\n{self.demo.tail()}"
        )
        language = page.evaluate("() => document.documentElement.lang || ''")
        if language.lower().startswith("zh"):
            words = untranslated_words(page.evaluate(VISIBLE_TEXT_JS))
            if words:
                self.guards.english[f"{label} ({page.url})"] = words
        return path

    def login(self, page, username: str, site: str | None = None) -> None:
        """Sign a demo user in on `site` (the district's by default) through the login page."""
        site = site or self.demo.base_url
        page.goto(f"{site}/accounts/login/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(PASSWORD)
        with page.expect_navigation():
            page.locator("form button[type=submit]").click()
        assert "/accounts/login/" not in page.url, f"{username} could not sign in"

    def confirmation_code(self, page, site: str | None = None) -> str:
        """After a form is sent: the thank-you page, on the site it was sent on, and the
        tracking code it shows."""
        page.get_by_role("heading", name="谢谢，我们已收到您的提交").wait_for()
        site = site or self.demo.base_url
        assert page.url.startswith(site + "/"), f"the confirmation stays on {site}: {page.url}"
        code = page.locator("#reference").inner_text().strip()
        assert TRACKING_CODE.match(code), f"a tracking code is shown: {code!r}"
        return code

    def public_number(self, page, code: str) -> str:
        """The number staff know an application by, as its tracking page tells the applicant:
        staff screens never show the code itself."""
        page.goto(self.demo.url(f"/track/{code}/"))
        number = page.locator(".track-number").inner_text().strip()
        assert re.fullmatch(r"\d+ 号", number), f"a public number is shown: {number!r}"
        return number

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def journey(request, browser, demo):
    grouped = getattr(request.config.option, "loadgroup", False)  # set in xdist's workers
    if grouped and not request.node.nodeid.endswith("@acceptance"):
        pytest.fail("pytest-xdist ignored the journeys' group: each worker would serve a demo")
    journey = Journey(request.node.name, browser, demo)
    yield journey
    journey.close()
    problems = journey.guards.problems()
    assert not problems, "\n".join(problems)
