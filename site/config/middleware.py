"""Health URLs answered first, before sessions, the page cache or host validation: a load
balancer probes each app server by its own address, and the answer must depend only on what
the checks find (with Redis down, the page cache would fail the request before any view)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import views

HEALTH_VIEWS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": views.readiness,
    "/livez": views.liveness,
}


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = HEALTH_VIEWS.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)
