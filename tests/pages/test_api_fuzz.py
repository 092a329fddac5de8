"""Schemathesis against the registry API's own OpenAPI schema, in process through the WSGI
application: every operation with generated parameters, valid and invalid, answers without a
5xx and as the schema says (status codes, content type, body, headers)."""

import json

import pytest
import schemathesis
import yaml
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from grid.clients import ClientRateThrottle

from ..factories import CommunityFactory
from .factories import grid_with_worker

pytestmark = pytest.mark.django_db

# Per operation, valid and invalid inputs mixed; three operations: three hundred requests,
# some twenty seconds on a shared machine.
EXAMPLES = 100
BOX = {
    "type": "Polygon",
    "coordinates": [
        [[117.8, 30.9], [117.81, 30.9], [117.81, 30.91], [117.8, 30.91], [117.8, 30.9]]
    ],
}


def served_schema() -> dict:
    """The document /api/grid/schema/ serves, made by the same generator without a request:
    the cases are generated when the module is collected, before any test database exists."""
    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(served_schema())
schema.app = get_wsgi_application()


@pytest.fixture
def registry(monkeypatch):
    # Hundreds of requests from one address would meet the rate limit (429) and stop testing
    # anything else; the limit has tests of its own.
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"anon": None})
    # The WSGI application closes the database connection after each request, as a server
    # should; the test's connection (PostgreSQL) must outlive them, as Django's test client
    # arranges for its own requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield grid_with_worker(CommunityFactory(name="五松社区"), name="第一网格", boundary=BOX)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_fuzzed_schema_is_the_one_served(client):
    served = yaml.safe_load(client.get("/api/grid/schema/").content)
    assert served == json.loads(json.dumps(served_schema()))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented(case, registry):
    excluded = []
    if case.path.endswith("/geojson/"):
        # The map's query needs at least one filter and at most GEOJSON_LIMIT matches, which
        # OpenAPI cannot say of query parameters: a schema-valid query may be refused (400).
        excluded.append(schemathesis.checks.positive_data_acceptance)
    response = case.call_and_validate(excluded_checks=excluded)
    assert response.status_code < 500


@pytest.mark.parametrize(
    "url, status",
    [
        ("/api/grid/areas/%C2%84/", 404),  # not a code: the API's JSON 404, not the site's page
        ("/api/grid/areas/12/34/", 404),
        ("/api/grid/areas/%C3%BEL%0A%C3%90g%3C/", 404),  # a newline in the code
        ("/api/grid/areas/?page_size=x", 400),  # was silently the default size
        ("/api/grid/areas/?page_size=0", 400),
        ("/api/grid/areas/?page=", 400),  # was silently the first page
        ("/api/grid/areas/?page=last", 400),
        ("/api/grid/areas/?page=99", 404),
        ("/api/grid/areas/?parent=", 400),  # was silently no filter
        ("/api/grid/areas/?level=", 400),
        ("/api/grid/areas/?q=a%00", 400),
    ],
)
def test_what_the_fuzzing_found_answers_in_json(client, registry, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"


def test_an_area_without_a_boundary_is_documented_as_such(client, registry):
    area = client.get("/api/grid/areas/?level=0").json()["results"][0]
    assert area["boundary"] is None
    boundary = served_schema()["components"]["schemas"]["Area"]["properties"]["boundary"]
    assert boundary["nullable"] is True
