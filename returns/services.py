"""Filing a return, pre-filled from the registers; amending it until the period's due day,
sending it back for correction and refiling it; telling filers before and after it is due."""

import datetime
import logging

from django.contrib.auth.models import User as Account
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from forms import services as form_services
from forms.builder import SubmissionForm
from grid import selectors as grid_selectors
from grid.models import Area
from grid.selectors import User
from grid.validators import ancestor_codes, code_at_level
from workflows.services.notifications import notify

from . import figures, selectors
from . import periods as period_rules
from .models import Filing, FilingEvent, Notice, Return
from .periods import Period

logger = logging.getLogger(__name__)

# The periodic job's name in its recorded runs.
RETURN_NOTICES = "remind_returns"
# An overdue notice goes out for periods that fell due within this many days; older gaps stay
# visible on the filers' list and the tables without a notice for each.
OVERDUE_NOTICE_DAYS = 7
# Audit log actions (registered in wagtail_hooks).
FILE_ACTION = "returns.filing.file"
SEND_BACK_ACTION = "returns.filing.send_back"
AMEND_ACTION = "returns.filing.amend"
REFILE_ACTION = "returns.filing.refile"
# Longer reasons would be cut in the notification sent with them.
REASON_LENGTH = 200


class FilingRefused(Exception):
    pass


class FilingChanged(FilingRefused):
    """The filing changed since the form acting on it was opened."""


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
            filing = Filing.objects.create(
                return_form=return_form,
                area=area,
                period_start=period.start,
                submission=submission,
                prefilled=prefilled,
                filed_by=user,
                filed_at=now,
                late=timezone.localdate(now) > period.due,
            )
            audit(filing, FILE_ACTION, user)
            return filing
    except IntegrityError:
        raise FilingRefused(
            _("%(area)s has already filed this return for %(period)s.")
            % {"area": area.name, "period": period.label}
        ) from None


def audit(filing: Filing, action: str, user: Account, **data) -> None:
    """An entry on Wagtail's audit log, carrying the area's code so that the audit report
    shows it to those whose jurisdiction holds the area."""
    log(
        instance=filing,
        action=action,
        user=user,
        title=str(filing),
        data={"area": filing.area.code, "period": filing.period_start.isoformat(), **data},
    )


def locked_filing(return_form: Return, area: Area, period: Period, version: int) -> Filing:
    """The area's filing of the period, its row locked until the transaction ends so that two
    changes of it at once take turns; refused if it changed since `version` was shown."""
    filing = (
        Filing.objects.select_for_update()
        .select_related("submission", "area")
        .filter(return_form=return_form, area=area, period_start=period.start)
        .first()
    )
    if filing is None:
        raise FilingRefused(
            _("%(area)s has not filed this return for %(period)s.")
            % {"area": area.name, "period": period.label}
        )
    if filing.version != version:
        raise FilingChanged(
            _(
                "The filing of %(area)s for %(period)s was changed while you had it open: "
                "it is shown again as it is now."
            )
            % {"area": area.name, "period": period.label}
        )
    return filing


def check_sender(user: User, return_form: Return, area: Area) -> None:
    """That the user may send the area's filing of the return back: they read it in the
    return's table, on the table's rules, and do not file it (a filer sending their own
    filing back would amend it after the due day)."""
    if not selectors.reads_area(user, return_form, area):
        raise FilingRefused(_("You do not read this return's filings for this area."))
    if selectors.may_file(user, area):
        raise FilingRefused(
            _("You file this return for %(area)s: amend the filing rather than send it back.")
            % {"area": area.name}
        )


@transaction.atomic
def send_back(
    user: Account,
    return_form: Return,
    area: Area,
    period: Period,
    reason: str,
    version: int,
    now: datetime.datetime | None = None,
) -> Filing:
    """Send the area's filing of the period back for correction, with the reason its filers
    are told. Its answers are kept, but it counts as not filed until it is refiled."""
    check_sender(user, return_form, area)
    reason = reason.strip()
    if not reason:
        raise FilingRefused(_("Say what is to be corrected: a filing is sent back with a reason."))
    if len(reason) > REASON_LENGTH:
        raise FilingRefused(
            _("Keep the reason to %(count)d characters.") % {"count": REASON_LENGTH}
        )
    filing = locked_filing(return_form, area, period, version)
    if filing.state == Filing.State.RETURNED:
        raise FilingRefused(
            _("The filing of %(area)s for %(period)s is already sent back, waiting for its filers.")
            % {"area": area.name, "period": period.label}
        )
    filing.state = Filing.State.RETURNED
    filing.version += 1
    filing.save(update_fields=["state", "version"])
    FilingEvent.objects.create(
        filing=filing,
        kind=FilingEvent.Kind.SENT_BACK,
        user=user,
        at=now or timezone.now(),
        reason=reason,
    )
    audit(filing, SEND_BACK_ACTION, user, reason=reason)
    notify(
        filers(area),
        _("Sent back for correction: %(title)s for %(area)s, %(period)s. Reason: %(reason)s")
        % {"title": return_form.title, "area": area.name, "period": period.label, "reason": reason},
        filing_url(return_form, area, period),
    )
    return filing


