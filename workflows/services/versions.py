"""Definitions and their published versions: freezing, checking, who may start."""

from django.contrib.auth.models import User as Account
from django.utils.translation import gettext as _

from forms.models import FormDefinition

from .. import conditions, countersign, effects, selectors
from ..models import (
    ProcessDefinition,
    ProcessVersion,
    Stage,
)


def definition_problems(definition: ProcessDefinition, forms_live: bool = True) -> list[str]:
    """What keeps a definition from being published: every rule in one place, for the admin,
    imports and tests. Without `forms_live`, its forms need not be published (a dry run uses
    their drafts)."""
    problems: list[str] = []
    stages: list[Stage] = list(definition.stages.all())
    if not stages:
        problems.append(_("A process needs at least one stage."))
    keys = [stage.key for stage in stages]
    for key in {k for k in keys if keys.count(k) > 1}:
        problems.append(_("Two stages have the key “%(key)s”.") % {"key": key})
    events = [channel.get_event_display() for channel in definition.channels.all()]
    for event in sorted({e for e in events if events.count(e) > 1}):
        problems.append(
            _("Two rows set how people hear that “%(notice)s”: keep one.") % {"notice": event}
        )
    if definition.starter == ProcessDefinition.Starter.ROLE and not definition.starter_role_id:
        problems.append(_("Choose the role whose holders may start the process."))
    labels = intake_labels(definition.intake_form)
    if definition.area_source in (
        ProcessDefinition.AreaSource.FIELD,
        ProcessDefinition.AreaSource.PLACE,
    ) and (definition.area_field not in labels):
        problems.append(
            _("The intake form has no field “%(label)s” to take the area from.")
            % {"label": definition.area_field}
        )
    if definition.area_source == ProcessDefinition.AreaSource.CHOSEN and not any(
        field.field_type == "area" and field.area_level == definition.area_level
        for field in definition.intake_form.fields.all()
    ):
        problems.append(
            _(
                "The intake form needs an area chooser of the process's level for applicants "
                "to choose."
            )
        )
    for index in range(len(stages)):
        problems.extend(stage_problems(definition, stages, index, labels))
    problems.extend(ladder_problems(definition, stages))
    problems.extend(countersigner_problems(definition, stages))
    if definition.reopen_stage and definition.reopen_stage not in keys:
        problems.append(_("A “not resolved” verdict must reopen the process at one of its stages."))
    if definition.reopen_stage and not definition.asks_verdict:
        problems.append(_("A process reopens on the applicant's verdict only if it asks for it."))
    readable = labels.union(
        *(intake_labels(stage.reviewer_form) for stage in stages if stage.reviewer_form)
    )
    for effect in definition.effects.all():
        problems.extend(effects.problems(effect, labels))
        where = _("Effect “%(effect)s”") % {"effect": effects.label(effect)}
        problems.extend(conditions.problems(effect, readable, where))
    unpublished = [form.title for form in forms_of(definition) if not form.live]
    if unpublished and forms_live:
        problems.append(
            _("Publish these forms first: %(forms)s.") % {"forms": ", ".join(unpublished)}
        )
    return problems


def stage_problems(
    definition: ProcessDefinition, stages: list[Stage], index: int, labels: set[str]
) -> list[str]:
    """What is wrong with the stage at `index`; `labels` are the intake form's."""
    return [
        message for _field, message in stage_problems_by_field(definition, stages, index, labels)
    ]


def stage_problems_by_field(
    definition: ProcessDefinition, stages: list[Stage], index: int, labels: set[str]
) -> list[tuple[str | None, str]]:
    """`stage_problems`, each with the stage's field it concerns (None: the stage as a whole),
    for the editor to show it there."""
    stage, earlier = stages[index], stages[:index]
    earlier_keys = [other.key for other in earlier]
    problems: list[tuple[str | None, str]] = []
    name = stage.name or stage.key
    if stage.actor == Stage.Actor.ROLE:
        if not stage.role_id or stage.role_level is None:
            problems.append(
                ("role", _("Stage “%(stage)s”: choose the role and its level.") % {"stage": name})
            )
        elif stage.role_level > definition.area_level:
            problems.append(
                (
                    "role_level",
                    _("Stage “%(stage)s”: the role's level is below the process's area.")
                    % {"stage": name},
                )
            )
    elif stage.actor == Stage.Actor.DEPARTMENT:
        if not stage.department_id:
            problems.append(
                ("department", _("Stage “%(stage)s”: choose the department.") % {"stage": name})
            )
    elif stage.actor == Stage.Actor.COUNTERSIGN:
        signers = [c for c in definition.countersigners.all() if c.stage == stage.key]
        problems.extend((None, problem) for problem in countersign.problems(stage, len(signers)))
    elif stage.actor == Stage.Actor.DISPATCHED:
        if not any(selectors.dispatches(other) for other in earlier):
            problems.append(
                (
                    "actor",
                    _(
                        "Stage “%(stage)s” is handled by whoever is dispatched, so an earlier "
                        "stage must dispatch."
                    )
                    % {"stage": name},
                )
            )
    elif stage.department_field not in labels:
        problems.append(
            (
                "department_field",
                _("Stage “%(stage)s”: the intake form has no field “%(label)s”.")
                % {"stage": name, "label": stage.department_field},
            )
        )
    if stage.allow_return and stage.return_to not in (selectors.APPLICANT, *earlier_keys):
        problems.append(
            (
                "return_to",
                _("Stage “%(stage)s”: returns must go to the applicant or to an earlier stage.")
                % {"stage": name},
            )
        )
    problems.extend(("dispatch_role", p) for p in dispatch_problems(definition, stages, index))
    if stage.approve_to and stage.approve_to not in (
        selectors.END,
        *(other.key for other in stages[index + 1 :]),
    ):
        problems.append(
            (
                "approve_to",
                _("Stage “%(stage)s”: approval must go to a later stage or to the end.")
                % {"stage": name},
            )
        )
    if stage.distinct_from and stage.distinct_from not in earlier_keys:
        problems.append(
            (
                "distinct_from",
                _("Stage “%(stage)s”: it can be kept apart only from an earlier stage.")
                % {"stage": name},
            )
        )
    readable = labels.union(
        *(intake_labels(other.reviewer_form) for other in earlier if other.reviewer_form)
    )
    where = _("Stage “%(stage)s”") % {"stage": name}
    problems.extend(("condition_field", p) for p in conditions.problems(stage, readable, where))
    if stage.escalation_role_id and stage.escalation_level is None:
        problems.append(
            (
                "escalation_level",
                _("Stage “%(stage)s”: choose the level of the escalation role.") % {"stage": name},
            )
        )
    return problems


