"""A dry run: the admin runs a process as it stands in the editor — its intake form, then each
decision — sees who each task goes to in the real areas, and nothing is left behind."""

import pytest
from django.test import Client

from forms.models import Submission
from grid.models import Role, Volunteer
from tests.factories import UserFactory
from workflows import process_templates
from workflows.models import Notification, ProcessEvent, ProcessInstance, ProcessVersion, StageTask

pytestmark = pytest.mark.django_db

ADMIN = "/admin/snippets/workflows/processdefinition/"
WUSONG = "340705001001"


def rows() -> dict[str, int]:
    models = (ProcessInstance, ProcessEvent, ProcessVersion, StageTask, Submission, Notification)
    return {model.__name__: model.objects.count() for model in models} | {
        "volunteers": Volunteer.objects.count()
    }


def copy(slug: str, name: str):
    found = process_templates.template(slug)
    roles = {slot.key: Role.objects.get(key=slot.key) for slot in found.roles}
    return process_templates.copy_template(found, name=name, roles=roles, user=None)


ANSWERS = {
    "shen_qing_ren": "王芳",
    "lian_xi_dian_hua": "13912345678",
    "suo_zai_she_qu": WUSONG,
    "shen_qing_lei_bie": "临时占道",
    "shen_qing_shuo_ming": "周六上午搬家，需在楼下停车两小时。",
}


def test_a_draft_runs_stage_by_stage_and_leaves_nothing(city_designer):
    definition = copy("approval-chain", "占道审批")  # a draft, never published
    url = f"{ADMIN}dry-run/{definition.pk}/"
    page = city_designer.get(url)
    assert "证明材料" not in [field.label for field in page.context["form"].fields.values()]
    answers = answers_for(city_designer, url)
    before = rows()

    run = city_designer.post(url, answers).context["run"]
    assert run.problems == [] and run.area == "五松社区"
    assert [(step.stage, step.people) for step in run.steps] == [("社区审核", ["陈静"])]
    assert [value for value, _label in run.outcomes] == ["approve", "reject", "return"]

    run = city_designer.post(url, answers | {"decide": "approve"}).context["run"]
    assert [(s.stage, s.outcome, s.by) for s in run.steps] == [
        ("社区审核", "审核通过，报街道", "陈静"),
        ("街道审批", "", ""),
    ]
    run = city_designer.post(url, answers | {"decisions": ["approve"], "decide": "reject"}).context[
        "run"
    ]
    assert run.result == "Rejected" and run.outcomes == []
    assert rows() == before
    assert not definition.versions.exists()


def answers_for(client, url: str) -> dict[str, str]:
    fields = list(client.get(url).context["form"].fields)
    return dict(zip(fields[:4] + fields[5:6], ANSWERS.values(), strict=True))


def test_a_return_goes_back_and_an_applicant_resends(city_designer):
    definition = copy("approval-chain", "占道审批")
    url = f"{ADMIN}dry-run/{definition.pk}/"
    answers = answers_for(city_designer, url)
    run = city_designer.post(url, answers | {"decisions": ["approve"], "decide": "return"})
    assert [step.stage for step in run.context["run"].steps] == ["社区审核", "街道审批", "社区审核"]

    run = city_designer.post(url, answers | {"decide": "return"}).context["run"]
    assert [step.stage for step in run.steps] == ["社区审核", "The applicant revises"]
    assert run.outcomes == [("resend", "Send it again as it was")]
    run = city_designer.post(url, answers | {"decisions": ["return"], "decide": "resend"})
    steps = run.context["run"].steps
    assert [(step.stage, step.outcome) for step in steps][1:] == [
        ("The applicant revises", "sent again"),
        ("社区审核", ""),
    ]


def test_a_process_that_cannot_run_says_why_and_nothing_runs(city_designer):
    definition = copy("approval-chain", "占道审批")
    broken = definition.get_latest_revision().as_object()
    stages = list(broken.stages.all())
    stages[0].return_to = "street-approval"  # a later stage
    broken.stages = stages
    broken.save_revision()
    url = f"{ADMIN}dry-run/{definition.pk}/"
    before = rows()
    run = city_designer.post(url, answers_for(city_designer, url)).context["run"]
    assert run.problems == [
        "Stage “社区审核”: returns must go to the applicant or to an earlier stage."
    ]
    assert run.steps == [] and rows() == before


def test_only_designers_dry_run(city_designer):
    definition = copy("approval-chain", "占道审批")
    client = Client()
    client.force_login(UserFactory())
    assert client.get(f"{ADMIN}dry-run/{definition.pk}/").status_code in (302, 403)


def test_a_referral_is_answered_by_the_departments_clerk(city_designer):
    definition = copy("report-dispatch-handle-verify", "楼道堆物上报")
    url = f"{ADMIN}dry-run/{definition.pk}/"
    fields = list(city_designer.get(url).context["form"].fields)
    answers = dict(
        zip(fields[:4], ["安全隐患", WUSONG + "001", "3 栋楼道", "楼道堆满杂物。"], strict=True)
    )
    run = city_designer.post(url, answers | {"decisions": ["approve"], "decide": "refer"})
    steps = run.context["run"].steps
    assert [step.stage for step in steps[:2]] == ["受理派单", "处置"]
    assert steps[2].stage.endswith(" answers") and steps[2].people
    assert run.context["run"].outcomes == [("answer", "Answer")]
    run = city_designer.post(
        url, answers | {"decisions": ["approve", "refer"], "decide": "answer"}
    ).context["run"]
    assert [step.stage for step in run.steps][-1] == "处置"
    assert run.steps[2].outcome == "answered"
