"""A dry run: the process as it stands in the editor (its latest draft and its forms' latest
drafts) run through the real engine with the admin's answers to its intake form, in the
registry's real areas, each decision the admin picks taken by someone the task is offered to —
inside a transaction that is always rolled back. It shows who each task goes to and where each
decision leads, and leaves no row behind; notices are sent only after a commit, so none is.
Uploads are left out (nothing is written to storage)."""

import dataclasses
from collections.abc import Mapping

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from forms import services as form_services
from forms.builder import SubmissionForm
from grid.models import Assignment, Department

from . import selectors, services
from .models import ProcessDefinition, ProcessInstance, ProcessVersion, StageTask
from .services.notifications import task_people
from .services.outcomes import REFER, StartRefused

# The applicant sends the returned application again, as it was.
RESEND = "resend"
# The department a stage referred to answers.
ANSWER = "answer"


@dataclasses.dataclass
class Step:
    stage: str
    people: list[str]
    outcome: str = ""
    by: str = ""


@dataclasses.dataclass
class Run:
    problems: list[str] = dataclasses.field(default_factory=list)
    area: str = ""
    steps: list[Step] = dataclasses.field(default_factory=list)
    # What may be decided at the open step; empty once the run has ended.
    outcomes: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    result: str = ""


def intake_form(definition: ProcessDefinition, data: Mapping | None) -> SubmissionForm:
    """The intake form as the draft has it, uploads left out."""
    intake = definition.get_latest_revision_as_object().intake_form
    form = form_services.build_form(intake.get_latest_revision_as_object(), data)
    for name in [name for name, field in form.fields.items() if isinstance(field, forms.FileField)]:
        del form.fields[name]
    return form


def sandbox_version(definition: ProcessDefinition, user: AbstractBaseUser) -> ProcessVersion:
    draft = definition.get_latest_revision_as_object()
    revision = definition.get_latest_revision() or definition.save_revision(user=user)
    forms_used = services.forms_of(draft)
    for form in forms_used:
        if form.get_latest_revision() is None:
            form.save_revision(user=user)
    number = definition.versions.aggregate(last=Max("number"))["last"] or 0
    return ProcessVersion.objects.create(
        definition=definition,
        number=number + 1,
        revision=revision,
        form_revisions={str(form.pk): form.get_latest_revision().pk for form in forms_used},
        published_by=user,
    )


def starter(definition: ProcessDefinition, user: AbstractBaseUser):
    """Who applies in the run: anyone, as a resident would; the admin running it where an
    account is needed; a holder of the starting role where a role is."""
    if definition.starter == ProcessDefinition.Starter.ANYONE:
        return AnonymousUser()
    if definition.starter == ProcessDefinition.Starter.ROLE:
        holder = (
            Assignment.objects.filter(role_id=definition.starter_role_id, user__is_active=True)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if holder is None:
            raise PermissionDenied(_("Nobody holds the role that starts this process."))
        return holder.user
    return user


def open_tasks(process: ProcessInstance) -> list[StageTask]:
    return list(
        StageTask.objects.filter(
            process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
        ).order_by("pk")
    )


def name_of(user) -> str:
    return (user.get_full_name() or user.get_username()) if user.is_authenticated else ""


def referred_department() -> Department:
    """Where a referral goes in a run: the first department with a clerk to answer."""
    department = (
        Department.objects.filter(assignments__isnull=False).distinct().order_by("pk").first()
    )
    if department is None:
        raise PermissionDenied(_("No department has a clerk to refer to."))
    return department


def take(task: StageTask, process: ProcessInstance, outcome: str) -> str:
    """Decide `outcome` as the first person offered the task who may act on it; their name."""
    stage = selectors.active_stage(process)
    department = referred_department() if outcome == REFER else None
    dispatch_to = None
    if selectors.dispatches(stage):
        offered = selectors.dispatch_choices(process, stage)
        if offered:
            value = offered[0][0]
            model = Assignment if value.startswith("a") else Department
            dispatch_to = model.objects.get(pk=value[1:])
    for person in task_people(task):
        if selectors.separation_refusal(person, task):
            continue
        decision = services.Decision(outcome, department=department, dispatch_to=dispatch_to)
        services.decide(task, person, decision)
        return name_of(person)
    raise PermissionDenied(_("Nobody offered this task may act on it."))


def run(
    definition: ProcessDefinition,
    data: Mapping,
    decisions: list[str],
    user: AbstractBaseUser,
) -> tuple[Run, SubmissionForm]:
    """Run the draft with the intake answers `data`, taking `decisions` in turn; everything it
    wrote is rolled back before this returns."""
    form = intake_form(definition, data)
    result = Run()
    if not form.is_valid():
        return result, form
    draft = definition.get_latest_revision_as_object()
    result.problems = services.definition_problems(draft, forms_live=False)
    if result.problems:
        return result, form
    with transaction.atomic():
        try:
            sandbox(definition, form, decisions, user, result)
        except (StartRefused, PermissionDenied, ValidationError) as refusal:
            result.problems = [" ".join(getattr(refusal, "messages", [str(refusal)]))]
        transaction.set_rollback(True)
    return result, form


def sandbox(
    definition: ProcessDefinition,
    form: SubmissionForm,
    decisions: list[str],
    user: AbstractBaseUser,
    result: Run,
) -> None:
    version = sandbox_version(definition, user)
    snapshot = selectors.snapshot(version)
    applicant = starter(snapshot.definition, user)
    submission = form_services.store_submission(form, user=applicant)
    process = services.start_process(version, submission, applicant)
    result.area = process.area.name
    pending = list(decisions)
    while True:
        process.refresh_from_db()
        tasks = open_tasks(process)
        if not tasks:
            result.result = str(process.get_outcome_display())
            return
        kinds = {task.flow_task.name for task in tasks}
        if process.flow_class.answer.name in kinds:
            clerks = task_people(tasks[0])
            step = Step(
                _("%(department)s answers") % {"department": process.referred_to.name},
                sorted({name_of(clerk) for clerk in clerks}),
            )
            result.steps.append(step)
            if not pending:
                result.outcomes = [(ANSWER, _("Answer"))]
                return
            pending.pop(0)
            services.answer_referral(tasks[0], clerks[0], _("Answered in a dry run."))
            step.outcome, step.by = _("answered"), name_of(clerks[0])
            continue
        if process.flow_class.revise.name in kinds:
            step = Step(_("The applicant revises"), [_("the applicant")])
            result.steps.append(step)
            if not pending:
                result.outcomes = [(RESEND, _("Send it again as it was"))]
                return
            pending.pop(0)
            again = intake_form(definition, form.data)
            again.is_valid()
            services.resubmit(process, again)
            step.outcome = _("sent again")
            continue
        step = Step(
            tasks[0].stage_name,
            sorted({name_of(person) for task in tasks for person in task_people(task)}),
        )
        result.steps.append(step)
        stage = selectors.active_stage(process)
        if not pending:
            result.outcomes = services.allowed_outcomes(stage)
            return
        outcome = pending.pop(0)
        step.outcome = dict(services.allowed_outcomes(stage)).get(outcome, outcome)
        step.by = ", ".join(take(task, process, outcome) for task in tasks)
