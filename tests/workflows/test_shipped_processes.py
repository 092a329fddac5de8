"""The four processes shipped in fixtures/workflows/: each file imports cleanly into the demo's
organisation, is exactly what exporting it gives back, and runs end to end through the
engine's services as each role."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from viewflow.workflow.status import STATUS

from demo.processes import PROCESS_FILES
from forms import services as form_services
from forms.selectors import answers
from grid.models import Assignment, Department, Volunteer
from pages.models import AccessListEntry
from tests.forms.factories import data, png
from workflows import selectors, services
from workflows.definition_files import export_definition, import_text
from workflows.models import (
    Notification,
    ProcessDefinition,
    ProcessEvent,
    ProcessInstance,
    StageTask,
)

from .city import build_city, fixture_text, import_fixture, user

pytestmark = pytest.mark.django_db

WUSONG, TONGGUANSHAN = "340705001001", "340705002001"
START = datetime.date(2026, 3, 2)
FIRST_GRID = WUSONG + "001"


def texts(answers) -> dict[str, str]:
    """Answers as a reader is shown them, by label."""
    return {answer.label: answer.text for answer in answers}


@pytest.fixture
def city():
    build_city()


def start(key: str, answers: dict, applicant=None, files=None) -> ProcessInstance:
    """Fill in the process's intake form as its public page does (files by label), and start
    it."""
    definition = import_fixture(key)
    version = selectors.latest_version(definition)
    intake = selectors.snapshot(version).intake_form
    form = form_services.validate(intake, data(intake, answers), data(intake, files or {}))
    assert form.is_valid(), form.errors
    submission = form_services.store_submission(form, user=applicant)
    return services.start_process(version, submission, applicant or AnonymousUser())


def open_task(process: ProcessInstance) -> StageTask:
    return StageTask.objects.get(process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED])


def decide(process: ProcessInstance, username: str, outcome: str, answers=None, **fields):
    """`username` decides at the open stage, with the stage's reviewer form if answers given."""
    task = open_task(process)
    reviewer_form = None
    if answers is not None:
        process.refresh_from_db()
        snapshot = selectors.snapshot(process.version)
        definition = snapshot.reviewer_form(selectors.current_stage(process))
        reviewer_form = form_services.validate(definition, data(definition, answers))
        assert reviewer_form.is_valid(), reviewer_form.errors
    decision = services.Decision(outcome, answers=reviewer_form, **fields)
    services.decide(task, user(username), decision)


def stage_of(process: ProcessInstance) -> str:
    return open_task(process).stage_name


def finished(process: ProcessInstance) -> str:
    process.refresh_from_db()
    assert process.status == STATUS.DONE
    return process.outcome


@pytest.mark.parametrize("name", PROCESS_FILES)
def test_each_shipped_file_imports_cleanly_and_is_its_own_export(city, name):
    imported = import_text(fixture_text(name))
    assert imported.changed
    assert export_definition(imported.definition) == fixture_text(name)
    assert selectors.latest_version(imported.definition).number == 1
    assert not import_text(fixture_text(name)).changed


def test_the_open311_services_are_the_public_ones(city):
    for name in PROCESS_FILES:
        import_fixture(name)
    public = ProcessDefinition.objects.filter(public_service=True)
    assert set(public.values_list("key", flat=True)) == {"supervision-review", "grid-incident"}


# --- Community work access ------------------------------------------------------------------

ACCESS = {
    "事项名称": "居家养老服务需求入户调查",
    "申请部门": "区民政局",
    "法律政策依据": "《安徽省养老服务条例》第十二条",
    "工作内容": "入户登记 60 周岁以上老人的居家养老服务需求。",
    "实施街道": WUSONG[:9],
    # 铜官山社区 is in another street: the request covers only the street it was made to.
    "目标社区": ["五松社区", "长江社区", "铜官山社区"],
    "开始日期": "2026-03-02",
    "结束日期": "2026-09-30",
    "随事项下沉经费（万元）": "1.5",
    "随事项下沉人员": "无",
    "预计工作量": "每个社区约 10 人·日",
    "联系人": "黄丽",
    "联系电话": "0562-2812301",
}
REVIEW = {
    "是否属于社区依法协助的工作": "是",
    "经费和人员是否随事项下沉": "是",
    "审核意见": "同意。",
}


