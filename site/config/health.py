"""Readiness of one app server, for a load balancer: each check either passes or says why not.

A server is ready when it reaches its database and its cache (both ways), its static files
manifest is there and resolves the site's stylesheet, and the public portal page renders.
"""

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.cache import cache, caches
from django.core.files.storage import storages
from django.db import connection
from django.http import HttpRequest
from wagtail.models import Site

logger = logging.getLogger(__name__)

# A stylesheet every public page links: if it does not resolve, no page renders.
PROBE_STATIC_FILE = "css/site.css"


class NotReady(Exception):
    """A check found a problem it can name."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    milliseconds: int


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise NotReady("the database answered SELECT 1 wrongly")
    return connection.vendor


def check_cache() -> str:
    # A key of its own each time: several servers may be checked at once.
    key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    try:
        if cache.get(key) != value:
            raise NotReady("a key written to the cache did not read back")
    finally:
        cache.delete(key)
    return type(caches["default"]).__name__


def check_static() -> str:
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return storage.url(PROBE_STATIC_FILE)
    if storage.read_manifest() is None:
        raise NotReady("no static files manifest: run `manage.py collectstatic`")
    # The manifest is read when the server starts: one collected later needs a restart.
    name = storage.hashed_files.get(storage.hash_key(storage.clean_name(PROBE_STATIC_FILE)))
    if name is None:
        raise NotReady(f"{PROBE_STATIC_FILE} is not in the manifest this server loaded")
    if not storage.exists(name):
        raise NotReady(f"{name} is in the manifest but not in STATIC_ROOT")
    return storage.url(PROBE_STATIC_FILE)


def check_page() -> str:
    """Render the default site's home page as an anonymous visitor on that site's own host
    gets it, bypassing the page cache: templates, static tags, database reads, translations
    and the host's place in ALLOWED_HOSTS all take part."""
    site = Site.objects.select_related("root_page").filter(is_default_site=True).first()
    if site is None:
        raise NotReady("no default Wagtail site")
    page = site.root_page.specific
    if not page.live:
        raise NotReady("the default site's home page is not published")
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = "/"
    host = site.hostname if site.port in (80, 443) else f"{site.hostname}:{site.port}"
    request.META = {"HTTP_HOST": host, "SERVER_NAME": site.hostname, "SERVER_PORT": site.port}
    request.user = AnonymousUser()
    request.get_host()  # DisallowedHost when visitors of this site would be refused too
    response = page.serve(request)
    if hasattr(response, "render"):
        response.render()
    if response.status_code != 200:
        raise NotReady(f"the home page answered {response.status_code}")
    if not response.content:
        raise NotReady("the home page rendered empty")
    return f"{host}: {page.title}"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "static": check_static,
    "page": check_page,
}


def run_checks() -> list[CheckResult]:
    """Every check, in order; a failing one does not stop the others (the operator sees all
    that is wrong at once). Details of unexpected errors go to the log, not to the answer:
    this URL is public."""
    results = []
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            detail, ok = check(), True
        except NotReady as problem:
            detail, ok = str(problem), False
            logger.error("readiness check %s failed: %s", name, problem)
        except Exception as error:
            detail, ok = type(error).__name__, False
            logger.exception("readiness check %s failed", name)
        elapsed = round((time.monotonic() - started) * 1000)
        results.append(CheckResult(name, ok, detail, elapsed))
    return results
