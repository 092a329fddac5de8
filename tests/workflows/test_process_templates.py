"""Templates: an admin starts a process from one of the shipped templates in one step — a name
typed, the roles chosen — and gets a draft whose keys nobody typed, ready to publish and run."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from viewflow.workflow.status import STATUS

from forms import services as form_services
from forms.models import FormDefinition
from grid.keys import generated_key, transliterated
from grid.models import Role
from tests.factories import UserFactory
from tests.forms.factories import data
from workflows import process_templates, selectors, services
from workflows.definition_files import export_definition
from workflows.models import ProcessDefinition, StageTask

from .city import build_city, user

pytestmark = pytest.mark.django_db

ADMIN = "/admin/snippets/workflows/processdefinition/"
WUSONG = "340705001001"
SHIPPED = ["approval-chain", "periodic-return", "registration-review-activation"]
SHIPPED += ["report-dispatch-handle-verify"]


@pytest.fixture
def city():
    build_city()


def same_roles(found: process_templates.ProcessTemplate) -> dict[str, Role]:
    return {slot.key: Role.objects.get(key=slot.key) for slot in found.roles}


def publish(definition: ProcessDefinition) -> ProcessDefinition:
    """As the editor's Publish button does."""
    definition.get_latest_revision().publish()
    definition = ProcessDefinition.objects.get(pk=definition.pk)
    assert definition.live and selectors.latest_version(definition).number == 1
    return definition


def test_keys_are_made_from_names_in_pinyin_with_a_counter_when_taken():
    assert transliterated("老旧小区加装电梯申请") == "lao-jiu-xiao-qu-jia-zhuang-dian-ti-shen-qing"
    assert transliterated("Repair 报修 2") == "repair-bao-xiu-2"
    taken = {"bao-xiu", "bao-xiu-2"}
    assert generated_key("报修", taken=taken.__contains__, max_length=80, fallback="x") == (
        "bao-xiu-3"
    )
    assert generated_key("！？", taken=set().__contains__, max_length=80, fallback="form") == "form"
    long = generated_key("报" * 60, taken={"bao-" * 19 + "bao"}.__contains__, max_length=80,
                         fallback="x")  # fmt: skip
    assert len(long) <= 80 and long.endswith("-2")


def test_the_four_templates_are_shipped_with_their_stages_and_roles():
    found = {template.slug: template for template in process_templates.templates()}
    assert sorted(found) == sorted(SHIPPED)
    chain = found["report-dispatch-handle-verify"]
    assert chain.stages == ("受理派单", "处置", "现场核查")
    worker = next(slot for slot in chain.roles if slot.key == "community_worker")
    assert worker.uses == ("acts on “受理派单”", "acts on “现场核查”")


@pytest.mark.parametrize("slug", SHIPPED)
def test_each_template_copies_under_a_new_name_and_publishes(city, slug):
    found = process_templates.template(slug)
    before = {form.pk for form in FormDefinition.objects.all()}
    definition = process_templates.copy_template(
        found, name="老旧小区加装电梯申请", roles=same_roles(found), user=None
    )
    assert definition.name == "老旧小区加装电梯申请" and not definition.live
    assert definition.key == "lao-jiu-xiao-qu-jia-zhuang-dian-ti-shen-qing"
    assert definition.intake_form.title == "老旧小区加装电梯申请"
    assert definition.intake_form.slug == "lao-jiu-xiao-qu-jia-zhuang-dian-ti-shen-qing"
    assert [stage.name for stage in definition.stages.all()] == list(found.stages)
    new_forms = FormDefinition.objects.exclude(pk__in=before)
    # The forms are published at once, and shown nowhere until the process is.
    assert all(form.live for form in new_forms)
    assert all(form.title.startswith("老旧小区加装电梯申请") for form in new_forms)
    assert services.definition_problems(definition) == []
    publish(definition)

    # A second copy of the same template gets keys of its own; the first is untouched.
    again = process_templates.copy_template(
        found, name="老旧小区加装电梯申请", roles=same_roles(found), user=None
    )
    assert again.key == "lao-jiu-xiao-qu-jia-zhuang-dian-ti-shen-qing-2"
    assert again.intake_form.slug == "lao-jiu-xiao-qu-jia-zhuang-dian-ti-shen-qing-2"
    assert ProcessDefinition.objects.get(pk=definition.pk).live


def test_the_chosen_roles_replace_the_templates(city):
    found = process_templates.template("approval-chain")
    roles = same_roles(found) | {"street_official": Role.objects.get(key="street_leader")}
    definition = process_templates.copy_template(found, name="占道审批", roles=roles, user=None)
    stages = {stage.name: stage.role.key for stage in definition.stages.all()}
    assert stages == {"社区审核": "community_worker", "街道审批": "street_leader"}
    # The copy is an ordinary definition: its file is what the template's would be.
    assert "role: street_leader" in export_definition(definition)