def test_access_request_is_started_by_a_department_clerk_only(city):
    with pytest.raises(services.StartRefused):
        start("community-work-access", ACCESS)
    with pytest.raises(services.StartRefused):
        start("community-work-access", ACCESS, applicant=user("community_worker"))
    process = start("community-work-access", ACCESS, applicant=user("department_clerk"))
    assert process.area.code == WUSONG[:9]
    assert stage_of(process) == "街道审核"


def test_access_request_approved_enters_the_access_list(city):
    clerk = user("department_clerk")
    process = start("community-work-access", ACCESS, applicant=clerk)
    with pytest.raises(PermissionDenied):  # the leader acts after the official, not before
        decide(process, "street_leader", services.APPROVE)
    decide(process, "street_official", services.APPROVE, answers=REVIEW)
    assert stage_of(process) == "分管领导审批"
    decide(process, "street_leader", services.RETURN, public_message="请说明经费来源。")
    assert stage_of(process) == "街道审核"  # the leader's returns go back to the review
    decide(process, "street_official", services.APPROVE, answers=REVIEW)
    decide(process, "street_leader", services.APPROVE)
    assert finished(process) == ProcessInstance.Outcome.APPROVED
    entries = AccessListEntry.objects.filter(reference__startswith=process.reference)
    assert sorted(
        (e.community.name, e.department.key, e.content, e.starts_on, e.ends_on) for e in entries
    ) == [
        (name, "civil_affairs", "居家养老服务需求入户调查", START, datetime.date(2026, 9, 30))
        for name in ("五松社区", "长江社区")
    ]
    texts = list(Notification.objects.filter(user=clerk).values_list("text", flat=True))
    assert any("已列入长江路街道相关社区的工作准入清单" in text for text in texts)


def test_access_request_rejected_or_returned_to_the_clerk(city):
    clerk = user("department_clerk")
    returned = start("community-work-access", ACCESS, applicant=clerk)
    decide(returned, "street_official", services.RETURN, public_message="补充法律依据。")
    assert open_task(returned).flow_task == returned.flow_class.revise
    rejected = start("community-work-access", ACCESS, applicant=clerk)
    decide(rejected, "street_official", services.REJECT, public_message="属于部门自身职责。")
    assert finished(rejected) == ProcessInstance.Outcome.REJECTED
    assert not AccessListEntry.objects.filter(reference__startswith=rejected.reference)


# --- Volunteer registration -----------------------------------------------------------------

SIGN_UP = {
    "姓名": "周晓梅",
    "身份证号": "340705199003150020",
    "手机号码": "13805620101",
    "电子邮箱": "xiaomei@example.com",
    "报名社区": WUSONG,
    "常住网格": FIRST_GRID,
    "服务意向": ["助老助残"],
    "可服务时间": "周末",
    "是否有专业特长": "是",
    "特长说明": "护士，会急救。",
    "我同意社区工作人员核实以上信息": "on",
}


def test_volunteer_registration_activates_a_volunteer(city):
    process = start("volunteer-registration", SIGN_UP)
    assert process.area.code == WUSONG and stage_of(process) == "社区审核"
    with pytest.raises(PermissionDenied):  # another community's worker
        decide(process, "community_worker_2", services.APPROVE)
    decide(process, "community_worker", services.APPROVE)
    assert finished(process) == ProcessInstance.Outcome.APPROVED
    volunteer = Volunteer.objects.get(phone="13805620101")
    assert (volunteer.name, volunteer.community.code, volunteer.grid.code) == (
        "周晓梅",
        WUSONG,
        FIRST_GRID,
    )
    assert volunteer.active and volunteer.skills == "护士，会急救。"
    assert volunteer.availability == "周末" and volunteer.id_number == SIGN_UP["身份证号"]
    assert volunteer.user.username == "13805620101" and volunteer.user.email == SIGN_UP["电子邮箱"]
    assert Assignment.objects.filter(
        user=volunteer.user, role__key="volunteer", area__code=WUSONG
    ).exists()
    effect = process.events.get(kind=ProcessEvent.Kind.EFFECT)
    assert "x***@example.com" in effect.public_message  # where the sign-in link went


