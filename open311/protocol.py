"""Open311 GeoReport v2 on the process engine (http://wiki.open311.org/GeoReport_v2/).

A *service* is a published process definition open to the public (`public_service`) that anyone
may start; its code is the definition's key and its attributes come from the intake form of the
published version. A *request* is an intake submission, validated and stored by forms.services
as a form page's would be, that starts the process; its status is read from the process.
The views (open311/views.py) only parse and render: every rule is here.

How a request fills the intake form (docs/sites.md has the same table):
- a field whose key (its clean name) is an Open311 parameter takes that parameter, e.g. hidden
  fields keyed `lat`, `long` or `address_string` keep what the report app sent;
- otherwise, by type, the first free field: description → paragraph, email → email,
  phone → phone, media_url → URL, first_name and last_name → the first single-line field
  marked as personal data;
- the location fills every community-or-grid field with the area of that field's level that
  contains it, and the text field a definition takes its area from, if any;
- every other field is an attribute whose code is its key (section headings are informational
  attributes; file uploads cannot be sent through Open311 and are left out).

Identifiers: a request's tracking code is the key to it (with it the applicant follows and
revises it on /track/), so the API gives it only to whoever already has it — the app that filed
the request, and callers asking by code. Listings name requests by their public number (the
process number), which `requests/<number>.json` accepts too; by number, the public sees what
anyone may: service, status, stage, area, dates. Messages to the applicant, the description
and the media link are shown only to callers asking by code. Nobody's name, no internal note
and no contact detail ever leaves through this API.
"""

import datetime
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from viewflow.workflow.status import PROCESS, STATUS
from wagtail.models import Site

from forms import services as form_services
from forms.builder import MULTILINE_MAX_LENGTH, FieldSpec, Row, field_specs, plain_decimal
from forms.models import FormDefinitionField
from grid import selectors as grid_selectors
from grid.models import Area
from grid.validators import code_at_level
from workflows import selectors, services
from workflows.models import (
    ProcessEvent,
    Stage,
    StageTask,
    WorkflowDefinition,
    WorkflowProcess,
    WorkflowVersion,
)

MAX_RESULTS = 1000
MAX_IDS = 100
MAX_DAYS = 90
# Public numbers are process keys: bigint on PostgreSQL.
MAX_NUMBER_DIGITS = 18
# Dates a filter may name: wide enough for any real request, narrow enough that a period
# around them never leaves the range Python and the databases can hold.
YEARS = range(1900, 3000)
OPEN, CLOSED = "open", "closed"

# The parameters of POST requests.json a field can take by its key.
PARAMETERS = frozenset(
    {
        "description",
        "email",
        "first_name",
        "last_name",
        "phone",
        "media_url",
        "address_string",
        "address_id",
        "lat",
        "long",
        "device_id",
        "account_id",
    }
)
BY_TYPE = {"description": "multiline", "email": "email", "phone": "phone", "media_url": "url"}
NAME = "first_name/last_name"
DATATYPES = {
    "multiline": "text",
    "number": "number",
    "date": "datetime",
    "datetime": "datetime",
    "dropdown": "singlevaluelist",
    "radio": "singlevaluelist",
    "checkbox": "singlevaluelist",
    "checkboxes": "multivaluelist",
    "multiselect": "multivaluelist",
}
ATTRIBUTE = re.compile(r"attribute\[([^\[\]]+)\](?:\[\])?")
TRUE, FALSE = "true", "false"


class Open311Error(Exception):
    """An answer in the spec's error format: an HTTP status and one description per problem."""

    def __init__(self, status: int, *messages: str):
        super().__init__(*messages)
        self.status = status
        self.messages = list(messages)


# --- Services ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribute:
    code: str
    spec: FieldSpec
    field: FormDefinitionField

    @property
    def variable(self) -> bool:
        return not self.spec.is_section


@dataclass(frozen=True)
class Intake:
    """How a version's intake form takes a request (see the module's docstring)."""

    parameters: dict[str, FieldSpec]  # parameter (or NAME) → the field it fills
    located: dict[str, int]  # field name → the level of the area it takes
    attributes: list[Attribute]

    @property
    def inputs(self) -> dict[str, Attribute]:
        return {a.code: a for a in self.attributes if a.variable}

    def place_of(self, field_name: str, where: str) -> str:
        """How an error names a field: its attribute, its parameter or the location."""
        if field_name in self.located:
            return where
        for parameter, spec in self.parameters.items():
            if spec.name == field_name:
                return parameter
        return next(
            (f"attribute[{a.code}]" for a in self.attributes if a.spec.name == field_name), ""
        )


