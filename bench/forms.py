"""Issue 4: a public form page (show, submit) and a form's submissions in the admin: the list,
search and CSV/XLSX export with 20,000 submissions in the viewer's jurisdiction."""

import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from forms import demo, services
from forms.models import FormDefinition, FormPage, Submission
from grid.models import Area, Assignment, Role

SUBMISSIONS = 20_000
GRIDS = 20
RUNS = 7


def build() -> tuple[FormDefinition, list[Area]]:
    district = Area.objects.create(code="340705", name="铜官区")
    street = Area.objects.create(code="340705001", name="长江路街道", parent=district)
    grids = []
    for c in range(1, 3):
        community = Area.objects.create(
            code=f"{street.code}{c:03d}", name=f"社区{c}", parent=street
        )
        grids += [
            Area.objects.create(
                code=f"{community.code}{g:03d}",
                name=f"第{g}网格",
                parent=community,
                kind="residential",
            )
            for g in range(1, GRIDS // 2 + 1)
        ]
    definition = demo.build_definition(demo.FORMS[0])  # the demo's supervision report
    home = Site.objects.get(is_default_site=True).root_page
    page = FormPage(title="Report", slug="report", definition=definition)
    home.add_child(instance=page)
    rng = random.Random(4)
    fields = [f for f in definition.fields.all() if f.field_type not in ("section", "file")]
    snapshot = [[f.clean_name, f.label, f.field_type, f.is_personal] for f in fields]
    names = field_names(definition)
    Submission.objects.bulk_create(
        (
            Submission(
                definition=definition,
                page=page,
                reference=services.new_reference(rng),
                area=(grid := grids[n % len(grids)]),
                is_scoped=True,
                fields_snapshot=snapshot,
                form_data={
                    names[label]: value
                    for label, value in {
                        "问题类型": rng.choice(["环境卫生", "设施损坏", "安全隐患"]),
                        "问题所在网格": {"code": grid.code, "name": grid.name},
                        "问题描述": f"第 {n} 号问题，在 {n % 40} 栋附近",
                        "是否需要回复": "需要",
                        "姓名": f"居民{n}",
                        "联系电话": f"139{n:08d}",
                        "电子邮箱": "",
                        "我承诺所反映的情况属实": True,
                    }.items()
                },
                search_text=f"第 {n} 号问题",
            )
            for n in range(SUBMISSIONS)
        ),
        batch_size=2000,
    )
    return definition, grids


def field_names(definition: FormDefinition) -> dict[str, str]:
    return {field.label: field.clean_name for field in definition.fields.all()}


def reader_of(area: Area):
    user = get_user_model().objects.create_user("bench_reader", password="pw")
    group = Group.objects.create(name="bench-forms")
    group.permissions.set(
        Permission.objects.filter(codename__in=["access_admin", "view_submission"])
    )
    role = Role.objects.create(key="street_official_forms", name="街道", group=group)
    Assignment.objects.create(user=user, role=role, area=area)
    return user


def timed(request, *, expect: int = 200, runs: int = RUNS) -> dict:
    def once():
        response = request()
        assert response.status_code == expect, response.status_code
        if response.streaming:
            b"".join(response.streaming_content)

    once()  # warm caches
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        once()
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        once()
    return {"median_ms": round(statistics.median(timings), 1), "queries": len(queries)}


def run() -> dict:
    started = time.perf_counter()
    definition, grids = build()
    built = time.perf_counter() - started
    public = Client()
    names = field_names(definition)
    answers = {
        names[label]: value
        for label, value in {
            "问题类型": "环境卫生",
            "问题所在网格": grids[0].code,
            "问题描述": "垃圾桶满了",
            "是否需要回复": "需要",
            "姓名": "王芳",
            "联系电话": "13912345678",
            "我承诺所反映的情况属实": "on",
        }.items()
    }

    def submit():
        cache.clear()  # the rate limit would stop a benchmark, not a resident
        return public.post("/report/", answers)

    admin = Client()
    admin.force_login(reader_of(grids[0].parent.parent))
    listing = f"/admin/forms/submission/?definition__id__exact={definition.pk}"
    return {
        "submissions_in_scope": Submission.objects.count(),
        "build_seconds": round(built, 1),
        "public_form_get": timed(lambda: public.get("/report/")),
        "public_form_submit": timed(submit, expect=302),
        "admin_list_one_form": timed(lambda: admin.get(listing)),
        "admin_list_page_100": timed(lambda: admin.get(f"{listing}&p=100")),
        "admin_list_search": timed(lambda: admin.get(f"{listing}&q=第 12345 号")),
        "export_csv_20000": timed(lambda: admin.get(f"{listing}&export=csv"), runs=3),
        "export_xlsx_20000": timed(lambda: admin.get(f"{listing}&export=xlsx"), runs=3),
    }
