"""One client address for every rate limit (public forms, registry API, Open311): the
connection's own address unless the deployment declares trusted proxies, so that a made-up
X-Forwarded-For never buys a client a fresh allowance."""

import itertools

import pytest
from django.test import Client, RequestFactory
from rest_framework.throttling import AnonRateThrottle

from grid.clients import client_address
from tests.factories import GridFactory
from tests.forms.factories import data, definition_with, page_for
from tests.open311.factories import city, report_service, request_params

_forged = (f"198.51.100.{n}" for n in itertools.count(1))


def forged_client() -> Client:
    """Every request from the same connection, each claiming another origin."""

    class Forging(Client):
        def request(self, **request):
            request["HTTP_X_FORWARDED_FOR"] = next(_forged)
            return super().request(**request)

    return Forging(REMOTE_ADDR="192.0.2.10")


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, "192.0.2.10"),
        (0, "203.0.113.5", "192.0.2.10"),
        (1, None, "192.0.2.10"),
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "198.51.100.1, 203.0.113.5", "203.0.113.5"),
        (2, "198.51.100.1, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        # Fewer entries than proxies: the request skipped one; the leftmost is all we have.
        (2, "203.0.113.5", "203.0.113.5"),
        (1, " , ", "192.0.2.10"),
    ],
)
def test_client_address(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10", **extra)
    assert client_address(request) == expected


@pytest.mark.django_db
def test_public_form_limit_ignores_forwarded_for_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.FORMS_RATE_LIMIT_COUNT = 2
    grid = GridFactory()
    definition = definition_with(
        {"label": "Grid", "field_type": "area", "area_level": 3},
        {"label": "Description", "field_type": "multiline"},
    )
    page_for(definition, slug="report")
    answers = data(definition, {"Grid": grid.code, "Description": "Loud music at night"})
    client = forged_client()
    statuses = [client.post("/report/", answers).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


@pytest.mark.django_db
def test_registry_api_limit_ignores_forwarded_for_without_trusted_proxies(settings, monkeypatch):
    settings.TRUSTED_PROXY_COUNT = 0
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    grid = GridFactory()
    client = forged_client()
    statuses = [client.get(f"/api/grid/areas/{grid.code}/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.django_db
def test_registry_api_limit_counts_each_client_behind_a_trusted_proxy(settings, monkeypatch):
    settings.TRUSTED_PROXY_COUNT = 1
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "1/minute"})
    grid = GridFactory()
    url = f"/api/grid/areas/{grid.code}/"
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    assert proxy.get(url, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 200
    assert proxy.get(url, HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 200
    forged = "198.51.100.9, 203.0.113.5"
    assert proxy.get(url, HTTP_X_FORWARDED_FOR=forged).status_code == 429


@pytest.mark.django_db
def test_open311_limits_ignore_forwarded_for_without_trusted_proxies(settings, monkeypatch):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.FORMS_RATE_LIMIT_COUNT = 1
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    city()
    service = report_service()
    client = forged_client()
    reads = [client.get("/open311/v2/services.json").status_code for _ in range(3)]
    assert reads == [200, 200, 429]
    url = "/open311/v2/requests.json"
    filed = [client.post(url, request_params(service)).status_code for _ in range(2)]
    assert filed == [200, 429]
