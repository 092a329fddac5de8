"""The public side of the foundation: portal, login, account page, error pages, languages."""

import pytest
from django.urls import reverse
from wagtail.models import Page, Site

from demo import sites as pages_demo
from grid.models import Area

from .factories import AssignmentFactory, CommunityFactory, UserFactory, worker_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal():
    community = CommunityFactory(name="五松社区")
    pages_demo.build()
    return community


def test_portal_lists_streets_and_communities(client, portal):
    response = client.get("/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "五松社区" in content and portal.parent.name in content
    assert (
        Site.objects.get(is_default_site=True).root_page.specific.area.level == Area.Level.DISTRICT
    )


def test_portal_page_is_built_once(portal):
    pages_demo.build()
    assert Page.objects.filter(slug=pages_demo.PORTAL_SLUG).count() == 1


def test_404_is_the_projects_own_page(client, portal):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "People&#x27;s Grid" in content or "People's Grid" in content
    assert "Page not found" in content


def test_login_then_account_page_shows_roles(client, portal):
    user = worker_on(portal, first_name="陈静")
    response = client.post(
        reverse("login"), {"username": user.username, "password": "pw"}, follow=True
    )
    content = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("account")
    assert "陈静" in content and "五松社区" in content
    assert "Open the work console" in content


def test_wrong_password_shows_an_error_and_keeps_the_username(client, portal):
    user = UserFactory()
    response = client.post(reverse("login"), {"username": user.username, "password": "nope"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Please enter a correct username and password" in content
    assert f'value="{user.username}"' in content


def test_account_needs_login(client):
    response = client.get(reverse("account"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_role_without_admin_access_has_no_console_link(client, portal):
    assignment = AssignmentFactory(area=portal)
    client.force_login(assignment.user)
    assert "Open the work console" not in client.get(reverse("account")).content.decode()


def test_interface_speaks_chinese_by_default_and_switches(client, portal, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    assert "登录" in client.get(reverse("login")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Log in" in client.get(reverse("login")).content.decode()


@pytest.mark.parametrize(
    "body",
    [
        {"username": "x" * (3 * 1024 * 1024), "password": "pw"},
        {f"field{n}": "1" for n in range(10_001)},
    ],
    ids=["too large", "too many fields"],
)
def test_an_oversize_body_is_413_with_a_page_saying_so(client, portal, body):
    response = client.post(reverse("login"), body)
    assert response.status_code == 413
    assert "Request too large" in response.content.decode()
