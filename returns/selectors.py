"""Read-side rules of returns: who manages which, which areas file them, what the access list
admits, what a filer has to file, the tables that sum filings up the area tree, and the burden
ledger."""

import datetime
import decimal
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from forms.models import FormDefinition
from forms.selectors import masked_text
from grid import selectors as grid_selectors
from grid.models import Area, Assignment, Department
from grid.selectors import EVERYWHERE, User
from grid.validators import code_at_level, level_of_code
from pages.models import AccessListEntry

from . import periods as period_rules
from .models import Filing, FilingEvent, Return
from .periods import Period

FILE = "returns.add_filing"
READ = "returns.view_filing"
# Held on a street through a role, it makes the user one of the street office's people.
DEFINE = "returns.add_return"
NUMBER = "number"


def departments_of(user: User) -> QuerySet[Department]:
    """The departments whose returns the user manages: those they are assigned to, and the
    offices of the streets on which they hold a role that may define returns. A street's
    officials act for its office without an assignment to it; a role held on a community or
    on the district does not make anyone the office's."""
    if not user.is_authenticated:
        return Department.objects.none()
    assigned = Assignment.objects.filter(user=user, department__isnull=False)
    streets = grid_selectors.assignments_granting(DEFINE).filter(user=user)
    return Department.objects.filter(
        Q(pk__in=assigned.values("department")) | Q(street__in=streets.values("area"))
    )


def managed_returns(user: User) -> QuerySet[Return]:
    """The returns a user may manage: those their department asks (all, for platform admins)."""
    returns = Return.objects.select_related("department", "form")
    if user.is_superuser:
        return returns
    return returns.filter(department__in=departments_of(user))


def under(codes: list[str] | tuple[str, ...], path: str = "code") -> Q:
    return reduce(or_, (Q(**{f"{path}__startswith": code}) for code in codes), Q(pk__in=[]))


def filing_areas(level: int, areas: list[Area]) -> QuerySet[Area]:
    """The communities (or grids) of `areas` that file a return."""
    return Area.objects.filter(under([a.code for a in areas]), level=level).order_by("code")


def access_problems(
    department: Department,
    level: int,
    areas: list[Area],
    entries: list[AccessListEntry],
    starts_on: datetime.date,
    ends_on: datetime.date,
) -> list[str]:
    """Why the access list does not admit the return: each community that would file it (or
    whose grids would) needs a cited entry of the asking department covering its dates."""
    problems = []
    admitted = {
        entry.community_id
        for entry in entries
        if entry.department_id == department.pk
        and entry.starts_on <= starts_on
        and entry.ends_on >= ends_on
    }
    communities = filing_areas(Area.Level.COMMUNITY, areas) if level >= Area.Level.COMMUNITY else []
    missing = [c.name for c in communities if c.pk not in admitted]
    if not communities:
        problems.append(_("No community lies within the chosen areas."))
    elif missing:
        problems.append(
            _(
                "The access list does not admit this return in %(communities)s: cite an entry "
                "of %(department)s for each of them covering %(start)s to %(end)s, or ask for "
                "the work to be admitted first."
            )
            % {
                "communities": "、".join(missing[:10]) + ("…" if len(missing) > 10 else ""),
                "department": department.name,
                "start": starts_on.isoformat(),
                "end": ends_on.isoformat(),
            }
        )
    return problems


def number_fields(definition: FormDefinition) -> list[tuple[str, str]]:
    """(name, label) of the form's number fields: what the tables sum."""
    return [(f.clean_name, f.label) for f in definition.fields.all() if f.field_type == NUMBER]


def field_named(definition: FormDefinition, text: str):
    """The form's field with this label or name."""
    text = text.strip()
    for candidate in definition.fields.all():
        if text in (candidate.label, candidate.clean_name):
            return candidate
    return None


# Filers


@dataclass
class Due:
    """An area's filing of one period: filed, open (not yet due) or overdue."""

    return_form: Return
    area: Area
    period: Period
    filing: Filing | None

    # Why the asking side sent the filing back, for filings waiting for their correction.
    reason: str = ""

    @property
    def status(self) -> str:
        if self.filing:
            if self.filing.state == Filing.State.RETURNED:
                return "returned"
            return "late" if self.filing.late else "filed"
        return "overdue" if timezone.localdate() > self.period.due else "open"


def may_file(user: User, area: Area) -> bool:
    codes = grid_selectors.permitted_codes(user, FILE)
    return codes is EVERYWHERE or any(area.code.startswith(code) for code in codes)


def last_reason(filing: Filing) -> str:
    sent_back = [e for e in filing.events.all() if e.kind == FilingEvent.Kind.SENT_BACK]
    return sent_back[-1].reason if sent_back else ""


