"""Task views run inside Viewflow's own frontend (mounted at /workflow/), the task list, the
applicant's public tracking page, and the notification list."""

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import generic
from viewflow.workflow.flow.views import mixins
from viewflow.workflow.status import PROCESS, STATUS

from forms import services as form_services
from forms.downloads import download
from forms.models import SubmissionFile
from grid import clients
from grid.models import Department

from . import process_list, selectors, services, task_list
from .models import Notification, StageTask


class DecisionForm(django_forms.Form):
    """What a reviewer decides at a stage; the outcomes offered are the stage's."""

    outcome = django_forms.ChoiceField(
        label=gettext_lazy("Decision"), widget=django_forms.RadioSelect
    )
    department = django_forms.ModelChoiceField(
        label=gettext_lazy("Refer to"),
        queryset=Department.objects.all(),
        required=False,
        help_text=gettext_lazy("Only when referring: the department that must answer."),
    )
    dispatch = django_forms.ChoiceField(
        label=gettext_lazy("Dispatch to"),
        required=False,
        help_text=gettext_lazy("When approving: who handles the next stage."),
    )
    public_message = django_forms.CharField(
        label=gettext_lazy("Message to the applicant"),
        required=False,
        max_length=2000,
        widget=django_forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown on the tracking page. Required when returning or rejecting."),
    )
    comment = django_forms.CharField(
        label=gettext_lazy("Internal note"),
        required=False,
        max_length=2000,
        widget=django_forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept in the history for staff; never shown to the applicant."),
    )

    prefix = "decision"

    def __init__(
        self,
        *args,
        outcomes: list[tuple[str, str]],
        dispatch_choices: list[tuple[str, str]] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = outcomes
        if services.REFER not in dict(outcomes):
            del self.fields["department"]
        if dispatch_choices is None:
            del self.fields["dispatch"]
        else:
            self.fields["dispatch"].choices = [("", "---------"), *dispatch_choices]

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if outcome == services.REFER and not cleaned.get("department"):
            self.add_error("department", _("Choose the department that must answer."))
        if (
            outcome == services.APPROVE
            and "dispatch" in self.fields
            and not cleaned.get("dispatch")
        ):
            self.add_error("dispatch", _("Choose whom to dispatch it to."))
        speaks = "public_message" in self.fields
        if (
            outcome in (services.RETURN, services.REJECT)
            and speaks
            and not cleaned.get("public_message")
        ):
            self.add_error(
                "public_message", _("Tell the applicant why, in a message they will see.")
            )
        return cleaned


class AnswerForm(django_forms.Form):
    answer = django_forms.CharField(
        label=gettext_lazy("Your department's answer"),
        max_length=5000,
        widget=django_forms.Textarea(attrs={"rows": 6}),
    )


class TaskPageMixin(
    mixins.SuccessMessageMixin, mixins.TaskSuccessUrlMixin, mixins.TaskViewTemplateNames
):
    template_filename = "task.html"
    success_message = gettext_lazy("Task {task} has been completed.")


class ReviewView(TaskPageMixin, generic.FormView):
    """A stage's task: the reviewer's form, if the stage has one, and the decision."""

    form_class = DecisionForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        process = request.activation.process
        self.stage = selectors.current_stage(process)
        self.reviewer_definition = selectors.snapshot(process.version).reviewer_form(self.stage)

    def get_form_kwargs(self):
        process = self.request.activation.process
        return {
            **super().get_form_kwargs(),
            "outcomes": services.allowed_outcomes(self.stage),
            "dispatch_choices": (
                selectors.dispatch_choices(process, self.stage)
                if selectors.dispatches(self.stage)
                else None
            ),
        }

    def reviewer_form(self):
        if self.reviewer_definition is None:
            return None
        if self.request.method == "POST":
            return form_services.validate(
                self.reviewer_definition, self.request.POST, self.request.FILES
            )
        return form_services.build_form(self.reviewer_definition)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("reviewer_form", self.reviewer_form())
        return super().get_context_data(stage=self.stage, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        self.answers = self.reviewer_form()
        approving = form.data.get("decision-outcome") == services.APPROVE
        # The reviewer's form must be complete to approve; other outcomes may leave it empty.
        answers_ok = self.answers is None or self.answers.is_valid() or not approving
        if form.is_valid() and answers_ok:
            return self.form_valid(form)
        return self.render_to_response(self.get_context_data(form=form, reviewer_form=self.answers))

    def form_valid(self, form):
        decision = services.Decision(
            outcome=form.cleaned_data["outcome"],
            comment=form.cleaned_data["comment"],
            public_message=form.cleaned_data["public_message"],
            department=form.cleaned_data.get("department"),
            answers=self.answers if self.answers is not None and self.answers.is_valid() else None,
            dispatch_to=selectors.dispatch_target(form.cleaned_data.get("dispatch", "")),
        )
        services.record_decision(self.request.activation, self.request.user, decision)
        self.request.activation.execute()
        return super().form_valid(form)


class SignView(ReviewView):
    """A countersigner's task: the stage's reviewer form, if any, and approve or reject. The
    stage's rule settles it once enough have signed; what the applicant is told comes then."""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        return {**kwargs, "outcomes": services.sign_outcomes(self.stage), "dispatch_choices": None}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        del form.fields["public_message"]
        return form

    def form_valid(self, form):
        decision = services.Decision(
            outcome=form.cleaned_data["outcome"],
            comment=form.cleaned_data["comment"],
            answers=self.answers if self.answers is not None and self.answers.is_valid() else None,
        )
        services.record_vote(self.request.activation, self.request.user, decision)
        self.request.activation.execute()
        return super(ReviewView, self).form_valid(form)


class AnswerView(TaskPageMixin, generic.FormView):
    """A referred department answers; the process goes back to the stage that referred it."""

    form_class = AnswerForm

    def form_valid(self, form):
        services.record_answer(
            self.request.activation, self.request.user, form.cleaned_data["answer"]
        )
        self.request.activation.execute()
        return super().form_valid(form)


class RevisionView(generic.View):
    """Revisions are made by the applicant on the tracking page, not in the inbox."""

    def dispatch(self, request, *args, **kwargs):
        process = request.activation.process
        return redirect("workflows:track", code=process.reference)


# --- Public tracking ----------------------------------------------------------------------


class TrackForm(django_forms.Form):
    code = django_forms.CharField(label=gettext_lazy("Reference code"), max_length=20)


class WithdrawForm(django_forms.Form):
    """The applicant withdraws an application still being handled."""

    reason = django_forms.CharField(
        label=gettext_lazy("Why (optional)"),
        required=False,
        max_length=500,
        widget=django_forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Read by the staff who were handling it."),
    )
    confirm = django_forms.BooleanField(
        label=gettext_lazy("I withdraw this application: it will not be handled any further."),
        error_messages={"required": gettext_lazy("Tick the box to confirm the withdrawal.")},
    )

    prefix = "withdraw"


class VerdictForm(django_forms.Form):
    """The applicant's verdict on a completed application."""

    resolved = django_forms.TypedChoiceField(
        label=gettext_lazy("Was your problem resolved?"),
        choices=[("yes", gettext_lazy("Yes, resolved")), ("no", gettext_lazy("No, not resolved"))],
        coerce=lambda value: value == "yes",
        widget=django_forms.RadioSelect,
    )
    satisfaction = django_forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you with how it was handled?"),
        choices=[
            (5, gettext_lazy("5 — very satisfied")),
            (4, gettext_lazy("4 — satisfied")),
            (3, gettext_lazy("3 — neither")),
            (2, gettext_lazy("2 — dissatisfied")),
            (1, gettext_lazy("1 — very dissatisfied")),
        ],
        coerce=int,
        widget=django_forms.RadioSelect,
    )
    comment = django_forms.CharField(
        label=gettext_lazy("Anything you want to add"),
        required=False,
        max_length=500,
        widget=django_forms.Textarea(attrs={"rows": 3}),
    )

    prefix = "verdict"


def track_lookup(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    if form.is_valid():
        return redirect("workflows:track", code=form.cleaned_data["code"].strip().upper())
    return render(request, "workflows/track_lookup.html", {"form": form})


def track(request: HttpRequest, code: str) -> HttpResponse:
    """An applicant, even anonymous, follows their application with its code: status and public
    messages, never reviewers' names or internal notes. A returned application is revised here."""
    from forms.models import Submission

    limit, window = settings.TRACK_RATE_LIMIT_COUNT, settings.TRACK_RATE_LIMIT_WINDOW
    if not clients.allow("track", clients.client_address(request), limit, window):
        form = TrackForm({"code": code})
        form.is_valid()
        form.add_error(
            "code", _("Too many look-ups from your connection: wait a few minutes and try again.")
        )
        return render(request, "workflows/track_lookup.html", {"form": form}, status=429)
    process = selectors.process_by_code(code)
    if process is None:
        submission = Submission.objects.filter(reference=code.strip().upper()).first()
        if submission is None:
            raise Http404
        return render(request, "workflows/track.html", {"submission": submission, "code": code})
    waiting = StageTask.objects.filter(
        process=process, flow_task=process.flow_class.revise, status=STATUS.NEW
    ).exists()
    withdrawing = request.method == "POST" and "withdraw" in request.POST
    withdraw_form = None
    if process.status == PROCESS.NEW:
        withdraw_form = WithdrawForm(request.POST if withdrawing else None)
        if withdraw_form.is_valid():
            try:
                services.withdraw(process, withdraw_form.cleaned_data["reason"])
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Your application has been withdrawn."))
            return redirect("workflows:track", code=process.reference)
    verdict_form = None
    if selectors.awaits_verdict(process):
        verdict_form = VerdictForm(request.POST if request.method == "POST" else None)
        if verdict_form.is_valid():
            return give_verdict(request, process, verdict_form)
    revision_form = None
    if waiting:
        intake = selectors.current_intake(process)
        definition = selectors.snapshot(process.version).intake_form
        if request.method == "POST" and not withdrawing:
            revision_form = form_services.build_form(definition, request.POST, request.FILES)
            if revision_form.is_valid():
                try:
                    services.resubmit(process, revision_form)
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(request, _("Your revised application has been sent."))
                return redirect("workflows:track", code=process.reference)
        else:
            revision_form = form_services.build_form(definition, initial=revisable_values(intake))
    context = {
        "process": process,
        "code": process.reference,
        "events": selectors.public_timeline(process),
        "current_stage": selectors.current_stage(process),
        "revision_form": revision_form,
        "verdict_form": verdict_form,
        "withdraw_form": withdraw_form,
    }
    refused = [form for form in (verdict_form, withdraw_form) if form is not None and form.errors]
    status = 422 if refused else 200
    return render(request, "workflows/track.html", context, status=status)


def give_verdict(request: HttpRequest, process, form: VerdictForm) -> HttpResponse:
    try:
        verdict = services.give_verdict(
            process,
            services.VerdictGiven(
                resolved=form.cleaned_data["resolved"],
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            ),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Thank you. Your application has been reopened and will be handled again.")
            if verdict.reopened
            else _("Thank you for your verdict."),
        )
    return redirect("workflows:track", code=process.reference)


def revisable_values(submission) -> dict:
    """Prefill a revision with the last answers (area answers by their code)."""
    return {
        name: value.get("code") if isinstance(value, dict) else value
        for name, value in submission.form_data.items()
    }


# --- The task list ---------------------------------------------------------------------------

# Taken at once, at most: a page's worth and then some.
TAKE_AT_ONCE = 200


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    """The user's task list: what they have and may take, filtered; POST takes those chosen."""
    if request.method == "POST":
        chosen = [int(v) for v in request.POST.getlist("task") if v.isdigit()][:TAKE_AT_ONCE]
        if not chosen:
            messages.error(request, _("Choose the tasks to take."))
        else:
            taken, refusals = task_list.take(request.user, chosen)
            if taken:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d task taken: it is in your inbox.",
                        "%(count)d tasks taken: they are in your inbox.",
                        taken,
                    )
                    % {"count": taken},
                )
            for refusal in refusals:
                messages.warning(request, refusal)
        return redirect(request.get_full_path())
    others = task_list.source_tasks(request.user)
    choices = task_list.task_choices(selectors.open_tasks(request.user), others)
    form = task_list.TaskFilterForm(request.GET or None, choices)
    filters = valid_filters(form)
    page = Paginator(task_list.listed_tasks(request.user, filters), 50).get_page(
        request.GET.get("page")
    )
    rows = task_list.rows(list(page.object_list), request.user)
    # The sources' tasks are few (a worker's own follow-ups): all of them on the first page.
    others = task_list.narrowed(others, filters) if page.number == 1 else []
    return render(
        request,
        "workflows/task_list.html",
        {
            **list_context(request, form, filters, page),
            "rows": task_list.merged(rows, others),
            "total": page.paginator.count + len(others),
            "can_take": any(not row.task.owner_id and not row.refusal for row in rows),
            "counts": selectors.task_counts(request.user),
        },
    )


