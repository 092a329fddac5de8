"""Countersign (会签): a stage acted on by a community worker, the community director and the
civil affairs bureau at once, each with a task and a form of their own, settled by its rule —
all, any, or at least two — and by what a rejection does; the tasks no longer needed are
cancelled, and every countersigner's answers are kept in the history."""

import threading

import pytest
from django.db import connection, connections
from django.urls import reverse
from viewflow.workflow.status import STATUS

from grid.models import Department
from tests.forms.factories import submit as store
from workflows import selectors, services
from workflows.definition_files import import_definition
from workflows.models import ProcessDefinition, ProcessEvent, ProcessInstance, StageTask

from . import inbox
from .city import build_city, user
from .factories import role
from .test_admin_design import admin, definition_post, design_intake, stage_row  # noqa: F401
from .test_definition_files import problems_of
from .test_shipped_processes_http import send

WUSONG = "340705001001"

JOINT = """\
format: 2
forms:
- slug: joint-request
  title: 联合审核申请
  fields:
  - label: 所在社区
    field_type: area
    required: true
    area_level: community
  - label: 事项
    field_type: multiline
    required: true
- slug: joint-opinion
  title: 会签意见
  fields:
  - label: 意见
    field_type: multiline
    required: true
process:
  key: joint
  name: 联合审核
  intake_form: joint-request
  starter: anyone
  area_source: chosen
  area_level: community
  stages:
  - key: joint
    name: 会签
    actor: countersign
    reviewer_form: joint-opinion
    allow_return: false
    countersign_rule: at_least
    countersign_count: 2
    countersign_rejection: vote
  - key: close
    name: 办结确认
    actor: role
    role: community_worker
    role_level: community
    allow_return: false
  countersigners:
  - stage: joint
    role: community_worker
    role_level: community
  - stage: joint
    role: community_director
    role_level: community
  - stage: joint
    department: civil_affairs
"""
SIGNERS = ("community_worker", "community_director", "department_clerk")


@pytest.fixture
def city(db):
    build_city()


def joint(capture, text: str = JOINT) -> ProcessInstance:
    definition = import_definition(text)
    return send(definition, {"所在社区": WUSONG, "事项": "小区加装电梯。"}, capture=capture)


def signing(process: ProcessInstance):
    return StageTask.objects.filter(process=process, flow_task=process.flow_class.sign)


def vote(process: ProcessInstance, username: str, outcome: str) -> None:
    """`username` takes their own countersign task in the inbox and signs it with the form."""
    me = user(username)
    mine = [
        task
        for task in signing(process).filter(status=STATUS.NEW)
        if task.flow_task.can_assign(me, task)
    ]
    assert len(mine) == 1, f"{username} has {len(mine)} countersign tasks"
    opinion = selectors.snapshot(process.version).forms
    form = next(f for f in opinion.values() if f.slug == "joint-opinion")
    field = form.fields.get().clean_name
    inbox.act_on(me, mine[0], {"decision-outcome": outcome, field: f"{username}的意见"})


def stage_key(process: ProcessInstance) -> str:
    process.refresh_from_db()
    stage = selectors.current_stage(process)
    return stage.key if stage and not process.outcome else process.outcome


@pytest.mark.django_db
def test_two_of_three_approve_and_the_third_task_is_cancelled(
    city, django_capture_on_commit_callbacks
):
    process = joint(django_capture_on_commit_callbacks)
    assert signing(process).filter(status=STATUS.NEW).count() == 3
    vote(process, "community_director", "approve")
    assert stage_key(process) == "joint"  # one of two
    vote(process, "department_clerk", "approve")
    assert stage_key(process) == "close"
    assert signing(process).filter(status=STATUS.CANCELED).count() == 1
    settled = process.events.get(kind=ProcessEvent.Kind.COUNTERSIGNED)
    assert (settled.outcome, settled.comment) == ("approved", "2 of 3 approved, 0 rejected.")
    # Each countersigner's answers are kept and shown.
    timeline = selectors.timeline(process, user("community_worker"))
    opinions = [dict(e.shown_answers).get("意见") for e in timeline if e.kind == "decided"]
    assert opinions == ["community_director的意见", "department_clerk的意见"]


@pytest.mark.django_db
def test_two_rejections_of_three_reject_it(city, django_capture_on_commit_callbacks):
    process = joint(django_capture_on_commit_callbacks)
    vote(process, "community_worker", "reject")
    vote(process, "community_director", "approve")
    assert stage_key(process) == "joint"  # two could still approve
    vote(process, "department_clerk", "reject")
    assert stage_key(process) == "rejected"
    # The countersign that ended it is in the history, before the completion.
    kinds = list(process.events.order_by("pk").values_list("kind", "outcome"))
    assert kinds[-2:] == [("countersigned", "rejected"), ("completed", "rejected")]


@pytest.mark.django_db
def test_with_a_veto_one_rejection_rejects_at_once(city, django_capture_on_commit_callbacks):
    process = joint(
        django_capture_on_commit_callbacks, JOINT.replace("rejection: vote", "rejection: veto")
    )
    vote(process, "community_director", "reject")
    assert stage_key(process) == "rejected"
    assert signing(process).filter(status=STATUS.CANCELED).count() == 2


