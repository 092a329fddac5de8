"""The dashboards on the demo city: every demo role opens the dashboard, and its export, of
every street and community exactly where the data says it may; the processes' figures equal
counts made here from the processes."""

import datetime
import io
import json
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from dashboards import selectors, services
from grid.models import Area, Assignment, Role
from pages.models import ActivitySignup, CommunityPage, VolunteerActivityPage
from workflows.models import ProcessEvent, ProcessInstance, Verdict

pytestmark = pytest.mark.django_db


def held_codes(user) -> list[str]:
    return [
        a.area.code
        for a in Assignment.objects.filter(user=user, role__scope=Role.Scope.AREA).select_related(
            "area", "role__group"
        )
        if a.role.group and a.role.group.permissions.filter(codename="view_dashboard").exists()
    ]


def test_every_role_opens_only_the_dashboards_it_may(client, demo_city):
    services.refresh_all()
    areas = list(Area.objects.filter(level__in=[Area.Level.STREET, Area.Level.COMMUNITY]))
    asked = 0
    for user in get_user_model().objects.filter(is_superuser=False).order_by("username"):
        client.force_login(user)
        codes = held_codes(user)
        top = min(codes, key=len) if len(set(codes)) == 1 else None
        for url in ("/dashboard/", "/dashboard/xlsx/", "/dashboard/processes/xlsx/"):
            assert client.get(url).status_code == (200 if codes else 404), (user.username, url)
        for area in areas:
            inside = any(area.code.startswith(c) for c in codes)
            around = any(c.startswith(area.code) for c in codes) and (
                top is None or area.code.startswith(top)
            )
            page = client.get(f"/dashboard/?area={area.code}")
            assert page.status_code == (200 if inside or around else 404), (
                user.username,
                area.code,
            )
            asked += 1
            if page.status_code == 200:
                body = page.content.decode()
                foreign = [
                    child.name
                    for child in Area.objects.filter(parent=area)
                    if not any(child.code.startswith(c) or c.startswith(child.code) for c in codes)
                ]
                assert not [name for name in foreign if f">{name}</a>" in body], user.username
    assert asked > 200


def test_the_processes_figures_equal_counts_of_the_processes(demo_city):
    closed = ProcessInstance.objects.exclude(outcome="").order_by("pk")[:2]
    for process, satisfaction in zip(closed, (5, 2), strict=True):
        Verdict.objects.create(
            process=process, resolved=satisfaction > 3, satisfaction=satisfaction
        )
    services.refresh_all()
    district = Area.objects.get(level=Area.Level.DISTRICT)
    today = timezone.localdate()
    since = today - datetime.timedelta(days=selectors.RECENT_DAYS - 1)
    zone = timezone.get_current_timezone()
    shown = {f.definition.pk: f for f in selectors.processes(district, None).figures}
    for definition_id in set(
        ProcessInstance.objects.values_list("version__definition_id", flat=True)
    ):
        processes = ProcessInstance.objects.filter(version__definition_id=definition_id)
        started = [p for p in processes if p.created.astimezone(zone).date() >= since]
        closed = [
            p
            for p in processes
            if p.outcome and p.finished and p.finished.astimezone(zone).date() >= since
        ]
        late = set(
            ProcessEvent.objects.filter(kind=ProcessEvent.Kind.OVERDUE).values_list(
                "process_id", flat=True
            )
        )
        figures = shown[definition_id]
        assert figures.started == len(started)
        assert figures.closed == len(closed)
        assert figures.closed_on_time == len([p for p in closed if p.pk not in late])
        assert figures.approved == len([p for p in closed if p.outcome == "approved"])
        assert figures.rejected == len([p for p in closed if p.outcome == "rejected"])
        verdicts = [
            v
            for v in Verdict.objects.filter(process__version__definition_id=definition_id)
            if v.at.astimezone(zone).date() >= since
        ]
        assert figures.verdicts == len(verdicts)
        assert figures.satisfied == len([v for v in verdicts if v.satisfaction >= 4])
        assert figures.satisfaction == sum(v.satisfaction for v in verdicts)
    assert sum(f.verdicts for f in shown.values()) == 2
    assert sum(f.satisfied for f in shown.values()) == 1
    level = selectors.level(district, None, get_user_model().objects.get(username="admin"))
    for row in level.rows:
        assert (
            row.processes_open
            == ProcessInstance.objects.filter(
                area__code__startswith=row.area.code, outcome=""
            ).count()
        )


