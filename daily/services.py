"""Rounds (started, recorded, finished), visits to households and units, and reports of what
they found as processes; the views and the admin call these."""

import mimetypes
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from forms import services as forms_services
from forms.builder import SubmissionForm
from forms.models import Submission, SubmissionFile
from grid.models import Area
from workflows import selectors as workflow_selectors
from workflows import services as workflow_services
from workflows.models import ProcessDefinition, ProcessInstance

from . import selectors
from .models import Checklist, Finding, FindingPhoto, Inspection, RoundSave, Visit

# Photos a finding may carry, and how large each may be.
MAX_PHOTOS = 5


class InspectionRefused(Exception):
    """What the worker is told when a round cannot start or be changed."""


def start_inspection(user: User, grid: Area) -> Inspection:
    """A round of `grid` by `user`, with one finding per item of the grid's checklist; the
    user's unfinished round of the grid if they have one (a second tap resumes it)."""
    if not selectors.my_grids(user).filter(pk=grid.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        # Two taps at once (a double tap, a second phone) wait for each other on the grid's row
        # and the second resumes what the first started.
        Area.objects.select_for_update().filter(pk=grid.pk).exists()
        unfinished = Inspection.objects.filter(
            grid=grid, inspector_id=user.pk, finished_at__isnull=True
        ).first()
        if unfinished is not None:
            return unfinished
        checklist = Checklist.objects.filter(grid_kind=grid.kind).first()
        items = list(checklist.items.all()) if checklist is not None else []
        if not items:
            raise InspectionRefused(
                _(
                    "No inspection checklist is set for this kind of grid (%(kind)s) yet: "
                    "ask your platform admin."
                )
                % {"kind": grid.get_kind_display() or "—"}
            )
        inspection = Inspection.objects.create(grid=grid, inspector_id=user.pk)
        Finding.objects.bulk_create(
            Finding(
                inspection=inspection,
                sort_order=order,
                item=item.label,
                guidance=item.guidance,
            )
            for order, item in enumerate(items)
        )
    return inspection


@dataclass
class Answer:
    """What the worker says of one finding."""

    problem: bool
    note: str
    photos: list[UploadedFile] = field(default_factory=list)


def record(
    inspection: Inspection,
    user: User,
    answers: dict[int, Answer],
    notes: str,
    *,
    finish: bool,
    client_key: uuid.UUID | None = None,
) -> bool:
    """Keep what the worker said of each finding (keyed by the finding's primary key) and, when
    `finish`, close the round. Only its inspector changes a round, and only while it is open.
    A save whose `client_key` was already applied to the round (sent again from the phone's
    queue) changes nothing: False."""
    if inspection.inspector_id != user.pk:
        raise PermissionDenied
    try:
        with transaction.atomic():
            # Two sends of one save at once wait for each other here; the second finds the first.
            current = Inspection.objects.select_for_update().get(pk=inspection.pk)
            if already_saved(current, client_key):
                return False
            if current.finished:
                raise InspectionRefused(_("This round is finished: it can no longer be changed."))
            findings = {finding.pk: finding for finding in current.findings.all()}
            changed = []
            for pk, answer in answers.items():
                finding = findings[pk]
                finding.problem, finding.note = answer.problem, answer.note.strip()
                changed.append(finding)
                for photo in answer.photos:
                    FindingPhoto.objects.create(finding=finding, image=photo)
            Finding.objects.bulk_update(changed, ["problem", "note"])
            inspection.notes = notes.strip()
            if finish:
                inspection.finished_at = timezone.now()
            inspection.save(update_fields=["notes", "finished_at"])
            if client_key is not None:
                RoundSave.objects.create(inspection=inspection, client_key=client_key)
    except IntegrityError:
        # The same key sent at once on SQLite, which has no row locks: the other send stored it.
        if already_saved(inspection, client_key):
            return False
        raise InspectionRefused(_("This save was sent for another round.")) from None
    return True


def already_saved(inspection: Inspection, client_key: uuid.UUID | str | None) -> bool:
    """Whether the phone's save with this key was applied to the round."""
    if not client_key:
        return False
    try:
        key = uuid.UUID(str(client_key))
    except ValueError:
        return False
    return RoundSave.objects.filter(inspection=inspection, client_key=key).exists()


def report_definition(grid: Area) -> ProcessDefinition | None:
    """The process problems found in this grid (on a round, on a visit) are reported as: its
    kind's checklist says."""
    checklist = (
        Checklist.objects.filter(grid_kind=grid.kind).select_related("report_process").first()
    )
    return checklist.report_process if checklist is not None else None


@dataclass(frozen=True)
class Report:
    """What a report is filled in from: a problem found on a round, or what a household or
    unit raised on a visit."""

    source: Finding | Visit
    grid: Area
    text: str
    # Who may report it: those who make what it comes from (rounds, visits) in its grid.
    made_with: str
    photos: tuple[FieldFile, ...] = ()

    @classmethod
    def of_finding(cls, finding: Finding) -> "Report":
        if not finding.problem:
            raise InspectionRefused(_("Only a problem can be reported."))
        photos = tuple(stored.image for stored in finding.photos.all())
        text = f"{finding.item}：{finding.note}"
        grid = finding.inspection.grid
        return cls(finding, grid, text, selectors.MAKE_ROUNDS, photos)

    @classmethod
    def of_visit(cls, visit: Visit) -> "Report":
        subject = visit.household or visit.unit
        text = f"{subject}（{visit.get_category_display()}）：{visit.text}"
        return cls(visit, visit.grid, text, selectors.MAKE_VISITS)


def report_form(
    report: Report,
    definition: ProcessDefinition,
    data: Mapping | None = None,
    files: Mapping | None = None,
) -> SubmissionForm:
    """The process's intake form with what the report already says filled in, by the type of
    field, whatever the process: its first area field gets the grid, its first multi-line text
    the words, and its first field taking photos, when left empty, the report's photos, as
    many as it takes (attached by `start_report`; a browser cannot pre-fill a file input). The
    worker answers the rest (the kind of incident, the place)."""
    form = forms_services.build_form(
        definition.intake_form, data, files, area_root=report.grid.parent
    )
    area = next((spec.name for spec in form.input_specs if spec.type == "area"), None)
    text = next((spec.name for spec in form.input_specs if spec.type == "multiline"), None)
    if area:
        form.initial[area] = report.grid.code
    if text:
        form.initial[text] = report.text
    photo_field = photo_field_name(form)
    if photo_field and report.photos:
        # The report's photos answer it when the worker chooses none.
        form.fields[photo_field].required = False
    return form


def photos_attached(report: Report, form: SubmissionForm) -> int:
    """How many of the report's photos its form's photo field takes, if the worker chooses
    none of their own."""
    field_name = photo_field_name(form)
    return min(len(report.photos), form.fields[field_name].max_files) if field_name else 0


def photo_field_name(form: SubmissionForm) -> str | None:
    return next(
        (
            spec.name
            for spec in form.input_specs
            if spec.type == "file" and "image" in form.fields[spec.name].kinds
        ),
        None,
    )


def start_report(
    report: Report, user: User, form: SubmissionForm, definition: ProcessDefinition
) -> ProcessInstance:
    """Start `definition` from the worker's valid `report_form`, as its applicant, and link
    what it was reported from to the process; nothing is reported twice."""
    if not selectors.my_grids(user, report.made_with).filter(pk=report.grid.pk).exists():
        raise PermissionDenied
    version = workflow_selectors.open_version(definition)
    if version is None:
        raise InspectionRefused(_("This process is not open yet: ask your platform admin."))
    model = type(report.source)
    with transaction.atomic():
        source = model.objects.select_for_update().get(pk=report.source.pk)
        if source.process_id is not None:
            raise InspectionRefused(_("This has already been reported."))
        submission = forms_services.accept_submission(form, user=user)
        field_name = photo_field_name(form)
        if field_name and report.photos and not submission.form_data.get(field_name):
            room = form.fields[field_name].max_files
            attach_photos(submission, field_name, report.photos, room)
        try:
            process = workflow_services.start_process(version, submission, user)
        except workflow_services.StartRefused as refusal:
            raise InspectionRefused(str(refusal)) from refusal
        source.process = process
        source.save(update_fields=["process"])
    return process


def attach_photos(
    submission: Submission, field_name: str, photos: tuple[FieldFile, ...], room: int
) -> None:
    """The report's photos as the answer of the form's photo field: as many as it takes, in
    the order they were taken, stored as the worker's own uploads would be."""
    answers = []
    for photo in photos[:room]:
        name = (photo.name or "photo.jpg").rsplit("/", 1)[-1]
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        stored = SubmissionFile(
            submission=submission,
            field_name=field_name,
            original_name=name,
            content_type=content_type,
            size=photo.size,
        )
        with photo.open("rb") as handle:
            extension = name.rsplit(".", 1)[-1]
            stored.file.save(f"{uuid.uuid4().hex}.{extension}", File(handle), save=False)
        stored.save()
        answers.append({"name": name, "size": stored.size, "type": content_type})
    submission.form_data[field_name] = answers[0] if room == 1 else answers
    submission.save(update_fields=["form_data"])


def record_visit(user: User, visit: Visit) -> Visit:
    """Keep a visit the user made to a household or unit of a grid they visit; the visit's
    grid is its household's or unit's. A visit whose `client_key` was already stored (sent
    again from the phone's queue) is not stored twice: the stored one is returned."""
    if visit.household is not None:
        grid_id = visit.household.building.grid_id
    elif visit.unit is not None:
        grid_id = visit.unit.grid_id
    else:
        raise ValueError("A visit is of a household or a unit.")
    if not selectors.my_grids(user, selectors.MAKE_VISITS).filter(pk=grid_id).exists():
        raise PermissionDenied
    visit.grid_id, visit.visitor_id = grid_id, user.pk
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        stored = Visit.objects.filter(client_key=visit.client_key).first()
        if visit.client_key is None or stored is None:
            raise
        if stored.visitor_id != user.pk:
            raise PermissionDenied from None
        return stored
    return visit


def followed_up(visit: Visit, user: User) -> None:
    """The visitor says they followed the visit up."""
    if visit.visitor_id != user.pk:
        raise PermissionDenied
    if visit.followed_up_at is None:
        visit.followed_up_at = timezone.now()
        visit.save(update_fields=["followed_up_at"])
