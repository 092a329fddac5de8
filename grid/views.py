from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors
from .models import Area, Household


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """A signed-in user's roles and the areas they answer for."""
    areas = selectors.visible_areas(request.user)
    return render(
        request,
        "grid/account.html",
        {
            "assignments": request.user.assignments.select_related("role", "area", "department"),
            "grid_count": areas.filter(level=Area.Level.GRID).count(),
            "household_count": selectors.in_scope(
                Household.objects.all(), request.user, "building__grid"
            ).count(),
            "can_use_admin": request.user.has_perm("wagtailadmin.access_admin"),
        },
    )


def login_locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """What django-axes answers a locked-out login with: the site's own page, in the
    visitor's language, saying how long the lock lasts (429, like the other limits)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
