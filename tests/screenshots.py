"""Full-page screenshots for the browser tests and journeys."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Error


def capture(page, path: Path) -> None:
    """Screenshot the whole page. Headless Chromium now and then refuses a capture while it is
    still compositing a page that has just loaded ("Unable to capture screenshot"): the page is
    fine, so wait for it to settle and take the picture again, once."""
    try:
        page.screenshot(path=str(path), full_page=True)
    except Error as error:
        if "Unable to capture screenshot" not in str(error):
            raise
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(250)
        page.screenshot(path=str(path), full_page=True)


@contextmanager
def whole_admin_screen(page) -> Iterator[None]:
    """Wagtail's admin scrolls its content inside the window, so that a full-page screenshot
    shows only the window: meanwhile the window is as tall as the content (at most 6000
    pixels)."""
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...[document.documentElement, ...document.querySelectorAll('main')]"
        ".map((element) => element.scrollHeight))"
    )
    page.set_viewport_size({"width": size["width"], "height": min(max(height, 900), 6000)})
    try:
        yield
    finally:
        page.set_viewport_size(size)