@pytest.mark.django_db
def test_all_must_approve(city, django_capture_on_commit_callbacks):
    text = JOINT.replace("    countersign_rule: at_least\n    countersign_count: 2\n", "")
    process = joint(django_capture_on_commit_callbacks, text)
    vote(process, "community_worker", "approve")
    vote(process, "community_director", "approve")
    assert stage_key(process) == "joint"
    vote(process, "department_clerk", "approve")
    assert stage_key(process) == "close"


@pytest.mark.django_db
def test_any_one_approval_is_enough(city, django_capture_on_commit_callbacks):
    text = JOINT.replace(
        "countersign_rule: at_least\n    countersign_count: 2\n", "countersign_rule: any\n"
    )
    process = joint(django_capture_on_commit_callbacks, text)
    vote(process, "department_clerk", "approve")
    assert stage_key(process) == "close"
    assert signing(process).filter(status=STATUS.CANCELED).count() == 2


@pytest.mark.django_db
def test_a_countersign_that_cannot_run_is_refused(city):
    one = JOINT.split("  - stage: joint\n    role: community_director")[0] + "\n"
    messages = [
        m for _l, _p, m in problems_of(one.replace("countersign_count: 2", "countersign_count: 1"))
    ]
    assert "Stage “会签” is countersigned: give it at least two countersigners." in messages
    too_many = JOINT.replace("countersign_count: 2", "countersign_count: 4")
    messages = [m for _l, _p, m in problems_of(too_many)]
    assert messages == [
        "Stage “会签”: say how many countersigners must approve, no more than there are."
    ]
    both = JOINT.replace(
        "    department: civil_affairs\n",
        "    department: civil_affairs\n    role: supervisor\n    role_level: community\n",
    )
    messages = [m for _l, _p, m in problems_of(both)]
    assert messages == ["A countersigner of “joint” is either a role at a level or a department."]
    elsewhere = JOINT.replace(
        "  - stage: joint\n    department", "  - stage: close\n    department"
    )
    messages = [m for _l, _p, m in problems_of(elsewhere)]
    assert "A countersigner names “close”, which is not a countersigned stage." in messages


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_settle_the_stage_exactly_once(city):
    text = JOINT.replace("    countersign_rule: at_least\n    countersign_count: 2\n", "").replace(
        "  - stage: joint\n    department: civil_affairs\n", ""
    )
    definition = import_definition(text)
    version = selectors.latest_version(definition)
    submission = store(
        selectors.snapshot(version).intake_form, {"所在社区": WUSONG, "事项": "加装电梯。"}
    )
    process = services.start_process(version, submission)
    tasks = {t.data["signer"]: t for t in signing(process)}
    people = [user("community_worker"), user("community_director")]
    barrier = threading.Barrier(2)
    outcomes = {}

    def act(index):
        try:
            barrier.wait()
            services.sign(tasks[index], people[index], services.Decision(services.APPROVE))
            outcomes[index] = "done"
        except Exception as error:  # a refusal SQLite's write lock may give
            outcomes[index] = type(error).__name__
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if connection.vendor == "postgresql":
        assert outcomes == {0: "done", 1: "done"}  # the process lock takes them one by one
    for index, outcome in outcomes.items():
        if outcome != "done":
            services.sign(tasks[index], people[index], services.Decision(services.APPROVE))
    assert ProcessEvent.objects.filter(process=process, kind="countersigned").count() == 1
    close = StageTask.objects.filter(process=process, data__stage_key="close")
    assert close.count() == 1


@pytest.mark.django_db
def test_the_admin_designs_a_countersign(admin):  # noqa: F811
    intake = design_intake(admin)
    rows = [
        stage_row(
            "joint",
            "会签",
            "",
            "",
            actor="countersign",
            countersign_rule="any",
            countersign_rejection="vote",
        )
    ]
    signers = [
        {
            "stage": "joint",
            "role": role("community_worker").pk,
            "role_level": "2",
            "department": "",
        },
        {"stage": "joint", "role": "", "role_level": "", "department": department().pk},
    ]
    response = admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:add"),
        definition_post(
            intake, rows, countersigners=signers, **{"action-publish": "action-publish"}
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    snapshot = selectors.snapshot(
        selectors.latest_version(ProcessDefinition.objects.get(key="venue-booking"))
    )
    stage = snapshot.stages[0]
    assert (stage.actor, stage.countersign_rule) == ("countersign", "any")
    assert [
        (s.role_id is not None, s.department_id is not None) for s in snapshot.signers(stage)
    ] == [
        (True, False),
        (False, True),
    ]
    text = selectors.diagram(snapshot)[0].actor_text
    assert text == (
        "Countersigned by community_worker of the Community、住建局: done when any one of "
        "them approves; a rejection is one vote against"
    )


def department():
    return Department.objects.get_or_create(key="housing", defaults={"name": "住建局"})[0]
