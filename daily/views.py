"""The grid workers' day on a phone: their grids today, rounds of a grid item by item and
reports of what they found, households and units with their visits, the buildings' status
maps, and the service worker that keeps some of it offline. Everything is seen within the
jurisdiction of the roles that may see it (404 outside it); only a round's inspector changes
it, while it is open."""

import hashlib
import mimetypes
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grid import audit
from grid import selectors as grid_selectors
from grid.masking import mask_name
from grid.models import Area, Household, Unit
from grid.storage import private_response
from workflows import selectors as workflow_selectors
from workflows.process_list import rows as process_rows

from . import selectors, services
from .forms import InspectionForm, VisitForm
from .models import Finding, FindingPhoto, Inspection, Visit

# A grid's history shows this many of its latest rounds.
HISTORY_ROUNDS = 50
# A household's or unit's page shows this many of its latest visits.
HISTORY_VISITS = 50


@login_required
def today(request: HttpRequest) -> HttpResponse:
    grids = selectors.grids_today(request.user)
    party = selectors.grid_party(request.user, [row.grid for row in grids])
    return render(
        request,
        "daily/today.html",
        {
            "grids": [(row, party.get(row.grid.pk)) for row in grids],
            "inspected_today": sum(1 for row in grids if row.inspected_today),
            "counts": workflow_selectors.task_counts(request.user),
            "follow_ups": selectors.open_follow_ups(request.user),
            "care_due": selectors.care_due(request.user),
            "coverage_days": selectors.COVERAGE_DAYS,
        },
    )


@login_required
@require_POST
def start(request: HttpRequest, grid_pk: int) -> HttpResponse:
    grid = get_object_or_404(selectors.my_grids(request.user), pk=grid_pk)
    try:
        inspection = services.start_inspection(request.user, grid)
    except services.InspectionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("daily:today")
    return redirect("daily:inspection", pk=inspection.pk)


