"""Every demo role asks for the demo return's table (at every area), its export, every
community's filing form and every community's send-back page (GET, and an empty POST); and the
same for a return of 长江路街道's own office. Who may is worked out here from the data, not with
the project's selectors: the asking department's people read everywhere (for a street's office,
also whoever holds a role that may define returns on that very street); a role whose group may
read filings reads the areas under those it is held on; a role whose group may file files for
the communities under those it is held on; who reads a community's filings and does not file
them may send them back. Anyone else gets a 404, no page names an area the user may not read,
and no send-back changes anything without a reason."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from forms import services as form_services
from grid.models import Area, Assignment, Department, Role
from pages.services import publish_access_entry
from returns import periods, services
from returns.models import Filing, FilingEvent, Return

pytestmark = pytest.mark.django_db


def held_codes(user, codename: str) -> list[str]:
    return [
        a.area.code
        for a in Assignment.objects.filter(user=user, role__scope=Role.Scope.AREA).select_related(
            "area", "role__group"
        )
        if a.role.group and a.role.group.permissions.filter(codename=codename).exists()
    ]


def asks(user, return_form: Return) -> bool:
    """Whether the user is one of the asking department's people."""
    department = return_form.department
    return Assignment.objects.filter(user=user, department=department).exists() or (
        department.street is not None and department.street.code in held_codes(user, "add_return")
    )


def test_every_role_reads_and_files_only_where_it_may(client, demo_city):
    every_role_reads_and_files_only_where_it_may(
        client, Return.objects.get(title="社区民政工作月报")
    )


def test_a_street_office_s_return_is_its_street_s_officials_and_its_readers(client, demo_city):
    """The office of 长江路街道 asks its communities for a monthly return, admitted by its entry
    in 五松社区 (the demo's) and others made here; 五松社区 filed the month before."""
    demo_return = Return.objects.get(title="社区民政工作月报")
    street = Area.objects.get(name="长江路街道")
    office = Department.objects.get(street=street)
    communities = list(Area.objects.filter(parent=street))
    for community in communities:
        if not office.access_entries.filter(community=community).exists():
            publish_access_entry(
                community=community,
                department=office,
                content="社区平安建设工作月报",
                starts_on=demo_return.starts_on,
                ends_on=demo_return.ends_on,
            )
    return_form = Return(
        title="社区平安建设工作月报",
        department=office,
        form=demo_return.form,
        period=Return.Period.MONTHLY,
        level=Area.Level.COMMUNITY,
        # From last month whatever the month (the demo's starts in January, in January).
        starts_on=(timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1),
        ends_on=demo_return.ends_on,
    )
    return_form.areas = [street]
    return_form.access_entries = list(office.access_entries.all())
    return_form.save()
    filed = periods.periods(return_form, until=timezone.localdate())[-2]
    wusong = Area.objects.get(name="五松社区")
    answers = {f.clean_name: "1" for f in return_form.form.fields.filter(field_type="number")}
    form = form_services.validate(return_form.form, answers)
    assert form.is_valid(), form.errors
    worker = get_user_model().objects.get(username="community_worker")
    services.file(worker, return_form, wusong, filed, form, {})
    every_role_reads_and_files_only_where_it_may(client, return_form)


def smallest_holding(codes: list[str]) -> str:
    """The code of the smallest area holding the areas of all these codes."""
    length = min(len(code) for code in codes)
    while length > 6 and len({code[:length] for code in codes}) > 1:
        length -= 3  # up a level
    return codes[0][:length]


def under(code: str, codes: list[str]) -> bool:
    return any(code.startswith(c) for c in codes)


def every_role_reads_and_files_only_where_it_may(client, return_form: Return) -> None:
    period = periods.periods(return_form, until=timezone.localdate())[-1]
    # The filings are of the period before: the one the send-back pages act on.
    filed = periods.periods(return_form, until=timezone.localdate())[-2]
    filed_codes = set(
        Filing.objects.filter(return_form=return_form, period_start=filed.start).values_list(
            "area__code", flat=True
        )
    )
    assert filed_codes
    streets = list(Area.objects.filter(level=Area.Level.STREET))
    communities = list(Area.objects.filter(level=Area.Level.COMMUNITY))
    asked = [a.code for a in return_form.areas.all()]
    filing = [c for c in communities if under(c.code, asked)]
    checked = 0
    for user in get_user_model().objects.filter(is_superuser=False).order_by("username"):
        client.force_login(user)
        asked_by_theirs = asks(user, return_form)
        readable = held_codes(user, "view_filing")
        fileable = held_codes(user, "add_filing")
        seen = [c.code for c in filing if asked_by_theirs or under(c.code, readable)]
        table = f"/returns/{return_form.pk}/"
        for area in [None, *streets, *communities]:
            query = f"?period={period.start}" + (f"&area={area.code}" if area else "")
            # A table opens at the smallest area holding what the user reads, or below it.
            reads = bool(seen) and (area is None or area.code.startswith(smallest_holding(seen)))
            for url in (table + query, f"{table}xlsx/{query}"):
                answer = client.get(url)
                assert answer.status_code == (200 if reads else 404), (user.username, url)
                checked += 1
            if reads and area is None and not asked_by_theirs:
                page = client.get(table + query).content.decode()
                shown = [c.name for c in communities if c.name in page]
                assert all(under(c.code, readable) for c in communities if c.name in shown), (
                    user.username,
                    shown,
                )
        for community in communities:
            url = f"/returns/{return_form.pk}/file/{community.code}/{period.start}/"
            files_here = under(community.code, fileable)
            files = community in filing and files_here
            assert client.get(url).status_code in ((200, 302) if files else (404,)), (
                user.username,
                url,
            )
            send_back = f"/returns/{return_form.pk}/send-back/{community.code}/{filed.start}/"
            sends = community in filing and (
                asked_by_theirs or (under(community.code, readable) and not files_here)
            )
            expected = (200 if community.code in filed_codes else 404) if sends else 404
            for answer in (client.get(send_back), client.post(send_back + "?version=1", {})):
                assert answer.status_code == expected, (user.username, send_back)
                checked += 1
    assert checked > 500
    assert not FilingEvent.objects.exists()
    assert set(Filing.objects.values_list("state", flat=True)) == {Filing.State.FILED}