def intake_of(snapshot: selectors.VersionSnapshot) -> Intake:
    fields = list(snapshot.intake_form.fields.all())
    pairs = list(zip(field_specs(fields), fields, strict=True))
    inputs = [(spec, field) for spec, field in pairs if not spec.is_section]
    parameters = {spec.name: spec for spec, _field in inputs if spec.name in PARAMETERS}

    def first_free(test: Callable[[FieldSpec, FormDefinitionField], bool]) -> FieldSpec | None:
        taken = {spec.name for spec in parameters.values()}
        return next((s for s, f in inputs if s.name not in taken and test(s, f)), None)

    def of_type(kind: str) -> Callable[[FieldSpec, FormDefinitionField], bool]:
        return lambda spec, field: spec.type == kind

    for parameter, kind in BY_TYPE.items():
        if parameter not in parameters and (spec := first_free(of_type(kind))):
            parameters[parameter] = spec
    if not {"first_name", "last_name"} & parameters.keys() and (
        spec := first_free(lambda s, f: s.type == "singleline" and f.is_personal)
    ):
        parameters[NAME] = spec
    located = {
        spec.name: field.area_level or Area.Level.COMMUNITY
        for spec, field in inputs
        if spec.type == "area"
    }
    definition = snapshot.definition
    if definition.area_source == WorkflowDefinition.AreaSource.FIELD:
        spec = first_free(lambda s, f: s.label == definition.area_field and s.type != "area")
        if spec is not None:
            located[spec.name] = definition.area_level
    filled = {spec.name for spec in parameters.values()} | located.keys()
    attributes = []
    sections = 0
    for spec, field in pairs:
        if spec.is_section:
            sections += 1
            attributes.append(Attribute(f"section-{sections}", spec, field))
        elif spec.name not in filled and spec.type != "file":
            attributes.append(Attribute(spec.name, spec, field))
    return Intake(parameters, located, attributes)


@dataclass(frozen=True)
class Service:
    definition: WorkflowDefinition
    version: WorkflowVersion
    snapshot: selectors.VersionSnapshot
    intake: Intake


def refuse_nul(params: Mapping[str, str] | QueryDict) -> None:
    """No parameter may hold a NUL character: PostgreSQL cannot store or compare one, and no
    real address, code or description has it."""
    items = (
        params.lists() if isinstance(params, QueryDict) else ((k, [v]) for k, v in params.items())
    )
    for name, values in items:
        if "\x00" in name or any("\x00" in str(value) for value in values):
            raise Open311Error(
                400,
                _("%(name)s: holds a NUL character, which is not allowed.")
                % {"name": name.replace("\x00", "")},
            )


def open_definitions() -> QuerySet[WorkflowDefinition]:
    """Published definitions open to the public that anyone may start."""
    return WorkflowDefinition.objects.filter(
        live=True, public_service=True, starter=WorkflowDefinition.Starter.ANYONE
    ).order_by("name", "pk")


def service_of(definition: WorkflowDefinition) -> Service | None:
    version = selectors.latest_version(definition)
    if version is None:
        return None
    snapshot = selectors.snapshot(version)
    return Service(definition, version, snapshot, intake_of(snapshot))


def service_for(code: str) -> Service:
    code = code.strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    definition = open_definitions().filter(key=code).first()
    service = service_of(definition) if definition else None
    if service is None:
        raise unknown_service(code)
    return service


def unknown_service(code: str) -> Open311Error:
    return Open311Error(
        404, _("service_code “%(code)s” is not a service open to the public.") % {"code": code}
    )


def service_list() -> list[dict]:
    """GET services: every open service."""
    found = (service_of(definition) for definition in open_definitions())
    return [
        {
            "service_code": service.definition.key,
            "service_name": service.definition.name,
            "description": service.definition.description,
            "metadata": bool(service.intake.attributes),
            "type": "realtime",
            "keywords": "",
            "group": "",
        }
        for service in found
        if service is not None
    ]


def service_definition(code: str) -> dict:
    """GET services/<code>: the attributes a request to this service may or must carry."""
    service = service_for(code)
    return {
        "service_code": service.definition.key,
        "attributes": [
            attribute_description(order, attribute)
            for order, attribute in enumerate(service.intake.attributes, start=1)
        ],
    }