def test_volunteer_activities_and_hours_equal_the_community_pages_own(demo_city):
    community_page = CommunityPage.objects.get(area__code="340705001001")
    activity = VolunteerActivityPage.objects.descendant_of(community_page).first()
    activity.starts_at = timezone.now() - datetime.timedelta(days=3)
    activity.ends_at = activity.starts_at + datetime.timedelta(hours=2)
    activity.save()
    volunteer = get_user_model().objects.get(username="volunteer")
    ActivitySignup.objects.update_or_create(
        activity=activity, volunteer=volunteer, defaults={"status": "confirmed", "hours": 2.5}
    )
    admin = get_user_model().objects.get(username="admin")
    street = Area.objects.get(code="340705001")
    level = selectors.level(street, None, admin)
    since = timezone.localdate() - datetime.timedelta(days=selectors.RECENT_DAYS)
    for row in level.rows:
        pages = CommunityPage.objects.filter(area=row.area)
        held = [
            a
            for page in pages
            for a in VolunteerActivityPage.objects.live().descendant_of(page)
            if since < timezone.localtime(a.starts_at).date() <= timezone.localdate()
        ]
        hours = sum(
            float(s.hours)
            for s in ActivitySignup.objects.filter(activity__in=held, hours__isnull=False)
        )
        assert (row.activities_recent, row.volunteer_hours_recent) == (len(held), hours)
    assert level.total.volunteer_hours_recent >= 2.5


@pytest.mark.parametrize(
    ("process", "label"),
    [
        ("supervision-review", "监督类别"),
        ("grid-incident", "事件类型"),
        ("community-work-access", "申请部门"),
    ],
)
def test_processes_are_counted_by_their_category(client, demo_city, process, label):
    """Supervision reports by the category their reporters chose, incidents by kind, access
    requests by department: each category's figures are those of its processes, and the page
    and its export show them under the process."""
    services.refresh_all()
    district = Area.objects.get(level=Area.Level.DISTRICT)
    figures = next(
        f for f in selectors.processes(district, None).figures if f.definition.key == process
    )
    processes = ProcessInstance.objects.filter(version__definition=figures.definition)
    field = figures.definition.intake_form.fields.get(label=label).clean_name
    since = timezone.localdate() - datetime.timedelta(days=selectors.RECENT_DAYS - 1)
    zone = timezone.get_current_timezone()
    expected: dict[str, list] = {}
    for p in processes.select_related("submission"):
        if p.created.astimezone(zone).date() >= since:
            expected.setdefault(p.submission.form_data[field], []).append(p)
    assert expected, "the demo has processes of this kind"
    shown = {item.category: item for item in figures.categories}
    assert {name: item.started for name, item in shown.items() if item.started} == {
        name: len(found) for name, found in expected.items()
    }
    assert sum(item.started for item in figures.categories) == figures.started
    assert sum(item.closed for item in figures.categories) == figures.closed

    client.force_login(get_user_model().objects.get(username="admin"))
    page = client.get(f"/dashboard/?area={district.code}").content.decode()
    category = next(iter(expected))
    assert f'<tr class="dashboard-category"><th scope="row">{category}</th>' in page
    # The chart of categories carries the same figures.
    chart = json.loads(
        re.search(r'id="dashboard-chart-data" type="application/json">(.*?)</script>', page)[1]
    )["categories"]
    bar = chart["names"].index(f"{figures.definition.name} · {category}")
    assert chart["started"][bar] == len(expected[category])
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/dashboard/processes/xlsx/?area={district.code}").content)
    )
    rows = list(book.active.values)
    assert (figures.definition.name, category, len(expected[category])) in [r[:3] for r in rows]
