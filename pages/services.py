"""Write-side rules of the public sites: volunteer sign-ups and hours, the access list."""

import datetime
from decimal import Decimal

from django.contrib.auth.models import User as Account
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grid.models import Area, Assignment, Department

from .models import AccessListEntry, ActivitySignup, VolunteerActivityPage

VOLUNTEER_ROLE = "volunteer"
Status = ActivitySignup.Status


def is_registered_volunteer(user: Account) -> bool:
    """A registered volunteer holds the volunteer role on an area (given when the community
    approves their registration)."""
    return (
        user.is_authenticated
        and Assignment.objects.filter(user=user, role__key=VOLUNTEER_ROLE).exists()
    )


def _locked(activity: VolunteerActivityPage) -> VolunteerActivityPage:
    """Lock the activity's row so that two sign-ups cannot both take the last place."""
    return VolunteerActivityPage.objects.select_for_update(of=("self",)).get(pk=activity.pk)


@transaction.atomic
def sign_up(activity: VolunteerActivityPage, user: Account) -> ActivitySignup:
    """A place if one is free, otherwise a place on the waiting list."""
    if not is_registered_volunteer(user):
        raise PermissionDenied(_("Only registered volunteers can sign up for activities."))
    activity = _locked(activity)
    if activity.has_started:
        raise ValidationError(_("This activity has already started."))
    signup = ActivitySignup.objects.filter(activity=activity, volunteer=user).first()
    if signup and signup.status != Status.CANCELLED:
        raise ValidationError(_("You have already signed up for this activity."))
    confirmed = activity.signups.filter(status=Status.CONFIRMED).count()
    status = Status.CONFIRMED if confirmed < activity.capacity else Status.WAITING
    if signup is None:
        signup = ActivitySignup(activity=activity, volunteer=user)
    signup.status = status
    signup.created_at = timezone.now()  # back of the queue after a cancellation
    signup.save()
    return signup


@transaction.atomic
def cancel(activity: VolunteerActivityPage, user: Account) -> ActivitySignup | None:
    """Cancel the user's sign-up; a freed place goes to the first on the waiting list, who is
    returned."""
    activity = _locked(activity)
    if activity.has_started:
        raise ValidationError(_("This activity has already started."))
    signup = ActivitySignup.objects.filter(
        activity=activity, volunteer=user, status__in=[Status.CONFIRMED, Status.WAITING]
    ).first()
    if signup is None:
        raise ValidationError(_("You are not signed up for this activity."))
    freed = signup.status == Status.CONFIRMED
    signup.status = Status.CANCELLED
    signup.save(update_fields=["status"])
    if not freed:
        return None
    promoted = activity.signups.filter(status=Status.WAITING).order_by("created_at", "pk").first()
    if promoted:
        promoted.status = Status.CONFIRMED
        promoted.save(update_fields=["status"])
    return promoted


def can_log_hours(activity: VolunteerActivityPage, user: Account) -> bool:
    return user.is_authenticated and (user.is_superuser or activity.organiser_id == user.pk)


@transaction.atomic
def log_hours(
    activity: VolunteerActivityPage,
    organiser: Account,
    hours: dict[int, Decimal | None],
) -> int:
    """Record the hours each confirmed volunteer served (by sign-up id); returns how many
    sign-ups changed. Nothing is saved if any value is invalid."""
    if not can_log_hours(activity, organiser):
        raise PermissionDenied(_("Only the organiser of this activity can log hours."))
    if not activity.has_started:
        raise ValidationError(_("Hours can be logged once the activity has started."))
    longest = Decimal((activity.ends_at - activity.starts_at).total_seconds() / 3600)
    signups = {
        s.pk: s for s in activity.signups.filter(pk__in=list(hours), status=Status.CONFIRMED)
    }
    errors = []
    for signup_id, value in hours.items():
        if signup_id not in signups:
            errors.append(_("A volunteer in the list has no confirmed place."))
        elif value is not None and not (0 <= value <= min(longest, Decimal(24))):
            errors.append(
                _("Hours must be between 0 and the length of the activity (%(hours)s).")
                % {"hours": round(longest, 1)}
            )
    if errors:
        raise ValidationError(sorted(set(errors)))
    changed = 0
    for signup_id, value in hours.items():
        signup = signups[signup_id]
        if signup.hours != value:
            signup.hours = value
            signup.save(update_fields=["hours"])
            changed += 1
    return changed


@transaction.atomic
def publish_access_entry(
    *,
    community: Area,
    department: Department,
    content: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reference: str = "",
) -> AccessListEntry:
    """Put an approved piece of department work on the community's public access list.
    With a reference (the approval it comes from), publishing again updates that entry
    instead of adding a second one."""
    entry = AccessListEntry.objects.filter(reference=reference).first() if reference else None
    entry = entry or AccessListEntry(reference=reference)
    entry.community = community
    entry.department = department
    entry.content = content
    entry.starts_on = starts_on
    entry.ends_on = ends_on
    entry.full_clean()
    entry.save()
    return entry