@login_required
def inspection(request: HttpRequest, pk: int) -> HttpResponse:
    """An open round for its inspector to fill in and finish; anyone else who may see the
    grid, and the inspector once it is finished, reads it."""
    round_ = get_object_or_404(
        selectors.visible_inspections(request.user).select_related(
            "grid__parent__parent", "inspector"
        ),
        pk=pk,
    )
    finish = "finish" in request.POST
    if request.method == "POST" and services.already_saved(round_, request.POST.get("client_key")):
        # Sent again from the phone's queue: where the first send led.
        return saved(request, after_save(round_, finish))
    if round_.finished or round_.inspector_id != request.user.pk:
        return render(request, "daily/inspection_detail.html", detail_context(request, round_))
    form = InspectionForm(round_, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record(
                round_,
                request.user,
                form.answers(),
                form.cleaned_data["notes"],
                finish=finish,
                client_key=form.cleaned_data["client_key"],
            )
        except services.InspectionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("daily:inspection", pk=round_.pk)
        if not finish:
            messages.success(
                request, _("Saved. Finish the round when you have checked every item.")
            )
        elif round_.findings.filter(problem=True).exists():
            messages.success(
                request,
                _("Round finished. Report the problems that need handling as incidents below."),
            )
        else:
            messages.success(request, _("Round finished: %(grid)s.") % {"grid": round_.grid.name})
        return saved(request, after_save(round_, finish))
    return render(request, "daily/inspection_form.html", {"inspection": round_, "form": form})


def after_save(round_: Inspection, finish: bool) -> str:
    """A finished round without problems leads home; otherwise back to the round (to report
    its problems, or to go on with it)."""
    if finish and not round_.findings.filter(problem=True).exists():
        return reverse("daily:today")
    return reverse("daily:inspection", args=[round_.pk])


# The header daily/offline.js sends a form with, when the worker saves it (not the queue).
SENT_BY_PAGE = "X-Daily-Save"


def saved(request: HttpRequest, to: str) -> HttpResponse:
    """Where a save leads. The phone's script sends the worker's saves by fetch (to tell no
    connection from a refusal) and goes on to `to` itself: a redirect that fetch followed would
    have shown, and so used up, the messages meant for that page."""
    if request.headers.get(SENT_BY_PAGE):
        return HttpResponse(status=204, headers={"X-Daily-Location": to})
    return redirect(to)


def detail_context(request: HttpRequest, round_) -> dict:
    """A round as read: its findings, each problem with the process it was reported as (where
    it stands) or, for those who walk the grid, a button to report it."""
    findings = list(
        round_.findings.select_related(
            "process__version__definition", "process__area"
        ).prefetch_related("photos")
    )
    processes = [finding.process for finding in findings if finding.process]
    reported = {row.process.pk: row for row in process_rows(processes)}
    reports = (
        round_.finished
        and selectors.my_grids(request.user).filter(pk=round_.grid_id).exists()
        and services.report_definition(round_.grid) is not None
    )
    return {
        "inspection": round_,
        "findings": [(finding, reported.get(finding.process_id)) for finding in findings],
        "reports": reports,
    }


def reportable_finding(request: HttpRequest, pk: int) -> services.Report:
    finding = get_object_or_404(
        Finding.objects.filter(
            inspection__in=selectors.visible_inspections(request.user),
            inspection__grid__in=selectors.my_grids(request.user),
            inspection__finished_at__isnull=False,
            problem=True,
        ).select_related("inspection__grid__parent"),
        pk=pk,
    )
    return services.Report.of_finding(finding)


def reportable_visit(request: HttpRequest, pk: int) -> services.Report:
    visit = get_object_or_404(
        selectors.visible_visits(request.user)
        .filter(
            grid__in=selectors.my_grids(request.user, selectors.MAKE_VISITS),
            follow_up=True,
            followed_up_at__isnull=True,
        )
        .select_related("grid__parent", "household__building", "unit"),
        pk=pk,
    )
    return services.Report.of_visit(visit)


@login_required
def report(request: HttpRequest, pk: int, source: str) -> HttpResponse:
    """A problem found on a round, or what a visit raised, reported as the grid's process (a
    grid incident), its form filled in from it; the worker answers the rest and sends it."""
    found = (reportable_finding if source == "finding" else reportable_visit)(request, pk)
    back = source_url(found.source)
    if found.source.process_id is not None:
        return redirect(back)
    definition = services.report_definition(found.grid)
    if definition is None:
        raise Http404
    post = request.method == "POST"
    form = services.report_form(
        found, definition, request.POST if post else None, request.FILES if post else None
    )
    error = ""
    if post and form.is_valid():
        try:
            process = services.start_report(found, request.user, form, definition)
        except services.InspectionRefused as refusal:
            error = str(refusal)
        else:
            messages.success(
                request,
                _("Reported as %(process)s %(number)s: it is in the task lists of its handlers.")
                % {"process": definition.name, "number": process.number},
            )
            return redirect(back)
    context = {
        "report": found,
        "photos_attached": services.photos_attached(found, form),
        "definition": definition,
        "form": form,
        "form_error": error,
        "back": back,
    }
    return render(request, "daily/report_form.html", context)


def source_url(source: Finding | Visit) -> str:
    if isinstance(source, Finding):
        return reverse("daily:inspection", args=[source.inspection_id])
    if source.household_id:
        return reverse("daily:household", args=[source.household_id])
    return reverse("daily:unit", args=[source.unit_id])


@login_required
def grid_history(request: HttpRequest, grid_pk: int) -> HttpResponse:
    grid = get_object_or_404(
        selectors.visible_grids(request.user).select_related("parent__parent"), pk=grid_pk
    )
    rounds = (
        selectors.visible_inspections(request.user)
        .filter(grid=grid)
        .select_related("inspector")
        .with_problem_count()
        .order_by("-started_at", "-pk")[:HISTORY_ROUNDS]
    )
    return render(request, "daily/grid_history.html", {"grid": grid, "rounds": rounds})


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    stored = get_object_or_404(
        FindingPhoto.objects.filter(
            finding__inspection__in=selectors.visible_inspections(request.user)
        ),
        pk=pk,
    )
    content_type = mimetypes.guess_type(stored.image.name)[0] or "application/octet-stream"
    return private_response(stored.image.open("rb"), content_type=content_type)


@login_required
def household(request: HttpRequest, pk: int) -> HttpResponse:
    """A household on the worker's phone: its door, its members (named in full only to those
    who see personal data there, and then audited), and its visits."""
    found = get_object_or_404(
        selectors.visible_households(request.user)
        .select_related("building__grid__parent")
        .prefetch_related("tags", "members__tags"),
        pk=pk,
    )
    grid = found.building.grid
    tags = grid_selectors.tags_shown(request.user, grid, grid_selectors.household_tags(found))
    in_full = grid_selectors.can_see_personal_data(request.user, grid)
    members = [
        (member.name if in_full else mask_name(member.name), member.get_relation_display())
        for member in found.members.all()
    ]
    if in_full and members:
        audit.log_view(found, user=request.user, area=grid, page="daily:household")
    return render(
        request,
        "daily/subject.html",
        {
            **subject_context(request, found, grid),
            "household": found,
            "members": members,
            "tags": tags,
        },
    )


@login_required
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        selectors.visible_units(request.user).select_related("grid__parent"), pk=pk
    )
    return render(request, "daily/subject.html", subject_context(request, found, found.grid))


