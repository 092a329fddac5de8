"""Every response carries a Content-Security-Policy: public pages run only this site's own
scripts and styles (no inline script or style, nothing from another host), cached pages
included; the work console allows what Wagtail's admin needs, and still no other host."""

import re

import pytest
from django.contrib.auth import get_user_model

from config.csp import public_directives

from .factories import CommunityFactory
from .pages.factories import site_for

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.fixture
def community_page():
    return site_for(CommunityFactory(name="五松社区"))[2]


def test_public_pages_run_only_their_own_scripts_and_styles(client, community_page):
    for _ in range(2):  # rendered, then from the page cache
        response = client.get(community_page.url)
        assert response.status_code == 200
        policy = directives(response)
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'self'"]
        assert all(
            value in ("'self'", "'none'", "data:", "blob:")
            for values in policy.values()
            for value in values
        )


def test_public_templates_hold_no_inline_script_or_style(client, community_page):
    content = client.get(community_page.url).content.decode()
    assert re.findall(r"<script\b[^>]*>", content)  # the map's scripts
    # Data for the scripts (json_script) is not run, so the policy allows it.
    assert not re.findall(r"<script\b(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", content)
    assert "<style" not in content and " style=" not in content


def test_the_work_console_allows_wagtails_inline_code_and_no_other_host(client):
    admin = get_user_model().objects.create_superuser("root", "r@example.cn", "pw")
    client.force_login(admin)
    for url in ("/admin/", "/workflow/"):
        response = client.get(url, follow=True)
        policy = directives(response)
        assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
        assert policy["img-src"] == ["'self'", "data:", "blob:"]
        assert policy["object-src"] == ["'none'"]


def test_a_deployments_tile_server_is_the_only_other_host(settings):
    settings.GRID_MAP_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    assert public_directives()["img-src"][-1] == "https://tiles.example.gov.cn"
