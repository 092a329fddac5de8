"""Views behind the volunteer activity pages and the volunteer's own record."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect

from grid import selectors as grid_selectors
from grid.models import Area, Household

from . import selectors, services
from .models import VolunteerActivityPage

SUCCESS = {
    "confirmed": gettext_lazy("You have a place. Thank you for volunteering!"),
    "waiting": gettext_lazy("The activity is full: you are on the waiting list."),
}


@csrf_protect
def activity_action(request: HttpRequest, activity: VolunteerActivityPage, action: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return redirect_to_login(activity.get_url(request))
    try:
        if action == "sign_up":
            signup = services.sign_up(activity, request.user)
            messages.success(request, SUCCESS[signup.status])
        else:
            services.cancel(activity, request.user)
            messages.success(request, _("Your sign-up is cancelled."))
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect(activity.get_url(request))


def parse_hours(post) -> tuple[dict[int, Decimal | None], list[str]]:
    hours: dict[int, Decimal | None] = {}
    errors = []
    for name, raw in post.items():
        if not name.startswith("hours-"):
            continue
        try:
            signup_id = int(name.removeprefix("hours-"))
            hours[signup_id] = Decimal(raw.strip()) if raw.strip() else None
        except (ValueError, InvalidOperation):
            errors.append(_("Hours must be a number such as 2 or 1.5."))
    return hours, errors


@csrf_protect
def log_hours(request: HttpRequest, activity: VolunteerActivityPage) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return redirect_to_login(activity.get_url(request))
    hours, errors = parse_hours(request.POST)
    if not errors:
        try:
            changed = services.log_hours(activity, request.user, hours)
        except (PermissionDenied, ValidationError) as error:
            errors = getattr(error, "messages", [str(error)])
        else:
            messages.success(request, _("Hours saved for %(n)d volunteers.") % {"n": changed})
    for error in sorted(set(errors)):
        messages.error(request, error)
    return redirect(activity.get_url(request))


@login_required
def my_volunteering(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/my_volunteering.html", selectors.volunteer_summary(request.user))


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """A signed-in user's page: their roles and the areas they answer for, their tasks and
    notifications, and their volunteering."""
    areas = grid_selectors.visible_areas(request.user)
    return render(
        request,
        "pages/account.html",
        {
            "assignments": request.user.assignments.select_related("role", "area", "department"),
            "grid_count": areas.filter(level=Area.Level.GRID).count(),
            "household_count": grid_selectors.in_scope(
                Household.objects.all(), request.user, "building__grid"
            ).count(),
            "can_use_admin": request.user.has_perm("wagtailadmin.access_admin"),
        },
    )