def subject_context(request: HttpRequest, subject: Household | Unit, grid) -> dict:
    """What a household's or unit's page shows of its visits: the diary, to those who may read
    it; the button to write one, to those who visit its grid."""
    field = "household" if isinstance(subject, Household) else "unit"
    visits = (
        selectors.visible_visits(request.user)
        .filter(**{field: subject})
        .select_related("visitor", "process__version__definition", "process__area")
        .order_by("-visited_on", "-pk")[:HISTORY_VISITS]
    )
    return {
        "subject": subject,
        "grid": grid,
        "visits": visits if selectors.reads_visits(request.user) else None,
        "visits_grid": selectors.my_grids(request.user, selectors.MAKE_VISITS)
        .filter(pk=grid.pk)
        .exists(),
        "kind": field,
    }


@login_required
def log_visit(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Write a visit to a household or unit of a grid the worker visits."""
    if kind == "household":
        subject = get_object_or_404(
            Household.objects.filter(
                building__grid__in=selectors.my_grids(request.user, selectors.MAKE_VISITS)
            ).select_related("building__grid"),
            pk=pk,
        )
    else:
        subject = get_object_or_404(
            Unit.objects.filter(
                grid__in=selectors.my_grids(request.user, selectors.MAKE_VISITS)
            ).select_related("grid"),
            pk=pk,
        )
    form = VisitForm(
        request.POST or None,
        instance=Visit(**{kind: subject}),
        initial={"client_key": uuid.uuid4()},
    )
    if request.method == "POST" and form.is_valid():
        form.instance.client_key = form.cleaned_data["client_key"]
        services.record_visit(request.user, form.instance)
        messages.success(
            request, _("Visit written in the diary: %(subject)s.") % {"subject": subject}
        )
        return saved(request, reverse(f"daily:{kind}", args=[subject.pk]))
    return render(
        request, "daily/visit_form.html", {"subject": subject, "kind": kind, "form": form}
    )


@login_required
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(Visit.objects.filter(visitor_id=request.user.pk), pk=pk)
    services.followed_up(visit, request.user)
    messages.success(
        request, _("Followed up: %(subject)s.") % {"subject": visit.household or visit.unit}
    )
    # Back where it was done: My grids today, or the task list with its filters.
    back = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("daily:today")


@login_required
def grid_visits(request: HttpRequest, grid_pk: int) -> HttpResponse:
    """A grid's buildings (each opening its status map) and units, and its latest visits, for
    those who see its households."""
    grid = get_object_or_404(
        Area.objects.filter(
            level=Area.Level.GRID,
            pk__in=selectors.visible_buildings(request.user).values("grid_id"),
        ).select_related("parent"),
        pk=grid_pk,
    )
    buildings = (
        selectors.visible_buildings(request.user)
        .filter(grid=grid)
        .annotate(household_total=Count("households"))
        .order_by("name")
    )
    units = selectors.visible_units(request.user).filter(grid=grid).order_by("name")
    visits = (
        selectors.visible_visits(request.user)
        .filter(grid=grid)
        .select_related("household__building", "unit", "visitor")
        .order_by("-visited_on", "-pk")[:HISTORY_VISITS]
    )
    context = {
        "grid": grid,
        "buildings": buildings,
        "units": units,
        "visits": visits if selectors.reads_visits(request.user) else None,
    }
    return render(request, "daily/grid_visits.html", context)


@login_required
def building(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        selectors.visible_buildings(request.user).select_related("grid__parent"), pk=pk
    )
    context = {"building": found, "map": selectors.building_map(request.user, found)}
    return render(request, "daily/building.html", context)


# What the service worker keeps: a new list of files (hashed names after a deployment) is a
# new cache.
WORKER_ASSETS = (
    "css/site.css",
    "grid/tags.css",
    "daily/daily.css",
    "daily/offline.js",
    "forms/uploads.js",
)


def signed_out(request: HttpRequest) -> HttpResponse:
    """Where signing out leads, from the site and from the admin: the page removes what the
    service worker kept on the device for the one who signed out."""
    return render(request, "daily/signed_out.html")


def service_worker(request: HttpRequest) -> HttpResponse:
    """The script that keeps My grids today, the visit forms and the rounds for use offline,
    served under /today/ so that it may control those pages; it holds no personal data."""
    assets = [static(name) for name in WORKER_ASSETS]
    version = hashlib.sha256("".join(assets).encode()).hexdigest()[:12]
    context = {"version": version, "assets": assets}
    response = render(request, "daily/sw.js", context, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response
