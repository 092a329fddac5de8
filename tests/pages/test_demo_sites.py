"""The demo's two Wagtail sites are where `make run` serves them: the district on 127.0.0.1 and
the first street on changjianglu.localhost, both on PORT; a run on another port moves them, a
second run on the same port changes nothing."""

from collections import Counter

import pytest
from wagtail.models import Site

from demo import sites as demo
from tests.factories import CommunityFactory, StreetFactory

from .factories import site_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    street = StreetFactory(code=demo.STREET_SITE[0], name="长江路街道")
    return site_for(CommunityFactory(parent=street, name="五松社区"))


def sites() -> dict[str, str]:
    return {
        site.root_page.specific_class.__name__: site.root_url
        for site in Site.objects.select_related("root_page")
    }


def test_sites_follow_the_served_port_and_a_second_run_changes_nothing(tree, settings):
    portal, _street_page, community_page = tree
    settings.PORT = 8123
    first = Counter()
    demo.build_sites(portal, first)
    assert first["sites"] == 2
    assert sites() == {
        "PortalPage": "http://127.0.0.1:8123",
        "StreetPage": "http://changjianglu.localhost:8123",
    }
    assert Site.objects.get(is_default_site=True).root_page_id == portal.pk
    before = list(Site.objects.order_by("pk").values())
    again = Counter()
    demo.build_sites(portal, again)
    assert again["sites"] == 0 and list(Site.objects.order_by("pk").values()) == before

    settings.PORT = 9000
    moved = Counter()
    demo.build_sites(portal, moved)
    assert moved["sites"] == 2 and Site.objects.count() == 2
    assert sites() == {
        "PortalPage": "http://127.0.0.1:9000",
        "StreetPage": "http://changjianglu.localhost:9000",
    }
    community_page.refresh_from_db()
    assert community_page.full_url == (f"http://changjianglu.localhost:9000/{community_page.slug}/")
