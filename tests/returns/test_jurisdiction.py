"""Every demo role asks for the demo return's table (at every area), its export, every
community's filing form and every community's send-back page (GET, and an empty POST). Who may
is worked out here from the data, not with the project's selectors: the asking department's
people read everywhere; a role whose group may read filings reads the areas under those it is
held on; a role whose group may file files for the communities under those it is held on; who
reads a community's filings and does not file them may send them back. Anyone else gets a 404,
no page names an area the user may not read, and no send-back changes anything without a
reason."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from grid.models import Area, Assignment, Role
from returns import periods
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


def test_every_role_reads_and_files_only_where_it_may(client, demo_city):
    return_form = Return.objects.get(title="社区民政工作月报")
    period = periods.periods(return_form, until=timezone.localdate())[-1]
    # The demo's filings are of the period before: the one its send-back pages act on.
    filed = periods.periods(return_form, until=timezone.localdate())[-2]
    filed_codes = set(
        Filing.objects.filter(period_start=filed.start).values_list("area__code", flat=True)
    )
    assert filed_codes
    streets = list(Area.objects.filter(level=Area.Level.STREET))
    communities = list(Area.objects.filter(level=Area.Level.COMMUNITY))
    checked = 0
    for user in get_user_model().objects.filter(is_superuser=False).order_by("username"):
        client.force_login(user)
        asked_by_theirs = Assignment.objects.filter(
            user=user, department=return_form.department_id
        ).exists()
        readable = held_codes(user, "view_filing")
        fileable = held_codes(user, "add_filing")
        table = f"/returns/{return_form.pk}/"
        for area in [None, *streets, *communities]:
            query = f"?period={period.start}" + (f"&area={area.code}" if area else "")
            reads = asked_by_theirs or (
                any(c.code.startswith(code) for c in communities for code in readable)
                and (area is None or any(area.code.startswith(c) for c in readable))
            )
            for url in (table + query, f"{table}xlsx/{query}"):
                answer = client.get(url)
                assert answer.status_code == (200 if reads else 404), (user.username, url)
                checked += 1
            if reads and area is None and not asked_by_theirs:
                page = client.get(table + query).content.decode()
                shown = [c.name for c in communities if c.name in page]
                assert all(
                    any(c.code.startswith(code) for code in readable)
                    for c in communities
                    if c.name in shown
                ), (user.username, shown)
        for community in communities:
            url = f"/returns/{return_form.pk}/file/{community.code}/{period.start}/"
            files = any(community.code.startswith(c) for c in fileable)
            assert client.get(url).status_code in ((200, 302) if files else (404,)), (
                user.username,
                url,
            )
            send_back = f"/returns/{return_form.pk}/send-back/{community.code}/{filed.start}/"
            sends = asked_by_theirs or (
                any(community.code.startswith(c) for c in readable) and not files
            )
            expected = (200 if community.code in filed_codes else 404) if sends else 404
            for answer in (client.get(send_back), client.post(send_back + "?version=1", {})):
                assert answer.status_code == expected, (user.username, send_back)
                checked += 1
    assert checked > 500
    assert not FilingEvent.objects.exists()
    assert set(Filing.objects.values_list("state", flat=True)) == {Filing.State.FILED}
