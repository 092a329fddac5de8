from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.account import LogoutView

from daily import selectors as daily_selectors

from . import health

# /healthz and /livez: answered by config.middleware.HealthCheckMiddleware, ahead of the rest.


@never_cache
def readiness(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when this app server can serve pages (database, cache, static
    files manifest, one page rendered), 503 naming what fails otherwise."""
    results = health.run_checks()
    ready = all(result.ok for result in results)
    return JsonResponse(
        {
            "status": "ok" if ready else "unavailable",
            "checks": {
                result.name: {"ok": result.ok, "detail": result.detail, "ms": result.milliseconds}
                for result in results
            },
        },
        status=200 if ready else 503,
    )


@never_cache
def liveness(request: HttpRequest) -> JsonResponse:
    """For process supervisors: the server answers; touches nothing else, so that a database
    outage does not get every app server restarted."""
    return JsonResponse({"status": "ok"})


def switch_language(request: HttpRequest, code: str) -> HttpResponseRedirect:
    """The language switcher is a set of plain links, so that public pages carry no CSRF
    token and can be cached for every anonymous visitor. It only sets a preference cookie."""
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django answers every suspicious request with 400; a body over the upload limits is
    not malformed but too large, and says so with 413 (as the form pages and Open311 do)."""
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return render(request, "413.html", status=413)
    return defaults.bad_request(request, exception)


MODERATION_DESIGN = (
    "wagtailcore.add_workflow",
    "wagtailcore.change_workflow",
    "wagtailcore.add_task",
    "wagtailcore.change_task",
)


def for_moderation_designers(view):
    """Wagtail's chooser of page-moderation tasks answers anyone who may enter the admin; it
    serves those who design moderation workflows and tasks, and only them here."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not any(request.user.has_perm(permission) for permission in MODERATION_DESIGN):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return require_admin_access(guarded)


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """Where signing in leads: a grid or community worker to their grids today, everyone else
    to their account."""
    responsible = daily_selectors.my_grids(request.user).exists()
    return redirect("daily:today" if responsible else "account")


class AdminLogoutView(LogoutView):
    """Signing out of the admin leads where signing out of the site does (the page that
    removes what a grid worker's phone kept for working offline), not to the admin's login."""

    @property
    def next_page(self):
        return settings.LOGOUT_REDIRECT_URL
