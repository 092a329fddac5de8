"""Filing a return, pre-filled from the registers, and telling filers before and after it is
due."""

import datetime
import logging

from django.contrib.auth.models import User as Account
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from forms import services as form_services
from forms.builder import SubmissionForm
from grid.models import Area, Assignment, Role
from grid.selectors import User
from grid.validators import ancestor_codes
from workflows.services.notifications import notify

from . import figures, selectors
from . import periods as period_rules
from .models import Filing, Notice, Return
from .periods import Period

logger = logging.getLogger(__name__)

# The periodic job's name in its recorded runs.
RETURN_NOTICES = "remind_returns"
# An overdue notice goes out for periods that fell due within this many days; older gaps stay
# visible on the filers' list and the tables without a notice for each.
OVERDUE_NOTICE_DAYS = 7


class FilingRefused(Exception):
    pass


def prefill(return_form: Return, area: Area, period: Period) -> dict[str, int]:
    """The bound fields' figures for the area and period, by field name."""
    definition = return_form.form
    values = {}
    for binding in return_form.bindings.select_related("tag"):
        target = selectors.field_named(definition, binding.field)
        figure = figures.FIGURES.get(binding.figure)
        # A figure of a tag bound without one is left to the filer rather than counting all.
        if target is None or figure is None or (figure.needs_tag and binding.tag is None):
            continue
        values[target.clean_name] = figures.value(binding.figure, area, period, binding.tag)
    return values


def filing_url(return_form: Return, area: Area, period: Period) -> str:
    return reverse(
        "returns:file",
        args=[return_form.pk, area.code, period.start.isoformat()],
    )


def check_filer(
    user: User,
    return_form: Return,
    area: Area,
    period: Period | None,
    today: datetime.date | None = None,
) -> Period:
    """The period the user may file for the area, or why not."""
    if period is None:
        raise FilingRefused(_("The return has no such period."))
    if (
        not selectors.may_file(user, area)
        or not selectors.filing_areas(return_form.level, list(return_form.areas.all()))
        .filter(pk=area.pk)
        .exists()
    ):
        raise FilingRefused(_("You do not file this return for this area."))
    if period.start > (today or timezone.localdate()):
        raise FilingRefused(_("This period has not begun yet."))
    return period


@transaction.atomic
def file(
    user: Account,
    return_form: Return,
    area: Area,
    period: Period,
    form: SubmissionForm,
    prefilled: dict[str, int],
    now: datetime.datetime | None = None,
) -> Filing:
    """Store the answers as the area's filing of the period: once. A second filing of the same
    period, from another tab or colleague, is refused and stores nothing."""
    now = now or timezone.now()
    check_filer(user, return_form, area, period, timezone.localdate(now))
    try:
        with transaction.atomic():
            submission = form_services.store_submission(form, user=user)
            submission.area = area
            submission.is_scoped = True
            submission.save(update_fields=["area", "is_scoped"])
            return Filing.objects.create(
                return_form=return_form,
                area=area,
                period_start=period.start,
                submission=submission,
                prefilled=prefilled,
                filed_by=user,
                filed_at=now,
                late=timezone.localdate(now) > period.due,
            )
    except IntegrityError:
        raise FilingRefused(
            _("%(area)s has already filed this return for %(period)s.")
            % {"area": area.name, "period": period.label}
        ) from None


def filers(area: Area) -> list:
    """Those who may file for the area: holders of a role that may file, on it or above it."""
    app_label, codename = selectors.FILE.split(".")
    assignments = Assignment.objects.filter(
        role__scope=Role.Scope.AREA,
        area__code__in=ancestor_codes(area.code, 0),
        role__group__permissions__content_type__app_label=app_label,
        role__group__permissions__codename=codename,
        user__is_active=True,
    ).select_related("user")
    return [assignment.user for assignment in assignments]


def send_notices(today: datetime.date | None = None) -> int:
    """Remind the filers of areas that have not filed a period falling due within the return's
    reminder days, and tell them once it is overdue. Each notice is sent once (a row per area,
    period and kind), whichever server's job gets there first."""
    today = today or timezone.localdate()
    latest_due = today - datetime.timedelta(days=OVERDUE_NOTICE_DAYS)
    sent = 0
    returns = Return.objects.filter(starts_on__lte=today).filter(
        Q(ends_on__gte=latest_due - datetime.timedelta(days=400))
    )
    for return_form in returns.prefetch_related("areas"):
        for period in period_rules.periods(return_form, until=today):
            if period.due < latest_due:
                continue
            if today > period.due:
                kind = Notice.Kind.OVERDUE
            elif today >= period.due - datetime.timedelta(days=return_form.remind_days):
                kind = Notice.Kind.REMINDER
            else:
                continue
            sent += notice(return_form, period, kind)
    return sent


def notice(return_form: Return, period: Period, kind: str) -> int:
    filed = Filing.objects.filter(return_form=return_form, period_start=period.start)
    waiting = selectors.filing_areas(return_form.level, list(return_form.areas.all())).exclude(
        pk__in=filed.values("area_id")
    )
    sent = 0
    for area in waiting:
        try:
            with transaction.atomic():
                Notice.objects.create(
                    return_form=return_form, area=area, period_start=period.start, kind=kind
                )
                values = {
                    "title": return_form.title,
                    "area": area.name,
                    "period": period.label,
                    "due": period.due.isoformat(),
                }
                text = (
                    _("Overdue: %(title)s for %(area)s, %(period)s, was due on %(due)s.")
                    if kind == Notice.Kind.OVERDUE
                    else _("Due on %(due)s: %(title)s for %(area)s, %(period)s.")
                ) % values
                notify(filers(area), text, filing_url(return_form, area, period))
        except IntegrityError:
            continue
        sent += 1
    return sent
