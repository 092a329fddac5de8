"""Returns, the access list entries that admit them, their filers and readers."""

import datetime

from django.utils import timezone

from forms import services as form_services
from forms.builder import SubmissionForm
from forms.models import FormDefinition
from grid.models import Area, Department
from pages.models import AccessListEntry
from returns import periods, services
from returns.models import Binding, Filing, Return

from ..factories import (
    AssignmentFactory,
    DepartmentFactory,
    RoleFactory,
    UserFactory,
    group_with,
    worker_on,
)
from ..forms.factories import definition_with

FILES = ("returns.add_filing", "returns.view_filing")
READS = ("returns.view_filing",)
MANAGES = (
    "wagtailadmin.access_admin",
    "returns.view_return",
    "returns.add_return",
    "returns.change_return",
    "returns.delete_return",
)
YEAR_START, YEAR_END = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
JANUARY = datetime.date(2026, 1, 1)
# The admin's own view defining a return.
ADD = "/admin/return_definitions/new/"


def monthly_form() -> FormDefinition:
    return definition_with(
        {"label": "户数", "field_type": "number"},
        {"label": "老年人数", "field_type": "number"},
        {"label": "新增救助对象", "field_type": "number"},
        {"label": "工作情况", "field_type": "multiline", "required": False},
        title="民政月报",
    )


def admit(department: Department, *communities: Area, **dates) -> list[AccessListEntry]:
    return [
        AccessListEntry.objects.create(
            community=community,
            department=department,
            content="民政月报",
            starts_on=dates.get("starts_on", YEAR_START),
            ends_on=dates.get("ends_on", YEAR_END),
        )
        for community in communities
    ]


def monthly_return(department: Department, areas: list[Area], **fields) -> Return:
    """A monthly return of the communities of `areas` for 2026, admitted by entries made for
    it, its first two fields filled in with households and residents aged 60 or over."""
    communities = Area.objects.filter(
        level=Area.Level.COMMUNITY, code__regex=r"^(" + "|".join(a.code for a in areas) + ")"
    )
    return_form = Return(
        title=fields.pop("title", "民政月报"),
        department=department,
        form=fields.pop("form", None) or monthly_form(),
        period=Return.Period.MONTHLY,
        level=Area.Level.COMMUNITY,
        starts_on=YEAR_START,
        ends_on=YEAR_END,
        due_days=5,
        remind_days=3,
        **fields,
    )
    fields_by_label = {f.label: f.clean_name for f in return_form.form.fields.all()}
    return_form.areas = areas
    return_form.access_entries = admit(department, *communities)
    return_form.bindings = [
        Binding(field=fields_by_label["户数"], figure="households", sort_order=0),
        Binding(field=fields_by_label["老年人数"], figure="residents_60_plus", sort_order=1),
    ]
    return_form.save()
    return return_form


def definition_data(
    department: Department,
    form: FormDefinition,
    areas: list[Area],
    entries: list[AccessListEntry],
    bindings=(),
) -> dict:
    """What the admin's form posts for a monthly return of the communities of `areas` in
    2026, citing `entries`, with fields bound to figures as (label, figure)."""
    data = {
        "title": "民政月报",
        "department": department.pk,
        "form": form.pk,
        "period": "monthly",
        "level": "2",
        "areas": [area.pk for area in areas],
        "starts_on": YEAR_START.isoformat(),
        "ends_on": YEAR_END.isoformat(),
        "due_days": "5",
        "remind_days": "3",
        "access_entries": [entry.pk for entry in entries],
        "bindings-TOTAL_FORMS": str(len(bindings)),
        "bindings-INITIAL_FORMS": "0",
        "bindings-MIN_NUM_FORMS": "0",
        "bindings-MAX_NUM_FORMS": "1000",
    }
    for index, (field, figure) in enumerate(bindings):
        data |= {
            f"bindings-{index}-field": field,
            f"bindings-{index}-figure": figure,
            f"bindings-{index}-tag": "",
            f"bindings-{index}-ORDER": str(index),
            f"bindings-{index}-DELETE": "",
            f"bindings-{index}-id": "",
        }
    return data


def filer(area: Area, **user_fields):
    return worker_on(area, FILES, **user_fields)


def reader(area: Area, **user_fields):
    return worker_on(area, READS, **user_fields)


def clerk(department: Department, **user_fields):
    """A department clerk who manages the department's returns (and reads their tables)."""
    role = RoleFactory(group=group_with(*MANAGES), scope="department")
    user = UserFactory(**user_fields)
    return AssignmentFactory(role=role, area=None, department=department, user=user).user


def office(street: Area) -> Department:
    """The street's own office (街道办事处)."""
    return DepartmentFactory(name=f"{street.name}办事处", street=street)


def official(street: Area, **user_fields):
    """A street official who may define returns (so acts for the street's office) and read
    the street's filings."""
    return worker_on(street, (*MANAGES, *READS), **user_fields)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def answered(return_form: Return, answers: dict) -> SubmissionForm:
    """The return's form validated with answers given by field label."""
    names = {f.label: f.clean_name for f in return_form.form.fields.all()}
    form = form_services.validate(
        return_form.form, {names[label]: value for label, value in answers.items()}
    )
    assert form.is_valid(), form.errors
    return form


def file(city, index: int, answers: dict, when: datetime.datetime, period=None) -> Filing:
    """The city's `index`th community files its answers (by label) for January, or `period`."""
    return_form = city["return"]
    community = city["communities"][index]
    period = period or periods.period_starting(return_form, JANUARY)
    prefilled = services.prefill(return_form, community, period)
    return services.file(
        city["filers"][index],
        return_form,
        community,
        period,
        answered(return_form, answers),
        prefilled,
        now=when,
    )
