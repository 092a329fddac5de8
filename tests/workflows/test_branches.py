"""Branches, a fixed department as actor, approval to a named stage, and separation of duties:
each written in a definition file and through the admin's own form, then run over HTTP as the
people holding the roles."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from grid.models import Area, Department
from tests.factories import AssignmentFactory, UserFactory
from workflows import selectors, services
from workflows.definition_files import export_definition, import_definition
from workflows.models import Notification, ProcessDefinition, ProcessInstance, Stage

from . import inbox
from .city import build_city, fixture_text, user
from .factories import problems_by_place, role
from .test_admin_design import admin, definition_post, design_intake, stage_row  # noqa: F401
from .test_definition_files import problems_of
from .test_shipped_processes import REPORT, VERIFIED
from .test_shipped_processes_http import apply, review, send

pytestmark = pytest.mark.django_db

WUSONG = "340705001001"

NEEDS = """\
format: 2
forms:
- slug: help-request
  title: 求助申请
  fields:
  - label: 所在社区
    field_type: area
    required: true
    area_level: community
  - label: 求助类别
    field_type: dropdown
    required: true
    choices: [生活困难, 设施报修, 其他]
  - label: 情况说明
    field_type: multiline
    required: true
- slug: help-assessment
  title: 需求评估
  fields:
  - label: 需求等级
    field_type: number
    required: true
process:
  key: help
  name: 困难求助
  intake_form: help-request
  starter: anyone
  area_source: chosen
  area_level: community
  stages:
  - key: civil
    name: 民政局直接办理
    actor: department
    department: civil_affairs
    condition_field: 求助类别
    condition_operator: equals
    condition_values: [生活困难]
    approve_to: end
    allow_return: false
  - key: assess
    name: 社区评估
    actor: role
    role: community_worker
    role_level: community
    reviewer_form: help-assessment
    allow_return: false
  - key: director
    name: 社区主任审批
    actor: role
    role: community_director
    role_level: community
    condition_field: 需求等级
    condition_operator: at_least
    condition_values: ['2']
    allow_return: false
  - key: visit
    name: 回访
    actor: role
    role: community_worker
    role_level: community
    distinct_from: assess
    allow_return: false
