"""The demo's processes: the four shipped definitions (fixtures/workflows/) imported, a form
page for each on the portal, and a handful of processes run through the engine's services
into different states — waiting at each stage, referred, returned, approved, rejected — so
that every demo role's inbox has work.

Importing an unchanged file writes nothing, pages are matched by slug, and each demo process
by the reference code its seeded generator draws, so a second run creates nothing. No email
is sent while the demo is built: its notifications are in the app only."""

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test.utils import override_settings
from viewflow.workflow.status import STATUS

from forms import services as form_services
from forms.builder import SubmissionForm
from forms.models import FormDefinition, Submission
from grid.models import Assignment, Department
from pages.models import PortalPage
from workflows import selectors, services
from workflows.definition_files import import_text
from workflows.models import ProcessDefinition, ProcessInstance, ProcessPage, StageTask

from .sites import PORTAL_SLUG

FIXTURES = settings.BASE_DIR / "fixtures" / "workflows"
PROCESS_FILES = [
    "community-work-access",
    "volunteer-registration",
    "supervision-review",
    "grid-incident",
]
WUSONG = "340705001001"  # 五松社区, where most demo roles work
JINKOULING = "340705002002"  # 金口岭社区, community_worker_2's
ANSWER = "answer"


@dataclass(frozen=True)
class Step:
    """A decision at the process's open stage (or a referred department's answer)."""

    user: str
    outcome: str
    message: str = ""
    department: str = ""
    answers: dict = field(default_factory=dict)
    # At a stage that dispatches: the username of the role holder it goes to.
    dispatch: str = ""


@dataclass(frozen=True)
class Scenario:
    name: str
    process: str
    answers: dict
    steps: tuple[Step, ...] = ()
    applicant: str | None = None


def access(title: str, basis: str, content: str, communities: list[str]) -> dict:
    return {
        "事项名称": title,
        "申请部门": "区民政局",
        "法律政策依据": basis,
        "工作内容": content,
        "实施街道": WUSONG[:9],
        "目标社区": communities,
        # The period starts on the day the demo is first built, so the list shows it in force.
        "开始日期": datetime.date.today().isoformat(),
        "结束日期": (datetime.date.today() + datetime.timedelta(days=180)).isoformat(),
        "随事项下沉经费（万元）": "2",
        "随事项下沉人员": "无",
        "预计工作量": "每个社区约 10 人·日",
        "联系人": "黄丽",
        "联系电话": "0562-2812301",
    }


def volunteer(name: str, id_number: str, phone: str, email: str, grid: str) -> dict:
    return {
        "姓名": name,
        "身份证号": id_number,
        "手机号码": phone,
        "电子邮箱": email,
        "报名社区": WUSONG,
        "常住网格": grid,
        "服务意向": ["助老助残", "文明劝导"],
        "可服务时间": "周末",
        "是否有专业特长": "否",
        "我同意社区工作人员核实以上信息": "on",
    }


def report(kind: int, community: str, place: str, text: str, name: str = "") -> dict:
    answers = {
        "监督类别": SUPERVISION_KINDS[kind],
        "所在社区": community,
        "具体位置": place,
        "情况描述": text,
        "是否实名反映": "实名" if name else "匿名",
        "我承诺所反映的情况属实": "on",
    }
    return answers | ({"姓名": name, "联系电话": "13905621234"} if name else {})


def incident(kind: str, grid: str, place: str, text: str) -> dict:
    return {"事件类型": kind, "所在网格": grid, "具体位置": place, "事件描述": text}


SUPERVISION_KINDS = [
    "政府工作进社区（依法行政、公共服务、社会管理）",
    "驻区单位履行社会责任和公共义务",
    "维护群众权益工作",
    "党政领导干部“八小时以外”表现",
]
ACCESS_REVIEW = {
    "是否属于社区依法协助的工作": "是",
    "经费和人员是否随事项下沉": "是",
    "审核意见": "属于社区依法协助的工作，经费随事项下沉，同意。",
}
VERIFIED = {
    "部门答复是否属实": "属实",
    "问题是否已解决": "已解决",
    "反映人满意度": "满意",
    "核实情况": "电话回访反映人，对答复和整改表示满意。",
}
FIXED = {"核查结果": "已解决", "核查说明": "现场查看，已清理完毕。"}
NOT_FIXED = {"核查结果": "未解决", "核查说明": "现场仍有堆物，请继续处置。"}
OFFICIAL_OK = Step("street_official", services.APPROVE, answers=ACCESS_REVIEW)
ACCEPTED = Step("supervisor", services.APPROVE)
REFERRED = Step("supervisor", services.REFER, department="civil_affairs")
ANSWERED = Step("department_clerk", ANSWER, "已责成相关科室整改，本月底前完成。")
DISPATCHED = Step("community_worker", services.APPROVE, dispatch="grid_worker")
HANDLED = Step("grid_worker", services.APPROVE, "已联系物业清理。")
FIRST_GRID = WUSONG + "001"

