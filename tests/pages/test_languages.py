"""The main pages speak Simplified Chinese and English with no untranslated interface string:
rendered in Chinese, their visible text holds no English words; rendered in English, no
Chinese outside the data (here all in English)."""

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

from pages.models import AccessListPage, MapPage, NoticePage, ServiceGuidePage
from pages.services import publish_access_entry
from tests.factories import BuildingFactory, CommunityFactory, DepartmentFactory

from .factories import activity, add, grid_with_worker, site_for

pytestmark = pytest.mark.django_db

# Names of languages in the switcher are shown in their own language on purpose.
ALLOWED_ENGLISH = {"English"}
ALLOWED_CHINESE = {"简体中文"}
ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        self.parts += [value for name, value in attrs if name in ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


# What the pages show from the data, in English on purpose, plus the district and role names
# that the factories give in Chinese: removed before looking for interface strings.
DATA = [
    "Changjiang Road 12", "Changjiang Road", "Wusong", "Grid One", "Block 3", "Block", "Portal",
    "Map",
    "Water off", "Water", "Permit", "A permit", "Hall", "Cleaning", "the square", "Access",
    "Civil affairs", "Survey", "worker of", "铜官区", "网格员", "长江中路100号",
]  # fmt: skip


@pytest.fixture
def urls():
    community = CommunityFactory(name="Wusong", parent__name="Changjiang Road")
    grid = grid_with_worker(community, name="Grid One")
    BuildingFactory(grid=grid, name="Block 3", address="Changjiang Road 12")
    portal, street_page, community_page = site_for(community)
    for page, title in (
        (portal, "Portal"),
        (street_page, "Changjiang Road"),
        (community_page, "Wusong"),
    ):
        page.title = title
        page.save()
    add(portal, MapPage, title="Map")
    add(community_page, NoticePage, title="Water", summary="Water off", date=datetime.date.today())
    guide = add(community_page, ServiceGuidePage, title="Permit", summary="A permit", place="Hall")
    event = activity(community_page, title="Cleaning")
    access = add(community_page, AccessListPage, title="Access")
    publish_access_entry(
        community=community,
        department=DepartmentFactory(name="Civil affairs"),
        content="Survey",
        starts_on=datetime.date.today(),
        ends_on=datetime.date.today(),
    )
    return [
        "/",
        street_page.url,
        community_page.url,
        guide.url,
        event.url,
        access.url,
        f"{portal.url}find-my-grid/?q=Block",
        f"{portal.url}search/?q=Water",
    ]


def render(client, url: str, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, url
    text = visible(response.content.decode())
    for value in DATA:
        text = text.replace(value, " ")
    return text


def test_chinese_pages_have_no_english_interface_text(client, urls):
    for url in urls:
        words = set(re.findall(r"[A-Za-z]{2,}", render(client, url, "zh-hans")))
        assert words - ALLOWED_ENGLISH == set(), url


def test_english_pages_have_no_chinese_interface_text(client, urls):
    for url in urls:
        text = render(client, url, "en")
        for allowed in ALLOWED_CHINESE:
            text = text.replace(allowed, "")
        assert re.findall(r"[\u4e00-\u9fff]+", text) == [], url


def untranslated(po_text: str) -> list[str]:
    """Entries of a .po file whose every msgstr is empty, or that are marked fuzzy."""
    missing = []
    for entry in po_text.split("\n\n"):
        fields: dict[str, str] = {}
        current = ""
        for line in entry.splitlines():
            if match := re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line):
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if not fields.get("msgid"):
            continue  # the header, or obsolete entries
        strings = [value for key, value in fields.items() if key.startswith("msgstr")]
        if "#, fuzzy" in entry or not any(strings):
            missing.append(fields["msgid"])
    return missing


@pytest.mark.parametrize("app", ["pages", "grid", "site"])
def test_catalogues_are_complete(app):
    po = Path(settings.BASE_DIR) / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    assert untranslated(po.read_text(encoding="utf-8")) == []


def test_language_links_set_the_cookie_and_stay_on_this_site(client):
    response = client.get("/language/en/?next=/some/page/")
    assert response.status_code == 302 and response["Location"] == "/some/page/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    elsewhere = client.get("/language/en/?next=https://evil.example/")
    assert elsewhere["Location"] == "/"
    unknown = client.get("/language/xx/?next=/")
    assert unknown.status_code == 302 and settings.LANGUAGE_COOKIE_NAME not in unknown.cookies