def test_volunteer_registration_rejected_activates_nobody(city):
    process = start("volunteer-registration", SIGN_UP)
    decide(process, "community_worker", services.REJECT, public_message="请到社区当面登记。")
    assert finished(process) == ProcessInstance.Outcome.REJECTED
    assert not Volunteer.objects.exists()


# --- Supervision review ---------------------------------------------------------------------

REPORT = {
    "监督类别": "维护群众权益工作",
    "所在社区": WUSONG,
    "具体位置": "五松新村 6 栋",
    "情况描述": "低保复核结果公示后一个月仍未发放。",
    "是否实名反映": "实名",
    "姓名": "李秀英",
    "联系电话": "13905621234",
    "我承诺所反映的情况属实": "on",
}
VERIFIED = {
    "部门答复是否属实": "属实",
    "问题是否已解决": "已解决",
    "反映人满意度": "满意",
    "核实情况": "电话回访，反映人满意。",
}


def test_supervision_review_refers_answers_verifies_and_closes(city):
    process = start("supervision-review", REPORT, files={"现场照片": png()})
    assert process.submission.files.count() == 1
    assert stage_of(process) == "受理审查"
    decide(process, "supervisor", services.APPROVE)
    assert stage_of(process) == "转办答复"
    civil_affairs = Department.objects.get(key="civil_affairs")
    decide(process, "supervisor", services.REFER, department=civil_affairs)
    task = open_task(process)
    assert task.owner_permission == selectors.department_permission("civil_affairs")

    # The department sees what it must answer, never who reported it.
    clerk = user("department_clerk")
    assert selectors.may_view_process(clerk, process)
    shown, in_full = selectors.intake_for(clerk, process)
    as_clerk = texts(shown)
    assert not in_full
    assert as_clerk["情况描述"] == REPORT["情况描述"]
    assert as_clerk["姓名"] != "李秀英" and "李秀英" not in as_clerk.values()
    assert as_clerk["联系电话"] != "13905621234" and as_clerk["联系电话"].endswith("1234")
    shown, in_full = selectors.intake_for(user("supervisor"), process)
    as_committee = texts(shown)
    assert in_full
    assert (as_committee["姓名"], as_committee["联系电话"]) == ("李秀英", "13905621234")

    services.answer_referral(task, clerk, "已责成相关科室本月底前发放。")
    assert stage_of(process) == "转办答复"  # back to the committee
    decide(process, "supervisor", services.APPROVE)
    assert stage_of(process) == "核实回访"
    decide(process, "supervisor", services.RETURN, public_message="答复与实际不符，重新转办。")
    assert stage_of(process) == "转办答复"
    decide(process, "supervisor", services.APPROVE)
    decide(process, "supervisor", services.APPROVE, answers=VERIFIED)
    assert finished(process) == ProcessInstance.Outcome.APPROVED
    verification = process.events.filter(kind=ProcessEvent.Kind.DECIDED).last().submission
    assert texts(selectors.intake_for(user("supervisor"), process)[0])["姓名"] == "李秀英"
    assert verification.definition.slug == "supervision-verification"
    assert ("反映人满意度", "满意") in [(a.label, a.text) for a in answers(verification)]
    assert process.events.filter(kind=ProcessEvent.Kind.ANSWERED, department=civil_affairs)
    director = user("community_director")
    assert Notification.objects.filter(user=director, text__contains="已办结").exists()