SCENARIOS = [
    Scenario(
        "access-review",
        "community-work-access",
        access(
            "居家养老服务需求入户调查",
            "《安徽省养老服务条例》第十二条",
            "入户了解 60 周岁以上老人的居家养老服务需求并登记。",
            ["五松社区", "长江社区"],
        ),
        applicant="department_clerk",
    ),
    Scenario(
        "access-approval",
        "community-work-access",
        access(
            "困难群众冬季慰问物资发放",
            "《社会救助暂行办法》第三条",
            "协助发放冬季慰问物资并签收登记。",
            ["五松社区"],
        ),
        (OFFICIAL_OK,),
        applicant="department_clerk",
    ),
    Scenario(
        "access-approved",
        "community-work-access",
        access(
            "社区社会组织登记备案协助",
            "《社区社会组织登记管理办法》",
            "协助社区社会组织准备备案材料。",
            ["五松社区", "石城社区"],
        ),
        (OFFICIAL_OK, Step("street_leader", services.APPROVE)),
        applicant="department_clerk",
    ),
    Scenario(
        "access-returned",
        "community-work-access",
        access(
            "婚姻登记档案信息核对",
            "内部通知",
            "逐户核对婚姻登记档案信息。",
            [],
        ),
        (Step("street_official", services.RETURN, "请写明法律法规依据，内部通知不能作为依据。"),),
        applicant="department_clerk",
    ),
    Scenario(
        "access-rejected",
        "community-work-access",
        access("民政统计报表代填", "无", "由社区代部门填写月度统计报表。", []),
        (Step("street_official", services.REJECT, "属于部门自身职责，不得转嫁社区。"),),
        applicant="department_clerk",
    ),
    Scenario(
        "volunteer-review",
        "volunteer-registration",
        volunteer("周晓梅", "340705199003150020", "13805620101", "xiaomei@example.com", FIRST_GRID),
    ),
    Scenario(
        "volunteer-approved",
        "volunteer-registration",
        volunteer(
            "吴志强", "340705198511020033", "13805620102", "zhiqiang@example.com", FIRST_GRID
        ),
        (Step("community_worker", services.APPROVE),),
    ),
    Scenario(
        "volunteer-rejected",
        "volunteer-registration",
        volunteer("郑海涛", "340705197706180016", "13805620103", "haitao@example.com", ""),
        (
            Step(
                "community_worker", services.REJECT, "报名信息无法核实，请到社区服务中心当面登记。"
            ),
        ),
    ),
    Scenario(
        "supervision-accept",
        "supervision-review",
        report(0, WUSONG, "社区服务中心", "办理居住证明要求提供与办理无关的材料。", "王建平"),
    ),
    Scenario(
        "supervision-referred",
        "supervision-review",
        report(2, WUSONG, "五松新村 6 栋", "低保复核结果公示后一个月仍未发放。", "李秀英"),
        (ACCEPTED, REFERRED),
    ),
    Scenario(
        "supervision-verify",
        "supervision-review",
        report(0, WUSONG, "五松新村东门", "养老服务补贴申请材料被要求重复提交。"),
        (ACCEPTED, REFERRED, ANSWERED, Step("supervisor", services.APPROVE)),
    ),
    Scenario(
        "supervision-closed",
        "supervision-review",
        report(2, WUSONG, "五松新村 2 栋", "残疾人两项补贴停发后无人告知原因。", "陈玉兰"),
        (
            ACCEPTED,
            REFERRED,
            ANSWERED,
            Step("supervisor", services.APPROVE),
            Step("supervisor", services.APPROVE, answers=VERIFIED),
        ),
    ),
    Scenario(
        "supervision-rejected",
        "supervision-review",
        report(1, WUSONG, "五松新村 9 栋", "邻居装修噪音太大。"),
        (
            Step(
                "supervisor",
                services.REJECT,
                "属于邻里纠纷，不属于社区监督范围，可向社区人民调解委员会申请调解。",
            ),
        ),
    ),
    Scenario(
        "supervision-jinkouling",
        "supervision-review",
        report(1, JINKOULING, "金口岭菜市场", "市场管理方占用消防通道堆放杂物。"),
    ),
    Scenario(
        "incident-accept",
        "grid-incident",
        incident("安全隐患", FIRST_GRID, "五松新村 4 栋车棚", "电动车飞线充电。"),
        applicant="grid_worker",
    ),
    Scenario(
        "incident-handle",
        "grid-incident",
        incident("环境卫生", FIRST_GRID, "五松新村东门", "垃圾桶满溢，三天无人清运。"),
        (DISPATCHED,),
    ),
    Scenario(
        "incident-verify",
        "grid-incident",
        incident("设施损坏", FIRST_GRID, "五松新村 3 栋", "楼道声控灯损坏。"),
        (DISPATCHED, Step("grid_worker", services.APPROVE, "已报修并更换灯具。")),
    ),
    Scenario(
        "incident-returned",
        "grid-incident",
        incident("环境卫生", FIRST_GRID, "五松新村 5 栋楼道", "楼道堆放大量纸箱杂物。"),
        (DISPATCHED, HANDLED, Step("community_worker", services.RETURN, answers=NOT_FIXED)),
    ),
    Scenario(
        "incident-closed",
        "grid-incident",
        incident("环境卫生", FIRST_GRID, "五松新村 1 栋", "绿化带内有建筑垃圾。"),
        (DISPATCHED, HANDLED, Step("community_worker", services.APPROVE, answers=FIXED)),
    ),
    Scenario(
        "incident-department",
        "grid-incident",
        incident("其他", FIRST_GRID, "五松新村 7 栋 302", "独居老人家中多日无人应答。")
        | {"其他事件类型": "困难群众帮扶"},
        (Step("community_worker", services.REFER, department="civil_affairs"),),
    ),
    Scenario(
        "incident-jinkouling",
        "grid-incident",
        incident("设施损坏", JINKOULING + "001", "金口岭小区北门", "道闸损坏，车辆无法出入。"),
    ),
    # Reports on leading cadres' conduct after hours go to the street, never to the community.
    Scenario(
        "supervision-street",
        "supervision-review",
        report(3, WUSONG, "五松新村 8 栋", "某社区干部工作日晚间在小区内酒后滋事。"),
    ),
]