def countersigner_problems(definition: ProcessDefinition, stages: list[Stage]) -> list[str]:
    countersigning = {s.key for s in stages if s.actor == Stage.Actor.COUNTERSIGN}
    problems = []
    for signer in definition.countersigners.all():
        if signer.stage not in countersigning:
            problems.append(
                _("A countersigner names “%(stage)s”, which is not a countersigned stage.")
                % {"stage": signer.stage}
            )
        by_role = signer.role_id is not None and signer.role_level is not None
        if by_role == bool(signer.department_id):
            problems.append(
                _("A countersigner of “%(stage)s” is either a role at a level or a department.")
                % {"stage": signer.stage}
            )
        elif by_role and signer.role_level > definition.area_level:
            problems.append(
                _("A countersigner of “%(stage)s” is at a level below the process's area.")
                % {"stage": signer.stage}
            )
    return problems


def ladder_problems(definition: ProcessDefinition, stages: list[Stage]) -> list[str]:
    problems = []
    ladder = list(definition.ladder.all())
    for stage in stages:
        if stage.escalation_reassigns and not (stage.deadline and ladder):
            problems.append(
                _(
                    "Stage “%(stage)s” is reassigned up the escalation ladder when overdue: give "
                    "it a deadline and the process a ladder."
                )
                % {"stage": stage.name or stage.key}
            )
    if any(rung.role_level > definition.area_level for rung in ladder):
        problems.append(
            _("Every rung of the escalation ladder must be at or above the process's area.")
        )
    levels = [rung.role_level for rung in ladder]
    if len(set(levels)) < len(levels):
        problems.append(_("The escalation ladder has one rung per level."))
    return problems


def dispatch_problems(definition: ProcessDefinition, stages: list[Stage], index: int) -> list[str]:
    stage = stages[index]
    name = stage.name or stage.key
    if (stage.dispatch_role_id is None) != (stage.dispatch_level is None):
        return [
            _("Stage “%(stage)s”: choose both the role and the level it dispatches to.")
            % {"stage": name}
        ]
    problems = []
    if stage.dispatch_level is not None and stage.dispatch_level < definition.area_level:
        problems.append(
            _("Stage “%(stage)s”: it dispatches to a level above the process's area.")
            % {"stage": name}
        )
    later = stages[index + 1 :]
    if selectors.dispatches(stage) and not any(
        other.actor == Stage.Actor.DISPATCHED for other in later
    ):
        problems.append(
            _(
                "Stage “%(stage)s” dispatches, but no later stage is handled by whoever is "
                "dispatched."
            )
            % {"stage": name}
        )
    return problems


def intake_labels(form: FormDefinition) -> set[str]:
    return {field.label for field in form.fields.all()}


def forms_of(definition: ProcessDefinition) -> list[FormDefinition]:
    forms = [definition.intake_form]
    forms.extend(stage.reviewer_form for stage in definition.stages.all() if stage.reviewer_form_id)
    return forms


def freeze_version(definition: ProcessDefinition, user: Account | None) -> ProcessVersion:
    """Publishing freezes a version: the definition's live revision and the live revisions of
    its forms (checked live by `definition_problems`). Called when Wagtail publishes."""
    last = definition.versions.order_by("-number").values_list("number", flat=True).first()
    return ProcessVersion.objects.create(
        definition=definition,
        number=(last or 0) + 1,
        revision_id=definition.live_revision_id,
        form_revisions={str(form.pk): form.live_revision_id for form in forms_of(definition)},
        published_by=user if user is not None and user.is_authenticated else None,
    )
