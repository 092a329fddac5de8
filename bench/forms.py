"""A public form page (show, submit) and a form's submissions in the admin: the list,
search and CSV/XLSX export with 20,000 submissions in the viewer's jurisdiction."""

import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from forms import services
from forms.models import FormDefinition, FormDefinitionField, FormPage, Submission
from grid.models import Area, Assignment, Role

SUBMISSIONS = 20_000
GRIDS = 20
RUNS = 7
# A supervision report: a problem type with an "other" field shown on demand, a grid, a
# description, an optional photo, a reply wanted that reveals name and phone, an email, a pledge.
REPORT_FIELDS = [
    {"label": "问题情况", "field_type": "section", "help_text": "请尽量写清时间、地点和经过。"},
    {
        "label": "问题类型",
        "field_type": "dropdown",
        "choices": "环境卫生\n设施损坏\n安全隐患\n工作作风\n其他",
    },
    {
        "label": "其他问题类型",
        "field_type": "singleline",
        "condition_field": "问题类型",
        "condition_values": "其他",
    },
    {
        "label": "问题所在网格",
        "field_type": "area",
        "area_level": 3,
        "help_text": "选择问题发生地所在的责任网格。",
    },
    {"label": "问题描述", "field_type": "multiline"},
    {
        "label": "现场照片",
        "field_type": "file",
        "required": False,
        "allowed_file_types": "image",
        "max_file_size": 10,
        "help_text": "可选，照片不超过 10 MB。",
    },
    {"label": "联系方式", "field_type": "section", "help_text": "匿名反映也会受理。"},
    {"label": "是否需要回复", "field_type": "radio", "choices": "需要\n不需要"},
    {
        "label": "姓名",
        "field_type": "singleline",
        "is_personal": True,
        "condition_field": "是否需要回复",
        "condition_values": "需要",
    },
    {
        "label": "联系电话",
        "field_type": "phone",
        "condition_field": "是否需要回复",
        "condition_values": "需要",
    },
    {
        "label": "电子邮箱",
        "field_type": "email",
        "required": False,
        "help_text": "填写后，我们会把查询码发到这个邮箱。",
    },
    {"label": "我承诺所反映的情况属实", "field_type": "checkbox"},
]


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
    definition = FormDefinition(
        slug="supervision-report",
        title="社区监督举报",
        intro="<p>发现社区工作中的问题，或身边的环境、设施、安全隐患，请在这里反映。"
        "社区监督委员会将在 5 个工作日内受理。</p>",
        thank_you_text="<p>我们已收到您的反映。请凭查询码跟进办理情况。</p>",
    )
    definition.fields = [
        FormDefinitionField(sort_order=order, **field) for order, field in enumerate(REPORT_FIELDS)
    ]
    definition.save()
    definition.save_revision().publish()
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

    return timed_work(once, runs)


def timed_work(work, runs: int = RUNS) -> dict:
    """min / median / max in ms of `runs` runs after a warm-up, and the queries of one run."""
    work()  # warm caches
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        work()
    return {
        "min_ms": round(min(timings), 1),
        "median_ms": round(statistics.median(timings), 1),
        "max_ms": round(max(timings), 1),
        "queries": len(queries),
    }


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
    figures = {
        "submissions_in_scope": Submission.objects.count(),
        "build_seconds": round(built, 1),
        "public_form_get": timed(lambda: public.get("/report/")),
        "public_form_submit": timed(submit, expect=302),
        "admin_list_one_form": timed(lambda: admin.get(listing)),
        "admin_list_page_100": timed(lambda: admin.get(f"{listing}&p=100")),
        "admin_list_search": timed(lambda: admin.get(f"{listing}&q=第 12345 号")),
    }
    # The submissions timed above bring the form past 20,000, where its exports would go to the
    # worker: these figures are of an export made within the request.
    with override_settings(FORMS_EXPORT_BACKGROUND_ROWS=0):
        for kind in ("csv", "xlsx"):
            figures[f"export_{kind}_20000"] = timed(
                lambda kind=kind: admin.get(f"{listing}&export={kind}"), runs=3
            )
    return figures