def to_file(user: User, today: datetime.date | None = None) -> list[Due]:
    """What the user has to file: each period begun of each return, in the areas where they
    may file it, not yet filed or sent back for correction; those sent back first, then the
    most urgent."""
    today = today or timezone.localdate()
    codes = grid_selectors.permitted_codes(user, FILE)
    # Platform admins may file anywhere, but file nothing: their list would be every area's.
    if codes is EVERYWHERE or not codes:
        return []
    returns = Return.objects.filter(starts_on__lte=today).prefetch_related("areas")
    found = []
    for return_form in returns.select_related("department", "form"):
        areas = filing_areas(return_form.level, list(return_form.areas.all())).filter(under(codes))
        begun = period_rules.periods(return_form, until=today)
        if not begun:
            continue
        filed = {
            (filing.area_id, filing.period_start): filing
            for filing in Filing.objects.filter(
                return_form=return_form, period_start__in=[p.start for p in begun]
            ).prefetch_related("events")
        }
        for area in areas:
            for period in begun:
                filing = filed.get((area.pk, period.start))
                if filing is None:
                    found.append(Due(return_form, area, period, None))
                elif filing.state == Filing.State.RETURNED:
                    found.append(Due(return_form, area, period, filing, last_reason(filing)))
    return sorted(found, key=lambda due: (due.status != "returned", due.period.due, due.area.code))


# Tables


def reader_codes(user: User, return_form: Return) -> tuple[str, ...] | None:
    """Where the user reads a return's filings: everywhere for its department's people (who
    asked), else the areas of their roles that may read filings."""
    if user.is_superuser or departments_of(user).filter(pk=return_form.department_id).exists():
        return EVERYWHERE
    return grid_selectors.permitted_codes(user, READ)


def reads_area(user: User, return_form: Return, area: Area) -> bool:
    """Whether the user reads the return's filing of the area in its table: who may also
    send it back."""
    codes = reader_codes(user, return_form)
    return expected_areas(return_form, codes).filter(pk=area.pk).exists()


def readable_returns(user: User) -> list[Return]:
    """The returns whose tables the user may open: their department's, and those filed by an
    area where they may read filings."""
    returns = Return.objects.select_related("department", "form").prefetch_related("areas")
    if user.is_superuser:
        return list(returns)
    codes = grid_selectors.permitted_codes(user, READ)
    departments = set(departments_of(user).values_list("pk", flat=True))
    return [
        return_form
        for return_form in returns
        if return_form.department_id in departments
        or (codes and expected_areas(return_form, codes).exists())
    ]


def expected_areas(return_form: Return, codes: tuple[str, ...] | None) -> QuerySet[Area]:
    areas = filing_areas(return_form.level, list(return_form.areas.all()))
    return areas if codes is EVERYWHERE else areas.filter(under(codes))


def default_root(return_form: Return, codes: tuple[str, ...] | None) -> Area | None:
    """The smallest area holding every area the reader reads the return in."""
    expected = list(expected_areas(return_form, codes).values_list("code", flat=True))
    if not expected:
        return None
    prefix = expected[0]
    for code in expected[1:]:
        while not code.startswith(prefix) and level_of_code(prefix) > 0:
            prefix = code_at_level(prefix, level_of_code(prefix) - 1)
    return Area.objects.filter(code=prefix).first()


@dataclass
class TableRow:
    area: Area
    expected: int = 0
    filed: int = 0
    late: int = 0
    # Filings sent back for correction: not counted as filed, their figures not summed.
    returned: int = 0
    sums: list[decimal.Decimal] = field(default_factory=list)
    # Rows of the filing areas themselves: the filing, all its answers and its history.
    filing: Filing | None = None
    answers: list[str] = field(default_factory=list)
    history: list["Change"] = field(default_factory=list)
    drills: bool = False
    may_send_back: bool = False


@dataclass
class Table:
    return_form: Return
    period: Period
    root: Area
    numbers: list[tuple[str, str]]
    # The columns of the filing areas' own rows: every answered field.
    answer_fields: list[tuple[str, str]]
    leaf: bool
    rows: list[TableRow]
    total: TableRow


def as_number(value: object) -> decimal.Decimal:
    try:
        return decimal.Decimal(str(value)) if value not in (None, "") else decimal.Decimal(0)
    except decimal.InvalidOperation:
        return decimal.Decimal(0)


