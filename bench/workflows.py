"""1,000 processes of a 3-stage definition run to the end through the engine's services,
beside the same three stages hand-coded as a Viewflow flow, the three in turn in rounds of 100
processes each so that a slow minute of this shared machine weighs on all of them; statements
per transition as the tables grow; the inbox with 10,000 open tasks in scope."""

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.flow.views import UpdateProcessView
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from bench.settings import QUEUED_TASKS
from forms import services as form_services
from forms.models import FormDefinition, FormDefinitionField
from grid.models import Area, Assignment, Role
from workflows import services
from workflows.models import ProcessDefinition, Stage, StageTask

PROCESSES = 1000
ROUNDS = 10
STAGE_HOLDERS = ("community_worker", "street_official", "street_leader")
INBOX_TASKS = 10_000
SAMPLE = 50


def stage_view(permission: str) -> flow.View:
    return flow.View(UpdateProcessView.as_view(fields=[])).Permission(permission)


class HandCodedFlow(flow.Flow):
    """The same three stages written by hand with nothing but approvals: the barest baseline."""

    lock_impl = lock.select_for_update_lock
    records_decisions = False

    start = flow.StartHandle().Next(this.check)
    check = stage_view("bench.check").Next(this.review)
    review = stage_view("bench.review").Next(this.approve)
    approve = stage_view("bench.approve").Next(this.end)
    end = flow.End()


def decided(stage: str):
    return lambda activation: activation.process.data.get(stage) == "approve"


class HandCodedApprovalFlow(flow.Flow):
    """The same three stages as Viewflow's own examples write an approval: each stage's
    decision kept on the process, an If after it, a rejection ending the process."""

    lock_impl = lock.select_for_update_lock
    records_decisions = True

    start = flow.StartHandle().Next(this.check)
    check = stage_view("bench.check").Next(this.check_decided)
    check_decided = flow.If(decided("check")).Then(this.review).Else(this.rejected)
    review = stage_view("bench.review").Next(this.review_decided)
    review_decided = flow.If(decided("review")).Then(this.approve).Else(this.rejected)
    approve = stage_view("bench.approve").Next(this.approve_decided)
    approve_decided = flow.If(decided("approve")).Then(this.end).Else(this.rejected)
    rejected = flow.End()
    end = flow.End()


def city():
    district = Area.objects.create(code="340705", name="铜官区")
    street = Area.objects.create(code="340705001", name="长江路街道", parent=district)
    community = Area.objects.create(code="340705001001", name="五松社区", parent=street)
    User = get_user_model()
    people = {}
    for key, area in (
        ("community_worker", community),
        ("street_official", street),
        ("street_leader", street),
    ):
        role = Role.objects.create(key=key, name=key)
        user = User.objects.create_user(key, password="pw", is_superuser=False)
        Assignment.objects.create(user=user, role=role, area=area)
        people[key] = user
    return community, people


def definition() -> ProcessDefinition:
    intake = FormDefinition(title="申请", slug="bench-intake")
    intake.fields = [
        FormDefinitionField(
            sort_order=0, label="社区", field_type="area", area_level=2, required=True
        ),
        FormDefinitionField(sort_order=1, label="事项", field_type="singleline", required=True),
    ]
    intake.save()
    intake.save_revision().publish()
    workflow = ProcessDefinition(
        name="三级审批", key="bench", intake_form=intake, area_source="chosen"
    )
    workflow.stages = [
        Stage(
            key="check",
            name="社区初审",
            role=Role.objects.get(key="community_worker"),
            role_level=2,
        ),
        Stage(
            key="review",
            name="街道审核",
            role=Role.objects.get(key="street_official"),
            role_level=1,
        ),
        Stage(
            key="approve", name="街道审批", role=Role.objects.get(key="street_leader"), role_level=1
        ),
    ]
    workflow.save()
    workflow.save_revision().publish()
    return workflow


def submission(intake, community):
    names = {f.label: f.clean_name for f in intake.fields.all()}
    form = form_services.validate(intake, {names["社区"]: community.code, names["事项"]: "活动室"})
    return form_services.store_submission(form)


def open_task(process_pk: int) -> StageTask:
    return StageTask.objects.get(process_id=process_pk, flow_task_type="HUMAN", status=STATUS.NEW)


def configured_run(version, submission_, people) -> None:
    """One process to the end through the engine's services, as the hand-coded flow runs:
    each stage taken and completed in one call."""
    process = services.start_process(version, submission_)
    for key in STAGE_HOLDERS:
        services.decide(open_task(process.pk), people[key], services.Decision(services.APPROVE))


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")


def statements(queries: CaptureQueriesContext) -> int:
    """SQL statements, not counting BEGIN, COMMIT and savepoints."""
    return sum(
        1 for query in queries.captured_queries if not query["sql"].startswith(TRANSACTION_CONTROL)
    )


def counted_run(version, submission_, people) -> dict[str, int]:
    """Statements per transition: starting, then claiming and deciding at each stage (the last
    decision also ends the process and runs its effects)."""
    reset_queries()
    counts = {}
    with CaptureQueriesContext(connection) as queries:
        process = services.start_process(version, submission_)
    counts["start"] = statements(queries)
    for key in STAGE_HOLDERS:
        task = open_task(process.pk)
        with CaptureQueriesContext(connection) as queries:
            services.claim(task, people[key])
        counts[f"claim ({key})"] = statements(queries)
        with CaptureQueriesContext(connection) as queries:
            services.decide(task, people[key], services.Decision(services.APPROVE))
        counts[f"decide ({key})"] = statements(queries)
    return counts


