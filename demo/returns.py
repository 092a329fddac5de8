"""The demo's return: 区民政局's monthly 社区民政工作月报, admitted by the civil affairs entries on
the communities' access lists, four of its six fields filled in from the registers. Last month
五松社区 filed on time and 金口岭社区 late; the others are overdue, and this month's is open."""

import datetime
from collections import Counter

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from forms import services as form_services
from forms.models import FormDefinition, FormDefinitionField
from grid.models import Area, Department, Tag
from pages.models import AccessListEntry
from returns import periods, services
from returns.models import Binding, Filing, Return

SLUG = "civil-affairs-monthly"
FIELDS = [
    ("户数", "number", True, "households", ""),
    ("60周岁以上老年人数", "number", True, "residents_60_plus", ""),
    ("低保户数", "number", True, "households_tagged", "低保户"),
    ("本月走访户次", "number", True, "visits", ""),
    ("本月新增救助对象", "number", True, "", ""),
    ("本月民政工作情况", "multiline", False, "", ""),
]
# Last month's filings: (community code, filer, days after the period's end, added to the
# first figure as the filer's correction).
FILED = [("340705001001", "community_worker", 3, 0), ("340705002002", "community_worker_2", 9, 2)]


def form_definition() -> FormDefinition:
    definition = FormDefinition.objects.filter(slug=SLUG).first()
    if definition is not None:
        return definition
    definition = FormDefinition(
        title="社区民政工作月报",
        slug=SLUG,
        intro="<p>每月由社区填报，区民政局汇总。</p>",
        thank_you_text="<p>已报送。</p>",
    )
    definition.fields = [
        FormDefinitionField(
            sort_order=order,
            label=label,
            field_type=field_type,
            required=required,
            min_value=0 if field_type == "number" else None,
        )
        for order, (label, field_type, required, _figure, _tag) in enumerate(FIELDS)
    ]
    definition.save()
    definition.save_revision().publish()
    return definition


def build() -> Counter:
    created: Counter = Counter()
    department = Department.objects.filter(key="civil_affairs").first()
    entries = list(
        AccessListEntry.objects.filter(department=department).select_related("community")
    )
    if department is None or not entries or Return.objects.filter(form__slug=SLUG).exists():
        return created
    today = timezone.localdate()
    # From last month, so that the demo shows a month being filed and one open (not ten
    # overdue ones); in January the entries of the year admit this month only.
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    starts_on = max(today.replace(month=1, day=1), last_month)
    ends_on = today.replace(month=12, day=31)
    entries = [e for e in entries if e.starts_on <= starts_on and e.ends_on >= ends_on]
    with transaction.atomic():
        return_form = Return(
            title="社区民政工作月报",
            department=department,
            form=form_definition(),
            period=Return.Period.MONTHLY,
            level=Area.Level.COMMUNITY,
            starts_on=starts_on,
            ends_on=ends_on,
            due_days=5,
            remind_days=3,
        )
        return_form.areas = sorted({e.community for e in entries}, key=lambda a: a.code)
        return_form.access_entries = entries
        return_form.bindings = [
            Binding(
                field=label,
                figure=figure,
                tag=Tag.objects.filter(name=tag).first() if tag else None,
                sort_order=order,
            )
            for order, (label, _type, _required, figure, tag) in enumerate(FIELDS)
            if figure and (not tag or Tag.objects.filter(name=tag).exists())
        ]
        return_form.save()
        created["returns"] += 1
        created["filings"] += file_last_month(return_form, today)
    return created


def file_last_month(return_form: Return, today: datetime.date) -> int:
    ended = [p for p in periods.periods(return_form, until=today) if p.end < today]
    if not ended:
        return 0
    period = ended[-1]
    users = get_user_model().objects.in_bulk(
        [user for _c, user, _d, _x in FILED], field_name="username"
    )
    filed = 0
    for code, username, days, correction in FILED:
        area = Area.objects.filter(code=code).first()
        user = users.get(username)
        if area is None or user is None:
            continue
        prefilled = services.prefill(return_form, area, period)
        answers: dict[str, object] = dict(prefilled)
        first = next(iter(answers), None)
        if first:
            answers[first] = prefilled[first] + correction
        for field in return_form.form.fields.all():
            answers.setdefault(field.clean_name, 0 if field.field_type == "number" else "")
        names = {f.label: f.clean_name for f in return_form.form.fields.all()}
        answers[names["本月新增救助对象"]] = 1
        answers[names["本月民政工作情况"]] = "完成低保对象入户复核。"
        form = form_services.validate(return_form.form, answers)
        filing = services.file(user, return_form, area, period, form, prefilled)
        day = period.end + datetime.timedelta(days=days)
        moment = min(
            timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))), filing.filed_at
        )
        Filing.objects.filter(pk=filing.pk).update(
            filed_at=moment, late=timezone.localdate(moment) > period.due
        )
        filed += 1
    return filed
