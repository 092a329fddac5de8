"""No page, public or staff, makes the browser fetch anything from another host.

Installs run offline or behind a firewall: an avatar from Gravatar is a broken image there, and
Wagtail's release check a failed request on every dashboard visit. The pages of the demo city
are walked as its staff and as an anonymous visitor; every resource a page loads (images,
scripts, style sheets, icons, fonts and images named in CSS) must come from the host that served
it, and no page may carry a component that calls out by itself.
"""

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from demo.registry import DEMO_PASSWORD
from tests.browser.conftest import page  # noqa: F401  (Chromium fixture)
from tests.pages.factories import tree_root

pytestmark = pytest.mark.django_db

# rel values of <link> that make the browser fetch the target.
FETCHING_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "prefetch",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "mask-icon",
    "manifest",
    "preconnect",
    "dns-prefetch",
}
SOURCE_ATTRIBUTES = {
    "img": ("src", "srcset"),
    "script": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""")
# Wagtail's dashboard component that asks releases.wagtail.org for the latest version.
SELF_FETCHING_COMPONENTS = ("w-upgrade",)
# Links that change something or download files rather than show a page.
SKIP = re.compile(
    r"logout|delete|unpublish|/revisions/|/export|export=|download|/preview|/copy/|/move/"
    r"|/lock/|/unlock/|/workflow/.*/(undo|cancel|revive|assign|unassign|execute|revoke)/"
    r"|/chart/\?|/jsi18n/"
)
PAGES_PER_SHAPE = 2


class Resources(HTMLParser):
    """The URLs an HTML page makes the browser fetch, and the self-fetching components it holds."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.links: list[str] = []
        self.components: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        for name in SOURCE_ATTRIBUTES.get(tag, ()):
            if attrs.get(name):
                self.urls.extend(
                    part.strip().split(" ")[0] for part in attrs[name].split(",") if part.strip()
                )
        if tag == "link" and FETCHING_RELS & set(attrs.get("rel", "").lower().split()):
            self.urls.append(attrs.get("href", ""))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if attrs.get("style"):
            self.urls.extend(css_urls(attrs["style"]))
        controllers = attrs.get("data-controller", "").split()
        self.components.extend(c for c in controllers if c in SELF_FETCHING_COMPONENTS)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls.extend(css_urls(data))


def css_urls(css: str) -> list[str]:
    return [a or b for a, b in CSS_URL.findall(css)]


def is_other_host(url: str, host: str) -> bool:
    parts = urlsplit(url.strip())
    if parts.scheme in ("data", "blob", "about", "javascript", "mailto", "tel"):
        return False
    return bool(parts.netloc) and parts.netloc != host


def stylesheet_urls(url: str) -> list[str]:
    """The URLs a local style sheet makes the browser fetch (its fonts, images and imports)."""
    path = urlsplit(url).path
    if not path.startswith(settings.STATIC_URL):
        return []
    found = finders.find(path.removeprefix(settings.STATIC_URL))
    if not found:
        return []
    with open(found, encoding="utf-8", errors="replace") as css:
        return css_urls(css.read())


def walk(client: Client, host: str, starts: list[str], prefixes: tuple[str, ...], limit: int):
    """Visit the pages reachable from `starts` under `prefixes`; yield (url, fetch problems)."""
    queue, seen, shapes, visited = deque(starts), set(), Counter(), 0
    checked_css: set[str] = set()
    while queue and visited < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        shape = re.sub(r"\d+", "N", urlsplit(url).path)
        shapes[shape] += 1
        if shapes[shape] > PAGES_PER_SHAPE:
            continue
        response = client.get(url, HTTP_HOST=host)
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        visited += 1
        found = Resources()
        found.feed(response.content.decode())
        problems = [u for u in found.urls if is_other_host(u, host)]
        for sheet in found.urls:
            if ".css" in urlsplit(sheet).path and sheet not in checked_css:
                checked_css.add(sheet)
                problems += [
                    f"{sheet} → {u}" for u in stylesheet_urls(sheet) if is_other_host(u, host)
                ]
        problems += [f"component {c}" for c in found.components]
        yield url, problems
        for href in found.links:
            target = urljoin(url, href).split("#")[0]
            parts = urlsplit(target)
            if parts.netloc and parts.netloc != host:
                continue
            if parts.path.startswith(prefixes) and not SKIP.search(target):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))


@pytest.fixture
def own_city(settings):
    """The demo city built in this test's own database, which a live server can read."""
    settings.DEBUG = True
    tree_root()  # a transactional test before this one may have flushed Wagtail's root page
    call_command("seed_demo")
    settings.DEBUG = False


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


STAFF = [("admin", 70), ("community_worker", 30), ("street_official", 20)]


def test_no_page_fetches_from_another_host(demo_city):
    problems = {}
    for username, limit in STAFF:
        visited = dict(
            walk(
                signed_in(username),
                "localhost",
                [
                    "/admin/",
                    "/tasks/",
                    "/processes/",
                    "/workflow/",
                    "/accounts/",
                    "/admin/account/",
                ],
                ("/admin/", "/tasks/", "/processes/", "/workflow/", "/accounts/"),
                limit,
            )
        )
        # The walk reached the screens staff work on, not just a login page.
        assert any(u.startswith("/admin/pages/") for u in visited), username
        assert any(u.startswith("/workflow/generic/") for u in visited), username
        problems.update({(username, u): p for u, p in visited.items() if p})
    for host in ("localhost", "changjianglu.localhost"):
        visited = dict(walk(Client(), host, ["/"], ("/",), 40))
        assert len(visited) >= 10, host
        problems.update({(host, u): p for u, p in visited.items() if p})
    assert problems == {}


def test_the_walk_sees_an_avatar_from_gravatar_and_the_release_check(settings):
    """What the walk looks for, shown on Wagtail's defaults: the check above can fail."""
    del settings.WAGTAIL_GRAVATAR_PROVIDER_URL
    del settings.WAGTAIL_ENABLE_UPDATE_CHECK
    get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.login(username="root", password="pw")
    visited = dict(walk(client, "localhost", ["/admin/"], ("/admin/",), 1))
    problems = visited["/admin/"]
    assert any("gravatar.com" in p for p in problems)
    assert "component w-upgrade" in problems


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browser_requests_nothing_from_another_host(own_city, live_server, page):  # noqa: F811
    """In Chromium, including what scripts fetch once a page has loaded."""
    served = urlsplit(live_server.url).netloc
    elsewhere = []
    page.on(
        "request",
        lambda request: (
            urlsplit(request.url).netloc != served
            and urlsplit(request.url).scheme in ("http", "https", "ws", "wss")
            and elsewhere.append(request.url)
        ),
    )
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    for path in ("/admin/", "/admin/pages/", "/workflow/", "/workflow/generic/queue/", "/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    # The page editor, which loads the most scripts of all.
    page.goto(f"{live_server.url}/admin/pages/")
    page.locator("a[href*='/admin/pages/'][href$='/edit/']").first.click()
    page.wait_for_load_state("networkidle")
    assert "/edit/" in page.url
    assert elsewhere == []