@login_required
def processes(request: HttpRequest) -> HttpResponse:
    """The processes the user may see, filtered."""
    form = process_list.ProcessFilterForm(
        request.GET or None, task_list.filter_choices(selectors.visible_processes(request.user))
    )
    filters = valid_filters(form)
    page = Paginator(process_list.listed_processes(request.user, filters), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "workflows/process_list.html",
        {
            **list_context(request, form, filters, page),
            "rows": process_list.rows(list(page.object_list)),
        },
    )


@login_required
def process_file(request: HttpRequest, process_pk: int, file_pk: int) -> HttpResponse:
    """A file of a process's application (a photo of the problem), to whoever may see the
    process; a file of a personal field only to those who see who sent it, audited."""
    process = get_object_or_404(selectors.visible_processes(request.user), pk=process_pk)
    stored = get_object_or_404(
        SubmissionFile.objects.select_related("submission__definition"),
        pk=file_pk,
        submission=selectors.current_intake(process),
    )
    return download(request.user, stored, page="process", area=process.area)


def valid_filters(form: django_forms.Form) -> dict:
    """The filters that are valid (an invalid one is shown with its error and not applied)."""
    return form.cleaned_data if form.is_valid() else getattr(form, "cleaned_data", {})


def list_context(request: HttpRequest, form, filters: dict, page) -> dict:
    kept = request.GET.copy()
    kept.pop("page", None)
    return {
        "form": form,
        "page": page,
        "query": kept.urlencode(),
        "filtered": any(value not in (None, "") for value in filters.values()),
    }


# --- Notifications --------------------------------------------------------------------------


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    notes = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        notes.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("workflows:notifications")
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    return render(request, "workflows/notifications.html", {"page": page})
