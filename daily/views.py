"""The grid workers' day on a phone: their grids today, a round of a grid item by item, and a
grid's past rounds. Rounds are seen within the jurisdiction (404 outside it); only their
inspector changes them, while they are open."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grid.storage import private_response
from workflows import selectors as workflow_selectors

from . import selectors, services
from .forms import InspectionForm
from .models import FindingPhoto

# A grid's history shows this many of its latest rounds.
HISTORY_ROUNDS = 50


@login_required
def today(request: HttpRequest) -> HttpResponse:
    grids = selectors.grids_today(request.user)
    return render(
        request,
        "daily/today.html",
        {
            "grids": grids,
            "inspected_today": sum(1 for row in grids if row.inspected_today),
            "counts": workflow_selectors.task_counts(request.user),
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
    if round_.finished or round_.inspector_id != request.user.pk:
        findings = round_.findings.prefetch_related("photos")
        context = {"inspection": round_, "findings": findings}
        return render(request, "daily/inspection_detail.html", context)
    form = InspectionForm(round_, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        finish = "finish" in request.POST
        notes = form.cleaned_data["notes"]
        services.record(round_, request.user, form.answers(), notes, finish=finish)
        if finish:
            messages.success(request, _("Round finished: %(grid)s.") % {"grid": round_.grid.name})
            return redirect("daily:today")
        messages.success(request, _("Saved. Finish the round when you have checked every item."))
        return redirect("daily:inspection", pk=round_.pk)
    return render(request, "daily/inspection_form.html", {"inspection": round_, "form": form})


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
