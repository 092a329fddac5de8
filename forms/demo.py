"""Demo forms: a supervision report and a volunteer sign-up, published and placed on pages under
the demo portal, and a few supervision reports in two communities so that jurisdiction shows.
Matched by slug and reference code, so a second run creates nothing."""

import random
from collections import Counter

from django.contrib.auth.models import Permission
from django.db import transaction

from grid.models import Area, Assignment, Role
from pages.demo import PORTAL_SLUG
from pages.models import PortalPage

from . import services
from .models import FormDefinition, FormDefinitionField, FormPage

CHOOSE_GRID = "选择问题发生地所在的责任网格。"
SUPERVISION_FIELDS = [
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
    {"label": "问题所在网格", "field_type": "area", "area_level": 3, "help_text": CHOOSE_GRID},
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
VOLUNTEER_FIELDS = [
    {"label": "姓名", "field_type": "singleline", "is_personal": True},
    {"label": "身份证号", "field_type": "id_number"},
    {"label": "手机号码", "field_type": "phone"},
    {"label": "电子邮箱", "field_type": "email", "required": False},
    {"label": "报名社区", "field_type": "area", "area_level": 2},
    {
        "label": "服务意向",
        "field_type": "checkboxes",
        "choices": "环境整治\n助老助残\n文明劝导\n平安巡逻\n政策宣传",
    },
    {"label": "可服务时间", "field_type": "radio", "choices": "工作日\n周末\n均可"},
    {"label": "是否有专业特长", "field_type": "radio", "choices": "是\n否", "default_value": "否"},
    {
        "label": "特长说明",
        "field_type": "multiline",
        "help_text": "例如医护、法律、维修、心理咨询。",
        "condition_field": "是否有专业特长",
        "condition_values": "是",
    },
    {"label": "我同意社区工作人员核实以上信息", "field_type": "checkbox"},
]
FORMS = [
    {
        "slug": "supervision-report",
        "title": "社区监督举报",
        "intro": "<p>发现社区工作中的问题，或身边的环境、设施、安全隐患，请在这里反映。"
        "社区监督委员会将在 5 个工作日内受理。</p>",
        "thank_you_text": "<p>我们已收到您的反映。请凭查询码跟进办理情况。</p>",
        "fields": SUPERVISION_FIELDS,
    },
    {
        "slug": "volunteer-signup",
        "title": "社区志愿者报名",
        "intro": "<p>欢迎加入社区志愿服务队伍。社区将在审核后与您联系。</p>",
        "thank_you_text": "<p>感谢报名！社区审核通过后会电话联系您。</p>",
        "fields": VOLUNTEER_FIELDS,
    },
]
# Roles that read the forms sent in their jurisdiction.
SUBMISSION_READERS = (
    "platform_admin",
    "street_official",
    "street_leader",
    "community_director",
    "community_worker",
    "grid_worker",
)
DEMO_REPORTS = [
    ("环境卫生", "小区东门垃圾桶满溢，连续三天无人清运。"),
    ("设施损坏", "3 栋楼道声控灯损坏，晚上老人上下楼不便。"),
    ("安全隐患", "地下车库有电动车违规充电，飞线从一楼窗户拉出。"),
    ("工作作风", "到社区办理证明，工作人员让我来回跑了三次。"),
]


@transaction.atomic
def build() -> Counter:
    created: Counter = Counter()
    portal = PortalPage.objects.filter(slug=PORTAL_SLUG).first()
    for spec in FORMS:
        definition = FormDefinition.objects.filter(slug=spec["slug"]).first()
        if definition is None:
            definition = build_definition(spec)
            created["form definitions"] += 1
        if portal is not None and not FormPage.objects.filter(slug=spec["slug"]).exists():
            page = FormPage(title=spec["title"], slug=spec["slug"], definition=definition)
            portal.add_child(instance=page)
            page.save_revision().publish()
            created["form pages"] += 1
    readers = Role.objects.filter(key__in=SUBMISSION_READERS, group__isnull=False)
    view = Permission.objects.get(content_type__app_label="forms", codename="view_submission")
    for role in readers.select_related("group"):
        role.group.permissions.add(view)
    created["supervision reports"] += build_reports()
    return created


def build_definition(spec: dict) -> FormDefinition:
    definition = FormDefinition(
        slug=spec["slug"],
        title=spec["title"],
        intro=spec["intro"],
        thank_you_text=spec["thank_you_text"],
    )
    definition.fields = [
        FormDefinitionField(sort_order=order, **field) for order, field in enumerate(spec["fields"])
    ]
    problems = services.check_definition(list(definition.fields.all()))
    if problems:
        raise ValueError(f"Demo form {spec['slug']} is not valid: {problems}")
    definition.save()
    definition.save_revision().publish()
    return definition


def build_reports() -> int:
    """Two reports from each of the demo community workers' communities."""
    definition = FormDefinition.objects.get(slug="supervision-report")
    if definition.submissions.exists():
        return 0
    page = FormPage.objects.filter(definition=definition).first()
    names = {field.label: field.clean_name for field in definition.fields.all()}
    communities = Area.objects.filter(
        pk__in=Assignment.objects.filter(
            user__username__in=["community_worker", "community_worker_2"]
        ).values("area")
    ).order_by("code")
    count = 0
    for community in communities:
        grids = list(Area.objects.grids().filter(parent=community).order_by("code")[:2])
        for grid in grids:
            rng = random.Random(f"demo-report-{grid.code}")
            kind, description = DEMO_REPORTS[count % len(DEMO_REPORTS)]
            answers = {
                "问题类型": kind,
                "问题所在网格": grid.code,
                "问题描述": description,
                "是否需要回复": "需要",
                "姓名": rng.choice("张王李陈") + rng.choice(["明", "芳", "建国", "秀英"]),
                "联系电话": f"139{rng.randrange(10**8):08d}",
                "我承诺所反映的情况属实": "on",
            }
            form = services.validate(
                definition, {names[label]: value for label, value in answers.items()}
            )
            services.store_submission(form, page=page, rng=rng)
            count += 1
    return count