def attribute_description(order: int, attribute: Attribute) -> dict:
    spec, field = attribute.spec, attribute.field
    datatype = DATATYPES.get(spec.type, "string")
    described = {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": datatype if attribute.variable else "string",
        "required": attribute.variable and spec.required and spec.condition is None,
        "datatype_description": datatype_description(spec, field) if attribute.variable else "",
        "order": order,
        "description": f"{spec.label}: {spec.help_text}" if spec.help_text else spec.label,
    }
    if attribute.variable and datatype.endswith("valuelist"):
        if spec.type == "checkbox":
            described["values"] = [{"key": TRUE, "name": _("Yes")}, {"key": FALSE, "name": _("No")}]
        else:
            choices = form_services.field_choices(field)
            described["values"] = [{"key": choice, "name": choice} for choice in choices]
    return described


def datatype_description(spec: FieldSpec, field: FormDefinitionField) -> str:
    hints = {
        "date": _("A date: YYYY-MM-DD."),
        "datetime": _("A date and time: YYYY-MM-DDThh:mm."),
        "multiline": _("At most %(count)d characters.") % {"count": MULTILINE_MAX_LENGTH},
        "checkboxes": _("One or more of the keys, each as attribute[code][]."),
        "multiselect": _("One or more of the keys, each as attribute[code][]."),
        "id_number": _("An 18-character resident ID number."),
        "phone": _("A mainland mobile or landline number."),
        "email": _("An email address."),
        "url": _("A web address."),
    }
    parts = [hints.get(spec.type, field.pattern_message)]
    low, high = plain_decimal(field.min_value), plain_decimal(field.max_value)
    if spec.type == "number" and (low is not None or high is not None):
        parts.append(
            _("From %(min)s to %(max)s.")
            % {"min": "−∞" if low is None else low, "max": "∞" if high is None else high}
        )
    # Only the condition's wording is read: no bound field is needed.
    parts.append(Row(spec, None, None).condition_hint)  # type: ignore[arg-type]
    return " ".join(part for part in parts if part)


# --- Filing a request ---------------------------------------------------------------------


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


def form_data(intake: Intake, params: QueryDict, area: Area, where: str) -> dict:
    """The intake form's data from a request (see the module's docstring for the mapping)."""
    data: dict[str, str | list[str]] = {}
    problems = []
    for parameter, spec in intake.parameters.items():
        if parameter == NAME:
            value = full_name(params.get("first_name", ""), params.get("last_name", ""))
        else:
            value = params.get(parameter, "").strip()
        if value:
            data[spec.name] = value
    for name, level in intake.located.items():
        if area.level < level:
            problems.append(
                _("%(where)s: %(area)s is not precise enough: this service needs a %(level)s.")
                % {"where": where, "area": area.name, "level": Area.Level(level).label.lower()}
            )
        else:
            data[name] = code_at_level(area.code, level)
    inputs = intake.inputs
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
    intake = service.intake
    data = form_data(intake, params, area, where)
    form = form_services.validate(
        service.snapshot.intake_form, data, area_root=chooser_root(intake, area)
    )
    if not form.is_valid():
        raise Open311Error(400, *form_problems(form, intake, where))
    # start_process checks who may start and finds the area; when it refuses, the stored
    # submission is rolled back with it (the confirmation email is sent only after the commit).
    try:
        with transaction.atomic():
            submission = form_services.accept_submission(form, site=site)
            process = services.start_process(service.version, submission, AnonymousUser())
    except (services.StartRefused, ValidationError) as refusal:
        raise Open311Error(400, *getattr(refusal, "messages", [str(refusal)])) from refusal
    code = process.tracking_code
    notice = service_notice(service.snapshot)
    follow = _("Follow it with its code at %(url)s") % {"url": tracking_url(code)}
    return {
        "service_request_id": code,
        "service_notice": f"{notice} {follow}" if notice else follow,
        "account_id": None,
    }


def chooser_root(intake: Intake, area: Area) -> Area | None:
    """The branch of the registry the intake's area choosers need to offer: the located area's
    ancestor at the highest level they take (rather than every area of their level)."""
    if not intake.located:
        return None
    return Area.objects.get(code=code_at_level(area.code, min(intake.located.values())))


def form_problems(form, intake: Intake, where: str) -> list[str]:
    problems = [str(error) for error in form.non_field_errors()]
    for spec in form.input_specs:
        if spec.name in form.errors:
            place = intake.place_of(spec.name, where) or spec.label
            problems.append(f"{place}: {form.errors[spec.name][0]}")
    return problems


