"""Starting a process from a stored submission."""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from viewflow.workflow.activation import Activation

from forms.builder import SubmissionForm, json_value
from forms.models import Submission
from grid import bulk
from grid import selectors as grid_selectors
from grid.models import Area
from grid.validators import code_at_level, code_length

from .. import selectors
from ..models import (
    ProcessDefinition,
    ProcessEvent,
    ProcessInstance,
    ProcessVersion,
)
from .outcomes import StartRefused, User


def may_start(definition: ProcessDefinition, user: User) -> bool:
    if definition.starter == ProcessDefinition.Starter.ANYONE:
        return True
    if not user.is_authenticated:
        return False
    if definition.starter == ProcessDefinition.Starter.SIGNED_IN or user.is_superuser:
        return True
    return user.assignments.filter(role_id=definition.starter_role_id).exists()


def resolve_area(snapshot: selectors.VersionSnapshot, submission: Submission, user: User) -> Area:
    definition = snapshot.definition
    level_length = code_length(definition.area_level)
    if definition.area_source == ProcessDefinition.AreaSource.APPLICANT:
        codes = (
            user.assignments.filter(area__isnull=False).values_list("area__code", flat=True)
            if user.is_authenticated
            else []
        )
        code = next((c[:level_length] for c in codes if len(c) >= level_length), None)
    elif definition.area_source == ProcessDefinition.AreaSource.CHOSEN:
        code = next(
            (
                value["code"]
                for value in submission.form_data.values()
                if isinstance(value, dict) and len(value.get("code", "")) == level_length
            ),
            None,
        )
    elif definition.area_source == ProcessDefinition.AreaSource.PLACE:
        value = selectors.answer_by_label(submission, definition.area_field)
        code = place_code(definition, value.get("code", "") if isinstance(value, dict) else value)
    else:
        value = selectors.answer_by_label(submission, definition.area_field)
        text = value.get("code", "") if isinstance(value, dict) else str(value or "").strip()
        area = Area.objects.filter(level=definition.area_level).filter(code=text).first() or (
            Area.objects.filter(level=definition.area_level, name=text).first()
        )
        code = area.code if area else None
    area = selectors.area_for_code(code) if code else None
    if area is None:
        raise StartRefused(_("The process could not find its area from this submission."))
    return area


def place_code(definition: ProcessDefinition, value: object) -> str:
    """The code of the area at the process's level where the place given happens; refused with
    the reason when it names no place, several, or one too coarse for the process's level."""
    text = str(value or "").strip()
    found = grid_selectors.areas_at_place(text) if text else []
    if not found:
        raise StartRefused(
            _("“%(place)s” is not a place we serve: give the building's address, or the point.")
            % {"place": text}
        )
    if len(found) > 1:
        raise StartRefused(
            _("“%(place)s” matches several places (%(places)s): give a more precise address.")
            % {"place": text, "places": "、".join(place_name(area) for area in found)}
        )
    if found[0].level < definition.area_level:
        raise StartRefused(
            _("“%(place)s” is a whole %(level)s: give the building's address, or the point.")
            % {"place": text, "level": found[0].get_level_display()}
        )
    return code_at_level(found[0].code, definition.area_level)


def place_name(area: Area) -> str:
    return f"{area.parent.name}{area.name}" if area.parent is not None else area.name


def draft_of(form: SubmissionForm) -> Submission:
    """The submission a valid form would store, unsaved: to find its area before storing."""
    answered = form.answered()
    return Submission(
        form_data={spec.name: json_value(value) for spec, value in answered},
        fields_snapshot=[[s.name, s.label, s.type, s.personal] for s, _value in answered],
    )


def start_problems(definition: ProcessDefinition, form: SubmissionForm, user: User) -> list[str]:
    """Why a valid intake form could not start the process, before anything is stored."""
    version = selectors.open_version(definition)
    if version is None:
        return [_("This process is not open yet.")]
    snapshot = selectors.snapshot(version)
    if not may_start(snapshot.definition, user):
        return [_("Only some users may start this process: sign in with the right account.")]
    try:
        resolve_area(snapshot, draft_of(form), user)
    except StartRefused as refusal:
        return [str(refusal)]
    return []


def start_process(
    version: ProcessVersion, submission: Submission, user: User | None = None
) -> ProcessInstance:
    """Start a process of `version` from a stored intake submission."""
    # The flow is built from this package's callbacks, so it is imported when first needed.
    from ..flows import GenericFlow

    user = user or AnonymousUser()
    snapshot = selectors.snapshot(version)
    if not may_start(snapshot.definition, user):
        raise StartRefused(_("You may not start this process."))
    area = resolve_area(snapshot, submission, user)
    # The start node's transaction writes the history's first entry too (`record_start`).
    return GenericFlow.start.run(version=version, submission=submission, user=user, area=area)


def record_start(process: ProcessInstance) -> None:
    """Once the new process has its key, in the transaction that starts it: its intake is
    scoped to it and its history opens, so a process never lacks its first entry."""
    scope_to_process(process.submission, process)
    bulk.insert_objects([ProcessEvent(process=process, kind=ProcessEvent.Kind.SUBMITTED)])


def scope_to_process(submission: Submission, process: ProcessInstance) -> None:
    """A process's submissions (intake, revisions, reviewers' answers) are readable only within
    the process's jurisdiction, whether or not their form had an area field."""
    if submission.area_id != process.area_id or not submission.is_scoped:
        submission.area, submission.is_scoped = process.area, True
        submission.save(update_fields=["area", "is_scoped"])


def fill_new_process(
    activation: Activation,
    *,
    version: ProcessVersion,
    submission: Submission,
    user: User,
    area: Area,
) -> ProcessInstance:
    """The flow's start node: the process row Viewflow is about to save."""
    process = activation.process
    process.version = version
    process.submission = submission
    process.area = area
    process.applicant = user if user.is_authenticated else None
    process.stage_index = selectors.snapshot(version).first_applicable(
        0, lambda: selectors.labelled(submission)
    )
    return process


def start_for_submission(submission: Submission) -> ProcessInstance | None:
    """Start the process attached to the page a submission came from, once. Safe to call
    again: a submission that already started its process returns that process."""
    existing = ProcessInstance.objects.filter(submission=submission).first()
    if existing or submission.page_id is None:
        return existing
    page = submission.page.specific
    definition = getattr(page, "process", None)
    if definition is None:
        return None
    version = selectors.open_version(definition)
    if version is None:
        raise StartRefused(_("The process attached to this form has not been published."))
    return start_process(version, submission, submission.user or AnonymousUser())
