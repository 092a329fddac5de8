"""Whole-page cache for anonymous visitors of the public pages.

A visitor without a session cookie is anonymous for certain (nothing to look up), so the
middleware answers them from the cache before the page lookup and the rest of the middleware
run; anyone with a session (signed in, or a message waiting) always gets a freshly rendered
page, so no one is ever served another person's page. Only responses of public pages
(`PublicPage`) for GET without a query string, setting no cookie, are stored. The key holds the
host (each Wagtail site), the path and the language.

Invalidation: every entry carries the cache *generation* it was rendered in; publishing,
unpublishing, moving or deleting a page, and any registry change a page shows (areas, roles,
assignments, buildings, households, avatars, access list, sign-ups) starts a new generation,
which makes every stored page stale at once. Writes that bypass model signals (bulk imports)
are caught by the entries' lifetime, `PAGE_CACHE_SECONDS`.
"""

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import translation

GENERATION_KEY = "pages:generation"
CACHED_HEADERS = ("Content-Type", "Content-Language", "X-Frame-Options", "Vary")


def new_generation() -> str:
    generation = uuid.uuid4().hex
    cache.set(GENERATION_KEY, generation, timeout=None)
    return generation


def invalidate(*args, **kwargs) -> None:
    """Make every cached page stale (a signal receiver, hence the open signature)."""
    new_generation()


def page_key(request: HttpRequest) -> str:
    raw = f"{request.get_host()}|{translation.get_language()}|{request.path}"
    return "pages:page:" + hashlib.sha256(raw.encode()).hexdigest()


def mark_cacheable(page, request: HttpRequest, serve_args, serve_kwargs) -> None:
    """Wagtail's before_serve_page hook: remember that a public page answered this request."""
    from .models import PublicPage

    request.page_cacheable = isinstance(page, PublicPage) and not page.get_view_restrictions()


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = settings.PAGE_CACHE_SECONDS
        if not seconds or not self.eligible(request):
            return self.get_response(request)
        key = page_key(request)
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY) or new_generation()
        entry = found.get(key)
        if entry and entry[0] == generation:
            response = HttpResponse(entry[2], status=200)
            for header, value in entry[1]:
                response[header] = value
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self.storable(request, response):
            headers = [(h, response[h]) for h in CACHED_HEADERS if h in response]
            cache.set(key, (generation, headers, response.content), timeout=seconds)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def eligible(request: HttpRequest) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and not request.META.get("QUERY_STRING")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES
        )

    @staticmethod
    def storable(request: HttpRequest, response: HttpResponse) -> bool:
        # A response that sets a cookie (a session, a CSRF token) belongs to one visitor.
        return (
            getattr(request, "page_cacheable", False)
            and request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
        )