"""
ASKED = {"所在社区": WUSONG, "求助类别": "设施报修", "情况说明": "楼道扶手松动。"}


@pytest.fixture
def city():
    build_city()


@pytest.fixture
def help_process(city):
    return import_definition(NEEDS)


def start(capture, answers=ASKED) -> ProcessInstance:
    return send(ProcessDefinition.objects.get(key="help"), answers, capture=capture)


def stage_of(process: ProcessInstance) -> str:
    process.refresh_from_db()
    stage = selectors.current_stage(process)
    return stage.key if stage else ""


def second_community_worker():
    area = Area.objects.get(code=WUSONG)
    return AssignmentFactory(role=role("community_worker"), area=area, user=UserFactory()).user


def test_a_stage_whose_condition_holds_runs(help_process, django_capture_on_commit_callbacks):
    process = start(django_capture_on_commit_callbacks)
    assert stage_of(process) == "assess"  # not 生活困难: the department's stage is skipped
    review("community_worker", process, "approve", answers={"需求等级": "3"})
    assert stage_of(process) == "director"
    review("community_director", process, "approve")
    assert stage_of(process) == "visit"


def test_a_stage_whose_condition_fails_is_skipped(help_process, django_capture_on_commit_callbacks):
    process = start(django_capture_on_commit_callbacks)
    review("community_worker", process, "approve", answers={"需求等级": "1"})
    assert stage_of(process) == "visit"
    assert "社区主任审批" not in inbox.task_list(user("community_director"))
    other = second_community_worker()
    inbox.decide(other, process, "approve")
    process.refresh_from_db()
    assert process.outcome == ProcessInstance.Outcome.APPROVED
    decided = list(process.events.filter(kind="decided").values_list("stage_name", flat=True))
    assert decided == ["社区评估", "回访"]


def test_a_fixed_department_acts_and_its_approval_ends_the_process(
    help_process, django_capture_on_commit_callbacks
):
    answers = ASKED | {"求助类别": "生活困难"}
    process = start(django_capture_on_commit_callbacks, answers)
    assert stage_of(process) == "civil"
    assert "民政局直接办理" not in inbox.task_list(user("community_worker"))
    assert "民政局直接办理" in inbox.task_list(user("department_clerk"))
    review("department_clerk", process, "approve")
    assert process.outcome == ProcessInstance.Outcome.APPROVED
    decided = list(process.events.filter(kind="decided").values_list("stage_name", flat=True))
    assert decided == ["民政局直接办理"]  # approval went to the end, past the other stages


def test_whoever_decided_a_stage_may_not_act_on_the_one_kept_apart_from_it(
    help_process, django_capture_on_commit_callbacks, settings
):
    process = start(django_capture_on_commit_callbacks)
    review("community_worker", process, "approve", answers={"需求等级": "1"})
    task = inbox.open_task(process)
    assessor = user("community_worker")
    with pytest.raises(PermissionDenied) as refused:
        services.claim(task, assessor)
    assert str(refused.value) == (
        "You decided an earlier stage of this process, so someone else must take “回访”."
    )
    client = Client()
    client.force_login(assessor)
    settings.LANGUAGE_CODE = "zh-hans"
    page = client.get(inbox.task_url(task, "detail"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "您办理了本流程的前一环节，“回访”须由其他人办理。" in page.content.decode()
    assert client.post(inbox.task_url(task, "assign")).status_code == 403
    task.refresh_from_db()
    assert task.owner_id is None  # nothing changed
    inbox.decide(second_community_worker(), process, "approve")
    process.refresh_from_db()
    assert process.outcome == ProcessInstance.Outcome.APPROVED


def test_the_diagram_shows_conditions_jumps_and_separation(help_process):
    version = selectors.latest_version(help_process)
    stages = {s.key: s for s in selectors.diagram(selectors.snapshot(version))}
    assert stages["civil"].actor_text == Department.objects.get(key="civil_affairs").name
    assert stages["civil"].condition_text == "Only when “求助类别” is 生活困难"
    assert stages["civil"].approve_text == "approval completes the process"
    assert stages["director"].condition_text == "Only when “需求等级” is at least 2"
    assert stages["visit"].separation_text == "not by whoever decided 社区评估"


def test_a_file_round_trips_the_new_keys(help_process):
    text = export_definition(help_process)
    for line in (
        "actor: department",
        "department: civil_affairs",
        "condition_operator: at_least",
        "approve_to: end",
        "distinct_from: assess",
    ):
        assert line in text
    assert import_definition(text).pk == help_process.pk


def test_a_file_with_wrong_branches_is_refused_at_each_stage(city):
    unknown = NEEDS.replace("department: civil_affairs", "department: no_such")
    assert [(path, message) for _line, path, message in problems_of(unknown)] == [
        ("process.stages[0].department", "No department has the key “no_such”.")
    ]
    text = (
        NEEDS.replace("    department: civil_affairs\n", "")
        .replace("condition_values: ['2']", "condition_values: [two]")
        .replace("distinct_from: assess", "distinct_from: visit")
        .replace("approve_to: end", "approve_to: civil")
        .replace("condition_field: 求助类别", "condition_field: 类别")
    )
    messages = " ".join(message for _line, _path, message in problems_of(text))
    assert "“民政局直接办理”: choose the department." in messages
    assert "its condition reads “类别”, which is not a field" in messages
    assert "approval must go to a later stage or to the end" in messages
    assert "“at least” and “at most” compare with a number" in messages
    assert "“回访”: it can be kept apart only from an earlier stage" in messages
    assert not ProcessDefinition.objects.exists()


def test_the_admin_designs_a_branch_a_department_stage_and_separation(admin):  # noqa: F811
    intake = design_intake(admin)
    department = Department.objects.create(key="housing", name="住建局")
    rows = [
        stage_row("check", "社区初审", role("community_worker").pk, "2"),
        stage_row(
            "housing",
            "住建局办理",
            "",
            "",
            actor="department",
            department=department.pk,
            condition_field="事项",
            condition_operator="one_of",
            condition_values="房屋安全\n危房",
            approve_to="end",
        ),
        stage_row("recheck", "社区复核", role("community_worker").pk, "2", distinct_from="check"),
    ]
    response = admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:add"),
        definition_post(intake, rows, **{"action-publish": "action-publish"}),
    )
    assert response.status_code == 302, response.context["form"].errors
    definition = ProcessDefinition.objects.get(key="venue-booking")
    stages = list(selectors.snapshot(definition.versions.get()).stages)
    assert [(s.key, s.actor, s.approve_to, s.distinct_from) for s in stages] == [
        ("check", Stage.Actor.ROLE, "", ""),
        ("housing", Stage.Actor.DEPARTMENT, "end", ""),
        ("recheck", Stage.Actor.ROLE, "", "check"),
    ]
    assert stages[1].department_id == department.pk
    assert stages[1].condition_values == "房屋安全\n危房"
    edit = admin.get(
        reverse("wagtailsnippets_workflows_processdefinition:edit", args=[definition.pk])
    ).content.decode()
    assert '<select name="stages-2-distinct_from"' in edit
    assert '<select name="stages-1-approve_to"' in edit

    rows[1]["department"] = ""
    rows[2]["distinct_from"] = "recheck"
    response = admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:add"),
        definition_post(intake, rows, key="venue-again"),
    )
    errors = str(problems_by_place(response.context["form"]))
    assert "“住建局办理”: choose the department." in errors
    assert "it can be kept apart only from an earlier stage" in errors


def test_supervision_of_leading_cadres_goes_to_the_street_never_the_community(
    city, django_capture_on_commit_callbacks
):
    answers = REPORT | {"监督类别": "党政领导干部“八小时以外”表现"}
    process = apply("supervision-review", answers, capture=django_capture_on_commit_callbacks)
    assert selectors.current_stage(process).key == "street"
    assert "街道受理办理" not in inbox.task_list(user("supervisor"))
    assert "街道受理办理" in inbox.task_list(user("street_leader"))
    review(
        "street_leader",
        process,
        "approve",
        answers={
            "部门答复是否属实": "属实",
            "问题是否已解决": "已解决",
            "反映人满意度": "满意",
            "核实情况": "已核实并处理。",
        },
    )
    assert process.outcome == ProcessInstance.Outcome.APPROVED
    stages = set(process.events.filter(kind="decided").values_list("stage_name", flat=True))
    assert stages == {"街道受理办理（八小时以外）"}
    # The community's director, told of every other report's end, is not told of this one.
    assert not process.events.filter(kind="effect").exists()
    assert not Notification.objects.filter(user__username="community_director").exists()


def test_an_effect_with_a_condition_runs_only_when_it_holds(
    city, django_capture_on_commit_callbacks
):
    process = apply("supervision-review", REPORT, capture=django_capture_on_commit_callbacks)
    review("supervisor", process, "approve")
    review("supervisor", process, "approve")
    review("supervisor", process, "approve", answers=VERIFIED)
    assert process.events.filter(kind="effect").count() == 1
    assert Notification.objects.filter(user__username="community_director").exists()


def test_an_effect_condition_must_read_a_field(city):
    text = fixture_text("supervision-review").replace(
        "    condition_field: 监督类别\n    condition_operator: not_equals",
        "    condition_field: 类别\n    condition_operator: not_equals",
    )
    messages = [message for _l, _p, message in problems_of(text)]
    assert messages == [
        "Effect “Notify people”: its condition reads “类别”, which is not a field of the intake "
        "form or of a reviewer form before it."
    ]
