"""In Chinese, the demo street official opens the dashboard of their street, sees its three
communities with a chart, drills into 五松社区 and into its first grid, and exports the
community's table to XLSX, whose cells equal the registers' counts; back at the street, they
open the appraisal of its communities and grid workers, with the weights they may set."""

import io
from pathlib import Path

import openpyxl
import pytest

from dashboards import services
from grid.models import Area, Household

from ..factories import BuildingFactory, HouseholdFactory, ResidentFactory
from ..workflows.city import build_city
from .conftest import screenshot
from .test_stages_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WUSONG = "340705001001"


def test_a_street_official_drills_down_to_a_grid_and_exports(live_server, page, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    for n, grid in enumerate(Area.objects.filter(parent__code=WUSONG).order_by("code")[:3]):
        building = BuildingFactory(grid=grid)
        for _ in range(n + 2):
            ResidentFactory(household=HouseholdFactory(building=building))
    services.refresh_all()
    sign_in(page, live_server.url, "street_official")
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_role("heading", name="数据看板 · 长江路街道").wait_for()
    page.locator("#chart-areas canvas").first.wait_for()
    rows = page.locator(".dashboard-table").first.locator("tbody tr")
    assert rows.count() == 3
    # The map draws the three communities, coloured by households, then by residents.
    shapes = page.locator("#dashboard-map path.leaflet-interactive")
    shapes.first.wait_for()
    assert shapes.count() == 3
    page.get_by_label("地图着色依据").select_option(label="居民")
    assert page.locator("#dashboard-legend li").count() == 5
    screenshot(page, "dashboard-street")
    page.get_by_role("link", name="五松社区").click()
    page.get_by_role("heading", name="数据看板 · 五松社区").wait_for()
    first = Area.objects.filter(parent__code=WUSONG).order_by("code").first()
    row = page.locator("tr", has_text=first.name)
    assert row.locator("td").first.inner_text() == "2"  # its households
    with page.expect_download() as download:
        page.get_by_role("link", name="导出为 XLSX").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    table = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert table[0][:4] == ["区域", "编码", "住户", "居民"]
    by_name = {r[0]: r for r in table[1:]}
    for grid in Area.objects.filter(parent__code=WUSONG):
        households = Household.objects.filter(building__grid=grid).count()
        assert by_name[grid.name][2] == households
    assert by_name["合计"][2] == 2 + 3 + 4
    page.get_by_role("link", name=first.name).click()
    page.get_by_role("heading", name=f"数据看板 · {first.name}").wait_for()
    trail = page.locator("nav.dashboard-trail").inner_text()
    assert trail.split(" › ") == ["长江路街道", "五松社区", first.name]
    screenshot(page, "dashboard-grid")
    page.get_by_role("link", name="长江路街道").click()
    page.get_by_role("link", name="社区和网格员绩效考核").click()
    page.locator("#chart-appraisal canvas").first.wait_for()
    communities = page.locator("#appraisal-communities tbody tr")
    assert communities.count() == 3
    assert "五松社区" in communities.first.inner_text()
    assert page.get_by_role("button", name="保存权重").is_visible()
    screenshot(page, "dashboard-appraisal")
