"""The public burden ledger: per department, what its returns ask of each community in a
year, counted independently here from the returns' periods, areas and fields."""

import pytest
from django.core.management import call_command

from grid.models import Area
from returns.models import Return
from workflows.models import PeriodicRun

from ..factories import CommunityFactory, DepartmentFactory, GridFactory, StreetFactory
from .factories import admit, monthly_return

pytestmark = pytest.mark.django_db


def test_the_ledger_counts_returns_filings_and_fields_per_community(client):
    street = StreetFactory()
    first, second = (CommunityFactory(parent=street, name=n) for n in ("五松社区", "长江社区"))
    for community in (first, second):
        GridFactory(parent=community)
        GridFactory(parent=community)
    civil = DepartmentFactory(name="区民政局")
    monthly_return(civil, [street])  # 12 filings a year, 4 fields of which 2 pre-filled
    quarterly = monthly_return(civil, [first], title="网格季报")
    quarterly.period = Return.Period.QUARTERLY
    quarterly.level = Area.Level.GRID  # each of 五松社区's two grids files
    quarterly.save()
    admit(DepartmentFactory(name="区城管局"), first)  # admitted work, no return: not listed

    page = client.get("/returns/burden/?year=2026").content.decode()
    assert "区城管局" not in page
    (entry,) = page.split("<tbody>")[1].split("</tbody>")[0].split("</tr>")[:1]
    cells = [c.split("</td>")[0] for c in entry.split('<td class="num">')[1:]]
    # Returns 2; communities 2; filings: 五松 12 + 2×4 = 20, 长江 12 → 16 per community;
    # fields ×4 each → 64; pre-filled ×2 → 32.
    assert "区民政局" in entry
    assert cells == ["2", "2", "16.0", "64.0", "32.0"]
    assert client.get("/returns/burden/?year=2020").status_code == 200
    assert "区民政局" not in client.get("/returns/burden/?year=2020").content.decode()
    assert client.get("/returns/burden/?year=x").status_code == 200


def test_the_daily_job_is_recorded():
    street = StreetFactory()
    monthly_return(DepartmentFactory(), [CommunityFactory(parent=street)])
    call_command("remind_returns")
    run = PeriodicRun.objects.get(job="remind_returns")
    assert run.finished_at is not None and run.error == ""


def test_a_grid_return_drills_from_the_district_to_the_grids(client):
    street = StreetFactory(name="长江路街道")
    community = CommunityFactory(parent=street, name="五松社区")
    grids = [GridFactory(parent=community, name=f"第{n}网格") for n in "一二"]
    department = DepartmentFactory()
    grid_return = monthly_return(department, [street])
    grid_return.level = Area.Level.GRID
    grid_return.save()
    from .factories import clerk

    client.force_login(clerk(department))
    url = f"/returns/{grid_return.pk}/?period=2026-01-01"
    # The table opens at the smallest area holding every filing area: the community.
    page = client.get(url).content.decode()
    assert "0 of 2 filed" in page
    assert all(grid.name in page for grid in grids) and "Overdue" in page
    other = GridFactory(parent=CommunityFactory(parent=street), name="第九网格")
    page = client.get(url).content.decode()
    assert "0 of 3 filed" in page and "第九网格" not in page and "五松社区" in page
    page = client.get(f"{url}&area={community.code}").content.decode()
    assert all(grid.name in page for grid in grids) and other.name not in page
    assert client.get(f"{url}&area={grids[0].code}").status_code == 200
    assert client.get(f"{url}&area=999999").status_code == 404
