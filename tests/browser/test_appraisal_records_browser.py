"""In Chinese, the demo street official opens the appraisal of their street and a figure of
五松社区: the rounds made last month, listed one a row, as many as the figure says."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from daily.models import Inspection
from dashboards import services
from grid.models import Area

from ..workflows.city import build_city
from .conftest import screenshot
from .test_stages_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WUSONG = "340705001001"


def test_a_street_official_opens_the_rounds_behind_a_figure(live_server, page, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    build_city()
    services.refresh_all()
    # Three rounds last month (the month the appraisal opens on) and one this month.
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    grids = list(Area.objects.filter(parent__code=WUSONG).order_by("code")[:2])
    walker = get_user_model().objects.get(username="grid_worker")
    days = [last_month.replace(day=n) for n in (3, 4, 5)] + [timezone.localdate()]
    for n, on in enumerate(days):
        moment = timezone.make_aware(datetime.datetime.combine(on, datetime.time(9 + n)))
        Inspection.objects.create(
            grid=grids[n % 2],
            inspector=walker,
            started_at=moment,
            finished_at=moment + datetime.timedelta(minutes=40),
        )
    sign_in(page, live_server.url, "street_official")
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_role("link", name="社区和网格员绩效考核").click()
    row = page.locator("#appraisal-communities tbody tr", has_text="五松社区")
    figure = row.get_by_title("完成的巡查")
    assert figure.inner_text() == "3"
    figure.click()
    heading = f"五松社区 · {last_month.year}年{last_month.month}月 · 完成的巡查"
    page.get_by_role("heading", name=heading).wait_for()
    assert page.locator("#appraisal-records tbody tr").count() == 3
    assert page.locator("#records-count").inner_text() == "共 3 条记录，均计入考核。"
    headers = page.locator("#appraisal-records thead th").all_inner_texts()
    assert headers == ["网格", "网格员", "开始", "结束"]
    screenshot(page, "appraisal-records")