def service_notice(snapshot: selectors.VersionSnapshot) -> str:
    """The intake form's thank-you text, as plain text."""
    return " ".join(strip_tags(snapshot.intake_form.thank_you_text).split())


# --- Requests' status -----------------------------------------------------------------------


def public_requests() -> QuerySet[WorkflowProcess]:
    """Processes of definitions open to the public, with what their records show."""
    last_event = ProcessEvent.objects.filter(process=OuterRef("pk")).order_by("-at", "-pk")
    return (
        WorkflowProcess.objects.filter(version__definition__public_service=True)
        .select_related("version__definition", "area", "submission__area", "referred_to")
        .defer("submission__search_text")
        .annotate(last_event_at=Subquery(last_event.values("at")[:1]))
    )


def split_ids(text: str) -> tuple[list[str], list[int]]:
    """Tracking codes and public numbers from a comma-separated list."""
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if len(ids) > MAX_IDS:
        raise Open311Error(
            400, _("service_request_id: at most %(count)d at once.") % {"count": MAX_IDS}
        )
    # isdigit() alone takes "²", which int() refuses; a number too long for a key is no key.
    numbers = [
        int(part)
        for part in ids
        if part.isascii() and part.isdigit() and len(part) <= MAX_NUMBER_DIGITS
    ]
    codes = [part.upper() for part in ids if not (part.isascii() and part.isdigit())]
    return codes, numbers


def requests_by_id(text: str) -> list[dict]:
    codes, numbers = split_ids(text)
    found = public_requests().filter(Q(submission__reference__in=codes) | Q(pk__in=numbers))
    by_code = {p.pk for p in found if p.submission.reference in codes}
    order = {key: index for index, key in enumerate([*codes, *map(str, numbers)])}
    processes = sorted(
        found,
        key=lambda p: order.get(p.submission.reference, order.get(str(p.pk), len(order))),
    )
    return records(processes, by_code)


def request_detail(request_id: str) -> list[dict]:
    """GET requests/<id>: by tracking code or public number; a list of one, as the spec says."""
    found = requests_by_id(request_id)
    if not found:
        raise Open311Error(
            404, _("service_request_id “%(id)s” was not found.") % {"id": request_id}
        )
    return found


def moment(params: QueryDict, name: str, *, end: bool) -> datetime.datetime | None:
    """A W3C date-time parameter; a bare date means the start of that day (for end_date, the
    end of it)."""
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        day = parse_date(text)
        value = None if day else parse_datetime(text)
    except ValueError:
        value = day = None
    if value is None and day is None:
        raise Open311Error(
            400,
            _("%(name)s: give a date and time such as 2026-03-01T08:00:00+08:00.") % {"name": name},
        )
    moment = day or value
    assert moment is not None  # refused above
    if moment.year not in YEARS:
        raise Open311Error(
            400,
            _("%(name)s: give a date between the years %(first)d and %(last)d.")
            % {"name": name, "first": YEARS[0], "last": YEARS[-1]},
        )
    if day is not None:
        value = datetime.datetime.combine(day + datetime.timedelta(days=int(end)), datetime.time())
    assert value is not None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def find_requests(params: QueryDict) -> list[dict]:
    """GET requests: by service_request_id (which overrides the rest), or by service, status
    and a period of at most 90 days (the last 90 by default), newest first, at most 1,000."""
    if params.get("service_request_id", "").strip():
        return requests_by_id(params.get("service_request_id", ""))
    found = public_requests()
    code = params.get("service_code", "").strip()
    if code:
        if not WorkflowDefinition.objects.filter(key=code, public_service=True).exists():
            raise unknown_service(code)
        found = found.filter(version__definition__key=code)
    statuses = {part.strip() for part in params.get("status", "").split(",") if part.strip()}
    if statuses - {OPEN, CLOSED}:
        raise Open311Error(400, _("status: give open, closed or both, comma-separated."))
    if statuses == {OPEN}:
        found = found.filter(status=PROCESS.NEW)
    elif statuses == {CLOSED}:
        found = found.exclude(status=PROCESS.NEW)
    start, end = moment(params, "start_date", end=False), moment(params, "end_date", end=True)
    span = datetime.timedelta(days=MAX_DAYS)
    if start and end and end - start > span:
        raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
    if start and end and end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    if end is None:
        end = start + span if start else timezone.now()
    start = start or end - span
    found = found.filter(submission__submit_time__gte=start, submission__submit_time__lte=end)
    return records(list(found.order_by("-submission__submit_time", "-pk")[:MAX_RESULTS]), set())


