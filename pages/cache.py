"""Caches of the public pages: the parts every visitor shares, and whole pages for anonymous
visitors. Both are kept in the shared cache (Redis in production), so that every app server
sees the same entries and the same invalidations.

**Versions.** What a page shows depends on registry areas and on pages. Each of these has a
version in the cache, a random token kept without expiry, and a change starts a new one for
exactly what it touches (`pages.signals`):

- `area:<code>`: the area and everything below it (areas, buildings, households, the people
  responsible, facilities, access list entries). Saving a household starts new versions of its
  grid, community, street and district (an area's code is a prefix of its descendants'), and
  of no other area.
- `tree:<path>`: the page and everything below it (publishing, unpublishing, deleting a page,
  signing up for an activity), started for the page changed and each of its ancestors.
- `page:<path>`: the page alone (its title in the breadcrumbs of the pages below it).
- `children:<path>`: the page's direct children (a street page links to a map beside it).
- `all`: what any page may show: roles, departments, sites, process names, view restrictions,
  and every URL when a page moves or changes slug.

A version missing from the cache (evicted) is started anew when read, so an entry computed
under an older one is never served. A write starts its versions at once and again when its
transaction commits: a page rendered in between read the old rows under the new version.

**Shared parts** (`PAGE_FRAGMENT_CACHE_SECONDS`): the templates of the area pages cache each
part that is the same for everyone (grid cards, people responsible, counts, the map's data,
lists of pages) with Django's `{% cache %}` tag, varying on `token()`: the versions of what the
part shows, the language and the site (links are relative on their own site). Nothing about
the visitor goes into a part; the header (sign-in state, links to one's account) is rendered
for each request.

**Serving** reads little besides: the site of each host with its home page (`recall_site`),
and the view restrictions of all pages, are kept under the versions they depend on, for
`PAGE_FRAGMENT_CACHE_SECONDS` too; `PublicPage.route` reads the pages along a path in one
query.

**Whole pages** (`PAGE_CACHE_SECONDS`): a visitor without a session cookie is anonymous for
certain (nothing to look up), so the middleware answers them from the cache before the page
lookup and the rest of the middleware run; anyone with a session (signed in, or a message
waiting) always gets a freshly rendered page, so no one is ever served another person's page.
Only responses of public pages (`PublicPage`) for GET without a query string, setting no cookie,
are stored, keyed by host, path and language, with every version the rendering read; an entry
is served while those versions are all current. Writes that bypass model signals (bulk
imports) are caught by the lifetimes.
"""

import hashlib
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.utils import translation
from wagtail.models import Page, PageViewRestriction, Site

VERSION = "pages:v:"
ALL = VERSION + "all"
CACHED_HEADERS = ("Content-Type", "Content-Language", "X-Frame-Options", "Vary")
# A district's code has 6 digits; each level below adds 3 (grid.validators).
DISTRICT_CODE_LENGTH = 6
CODE_STEP = 3


def area_key(code: str) -> str:
    return f"{VERSION}area:{code}"


def tree_key(path: str) -> str:
    return f"{VERSION}tree:{path}"


def own_key(path: str) -> str:
    return f"{VERSION}page:{path}"


def children_key(path: str) -> str:
    return f"{VERSION}children:{path}"


def area_keys(codes: Iterable[str]) -> set[str]:
    """The versions a change under these areas renews: theirs and their ancestors'."""
    keys = set()
    for code in codes:
        while len(code) >= DISTRICT_CODE_LENGTH:
            keys.add(area_key(code))
            code = code[:-CODE_STEP]
    return keys


def ancestor_paths(path: str) -> list[str]:
    """The tree paths of a page's ancestors, root first (no query: they are its prefixes)."""
    return [path[:end] for end in range(Page.steplen, len(path), Page.steplen)]


def page_keys(path: str) -> set[str]:
    """The versions a change of the page at this path renews."""
    return {
        *(tree_key(prefix) for prefix in [*ancestor_paths(path), path]),
        own_key(path),
        children_key(path[: -Page.steplen]),
    }


def start(keys: Iterable[str]) -> None:
    cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)


def renew(keys: Iterable[str]) -> None:
    """Start new versions of these keys, now and once more when the transaction commits."""
    keys = set(keys)
    if not keys:
        return
    start(keys)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: start(keys))


def invalidate(*args, **kwargs) -> None:
    """Make every cached part and page stale (a signal receiver, hence the open signature)."""
    renew([ALL])


