"""The library of completion effects a definition picks from: a registry the engine fills with
its generic effects (notify people, start a follow-up process) and other apps with theirs. Each
effect reads its inputs from the intake answers named in its field mapping."""

import datetime
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forms import selectors as form_selectors
from forms import services as form_services
from grid.validators import code_at_level

from . import selectors, services
from .models import Effect, ProcessEvent, ProcessInstance

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EffectKind:
    label: str | Promise
    inputs: tuple[str, ...]
    optional: tuple[str, ...]
    # Returns the note for staff and, optionally, a message for the applicant.
    run: Callable[[Effect, ProcessInstance, dict], tuple[str, str]]
    needs_role: bool = False
    needs_followup: bool = False
    # What the designer reads for each input, in the mapping's rows and in its problems.
    input_labels: Mapping[str, str | Promise] = field(default_factory=dict)

    def input_label(self, key: str) -> str:
        return str(self.input_labels.get(key, key))

    def input_rows(self) -> list[tuple[str, str, bool]]:
        """(input, its label, required) for the mapping's rows."""
        return [(key, self.input_label(key), True) for key in self.inputs] + [
            (key, self.input_label(key), False) for key in self.optional
        ]


def answers_for(effect: Effect, process: ProcessInstance) -> dict[str, object]:
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


def notify_people(effect: Effect, process: ProcessInstance, values: dict) -> tuple[str, str]:
    def message(code: str) -> str:
        return (effect.message or _("{process} {code}: {outcome}")).format(
            code=code,
            process=process.version.definition.name,
            area=process.area.name,
            outcome=process.get_outcome_display(),
        )

    count = 0
    if effect.role_id:
        # Staff read the public number where the message says {code}: the reference code is
        # the applicant's key alone.
        area_code = code_at_level(process.area.code, effect.role_level)
        users = [a.user for a in selectors.holders(effect.role.key, area_code)]
        services.notify(users, message(process.number), services.process_url(process), process)
        count += len(users)
    if effect.notify_applicant:
        services.notify_applicant(process, message(process.reference))
        count += 1
    return _("Notified %(n)d people.") % {"n": count}, ""


def start_followup(effect: Effect, process: ProcessInstance, values: dict) -> tuple[str, str]:
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
    return _("Follow-up %(code)s started.") % {"code": followup.reference}, ""


# Filled by the apps that own an effect (the engine's own two below; community services add
# theirs from their AppConfig.ready()), so that the engine names no process of its own.
EFFECTS: dict[str, EffectKind] = {
    "notify": EffectKind(gettext_lazy("Notify people"), (), (), notify_people),
    "start_followup": EffectKind(
        gettext_lazy("Start a follow-up process"), (), (), start_followup, needs_followup=True
    ),
}


def register(key: str, kind: EffectKind) -> None:
    """Offer an effect to every definition under `key` (the name definition files use)."""
    EFFECTS[key] = kind


def choices() -> list[tuple[str, str | Promise]]:
    return [(key, kind.label) for key, kind in EFFECTS.items()]


def mapping_rows() -> dict[str, list[tuple[str, str, bool]]]:
    """Every effect's inputs, for the editor's mapping rows."""
    return {key: kind.input_rows() for key, kind in EFFECTS.items()}


def label(effect: Effect) -> str:
    kind = EFFECTS.get(effect.kind)
    return str(kind.label) if kind is not None else effect.kind


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
                % {"effect": label, "input": kind.input_label(key)}
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


def run(effect: Effect, process: ProcessInstance) -> None:
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