def test_supervision_report_out_of_scope_is_rejected_and_anonymous_stays_anonymous(city):
    anonymous = REPORT | {"是否实名反映": "匿名", "姓名": "", "联系电话": ""}
    process = start("supervision-review", anonymous)
    assert "姓名" not in texts(selectors.intake_for(user("supervisor"), process)[0])
    decide(process, "supervisor", services.REJECT, public_message="不属于社区监督范围。")
    assert finished(process) == ProcessInstance.Outcome.REJECTED


def test_supervision_is_for_the_committee_of_that_community(city):
    process = start("supervision-review", REPORT | {"所在社区": TONGGUANSHAN})
    with pytest.raises(PermissionDenied):
        decide(process, "supervisor", services.APPROVE)


# --- Grid incident --------------------------------------------------------------------------

INCIDENT = {
    "事件类型": "环境卫生",
    "所在网格": FIRST_GRID,
    "具体位置": "五松新村 5 栋楼道",
    "事件描述": "楼道堆放大量纸箱杂物。",
    "电子邮箱": "resident@example.com",
}


def grid_worker_here() -> Assignment:
    """The demo grid worker of the first grid, whom the community dispatches incidents to."""
    return Assignment.objects.get(user__username="grid_worker", area__code=FIRST_GRID)


def test_grid_incident_returns_to_handling_until_fixed(city):
    process = start("grid-incident", INCIDENT)
    assert process.area.code == FIRST_GRID
    assert stage_of(process) == "社区受理派单"
    with pytest.raises(PermissionDenied):  # the grid worker waits for the community
        decide(process, "grid_worker", services.APPROVE)
    decide(process, "community_worker", services.APPROVE, dispatch_to=grid_worker_here())
    assert stage_of(process) == "网格员处置"
    decide(process, "grid_worker", services.APPROVE)
    assert stage_of(process) == "现场核查"
    # Whoever handled it never checks it: here the community worker goes to look.
    with pytest.raises(PermissionDenied):
        decide(process, "grid_worker", services.APPROVE)
    decide(
        process,
        "community_worker",
        services.RETURN,
        answers={"核查结果": "未解决", "核查说明": "仍有堆物。"},
        public_message="尚未清理完毕，继续处置。",
    )
    assert stage_of(process) == "网格员处置"
    decide(process, "grid_worker", services.APPROVE)
    decide(
        process,
        "community_worker",
        services.APPROVE,
        answers={"核查结果": "已解决", "核查说明": "已清理。"},
    )
    assert finished(process) == ProcessInstance.Outcome.APPROVED
    outcomes = list(
        process.events.filter(kind=ProcessEvent.Kind.DECIDED).values_list("stage_name", "outcome")
    )
    assert outcomes == [
        ("社区受理派单", "approved"),
        ("网格员处置", "approved"),
        ("现场核查", "returned"),
        ("网格员处置", "approved"),
        ("现场核查", "approved"),
    ]
    effect = process.events.get(kind=ProcessEvent.Kind.EFFECT)
    assert effect.stage_name and "Notified 1" in effect.comment


def test_grid_incident_dispatched_to_a_department(city):
    process = start("grid-incident", INCIDENT, applicant=user("grid_worker"))
    civil_affairs = Department.objects.get(key="civil_affairs")
    decide(process, "community_worker", services.REFER, department=civil_affairs)
    services.answer_referral(open_task(process), user("department_clerk"), "已上门走访。")
    assert stage_of(process) == "社区受理派单"
    decide(process, "community_worker", services.APPROVE, dispatch_to=grid_worker_here())
    decide(process, "grid_worker", services.APPROVE)
    decide(
        process,
        "community_worker",
        services.APPROVE,
        answers={"核查结果": "已解决", "核查说明": "好"},
    )
    assert finished(process) == ProcessInstance.Outcome.APPROVED
    assert Notification.objects.filter(user=user("grid_worker"), text__contains="感谢").exists()
