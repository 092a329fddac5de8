"""The public side of a form page: show the form, accept a submission, confirm it."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from wagtail.models import Site

from grid.clients import client_address

from . import selectors, services
from .builder import HONEYPOT_NAME, SubmissionForm
from .models import FormPage, Submission

SESSION_KEY = "forms_submitted"
REMEMBERED_REFERENCES = 20


def form_page(request: HttpRequest, page: FormPage) -> HttpResponse:
    if not page.definition.live:
        raise Http404
    if request.method == "POST":
        return submit(request, page)
    form = empty_form(page)
    # Hidden fields may be filled from the link, e.g. ?source=poster to know where people came from.
    form.initial.update(
        {
            spec.name: request.GET[spec.name]
            for spec in form.input_specs
            if spec.type == "hidden" and spec.name in request.GET
        }
    )
    return render_form(request, page, form)


def submit(request: HttpRequest, page: FormPage) -> HttpResponse:
    too_large = _(
        "What you sent is too large. Attach smaller files (see the limit under each file "
        "field) and send the form again."
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.FORMS_MAX_REQUEST_SIZE:
        return render_form(request, page, empty_form(page), error=too_large, status=413)
    try:
        data, files = request.POST, request.FILES
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        return render_form(request, page, empty_form(page), error=too_large, status=413)
    form = services.build_form(page.definition, data, files, area_root=page.area)
    if not services.allow_attempt(client_address(request)):
        error = _(
            "Too many forms have been sent from your connection. Please wait a few minutes "
            "and send it again: your answers are kept below."
        )
        return render_form(request, page, form, error=error, status=429)
    # Any value counts, not only the last one that .get() reads: a bot may send it twice.
    if any(data.getlist(HONEYPOT_NAME)):
        error = _("This form was not accepted. Leave the field marked “leave empty” blank.")
        return render_form(request, page, form, error=error)
    problems = page.start_problems(form, request.user) if form.is_valid() else []
    if problems:
        return render_form(request, page, form, error=" ".join(problems))
    if form.is_valid():
        submission = services.accept_submission(
            form, page=page, user=request.user, site=Site.find_for_request(request)
        )
        remembered = request.session.get(SESSION_KEY, [])
        request.session[SESSION_KEY] = [*remembered, submission.reference][-REMEMBERED_REFERENCES:]
        # Relative to the site the request came in on: with several sites `page.url` names
        # the page's most specific site, on its configured port, not the one in use.
        done = page.get_url(request) + page.reverse_subpage("done", args=[submission.reference])
        return redirect(done)
    services.keep_uploads(form)
    return render_form(request, page, form)


def empty_form(page: FormPage) -> SubmissionForm:
    return services.build_form(page.definition, area_root=page.area)


def render_form(
    request: HttpRequest,
    page: FormPage,
    form: SubmissionForm,
    *,
    error: str = "",
    status: int = 200,
) -> TemplateResponse:
    context = {
        **page.get_context(request),
        "form": form,
        "form_error": error,
        "honeypot_name": HONEYPOT_NAME,
        "start_notice": page.start_notice(request.user),
    }
    return TemplateResponse(request, page.get_template(request), context, status=status)


def confirmation(request: HttpRequest, page: FormPage, reference: str) -> HttpResponse:
    """Only the browser that sent the submission sees its confirmation."""
    if reference not in request.session.get(SESSION_KEY, []):
        raise Http404
    submission = Submission.objects.filter(reference=reference).first()
    if submission is None:
        raise Http404
    return page.render(
        request,
        template="forms/confirmation.html",
        context_overrides={
            "submission": submission,
            "definition": page.definition,
            "tracking_path": selectors.tracking_path(submission),
        },
    )
