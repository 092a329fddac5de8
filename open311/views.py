"""Open311 GeoReport v2 over HTTP: parse, call open311.protocol, answer in JSON or XML.
Every answer, errors included, has the spec's shape; the API never acts as the signed-in user,
so its POST needs no CSRF token."""

import re
from collections.abc import Callable
from functools import wraps
from xml.etree.ElementTree import Element, tostring

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from wagtail.models import Site

from forms import services as form_services
from grid.clients import ClientRateThrottle, client_address

from . import protocol as open311

# Characters XML 1.0 cannot hold: an answer echoing them would not parse.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# XML names the items of each list after the list (the spec's element names).
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}


def xml_element(name: str, value: object) -> Element:
    element = Element(name)
    if isinstance(value, list):
        element.extend(xml_element(XML_ITEMS[name], item) for item in value)
    elif isinstance(value, dict):
        element.extend(xml_element(key, item) for key, item in value.items())
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = NOT_XML.sub("", str(value))
    return element


def render(payload: object, root: str, response_format: str, status: int = 200) -> HttpResponse:
    if response_format == "xml":
        body = tostring(xml_element(root, payload), encoding="unicode", xml_declaration=False)
        response = HttpResponse(
            f'<?xml version="1.0" encoding="utf-8"?>\n{body}',
            content_type="text/xml; charset=utf-8",
            status=status,
        )
    else:
        response = JsonResponse(
            payload, safe=False, status=status, json_dumps_params={"ensure_ascii": False}
        )
    # Report apps running in a browser elsewhere may read the answers: no cookie is ever used.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def endpoint(*methods: str) -> Callable:
    """An Open311 view: the allowed methods, the read rate limit of the public APIs for GET
    (`API_ANON_RATE`), and errors in the spec's format."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, response_format: str, **kwargs) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise open311.Open311Error(
                        405, _("Use %(methods)s here.") % {"methods": " or ".join(methods)}
                    )
                if request.method == "GET" and not ClientRateThrottle().allow_request(
                    request, None
                ):
                    raise open311.Open311Error(429, too_many())
                open311.refuse_nul(kwargs)
                open311.refuse_nul(request.GET)
                return view(request, *args, response_format=response_format, **kwargs)
            except open311.Open311Error as error:
                errors = [{"code": error.status, "description": m} for m in error.messages]
                response = render(errors, "errors", response_format, error.status)
                if error.status == 405:
                    response["Allow"] = ", ".join(methods)
                return response

        return wrapper

    return decorate


def too_many() -> str:
    return _("Too many requests from your connection: wait a few minutes and try again.")


@endpoint("GET")
def services(request: HttpRequest, response_format: str) -> HttpResponse:
    return render(open311.service_list(), "services", response_format)


@endpoint("GET")
def service_definition(request: HttpRequest, code: str, response_format: str) -> HttpResponse:
    return render(open311.service_definition(code), "service_definition", response_format)


@csrf_exempt
@endpoint("GET", "POST")
def requests(request: HttpRequest, response_format: str) -> HttpResponse:
    if request.method == "GET":
        return render(open311.find_requests(request.GET), "service_requests", response_format)
    try:
        params = request.POST
    except RequestDataTooBig as error:
        raise open311.Open311Error(413, _("The request is too large.")) from error
    except (TooManyFieldsSent, TooManyFilesSent) as error:
        raise open311.Open311Error(400, _("The request has too many fields.")) from error
    open311.refuse_nul(params)
    # Filing is limited like the public forms, and counted with them.
    if not form_services.allow_attempt(client_address(request)):
        raise open311.Open311Error(429, too_many())
    created = open311.create_request(
        params,
        lambda code: request.build_absolute_uri(reverse("workflows:track", args=[code])),
        Site.find_for_request(request),
    )
    return render([created], "service_requests", response_format)


@endpoint("GET")
def request_detail(request: HttpRequest, request_id: str, response_format: str) -> HttpResponse:
    return render(open311.request_detail(request_id), "service_requests", response_format)