def start(definition: ProcessDefinition, answers: dict, applicant=None):
    version = selectors.latest_version(definition)
    intake = selectors.snapshot(version).intake_form
    form = form_services.validate(intake, data(intake, answers))
    assert form.is_valid(), form.errors
    submission = form_services.store_submission(form, user=applicant)
    return services.start_process(version, submission, applicant or AnonymousUser())


def approve(process, username: str) -> None:
    task = StageTask.objects.get(process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED])
    services.decide(task, user(username), services.Decision("approve"))


def test_a_copied_approval_chain_runs_community_then_street(city):
    found = process_templates.template("approval-chain")
    definition = publish(
        process_templates.copy_template(found, name="占道审批", roles=same_roles(found), user=None)
    )
    process = start(
        definition,
        {
            "申请人": "王芳",
            "联系电话": "13912345678",
            "所在社区": WUSONG,
            "申请类别": "临时占道",
            "申请说明": "周六上午搬家，需在楼下停车两小时。",
        },
    )
    assert process.area.code == WUSONG
    approve(process, "community_worker")
    approve(process, "street_official")
    process.refresh_from_db()
    assert process.status == STATUS.DONE and process.outcome == "approved"


def test_a_copied_periodic_return_is_filed_by_a_community_worker_for_their_community(city):
    found = process_templates.template("periodic-return")
    definition = publish(
        process_templates.copy_template(
            found, name="月度工作报送", roles=same_roles(found), user=None
        )
    )
    answers = {"报送期间": "2026 年 11 月", "本期工作情况": "走访 120 户。", "本期完成数量": "120"}
    with pytest.raises(services.StartRefused):
        start(definition, answers, applicant=user("grid_worker"))
    process = start(definition, answers, applicant=user("community_worker"))
    assert process.area.code == WUSONG
    approve(process, "street_official")
    process.refresh_from_db()
    assert process.outcome == "approved"


# --- In the admin ---------------------------------------------------------------------------


@pytest.fixture
def designer(city):
    client = Client()
    client.force_login(UserFactory(is_superuser=True))
    return client


def test_an_admin_copies_a_template_in_one_step_and_lands_in_the_editor(designer):
    listing = designer.get(ADMIN).content.decode()
    assert f'href="{ADMIN}templates/"' in listing
    page = designer.get(f"{ADMIN}templates/").content.decode()
    for found in process_templates.templates():
        assert f'href="{ADMIN}templates/{found.slug}/"' in page and found.name in page
    assert "受理派单 → 处置 → 现场核查" in page

    form = designer.get(f"{ADMIN}templates/approval-chain/").context["form"]
    # Each of the template's roles is offered among the installation's, already chosen.
    assert [form[name].initial.key for name in form.fields if name != "name"] == [
        "community_worker",
        "community_director",
        "street_official",
    ]
    choices = form.fields["role_0"].queryset
    assert not choices.filter(scope=Role.Scope.DEPARTMENT).exists()

    post = {"name": "占道审批"} | {
        name: form[name].initial.pk for name in form.fields if name != "name"
    }
    answer = designer.post(f"{ADMIN}templates/approval-chain/", post)
    definition = ProcessDefinition.objects.get(name="占道审批")
    assert answer.status_code == 302 and answer["Location"] == f"{ADMIN}edit/{definition.pk}/"
    assert not definition.live and definition.key == "zhan-dao-shen-pi"
    editor = designer.get(answer["Location"]).content.decode()
    assert "占道审批 was copied from the template as a draft" in editor

    # The same name again is refused on the name, and nothing is created.
    count = ProcessDefinition.objects.count()
    answer = designer.post(f"{ADMIN}templates/approval-chain/", post)
    assert answer.status_code == 400
    assert answer.context["form"].errors["name"] == [
        "A process named “占道审批” exists already: choose another name."
    ]
    assert ProcessDefinition.objects.count() == count
    assert designer.get(f"{ADMIN}templates/no-such-template/").status_code == 404


def test_only_designers_copy_templates(city):
    client = Client()
    client.force_login(user("community_worker"))
    count = ProcessDefinition.objects.count()
    for url in (f"{ADMIN}templates/", f"{ADMIN}templates/approval-chain/"):
        assert client.get(url).status_code in (302, 403)
    client.post(f"{ADMIN}templates/approval-chain/", {"name": "占道审批"})
    assert ProcessDefinition.objects.count() == count
