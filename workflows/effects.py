"""The generic library of completion effects a definition picks from. Each effect reads its
inputs from the intake answers named in its field mapping; none is written for one department
or one process."""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forms import selectors as form_selectors
from forms import services as form_services
from grid.masking import mask_email
from grid.models import Area, Assignment, Role, Volunteer
from grid.validators import code_length
from pages import services as page_services

from . import accounts, selectors, services
from .models import Effect, ProcessEvent, WorkflowProcess

logger = logging.getLogger(__name__)
VOLUNTEER_ROLE = "volunteer"


@dataclass(frozen=True)
class EffectKind:
    label: str
    inputs: tuple[str, ...]
    optional: tuple[str, ...]
    # Returns the note for staff and, optionally, a message for the applicant.
    run: Callable[[Effect, WorkflowProcess, dict], tuple[str, str]]
    needs_role: bool = False
    needs_followup: bool = False


def answers_for(effect: Effect, process: WorkflowProcess) -> dict[str, object]:
    """The effect's inputs: each mapped intake field's answer in the applicant's latest version."""
    intake = selectors.current_intake(process)
    return {
        key: selectors.answer_by_label(intake, label) for key, label in effect.field_map.items()
    }


def as_text(value: object) -> str:
    """An answer as text; several ticked choices are listed."""
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return str(value or "")


def as_date(value: object) -> datetime.date:
    return datetime.date.fromisoformat(str(value)[:10])


def communities_named(process: WorkflowProcess, value: object) -> list[Area]:
    """Communities within the process's area named by an answer (names or codes); all of them
    when the answer is empty."""
    within = Area.objects.within(process.area).filter(level=Area.Level.COMMUNITY)
    names = value if isinstance(value, list) else [value] if value else []
    names = [n.get("code") if isinstance(n, dict) else str(n).strip() for n in names]
    if not names:
        return list(within)
    return list(within.filter(code__in=names) | within.filter(name__in=names))


def publish_access_entry(effect: Effect, process: WorkflowProcess, values: dict) -> str:
    department = selectors.department_named(values["department"])
    if department is None:
        raise ValueError(_("no known department in the answers"))
    communities = communities_named(process, values.get("communities"))
    for community in communities:
        page_services.publish_access_entry(
            community=community,
            department=department,
            content=str(values["content"])[:300],
            starts_on=as_date(values["starts_on"]),
            ends_on=as_date(values["ends_on"]),
            reference=f"{process.tracking_code}/{community.code}",
        )
    return _("Published on the access list of %(n)d communities.") % {"n": len(communities)}, ""


def activate_volunteer(effect: Effect, process: WorkflowProcess, values: dict) -> str:
    """A volunteer profile in the community (and grid) and the volunteer role. Filed while
    signed in, it goes to that account and no other. Filed anonymously, it gets a new account of
    its own (never one found by the phone given: anyone can type a phone), which only the person
    who controls the e-mail address given can open, through a one-time link sent there."""
    community_code = process.area.code[: code_length(Area.Level.COMMUNITY)]
    community = Area.objects.get(code=community_code)
    grid_value = values.get("grid")
    grid = None
    if isinstance(grid_value, dict):
        grid = Area.objects.filter(code=grid_value.get("code"), parent=community).first()
    name, phone, email = str(values["name"]), str(values["phone"]), str(values.get("email") or "")
    user = process.applicant
    if user is None:
        if not email:
            raise ValueError(_("no e-mail address to send the sign-in link to"))
        user = accounts.open_account(username=phone, name=name, email=email)
    volunteer = Volunteer.objects.filter(user=user).first() or Volunteer(user=user)
    profile = {
        "community": community,
        "grid": grid,
        "name": name,
        "phone": phone,
        "id_number": values.get("id_number") or None,
        "skills": as_text(values.get("skills")),
        "availability": as_text(values.get("availability")),
        "active": True,
    }
    for field, value in profile.items():
        setattr(volunteer, field, value)
    # Before saving: an ID number already registered is refused with a message staff can read.
    volunteer.full_clean()
    volunteer.save()
    role = Role.objects.get(key=VOLUNTEER_ROLE)
    Assignment.objects.get_or_create(user=user, role=role, area=community)
    if process.applicant_id:
        text = _("Your volunteer profile is on your account: sign in as usual.")
    else:
        accounts.send_set_password_link(user, process.submission, community.name)
        text = _(
            "Your volunteer account is ready. A link to set its password was sent to %(address)s."
        ) % {"address": mask_email(email)}
    services.notify_applicant(process, text)
    note = _("Volunteer %(name)s activated in %(community)s.") % {
        "name": volunteer.name,
        "community": community.name,
    }
    return note, text