def w3c(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def records(processes: list[WorkflowProcess], by_code: Iterable[int]) -> list[dict]:
    """The spec's record of each process, in a fixed number of queries however many there are
    (each distinct version is read once). `by_code`: processes asked for by their code."""
    by_code = set(by_code)
    ids = [p.pk for p in processes]
    due = dict(
        StageTask.objects.filter(
            process_id__in=ids,
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            deadline__isnull=False,
        )
        .order_by("-deadline__due_at")
        .values_list("process_id", "deadline__due_at")
    )
    # The latest message to each applicant asking by code (later rows overwrite earlier ones).
    messages = dict(
        ProcessEvent.objects.filter(process_id__in=by_code)
        .exclude(public_message="")
        .order_by("at", "pk")
        .values_list("process_id", "public_message")
    )
    codes = {
        code_at_level(area.code, level)
        for p in processes
        for area in (p.area, p.submission.area or p.area)
        for level in range(area.level + 1)
    }
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    versions: dict[int, WorkflowVersion] = {}
    intakes: dict[int, Intake] = {}
    result = []
    for process in processes:
        # One version object per version, so that its snapshot is read once.
        process.version = versions.setdefault(process.version_id, process.version)
        snapshot = selectors.snapshot(process.version)
        if process.version_id not in intakes:
            intakes[process.version_id] = intake_of(snapshot)
        result.append(
            record(
                process,
                snapshot,
                intakes[process.version_id],
                names,
                due.get(process.pk),
                messages.get(process.pk, "") if process.pk in by_code else None,
            )
        )
    return result


def record(
    process: WorkflowProcess,
    snapshot: selectors.VersionSnapshot,
    intake: Intake,
    names: dict[str, str],
    due: datetime.datetime | None,
    message: str | None,
) -> dict:
    """`message` is None for the public; for a caller asking by code, the latest message to
    the applicant (or ""), which follows the state in the status notes."""
    closed = process.status != PROCESS.NEW
    location = process.submission.area or process.area
    centre = grid_selectors.boundary_centre(location.boundary)
    general = [code_at_level(location.code, level) for level in range(location.level, -1, -1)]
    answers = process.submission.form_data
    reporter = message is not None
    state = state_text(process, closed)

    def answer(parameter: str) -> str | None:
        spec = intake.parameters.get(parameter)
        return answers.get(spec.name) if reporter and spec else None

    return {
        "service_request_id": process.tracking_code if reporter else str(process.pk),
        "status": CLOSED if closed else OPEN,
        "status_notes": f"{state} — {message}" if message else state,
        "service_name": process.version.definition.name,
        "service_code": process.version.definition.key,
        "description": answer("description"),
        "agency_responsible": agency(process, snapshot, names),
        "service_notice": service_notice(snapshot),
        "requested_datetime": w3c(process.submission.submit_time),
        "updated_datetime": w3c(process.finished or process.last_event_at or process.created),
        "expected_datetime": None if closed else w3c(due),
        "address": ", ".join(names.get(code, location.name) for code in general),
        "address_id": location.code,
        "zipcode": None,
        "lat": round(centre[1], 6) if centre else None,
        "long": round(centre[0], 6) if centre else None,
        "media_url": answer("media_url"),
    }


def state_text(process: WorkflowProcess, closed: bool) -> str:
    """Where the process stands, as the tracking page says it."""
    if process.outcome:
        return str(process.get_outcome_display())
    if closed:
        return _("Cancelled")
    if process.route == WorkflowProcess.Route.APPLICANT:
        return _("Returned to the applicant for revision")
    stage = selectors.current_stage(process)
    return _("Being handled: %(stage)s") % {"stage": stage.name} if stage else _("In progress")


def agency(
    process: WorkflowProcess, snapshot: selectors.VersionSnapshot, names: dict[str, str]
) -> str:
    """Who handles it now (or handled it last): the department it is referred to, or the
    area at whose level the stage's role acts, or the department a stage names."""
    if process.route == WorkflowProcess.Route.REFER and process.referred_to_id:
        return process.referred_to.name
    if not snapshot.stages:
        return process.area.name
    stage = snapshot.stages[min(process.stage_index, len(snapshot.stages) - 1)]
    if stage.actor == Stage.Actor.ROLE and stage.role_level is not None:
        code = code_at_level(process.area.code, stage.role_level)
        return names.get(code, process.area.name)
    department = selectors.department_named(
        selectors.answer_by_label(process.submission, stage.department_field)
    )
    return department.name if department else process.area.name