def build() -> Counter:
    created: Counter = Counter()
    # The demo users have email addresses; their notifications stay in the app.
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
        transaction.atomic(),
    ):
        for name in PROCESS_FILES:
            text = (FIXTURES / f"{name}.yaml").read_text(encoding="utf-8")
            created["process definitions"] += import_text(text).changed
        portal = PortalPage.objects.filter(slug=PORTAL_SLUG).first()
        pages = {}
        for definition in ProcessDefinition.objects.filter(key__in=PROCESS_FILES):
            if portal is not None:
                pages[definition.key] = place(portal, definition, created)
        for scenario in SCENARIOS:
            created["processes"] += run(scenario, pages.get(scenario.process))
    return created


def place(portal: PortalPage, definition: ProcessDefinition, created: Counter) -> ProcessPage:
    """The page that starts a process, under the portal at its intake form's slug."""
    form: FormDefinition = definition.intake_form
    page = ProcessPage.objects.child_of(portal).filter(slug=form.slug).first()
    if page is None:
        page = ProcessPage(title=form.title, slug=form.slug, process=definition)
        portal.add_child(instance=page)
        created["process pages"] += 1
    elif page.process_id == definition.pk and page.definition_id == form.pk:
        return page
    page.process = definition
    page.save_revision().publish()
    return page


def run(scenario: Scenario, page: ProcessPage | None) -> int:
    """Submit the scenario's intake and take its steps; nothing if it was run before."""
    reference = form_services.new_reference(random.Random(f"demo-process-{scenario.name}"))
    if Submission.objects.filter(reference=reference).exists():
        return 0
    users = get_user_model().objects
    applicant = users.get(username=scenario.applicant) if scenario.applicant else AnonymousUser()
    version = selectors.latest_version(ProcessDefinition.objects.get(key=scenario.process))
    snapshot = selectors.snapshot(version)
    form = filled(snapshot.intake_form, scenario.answers)
    submission = form_services.store_submission(
        form,
        page=page,
        user=applicant,
        rng=random.Random(f"demo-process-{scenario.name}"),
    )
    process = services.start_process(version, submission, applicant)
    for step in scenario.steps:
        take(process, snapshot, step, users.get(username=step.user))
    return 1


def take(process: ProcessInstance, snapshot: selectors.VersionSnapshot, step: Step, user) -> None:
    task = StageTask.objects.get(process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED])
    if step.outcome == ANSWER:
        services.answer_referral(task, user, step.message)
        return
    answers = None
    index = ProcessInstance.objects.values_list("stage_index", flat=True).get(pk=process.pk)
    if step.answers:
        answers = filled(snapshot.reviewer_form(snapshot.stages[index]), step.answers)
    dispatch_to = None
    if step.dispatch:
        stage = snapshot.stages[index]
        dispatch_to = Assignment.objects.get(
            user__username=step.dispatch, role_id=stage.dispatch_role_id
        )
    decision = services.Decision(
        outcome=step.outcome,
        public_message=step.message,
        department=Department.objects.get(key=step.department) if step.department else None,
        answers=answers,
        dispatch_to=dispatch_to,
    )
    services.decide(task, user, decision)


def filled(definition: FormDefinition, answers: dict) -> SubmissionForm:
    """A valid form of `definition` with these answers, keyed by label."""
    names = {f.label: f.clean_name or f.get_field_clean_name() for f in definition.fields.all()}
    form = form_services.validate(definition, {names[k]: v for k, v in answers.items()})
    if not form.is_valid():
        raise ValueError(f"Demo answers for {definition.slug} are not valid: {form.errors}")
    return form