def versions(request: HttpRequest, keys: Iterable[str]) -> dict[str, str]:
    """The version of each key as this request first read it, starting the missing ones.
    The request keeps them: a whole page is stored with the versions it was rendered at."""
    seen: dict[str, str] = request.__dict__.setdefault("page_versions", {})
    missing = [key for key in keys if key not in seen]
    if missing:
        found = cache.get_many(missing)
        started = {key: uuid.uuid4().hex for key in missing if key not in found}
        if started:
            cache.set_many(started, timeout=None)
        seen.update(found)
        seen.update(started)
    return {key: seen[key] for key in keys}


def token(request: HttpRequest, keys: Iterable[str]) -> str:
    """What a shared part varies on: the versions of what it shows, the language, the site."""
    site = Site.find_for_request(request)
    current = versions(request, [*keys, ALL])
    return "|".join([*current.values(), translation.get_language() or "", str(site and site.pk)])


def remembered(request: HttpRequest, name: str, keys: list[str], compute):
    """A value computed once while the versions of `keys` stay the same."""
    key = f"pages:{name}:" + hashlib.sha256(token(request, keys).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.PAGE_FRAGMENT_CACHE_SECONDS)
    return value


def view_restrictions(request: HttpRequest) -> list[PageViewRestriction]:
    """Every page view restriction of the sites (there are few), read once while none
    changes, instead of a query for those of each page served."""
    return remembered(
        request,
        "restrictions",
        [],
        lambda: list(PageViewRestriction.objects.prefetch_related("groups")),
    )


def site_key(request: HttpRequest) -> str | None:
    try:
        hostname = split_domain_port(request.get_host())[0]
    except DisallowedHost:
        return None
    return f"pages:site:{hostname}:{request.get_port()}"


def recall_site(request: HttpRequest) -> None:
    """Give Wagtail the site of this host with its home page in its own type, kept from an
    earlier request while current: Wagtail reads both first for every page (two queries, one
    of them wide) and looks for the site on the request before querying. Only sites whose
    home is a public page are kept."""
    from .models import PublicPage

    key = site_key(request)
    if key is None:
        return
    entry = cache.get(key)
    if entry and current(request, entry[0]):
        request._wagtail_site = entry[1]
        return
    rendered_at = versions(request, [ALL])  # before the rows are read
    site = Site.find_for_request(request)
    if site is not None and isinstance(site.root_page.specific, PublicPage):
        rendered_at.update(versions(request, [own_key(site.root_page.path)]))
        cache.set(key, (rendered_at, site), timeout=settings.PAGE_FRAGMENT_CACHE_SECONDS)


def current(request: HttpRequest, rendered_at: dict[str, str]) -> bool:
    """Whether an entry's versions are still those of this request."""
    return versions(request, list(rendered_at)) == rendered_at


def entry_key(request: HttpRequest) -> str:
    raw = f"{request.get_host()}|{translation.get_language()}|{request.path}"
    return "pages:page:" + hashlib.sha256(raw.encode()).hexdigest()


def mark_cacheable(page, request: HttpRequest, serve_args, serve_kwargs) -> None:
    """Wagtail's before_serve_page hook: remember that a public page answered this request,
    and read the versions of the page and of the pages above it (their titles)."""
    from .models import PublicPage

    request.page_cacheable = isinstance(page, PublicPage) and not page.get_view_restrictions()
    if request.page_cacheable and getattr(request, "page_cache_wanted", False):
        versions(
            request,
            [tree_key(page.path), *(own_key(path) for path in ancestor_paths(page.path)), ALL],
        )


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = settings.PAGE_CACHE_SECONDS
        if not seconds or not self.eligible(request):
            recall_site(request)
            return self.get_response(request)
        key = entry_key(request)
        entry = cache.get(key)
        if entry and current(request, entry[0]):
            response = HttpResponse(entry[2], status=200)
            for header, value in entry[1]:
                response[header] = value
            response["X-Page-Cache"] = "hit"
            return response
        request.page_cache_wanted = True
        recall_site(request)
        response = self.get_response(request)
        if self.storable(request, response):
            headers = [(h, response[h]) for h in CACHED_HEADERS if h in response]
            cache.set(key, (request.page_versions, headers, response.content), timeout=seconds)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def eligible(request: HttpRequest) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and not getattr(request, "is_dummy", False)  # Wagtail's previews
            and not request.META.get("QUERY_STRING")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES
        )

    @staticmethod
    def storable(request: HttpRequest, response: HttpResponse) -> bool:
        # A response that sets a cookie (a session, a CSRF token) belongs to one visitor.
        return (
            getattr(request, "page_cacheable", False)
            and bool(getattr(request, "page_versions", None))
            and request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
        )
