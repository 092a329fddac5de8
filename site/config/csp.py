"""Content-Security-Policy on every response (django-csp): the public sites run only the
scripts and styles they serve themselves, with no inline script or style; the work console
gets what Wagtail's and Viewflow's admin need and no more (see `STAFF_DIRECTIVES`)."""

from urllib.parse import urlsplit

from csp.constants import NONE, SELF
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

# The staff side: Wagtail's admin, Viewflow's inbox and process pages.
STAFF_PREFIXES = ("/admin/", "/workflow/")


def public_directives() -> dict:
    images = [SELF, "data:", "blob:"]
    if settings.GRID_MAP_TILE_URL:
        # A deployment's own tile server, the only other host a page may load from.
        tiles = urlsplit(settings.GRID_MAP_TILE_URL)
        images.append(f"{tiles.scheme}://{tiles.netloc}")
    return {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": images,
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }


def staff_directives() -> dict:
    return {
        **public_directives(),
        # Wagtail 8's admin runs inline scripts (different ones on each screen) and sets style
        # attributes in its markup: without these its screens break. Still no other host.
        "script-src": [SELF, "'unsafe-inline'"],
        "style-src": [SELF, "'unsafe-inline'"],
        # Wagtail's page preview and Viewflow's process chart are frames of this site.
        "frame-src": [SELF],
    }


class PolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only or parts.config is not None:
            return parts
        staff = request.path_info.startswith(STAFF_PREFIXES)
        parts.config = staff_directives() if staff else public_directives()
        return parts
