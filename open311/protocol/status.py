"""Requests' status, by code, by number or by service and period."""

import datetime
from collections.abc import Iterable

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from viewflow.workflow.status import PROCESS, STATUS

from grid import geometry
from grid.models import Area
from grid.validators import code_at_level
from workflows import selectors
from workflows.models import (
    ProcessDefinition,
    ProcessEvent,
    ProcessInstance,
    ProcessVersion,
    Stage,
    StageTask,
)

from .catalogue import FormMapping, form_mapping, unknown_service
from .common import (
    CLOSED,
    MAX_DAYS,
    MAX_IDS,
    MAX_NUMBER_DIGITS,
    MAX_RESULTS,
    OPEN,
    YEARS,
    Open311Error,
)
from .filing import service_notice


def public_requests() -> QuerySet[ProcessInstance]:
    """Processes of definitions open to the public, with what their records show. The
    definition's name and key come as values: a definition is a clustered model, costly to
    make a thousand times; versions and boundaries are read once each (`records`)."""
    last_event = ProcessEvent.objects.filter(process=OuterRef("pk")).order_by("-at", "-pk")
    return (
        ProcessInstance.objects.filter(version__definition__public_service=True)
        .select_related(
            "area",
            "submission__area",
            "referred_to",
            "dispatched_department",
            "dispatched_to__area",
        )
        .defer(
            "submission__search_text",
            "area__boundary",
            "submission__area__boundary",
            "dispatched_to__area__boundary",
        )
        .annotate(
            last_event_at=Subquery(last_event.values("at")[:1]),
            service_name=F("version__definition__name"),
            service_code=F("version__definition__key"),
        )
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
        if not ProcessDefinition.objects.filter(key=code, public_service=True).exists():
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


def records(processes: list[ProcessInstance], by_code: Iterable[int]) -> list[dict]:
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
    # The names of the areas above the places (a few, however many grids); a grid is named
    # by itself, read with its process.
    codes = {
        code_at_level(area.code, level)
        for p in processes
        for area in (p.area, p.submission.area or p.area)
        for level in range(min(area.level + 1, Area.Level.GRID))
    }
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    places = {(p.submission.area or p.area).pk for p in processes}
    centres = {
        pk: geometry.boundary_centre(boundary)
        for pk, boundary in Area.objects.filter(pk__in=places).values_list("pk", "boundary")
    }
    # One object per version (a few, however many processes), so that its snapshot is read once.
    versions = ProcessVersion.objects.in_bulk({p.version_id for p in processes})
    mappings: dict[int, FormMapping] = {}
    result = []
    for process in processes:
        process.version = versions[process.version_id]
        snapshot = selectors.snapshot(process.version)
        if process.version_id not in mappings:
            mappings[process.version_id] = form_mapping(snapshot)
        result.append(
            record(
                process,
                snapshot,
                mappings[process.version_id],
                names,
                centres.get((process.submission.area or process.area).pk),
                due.get(process.pk),
                messages.get(process.pk, "") if process.pk in by_code else None,
            )
        )
    return result


def record(
    process: ProcessInstance,
    snapshot: selectors.VersionSnapshot,
    mapping: FormMapping,
    names: dict[str, str],
    centre: geometry.Position | None,
    due: datetime.datetime | None,
    message: str | None,
) -> dict:
    """`message` is None for the public; for a caller asking by code, the latest message to
    the applicant (or ""), which follows the state in the status notes."""
    closed = process.status != PROCESS.NEW
    location = process.submission.area or process.area
    general = [code_at_level(location.code, level) for level in range(location.level, -1, -1)]
    answers = process.submission.form_data
    reporter = message is not None
    state = state_text(process, closed)

    def answer(parameter: str) -> str | None:
        spec = mapping.parameters.get(parameter)
        return answers.get(spec.name) if reporter and spec else None

    return {
        "service_request_id": process.reference if reporter else str(process.pk),
        "status": CLOSED if closed else OPEN,
        "status_notes": f"{state} — {message}" if message else state,
        "service_name": process.service_name,
        "service_code": process.service_code,
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


def state_text(process: ProcessInstance, closed: bool) -> str:
    """Where the process stands, as the tracking page says it."""
    if process.outcome:
        return str(process.get_outcome_display())
    if closed:
        return _("Cancelled")
    if process.route == ProcessInstance.Route.APPLICANT:
        return _("Returned to the applicant for revision")
    stage = selectors.current_stage(process)
    return _("Being handled: %(stage)s") % {"stage": stage.name} if stage else _("In progress")


def agency(
    process: ProcessInstance, snapshot: selectors.VersionSnapshot, names: dict[str, str]
) -> str:
    """Who handles it now (or handled it last): the department it is referred to, or the
    area at whose level the stage's role acts, or the department a stage names."""
    if process.route == ProcessInstance.Route.REFER and process.referred_to_id:
        return process.referred_to.name
    if not snapshot.stages:
        return process.area.name
    stage = snapshot.stages[min(process.stage_index, len(snapshot.stages) - 1)]
    if stage.actor == Stage.Actor.ROLE and stage.role_level is not None:
        code = code_at_level(process.area.code, stage.role_level)
        return names.get(code, process.area.name)
    if stage.actor == Stage.Actor.DEPARTMENT and stage.department is not None:
        return stage.department.name
    if stage.actor == Stage.Actor.DISPATCHED:
        if process.dispatched_department is not None:
            return process.dispatched_department.name
        held = process.dispatched_to
        return held.area.name if held is not None else process.area.name
    department = selectors.department_named(
        selectors.answer_by_label(process.submission, stage.department_field)
    )
    return department.name if department else process.area.name
