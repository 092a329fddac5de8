"""Starting, recording and finishing an inspection round; the views and the admin call these."""

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grid.models import Area

from . import selectors
from .models import Checklist, Finding, FindingPhoto, Inspection

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
) -> None:
    """Keep what the worker said of each finding (keyed by the finding's primary key) and, when
    `finish`, close the round. Only its inspector changes a round, and only while it is open."""
    if inspection.inspector_id != user.pk:
        raise PermissionDenied
    if inspection.finished:
        raise InspectionRefused(_("This round is finished: it can no longer be changed."))
    findings = {finding.pk: finding for finding in inspection.findings.all()}
    with transaction.atomic():
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
