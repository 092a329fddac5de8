"""/healthz tells a load balancer whether this app server can serve pages; /livez only that the
process answers."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from tests.factories import CommunityFactory
from tests.pages.factories import site_for

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
CHECKS = {"database", "cache", "static", "page"}


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unreachable_redis() -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture
def portal():
    return site_for(CommunityFactory(name="五松社区"))[0]


def health(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def failing(body: dict) -> set[str]:
    return {name for name, check in body["checks"].items() if not check["ok"]}


def test_ready_names_every_check(client, portal):
    status, body = health(client)
    assert status == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == CHECKS
    assert not failing(body)
    assert body["checks"]["page"]["detail"] == "localhost: Tongguan portal"


def test_unreachable_cache_is_unavailable(client, portal):
    with override_settings(CACHES=unreachable_redis()):
        status, body = health(client)
    assert status == 503
    assert body["status"] == "unavailable"
    assert "cache" in failing(body)
    assert body["checks"]["database"]["ok"]


def test_missing_static_manifest_is_unavailable(client, portal, tmp_path):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "config.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, STATIC_ROOT=tmp_path):
        status, body = health(client)
    assert status == 503
    # Without a manifest no page can link its stylesheet either.
    assert failing(body) == {"static", "page"}
    assert "collectstatic" in body["checks"]["static"]["detail"]


def test_static_manifest_that_resolves_is_ready(client, portal, tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.0123456789ab.css").write_text("body {}")
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {"css/site.css": "css/site.0123456789ab.css"}})
    )
    storages = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "config.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, STATIC_ROOT=tmp_path):
        _status, body = health(client)
    assert body["checks"]["static"] == {
        "ok": True,
        "detail": "/static/css/site.0123456789ab.css",
        "ms": body["checks"]["static"]["ms"],
    }


def test_unpublished_home_page_is_unavailable(client, portal):
    portal.unpublish()
    status, body = health(client)
    assert status == 503
    assert failing(body) == {"page"}


def test_site_host_refused_by_allowed_hosts_is_unavailable(client, portal, settings):
    settings.ALLOWED_HOSTS = ["grid.example.gov.cn"]
    status, body = health(client)
    assert status == 503
    assert failing(body) == {"page"}


def test_without_any_site_it_is_unavailable(client):
    from wagtail.models import Site

    Site.objects.all().delete()
    status, body = health(client)
    assert status == 503
    assert body["checks"]["page"]["detail"] == "no default Wagtail site"


def test_health_is_answered_whatever_the_host_and_never_cached(client, portal, settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    status, _body = health(client)  # the test client's host is "testserver"
    assert status == 200


def test_liveness_touches_neither_database_nor_cache(client, django_assert_num_queries):
    with override_settings(CACHES=unreachable_redis()), django_assert_num_queries(0):
        response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    "database_url",
    [
        pytest.param(lambda: f"postgres://postgres@127.0.0.1:{closed_port()}/grid", id="postgres"),
        pytest.param(lambda: "sqlite:////nonexistent-folder/grid.sqlite3", id="sqlite"),
    ],
)
def test_unreachable_database_is_unavailable(database_url):
    """In a process of its own: the test database cannot be taken away from this one."""
    code = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, json.dumps(r.json()))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT / "site"),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    body = json.loads(body)
    assert status == "503"
    assert {"database", "page"} <= failing(body)
    assert body["checks"]["cache"]["ok"]
