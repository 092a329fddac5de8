"""Filing a request: locating it, filling the intake form, starting the process."""

import math
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from wagtail.models import Site

from forms import services as form_services
from grid import selectors as grid_selectors
from grid.models import Area
from grid.validators import code_at_level
from workflows import selectors, services

from .catalogue import FormMapping, service_for
from .common import ATTRIBUTE, DATATYPES, FALSE, NAME, TRUE, Open311Error


def locate(params: QueryDict) -> tuple[Area, str]:
    """The most precise area the request's location names, and the parameter that named it.
    lat/long come first, then address_id (an area's code), then address_string."""
    latitude, longitude = params.get("lat", "").strip(), params.get("long", "").strip()
    if latitude or longitude:
        try:
            point = (float(longitude), float(latitude))
        except ValueError:
            point = (math.nan, math.nan)
        if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
            raise Open311Error(400, _("lat/long: give both, in decimal degrees (WGS 84)."))
        grid = grid_selectors.grid_at(*point)
        if grid is None:
            raise Open311Error(400, _("lat/long: this place is outside every grid we serve."))
        return grid, "lat/long"
    address_id = params.get("address_id", "").strip()
    if address_id:
        area = Area.objects.filter(code=address_id).select_related("parent").first()
        if area is None:
            raise Open311Error(
                400, _("address_id: no area has the code “%(code)s”.") % {"code": address_id}
            )
        return area, "address_id"
    address = params.get("address_string", "").strip()
    if address:
        areas = grid_selectors.areas_at_address(address)
        if not areas:
            raise Open311Error(
                400,
                _(
                    "address_string: no building, unit, community or grid matches “%(address)s”; "
                    "send lat and long instead."
                )
                % {"address": address},
            )
        if len(areas) > 1:
            raise Open311Error(
                400,
                _(
                    "address_string: “%(address)s” matches several places (%(places)s); send lat "
                    "and long or a more precise address."
                )
                % {"address": address, "places": ", ".join(area_label(a) for a in areas)},
            )
        return areas[0], "address_string"
    raise Open311Error(
        400, _("A location is required: lat and long, address_string or address_id.")
    )


def area_label(area: Area) -> str:
    return f"{area.parent.name} {area.name}" if area.parent is not None else area.name


def full_name(first: str, last: str) -> str:
    """A name from its two parts: family name first and no space for Chinese names."""
    first, last = first.strip(), last.strip()
    if any("\u4e00" <= character <= "\u9fff" for character in first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)


def form_data(mapping: FormMapping, params: QueryDict, area: Area, where: str) -> dict:
    """The intake form's data from a request (see the module's docstring for the mapping)."""
    data: dict[str, str | list[str]] = {}
    problems = []
    for parameter, spec in mapping.parameters.items():
        if parameter == NAME:
            value = full_name(params.get("first_name", ""), params.get("last_name", ""))
        else:
            value = params.get(parameter, "").strip()
        if value:
            data[spec.name] = value
    for name, level in mapping.located.items():
        if area.level < level:
            problems.append(
                _("%(where)s: %(area)s is not precise enough: this service needs a %(level)s.")
                % {"where": where, "area": area.name, "level": Area.Level(level).label.lower()}
            )
        else:
            data[name] = code_at_level(area.code, level)
    inputs = mapping.inputs
    for key in params:
        match = ATTRIBUTE.fullmatch(key)
        if match is None:
            continue
        attribute = inputs.get(match[1])
        values = [value.strip() for value in params.getlist(key)]
        if attribute is None:
            problems.append(_("%(key)s: this service has no such attribute.") % {"key": key})
        elif DATATYPES.get(attribute.spec.type) == "multivaluelist":
            chosen = data.setdefault(attribute.spec.name, [])
            assert isinstance(chosen, list)  # only multivaluelists are collected under it
            chosen.extend(v for v in values if v)
        elif len(values) != 1:
            problems.append(_("%(key)s: give one value.") % {"key": key})
        elif attribute.spec.type == "checkbox":
            if values[0].lower() not in (TRUE, FALSE):
                problems.append(_("%(key)s: answer true or false.") % {"key": key})
            elif values[0].lower() == TRUE:
                data[attribute.spec.name] = "on"
        else:
            data[attribute.spec.name] = values[0]
    if problems:
        raise Open311Error(400, *problems)
    return data


def create_request(
    params: QueryDict, tracking_url: Callable[[str], str], site: Site | None = None
) -> dict:
    """POST requests: validate the request as the intake form, store it and start the process,
    all or nothing. The API files as an anonymous applicant whoever calls it; what is sent to
    the applicant later links to `site`, the one the request came in on."""
    service = service_for(params.get("service_code", ""))
    area, where = locate(params)
    mapping = service.mapping
    data = form_data(mapping, params, area, where)
    form = form_services.validate(
        service.snapshot.intake_form, data, area_root=chooser_root(mapping, area)
    )
    if not form.is_valid():
        raise Open311Error(400, *form_problems(form, mapping, where))
    # start_process checks who may start and finds the area; when it refuses, the stored
    # submission is rolled back with it (the confirmation email is sent only after the commit).
    try:
        with transaction.atomic():
            submission = form_services.accept_submission(form, site=site)
            process = services.start_process(service.version, submission, AnonymousUser())
    except (services.StartRefused, ValidationError) as refusal:
        raise Open311Error(400, *getattr(refusal, "messages", [str(refusal)])) from refusal
    code = process.reference
    notice = service_notice(service.snapshot)
    follow = _("Follow it with its code at %(url)s") % {"url": tracking_url(code)}
    return {
        "service_request_id": code,
        "service_notice": f"{notice} {follow}" if notice else follow,
        "account_id": None,
    }


def chooser_root(mapping: FormMapping, area: Area) -> Area | None:
    """The branch of the registry the form.s area choosers need to offer: the located area's
    ancestor at the highest level they take (rather than every area of their level)."""
    if not mapping.located:
        return None
    return Area.objects.get(code=code_at_level(area.code, min(mapping.located.values())))


def form_problems(form, mapping: FormMapping, where: str) -> list[str]:
    problems = [str(error) for error in form.non_field_errors()]
    for spec in form.input_specs:
        if spec.name in form.errors:
            place = mapping.place_of(spec.name, where) or spec.label
            problems.append(f"{place}: {form.errors[spec.name][0]}")
    return problems


def service_notice(snapshot: selectors.VersionSnapshot) -> str:
    """The intake form's thank-you text, as plain text."""
    return " ".join(strip_tags(snapshot.intake_form.thank_you_text).split())