def table(return_form: Return, period: Period, root: Area, codes: tuple[str, ...] | None) -> Table:
    """Each child of `root` with how many of its areas filed the period and the sums of the
    number fields; under the filing areas' parents, a row per filing area with its answers."""
    definition = return_form.form
    numbers = number_fields(definition)
    expected = expected_areas(return_form, codes).filter(code__startswith=root.code)
    leaf = root.level + 1 >= return_form.level
    filings = {
        filing.area_id: filing
        for filing in Filing.objects.filter(
            return_form=return_form,
            period_start=period.start,
            area__in=expected,
        )
        .select_related("submission", "filed_by")
        .prefetch_related(Prefetch("events", FilingEvent.objects.select_related("user")))
    }
    expected_list = list(expected)
    if root.level == return_form.level:
        groups = {root.code: root}
    elif leaf:
        groups = {area.code: area for area in expected_list}
    else:
        child_codes = {code_at_level(a.code, root.level + 1) for a in expected_list}
        groups = {a.code: a for a in Area.objects.filter(code__in=child_codes)}
    rows = {
        code: TableRow(area, sums=[decimal.Decimal(0)] * len(numbers))
        for code, area in groups.items()
    }
    total = TableRow(root, sums=[decimal.Decimal(0)] * len(numbers))
    for area in expected_list:
        code = (
            area.code
            if leaf or root.level == return_form.level
            else code_at_level(area.code, root.level + 1)
        )
        row = rows[code]
        for counted in (row, total):
            counted.expected += 1
        filing = filings.get(area.pk)
        if filing is None:
            continue
        if leaf:
            row.filing = filing
        if filing.state == Filing.State.RETURNED:
            for counted in (row, total):
                counted.returned += 1
            continue
        answers = filing.submission.form_data
        for counted in (row, total):
            counted.filed += 1
            counted.late += int(filing.late)
            counted.sums = [
                s + as_number(answers.get(name))
                for s, (name, _l) in zip(counted.sums, numbers, strict=True)
            ]
    shown = shown_fields(definition)
    answer_fields = [(f.clean_name, f.label) for f in shown]
    for row in rows.values():
        row.drills = not leaf
        if row.filing:
            row.answers = shown_answers(row.filing.submission.form_data, shown)
            row.history = history(row.filing, shown)
    return Table(
        return_form,
        period,
        root,
        numbers,
        answer_fields,
        leaf,
        sorted(rows.values(), key=lambda row: row.area.code),
        total,
    )


def shown_fields(definition: FormDefinition) -> list:
    """The fields whose answers the tables show."""
    return [f for f in definition.fields.all() if f.field_type not in ("section", "file")]


def shown_answer(data: dict, field) -> str:
    # Masked, should the form have gained a personal field since the return was set.
    return masked_text(field.field_type, field.is_personal, display(data.get(field.clean_name)))


def shown_answers(data: dict, fields: list) -> list[str]:
    return [shown_answer(data, f) for f in fields]


@dataclass
class Change:
    """A filing's send-back, amendment or refiling, with the answers it changed as (label,
    before, after)."""

    event: FilingEvent
    answers: list[tuple[str, str, str]]


def history(filing: Filing, fields: list) -> list[Change]:
    """The filing's events, oldest first, each amendment or refiling with what it changed:
    its replaced answers against the next version's (the filing's own, for the last)."""
    events = list(filing.events.all())
    versions = [e.answers for e in events if e.kind != FilingEvent.Kind.SENT_BACK]
    following = iter([*versions[1:], filing.submission.form_data])
    changes = []
    for event in events:
        changed = []
        if event.kind != FilingEvent.Kind.SENT_BACK:
            after = next(following)
            changed = [
                (f.label, shown_answer(event.answers, f), shown_answer(after, f))
                for f in fields
                if event.answers.get(f.clean_name) != after.get(f.clean_name)
            ]
        changes.append(Change(event, changed))
    return changes


def display(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(display(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("name", ""))
    return str(value)


# The burden ledger


@dataclass
class Burden:
    department: Department
    returns: int = 0
    communities: set = field(default_factory=set)
    # Per community: filings and fields to fill in the year, and of those fields pre-filled.
    filings: int = 0
    fields: int = 0
    prefilled: int = 0

    def per_community(self, amount: int) -> float:
        return round(amount / len(self.communities), 1) if self.communities else 0

    @property
    def per_filings(self) -> float:
        return self.per_community(self.filings)

    @property
    def per_fields(self) -> float:
        return self.per_community(self.fields)

    @property
    def per_prefilled(self) -> float:
        return self.per_community(self.prefilled)


def burden(year: int) -> list[Burden]:
    """Per department, what its returns ask of the communities in `year`: how many returns,
    of how many communities, and per community the filings and fields to fill in (a grid's
    filing counts for its community), and how many of those fields the registers pre-fill."""
    ledger: dict[int, Burden] = {}
    returns = (
        Return.objects.filter(starts_on__year__lte=year, ends_on__year__gte=year)
        .select_related("department")
        .prefetch_related("areas", "bindings", "form__fields")
    )
    for return_form in returns:
        filings_per_area = period_rules.in_year(return_form, year)
        if not filings_per_area:
            continue
        fields = sum(1 for f in return_form.form.fields.all() if f.field_type not in ("section",))
        prefilled = len({b.field for b in return_form.bindings.all()})
        entry = ledger.setdefault(return_form.department_id, Burden(return_form.department))
        entry.returns += 1
        per_community: dict[str, int] = defaultdict(int)
        for code in filing_areas(return_form.level, list(return_form.areas.all())).values_list(
            "code", flat=True
        ):
            per_community[code_at_level(code, Area.Level.COMMUNITY)] += 1
        for community, areas in per_community.items():
            entry.communities.add(community)
            entry.filings += areas * filings_per_area
            entry.fields += areas * filings_per_area * fields
            entry.prefilled += areas * filings_per_area * prefilled
    return sorted(ledger.values(), key=lambda b: -b.fields)
