"""A grid worker's phone may be shared: the pages kept for working offline name who was
signed in, so signing out, of the site or of the admin, leads to the page that removes them
(the browser journey in tests/browser/test_daily_browser.py checks that it does); visits kept
on the phone carry their writer, whom the pages name."""

import pytest
from django.test import Client

from ..factories import CommunityFactory, GridFactory
from .factories import visitor

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker():
    return visitor(GridFactory(parent=CommunityFactory(name="五松社区"), name="第一网格"))


@pytest.mark.parametrize("logout", ["/accounts/logout/", "/admin/logout/"])
def test_signing_out_leads_to_the_page_that_removes_what_the_phone_kept(worker, logout):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(worker)
    answer = client.post(logout, follow=True)
    assert answer.redirect_chain[-1][0] == "/signed-out/"
    page = answer.content.decode()
    assert "您已退出登录" in page and "data-signed-out" in page
    assert "/static/daily/offline.js" in page
    # Nobody is named on it: no writer, so the script sends nothing from it.
    assert 'name="offline-user"' not in page
    assert client.get("/today/").status_code == 302


def test_the_pages_that_keep_visits_name_their_writer(worker):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(worker)
    page = client.get("/today/").content.decode()
    assert f'<meta name="offline-user" content="{worker.pk}">' in page
    assert '<meta name="offline-csrf" content="' in page