def hand_coded_run(user, flow_class=HandCodedFlow) -> None:
    """One process of a hand-coded flow to the end; each stage's task taken, its decision
    written on the process where the flow reads one, and completed."""
    reset_queries()
    process = flow_class.start.run()
    for node in (flow_class.check, flow_class.review, flow_class.approve):
        task = Task.objects.get(process=process, flow_task=node, status=STATUS.NEW)
        with task.activation() as activation:
            activation.assign(user)
            activation.start(None)
            if flow_class.records_decisions:
                activation.process.data = {**activation.process.data, node.name: "approve"}
                activation.process.save(update_fields=["data"])
            activation.execute()


def inbox(community, people, version, intake) -> dict:
    """Render the queue and the task list of a community worker with 10,000 open tasks in
    scope."""
    template = open_task(services.start_process(version, submission(intake, community)).pk)
    Task.objects.bulk_create(
        (
            Task(
                process_id=template.process_id,
                flow_task=template.flow_task,
                flow_task_type="HUMAN",
                status=STATUS.NEW,
                owner_permission=template.owner_permission,
                token=template.token,
                data=template.data,
            )
            for _ in range(INBOX_TASKS - 1)
        ),
        batch_size=2000,
    )
    worker, admin = Client(), Client()
    worker.force_login(people["community_worker"])
    admin.force_login(
        get_user_model().objects.create_superuser("bench_platform_admin", password="pw")
    )
    # The worker's task list; and, for a platform admin (whose scope is every task), Viewflow's
    # queue (the console now theirs alone) and the task list, asked in turn so that all see the
    # same machine.
    pages = {
        "task_list": (worker, "/tasks/"),
        "queue_as_admin": (admin, "/workflow/generic/queue/"),
        "task_list_as_admin": (admin, "/tasks/"),
    }
    timings: dict[str, list[float]] = {name: [] for name in pages}
    for client, url in pages.values():
        client.get(url)
    for _ in range(7):
        for name, (client, url) in pages.items():
            started = time.perf_counter()
            response = client.get(url)
            timings[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
    found: dict = {"open_tasks": INBOX_TASKS}
    for name, (client, url) in pages.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        found[name] = {
            "min_ms": round(min(timings[name]), 1),
            "median_ms": round(statistics.median(timings[name]), 1),
            "max_ms": round(max(timings[name]), 1),
            "queries": len(queries),
        }
    return found


def run() -> dict:
    # The engine as production runs it: what a transition queues (the dashboards' refresh,
    # notices) waits for the worker instead of running before the decision returns.
    with override_settings(TASKS=QUEUED_TASKS):
        return measured()


def measured() -> dict:
    community, people = city()
    workflow = definition()
    version = workflow.versions.get()
    intake = workflow.intake_form
    started = time.perf_counter()
    submissions = [submission(intake, community) for _ in range(PROCESSES + 2 * SAMPLE)]
    intake_ms = (time.perf_counter() - started) * 1000 / len(submissions)
    first = [counted_run(version, s, people) for s in submissions[:SAMPLE]]
    superuser = get_user_model().objects.create_superuser("bench_admin", password="pw")
    stored = iter(submissions[SAMPLE:-SAMPLE])
    per_round = PROCESSES // ROUNDS
    variants = {
        "configured": lambda: configured_run(version, next(stored), people),
        "hand_coded": lambda: hand_coded_run(superuser),
        "hand_coded_with_decisions": lambda: hand_coded_run(superuser, HandCodedApprovalFlow),
    }
    # Milliseconds per process, each variant's rounds alternating with the others'.
    rounds: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(ROUNDS):
        for name, run_one in variants.items():
            started = time.perf_counter()
            for _ in range(per_round):
                run_one()
            rounds[name].append((time.perf_counter() - started) * 1000 / per_round)
    last = [counted_run(version, s, people) for s in submissions[-SAMPLE:]]
    configured_ms, hand_ms, approval_ms = (statistics.median(rounds[name]) for name in variants)

    def ratios(baseline: str) -> list[float]:
        return [c / b for c, b in zip(rounds["configured"], rounds[baseline], strict=True)]

    def spread(values: list[float]) -> str:
        """min / median / max"""
        return " / ".join(
            str(round(value, 2)) for value in (min(values), statistics.median(values), max(values))
        )

    def typical(sample):
        return {key: statistics.median(counts[key] for counts in sample) for key in sample[0]}

    return {
        "processes": PROCESSES,
        "intake_submission_ms": round(intake_ms, 1),
        "rounds": ROUNDS,
        "configured_ms_per_process": round(configured_ms, 1),
        "hand_coded_ms_per_process": round(hand_ms, 1),
        "ratio": round(statistics.median(ratios("hand_coded")), 2),
        "ratio_each_round_min_median_max": spread(ratios("hand_coded")),
        "hand_coded_with_decisions_ms_per_process": round(approval_ms, 1),
        "ratio_to_hand_coded_with_decisions": round(
            statistics.median(ratios("hand_coded_with_decisions")), 2
        ),
        "ratio_to_hand_coded_with_decisions_each_round_min_median_max": spread(
            ratios("hand_coded_with_decisions")
        ),
        "statements_first_50_median": typical(first),
        "statements_last_50_median": typical(last),
        "inbox": inbox(community, people, version, intake),
    }
