"""Open311 GeoReport v2 endpoints, mounted at /open311/v2/ (see open311.protocol). Any code
or id reaches its view, so that even a malformed one gets the spec's error list."""

from django.urls import path, register_converter

from . import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311_format")

app_name = "open311"

urlpatterns = [
    path("services.<open311_format:response_format>", views.services, name="services"),
    path(
        "services/<str:code>.<open311_format:response_format>",
        views.service_definition,
        name="service",
    ),
    path("requests.<open311_format:response_format>", views.requests, name="requests"),
    path(
        "requests/<str:request_id>.<open311_format:response_format>",
        views.request_detail,
        name="request",
    ),
]
