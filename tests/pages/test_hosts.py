"""The demo's shape: two Wagtail sites, the district's on 127.0.0.1 and a street's on its own
hostname, served on a port that is not 80. Every redirect after a form or a sign-up stays on
the host and port the request came in on, whatever port the sites are configured with, and the
confirmation shows its reference code wherever the form page sits in the tree."""

from urllib.parse import parse_qs, urlsplit

import pytest
from wagtail.models import Site

from forms.models import FormPage, Submission
from tests.factories import CommunityFactory
from tests.forms.factories import data, definition_with

from .factories import activity, add, site_for, volunteer

pytestmark = pytest.mark.django_db

PORTAL_HOST, STREET_HOST = "127.0.0.1:8123", "changjianglu.localhost:8123"


@pytest.fixture(params=[8123, 80], ids=["sites-on-the-served-port", "sites-on-port-80"])
def tree(request):
    community = CommunityFactory(name="五松社区")
    portal, street_page, community_page = site_for(community)
    Site.objects.filter(is_default_site=True).update(hostname="127.0.0.1", port=request.param)
    Site.objects.create(
        hostname="changjianglu.localhost", port=request.param, root_page=street_page
    )
    return {"portal": portal, "street": street_page, "community": community_page}


def path_on(host: str, page) -> str:
    """The page's path as the site on `host` serves it."""
    site = Site.objects.get(hostname=host.partition(":")[0])
    return "/" + page.url_path.removeprefix(site.root_page.url_path)


def assert_stays(location: str, host: str) -> str:
    """`location` is relative or on `host` itself; returns its path."""
    parts = urlsplit(location)
    assert parts.netloc in ("", host), f"{location} leaves {host}"
    assert parts.path.startswith("/")
    return parts.path


@pytest.mark.parametrize(
    "parent, hosts",
    [
        ("portal", [PORTAL_HOST]),
        ("street", [PORTAL_HOST, STREET_HOST]),
        ("community", [PORTAL_HOST, STREET_HOST]),
    ],
)
def test_form_confirmation_stays_on_the_host_and_shows_the_code(client, tree, parent, hosts):
    definition = definition_with({"label": "Subject", "field_type": "singleline"})
    page = add(tree[parent], FormPage, title="意见箱", slug="suggestions", definition=definition)
    for host in hosts:
        response = client.post(
            path_on(host, page), data(definition, {"Subject": "路灯不亮"}), HTTP_HOST=host
        )
        assert response.status_code == 302
        done = assert_stays(response["Location"], host)
        confirmation = client.get(done, HTTP_HOST=host)
        reference = Submission.objects.get(page=page).reference
        assert confirmation.status_code == 200
        assert f'<p class="reference" id="reference">{reference}</p>' in (
            confirmation.content.decode()
        )
        # Typed by hand: the same address answers again.
        assert client.get(
            f"{path_on(host, page)}done/{reference}/", HTTP_HOST=host
        ).status_code == (200)
        Submission.objects.filter(page=page).delete()


def test_confirmation_is_only_for_the_browser_that_sent_it(client, tree):
    definition = definition_with({"label": "Subject", "field_type": "singleline"})
    page = add(tree["community"], FormPage, title="意见箱", slug="box", definition=definition)
    response = client.post(
        path_on(STREET_HOST, page), data(definition, {"Subject": "x"}), HTTP_HOST=STREET_HOST
    )
    done = assert_stays(response["Location"], STREET_HOST)
    client.cookies.clear()
    assert client.get(done, HTTP_HOST=STREET_HOST).status_code == 404


@pytest.mark.parametrize("host", [PORTAL_HOST, STREET_HOST])
def test_activity_sign_up_and_cancel_come_back_to_the_activity_on_the_same_host(client, tree, host):
    event = activity(tree["community"], capacity=1, title="楼道清洁")
    page_path = path_on(host, event)
    anonymous = client.post(f"{page_path}sign-up/", HTTP_HOST=host)
    login = assert_stays(anonymous["Location"], host)
    assert login == "/accounts/login/"
    assert parse_qs(urlsplit(anonymous["Location"]).query) == {"next": [page_path]}

    client.force_login(volunteer(tree["community"].area))
    signed_up = client.post(f"{page_path}sign-up/", HTTP_HOST=host)
    assert assert_stays(signed_up["Location"], host) == page_path
    shown = client.get(page_path, HTTP_HOST=host).content.decode()
    assert "You have a place. Thank you for volunteering!" in shown
    cancelled = client.post(f"{page_path}cancel/", HTTP_HOST=host)
    assert assert_stays(cancelled["Location"], host) == page_path
    assert "Your sign-up is cancelled." in client.get(page_path, HTTP_HOST=host).content.decode()


def test_hours_form_comes_back_to_the_activity_on_the_same_host(client, tree):
    event = activity(tree["community"], title="楼道清洁")
    page_path = path_on(STREET_HOST, event)
    anonymous = client.post(f"{page_path}hours/", HTTP_HOST=STREET_HOST)
    assert assert_stays(anonymous["Location"], STREET_HOST) == "/accounts/login/"
    client.force_login(volunteer(tree["community"].area))
    response = client.post(f"{page_path}hours/", {}, HTTP_HOST=STREET_HOST)
    assert assert_stays(response["Location"], STREET_HOST) == page_path