def amendment(filing: Filing, period: Period, today: datetime.date | None = None) -> str:
    """What saving the filing's form again is now: the refiling of a filing sent back, at any
    time; an amendment until the period's due day; refused after it."""
    if filing.state == Filing.State.RETURNED:
        return FilingEvent.Kind.REFILED
    if (today or timezone.localdate()) > period.due:
        raise FilingRefused(
            _(
                "%(area)s filed %(period)s on %(day)s. It was due on %(due)s and can no longer "
                "be amended: should a figure be wrong, ask %(department)s to send it back."
            )
            % {
                "area": filing.area.name,
                "period": period.label,
                "day": timezone.localtime(filing.filed_at).strftime("%Y-%m-%d %H:%M"),
                "due": period.due.isoformat(),
                "department": filing.return_form.department.name,
            }
        )
    return FilingEvent.Kind.AMENDED


def may_amend(filing: Filing, period: Period) -> bool:
    try:
        return amendment(filing, period) == FilingEvent.Kind.AMENDED
    except FilingRefused:
        return False


@transaction.atomic
def amend(
    user: Account,
    return_form: Return,
    area: Area,
    period: Period,
    form: SubmissionForm,
    version: int,
    now: datetime.datetime | None = None,
) -> Filing:
    """The filer's corrected answers in place of the filing's, the replaced ones kept in its
    history: the refiling of a filing sent back, or an amendment until the period's due day
    (which must change something)."""
    now = now or timezone.now()
    check_filer(user, return_form, area, period, timezone.localdate(now))
    filing = locked_filing(return_form, area, period, version)
    kind = amendment(filing, period, timezone.localdate(now))
    previous = filing.submission.form_data
    answers = form_services.answer_fields(form.answered())["form_data"]
    changed = sorted(
        name for name in {*previous, *answers} if previous.get(name) != answers.get(name)
    )
    if kind == FilingEvent.Kind.AMENDED and not changed:
        raise FilingRefused(_("Nothing was changed: the filing stays as it was."))
    form_services.replace_answers(filing.submission, form)
    FilingEvent.objects.create(filing=filing, kind=kind, user=user, at=now, answers=previous)
    if kind == FilingEvent.Kind.REFILED:
        filing.state = Filing.State.REFILED
    filing.version += 1
    filing.save(update_fields=["state", "version"])
    if kind == FilingEvent.Kind.REFILED:
        audit(filing, REFILE_ACTION, user, fields=changed)
        tell_sender(filing, period)
    else:
        audit(filing, AMEND_ACTION, user, fields=changed)
    return filing


def table_url(return_form: Return, area: Area, period: Period) -> str:
    """The table of the period drilled down to the area's row."""
    parent = code_at_level(area.code, max(area.level - 1, 0))
    return reverse("returns:table", args=[return_form.pk]) + (
        f"?period={period.start.isoformat()}&area={parent}"
    )


def tell_sender(filing: Filing, period: Period) -> None:
    """Tell whoever sent the filing back that it is refiled."""
    sent = filing.events.filter(kind=FilingEvent.Kind.SENT_BACK).select_related("user").last()
    if sent is None or sent.user is None:
        return
    values = {"title": filing.return_form.title, "area": filing.area.name, "period": period.label}
    notify(
        [sent.user],
        _("Refiled: %(title)s for %(area)s, %(period)s.") % values,
        table_url(filing.return_form, filing.area, period),
    )


def filers(area: Area) -> list:
    """Those who may file for the area: holders of a role that may file, on it or above it."""
    assignments = (
        grid_selectors.assignments_granting(selectors.FILE)
        .filter(area__code__in=ancestor_codes(area.code, 0), user__is_active=True)
        .select_related("user")
    )
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