def notify_people(effect: Effect, process: WorkflowProcess, values: dict) -> str:
    def message(code: str) -> str:
        return (effect.message or _("{process} {code}: {outcome}")).format(
            code=code,
            process=process.version.definition.name,
            area=process.area.name,
            outcome=process.get_outcome_display(),
        )

    count = 0
    if effect.role_id:
        # Staff read the public number where the message says {code}: the tracking code is
        # the applicant's key alone.
        area_code = selectors.code_at_level(process.area.code, effect.role_level)
        users = [a.user for a in selectors.holders(effect.role.key, area_code)]
        services.notify(users, message(process.number), services.process_url(process), process)
        count += len(users)
    if effect.notify_applicant:
        services.notify_applicant(process, message(process.tracking_code))
        count += 1
    return _("Notified %(n)d people.") % {"n": count}, ""


def start_followup(effect: Effect, process: WorkflowProcess, values: dict) -> str:
    """Start another published process with the answers whose labels its intake form shares."""
    version = selectors.latest_version(effect.followup)
    if version is None:
        raise ValueError(_("the follow-up process is not published"))
    intake = selectors.current_intake(process)
    snapshot = selectors.snapshot(version)
    # A sealed sender stays sealed: who they are goes along only under the same seal.
    sealed = intake.definition.is_sealed and (
        intake.definition.identity_role_id,
        intake.definition.identity_level,
    ) != (snapshot.intake_form.identity_role_id, snapshot.intake_form.identity_level)
    withheld = (
        {a.label for a in form_selectors.answers(intake) if a.is_personal} if sealed else set()
    )
    data = {
        field.clean_name: selectors.answer_by_label(intake, field.label)
        for field in snapshot.intake_form.fields.all()
        if field.label not in withheld
    }
    data = {
        k: (v.get("code") if isinstance(v, dict) else v) for k, v in data.items() if v is not None
    }
    form = form_services.validate(snapshot.intake_form, data)
    if not form.is_valid():
        raise ValueError(_("the answers do not fit the follow-up's form"))
    submission = form_services.store_submission(form, user=process.applicant)
    followup = services.start_process(version, submission, process.applicant)
    return _("Follow-up %(code)s started.") % {"code": followup.tracking_code}, ""


EFFECTS: dict[str, EffectKind] = {
    "publish_access_entry": EffectKind(
        gettext_lazy("Publish on the community work access list"),
        ("department", "content", "starts_on", "ends_on"),
        ("communities",),
        publish_access_entry,
    ),
    "activate_volunteer": EffectKind(
        gettext_lazy("Activate a volunteer"),
        ("name", "phone"),
        ("id_number", "email", "grid", "skills", "availability"),
        activate_volunteer,
    ),
    "notify": EffectKind(gettext_lazy("Notify people"), (), (), notify_people),
    "start_followup": EffectKind(
        gettext_lazy("Start a follow-up process"), (), (), start_followup, needs_followup=True
    ),
}


def choices() -> list[tuple[str, str]]:
    return [(key, kind.label) for key, kind in EFFECTS.items()]


def problems(effect: Effect, labels: set[str]) -> list[str]:
    kind = EFFECTS.get(effect.kind)
    if kind is None:
        return [_("Unknown effect “%(kind)s”.") % {"kind": effect.kind}]
    label = str(kind.label)
    found = []
    mapping = effect.field_map or {}
    for key in kind.inputs:
        if key not in mapping:
            found.append(
                _("%(effect)s: map the input “%(input)s” to an intake field.")
                % {"effect": label, "input": key}
            )
    for key, field_label in mapping.items():
        if key not in (*kind.inputs, *kind.optional):
            found.append(
                _("%(effect)s has no input “%(input)s”.") % {"effect": label, "input": key}
            )
        elif field_label not in labels:
            found.append(
                _("%(effect)s: the intake form has no field “%(label)s”.")
                % {"effect": label, "label": field_label}
            )
    if effect.kind == "notify" and not effect.role_id and not effect.notify_applicant:
        found.append(_("%(effect)s: choose a role, the applicant, or both.") % {"effect": label})
    if effect.kind == "notify" and effect.role_id and effect.role_level is None:
        found.append(_("%(effect)s: choose the level of the role.") % {"effect": label})
    if kind.needs_followup and not effect.followup_id:
        found.append(_("%(effect)s: choose the follow-up process.") % {"effect": label})
    return found


def run(effect: Effect, process: WorkflowProcess) -> None:
    """Run one effect; a failure is recorded in the history, never left to stop the process."""
    kind = EFFECTS[effect.kind]
    public = ""
    held = getattr(process, "held_applicant_notices", [])
    told = len(held)
    try:
        with transaction.atomic():
            note, public = kind.run(effect, process, answers_for(effect, process))
    except Exception as error:
        logger.exception("effect %s failed for process %s", effect.kind, process.pk)
        note = _("%(effect)s failed: %(error)s") % {"effect": kind.label, "error": error}
        del held[told:]  # rolled back with the effect: the applicant is not told of it
    ProcessEvent.objects.create(
        process=process,
        kind=ProcessEvent.Kind.EFFECT,
        stage_name=str(kind.label),
        comment=note,
        public_message=public,
    )
