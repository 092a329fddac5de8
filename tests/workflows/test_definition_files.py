"""Definitions as files: export and import round-trip a definition with its forms, stages,
effects and overseers; a malformed file is refused whole, naming the line and the field of
every problem; importing what is already live changes nothing."""

import decimal
import io

import pytest
from django.core.management import CommandError, call_command
from viewflow.workflow.status import STATUS
from wagtail.models import Revision

from forms import services as form_services
from forms.models import FormDefinition, FormDefinitionField
from grid.models import Area, Department
from tests.factories import AssignmentFactory, DepartmentFactory
from tests.forms.factories import data
from workflows import selectors, services
from workflows.definition_files import (
    DefinitionFileError,
    export_definition,
    import_definition,
    import_text,
)
from workflows.models import (
    Effect,
    Overseer,
    ProcessDefinition,
    ProcessEvent,
    ProcessInstance,
    ProcessVersion,
    Stage,
    StageTask,
)

from .factories import CommunityFactory, definition, intake_form, role, submit

pytestmark = pytest.mark.django_db

BASE = """\
format: 2
forms:
- slug: repair-request
  title: 报修申请
  fields:
  - label: 社区
    field_type: area
    required: true
    area_level: community
  - label: 事项
    field_type: singleline
    required: true
  - label: 部门
    field_type: dropdown
    required: true
    choices: [区城市管理局, civil_affairs]
- slug: repair-check
  title: 现场核查
  fields:
  - label: 结果
    field_type: radio
    required: true
    choices: [已修好, 未修好]
process:
  key: repair
  name: 报修
  intake_form: repair-request
  starter: anyone
  area_source: chosen
  area_level: community
  public_service: false
  stages:
  - key: check
    name: 社区核查
    actor: role
    role: community_worker
    role_level: community
    reviewer_form: repair-check
    allow_reject: true
    allow_return: true
    allow_refer: false
    deadline: 2
  - key: handle
    name: 部门处理
    actor: department_field
    department_field: 部门
    allow_reject: false
    allow_return: true
    return_to: check
    allow_refer: false
  effects:
  - kind: notify
    when: always
    notify_applicant: true
  overseers:
  - role: street_leader
    role_level: street
"""


@pytest.fixture
def organisation():
    DepartmentFactory(key="urban_management", name="区城市管理局")
    DepartmentFactory(key="civil_affairs", name="区民政局")
    for key in ("community_worker", "street_official", "street_leader"):
        role(key)


def counts() -> dict[str, int]:
    models = (FormDefinition, FormDefinitionField, ProcessDefinition, Stage, Effect)
    found = {model.__name__: model.objects.count() for model in models}
    return found | {
        "versions": ProcessVersion.objects.count(),
        "revisions": Revision.objects.count(),
    }


def problems_of(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(DefinitionFileError) as raised:
        import_definition(text)
    return [(problem.line, problem.path, problem.message) for problem in raised.value.problems]


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    lines = text.splitlines()
    found = [number for number, line in enumerate(lines, 1) if fragment in line]
    return found[occurrence - 1]


def open_task(process) -> StageTask:
    return StageTask.objects.get(process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED])


# --- Round trip ---------------------------------------------------------------------------


def rich_definition() -> ProcessDefinition:
    """Every kind of value a file carries: texts over several lines, patterns, decimals, file
    kinds, conditions, defaults, a department field, escalation, a reviewer form and a
    follow-up process."""
    intake = FormDefinition(
        slug="rich-intake",
        title="全字段申请",
        intro="<p>第一段。</p>\n<p>第二段：可以写 HTML。</p>",
        thank_you_text="<p>谢谢！</p>",
    )
    intake.fields = [
        FormDefinitionField(
            sort_order=0, label="社区", field_type="area", area_level=Area.Level.COMMUNITY
        ),
        FormDefinitionField(
            sort_order=1,
            label="邮编",
            field_type="singleline",
            pattern=r"\d{6}",
            pattern_message="六位数字",
            help_text="例如 244000",
        ),
        FormDefinitionField(
            sort_order=2,
            label="面积",
            field_type="number",
            required=False,
            min_value=decimal.Decimal("0.5"),
            max_value=decimal.Decimal("99.123456"),
        ),
        FormDefinitionField(
            sort_order=3,
            label="部门",
            field_type="radio",
            choices="区城市管理局\ncivil_affairs",
            default_value="civil_affairs",
        ),
        FormDefinitionField(sort_order=4, label="有附件", field_type="checkbox", required=False),
        FormDefinitionField(
            sort_order=5,
            label="附件",
            field_type="file",
            allowed_file_types="pdf,office",
            max_file_size=20,
            condition_field="有附件",
        ),
        FormDefinitionField(
            sort_order=6, label="姓名", field_type="singleline", is_personal=True, required=False
        ),
    ]
    intake.save()
    intake.save_revision().publish()
    check = FormDefinition(slug="rich-check", title="核查")
    check.fields = [
        FormDefinitionField(sort_order=0, label="结果", field_type="dropdown", choices="好\n坏")
    ]
    check.save()
    check.save_revision().publish()
    followup = definition(
        Stage(key="again", name="复查", role=role("community_worker"), role_level=2),
        key="recheck",
        intake=intake_form(),
    )
    return definition(
        Stage(
            key="check",
            name="社区核查",
            role=role("community_worker"),
            role_level=Area.Level.COMMUNITY,
            reviewer_form=check,
            approve_label="核查通过",
            deadline=3,
            deadline_unit=Stage.DeadlineUnit.HOURS,
            escalation_role=role("street_leader"),
            escalation_level=Area.Level.STREET,
        ),
        Stage(
            key="handle",
            name="部门处理",
            actor=Stage.Actor.DEPARTMENT_FIELD,
            department_field="部门",
            allow_reject=False,
            allow_refer=True,
            return_to="check",
        ),
        effects=[
            Effect(
                kind="notify",
                when=Effect.When.ALWAYS,
                role=role("street_official"),
                role_level=Area.Level.STREET,
                notify_applicant=True,
                message="{process} {code}:\n{outcome}",
            ),
            Effect(kind="start_followup", followup=followup),
        ],
        overseers=[Overseer(role=role("street_leader"), role_level=Area.Level.STREET)],
        key="rich",
        name="全字段流程",
        description="两行说明。\n第二行。",
        intake=intake,
        public_service=True,
    )


def test_round_trip_into_a_fresh_database(organisation):
    original = rich_definition()
    text = export_definition(original)
    assert "intake_form: rich-intake" in text and "followup: recheck" in text
    assert "overseers:\n  - role: street_leader\n    role_level: street\n" in text
    # A fresh installation: neither this definition nor its forms are there (its follow-up
    # process, referred to by key, is).
    original.versions.all().delete()
    original.delete()
    FormDefinition.objects.filter(slug__in=["rich-intake", "rich-check"]).delete()
    before = counts()
    imported = import_definition(text)
    assert export_definition(imported) == text
    after = counts()
    assert after["FormDefinition"] == before["FormDefinition"] + 2
    assert after["ProcessDefinition"] == before["ProcessDefinition"] + 1
    assert after["versions"] == before["versions"] + 1
    assert selectors.latest_version(imported).number == 1
    intake = imported.intake_form
    size = intake.fields.get(label="面积")
    assert (size.min_value, size.max_value) == (
        decimal.Decimal("0.5"),
        decimal.Decimal("99.123456"),
    )
    assert intake.fields.get(label="附件").allowed_file_types == "pdf,office"
    assert intake.live and imported.live
    stages = list(imported.stages.all())
    assert [stage.key for stage in stages] == ["check", "handle"]
    assert stages[0].escalation_role.key == "street_leader"
    assert stages[0].reviewer_form.slug == "rich-check"
    assert imported.effects.get(kind="start_followup").followup.key == "recheck"


def test_a_process_runs_on_the_imported_definition(organisation):
    imported = import_definition(BASE)
    community = CommunityFactory(name="五松社区")
    worker = AssignmentFactory(role=role("community_worker"), area=community).user
    clerk = AssignmentFactory(
        role=role("department_clerk"),
        area=None,
        department=Department.objects.get(key="urban_management"),
    ).user
    version = selectors.latest_version(imported)
    process = services.start_process(version, submit(imported, community, 部门="区城市管理局"))
    assert open_task(process).stage_name == "社区核查"
    check_form = selectors.snapshot(version).reviewer_form(selectors.snapshot(version).stages[0])
    answers = form_services.validate(check_form, data(check_form, {"结果": "已修好"}))
    services.decide(
        open_task(process), worker, services.Decision(services.APPROVE, answers=answers)
    )
    task = open_task(process)
    assert task.stage_name == "部门处理"
    assert task.owner_permission == selectors.department_permission("urban_management")
    services.decide(task, clerk, services.Decision(services.APPROVE))
    process.refresh_from_db()
    assert process.outcome == ProcessInstance.Outcome.APPROVED
    decided = process.events.filter(kind=ProcessEvent.Kind.DECIDED).order_by("at", "pk")
    assert [event.submission is not None for event in decided] == [True, False]


# --- Malformed files ----------------------------------------------------------------------

# (what is wrong, the text replaced, the replacement, the line it is on — the n-th line
# holding that text in the changed file —, the field path named, a word of the message)
MALFORMED = [
    ("yaml syntax", "title: 报修申请", "title: 报修: 申请", ("报修: 申请", 1), "", "YAML"),
    (
        "key twice",
        "  title: 报修申请\n",
        "  title: 报修申请\n  title: 又一个\n",
        ("title: 又一个", 1),
        "forms[0].title",
        "twice",
    ),
    (
        "unknown top key",
        "format: 2\n",
        "format: 2\ncolour: red\n",
        ("colour", 1),
        "colour",
        "colour",
    ),
    (
        "unknown key in a stage",
        "    deadline: 2\n",
        "    deadline: 2\n    colour: red\n",
        ("colour", 1),
        "process.stages[0].colour",
        "colour",
    ),
    ("missing key", "  key: repair\n", "", ("process:", 1), "process.key", "required"),
    (
        "not a list",
        "  stages:\n",
        "  stages: check\n  old_stages:\n",
        ("stages: check", 1),
        "process.stages",
        "list",
    ),
    (
        "not a mapping",
        "  effects:\n  - kind: notify",
        "  effects:\n  - notify\n  - kind: notify",
        ("- notify", 1),
        "process.effects[0]",
        "mapping",
    ),
    ("text expected", "  name: 报修\n", "  name: 12\n", ("name: 12", 1), "process.name", "quotes"),
    (
        "true or false expected",
        "public_service: false",
        "public_service: no thanks",
        ("public_service", 1),
        "process.public_service",
        "true or false",
    ),
    (
        "whole number expected",
        "deadline: 2",
        "deadline: two",
        ("deadline: two", 1),
        "process.stages[0].deadline",
        "whole number",
    ),
    (
        "unknown field type",
        "field_type: singleline",
        "field_type: textline",
        ("textline", 1),
        "forms[0].fields[1].field_type",
        "textline",
    ),
    (
        "unknown level",
        "area_level: community\n  - label: 事项",
        "area_level: village\n  - label: 事项",
        ("village", 1),
        "forms[0].fields[0].area_level",
        "village",
    ),
    (
        "unknown choice",
        "starter: anyone",
        "starter: everybody",
        ("everybody", 1),
        "process.starter",
        "everybody",
    ),
    (
        "unknown effect",
        "kind: notify",
        "kind: fax",
        ("kind: fax", 1),
        "process.effects[0].kind",
        "fax",
    ),
    (
        "unknown role",
        "role: community_worker",
        "role: community_wroker",
        ("community_wroker", 1),
        "process.stages[0].role",
        "community_wroker",
    ),
    (
        "unknown department",
        "[区城市管理局, civil_affairs]",
        "[区城市管理局, 区宣传部]",
        ("区宣传部", 1),
        "forms[0].fields[2].choices",
        "区宣传部",
    ),
    (
        "unknown form",
        "reviewer_form: repair-check",
        "reviewer_form: repair-chek",
        ("repair-chek", 1),
        "process.stages[0].reviewer_form",
        "repair-chek",
    ),
    (
        "unknown follow-up",
        "  - kind: notify\n",
        "  - kind: start_followup\n    followup: nowhere\n  - kind: notify\n",
        ("nowhere", 1),
        "process.effects[0].followup",
        "nowhere",
    ),
    (
        "form twice",
        "- slug: repair-check",
        "- slug: repair-request",
        ("- slug: repair-request", 2),
        "forms[1].slug",
        "slug",
    ),
    (
        "form not used",
        "    reviewer_form: repair-check\n",
        "",
        ("- slug: repair-check", 1),
        "forms[1].slug",
        "uses",
    ),
    ("too long", "title: 报修申请", "title: " + "长" * 201, ("长长", 1), "forms[0].title", "200"),
    ("not a key", "key: repair", "key: 报修 流程", ("报修 流程", 1), "process.key", ""),
    (
        "out of range",
        "deadline: 2",
        "deadline: 1000",
        ("deadline: 1000", 1),
        "process.stages[0].deadline",
        "999",
    ),
    (
        "mapping expected",
        "notify_applicant: true",
        "field_map: [事项]",
        ("field_map", 1),
        "process.effects[0].field_map",
        "mapping",
    ),
    ("format", "format: 2", "format: 3", ("format: 3", 1), "format", "2"),
    ("format as true", "format: 2", "format: true", ("format: true", 1), "format", "2"),
    (
        "form rule: choices",
        "    choices: [区城市管理局, civil_affairs]\n",
        "",
        ("label: 部门", 1),
        "forms[0].fields[2].choices",
        "choices",
    ),
    (
        "form rule: condition",
        "  - label: 事项\n",
        "  - label: 事项\n    condition_field: 部门\n",
        ("condition_field: 部门", 1),
        "forms[0].fields[1].condition_field",
        "部门",
    ),
    (
        "engine: return",
        "return_to: check",
        "return_to: later",
        ("key: handle", 1),
        "process.stages[1]",
        "部门处理",
    ),
    (
        "engine: department field",
        "department_field: 部门",
        "department_field: 科室",
        ("key: handle", 1),
        "process.stages[1]",
        "科室",
    ),
    (
        "unknown overseer role",
        "role: street_leader",
        "role: street_lead",
        ("street_lead", 1),
        "process.overseers[0].role",
        "street_lead",
    ),
    (
        "overseer without its level",
        "    role_level: street\n",
        "",
        ("role: street_leader", 1),
        "process.overseers[0].role_level",
        "required",
    ),
    (
        "unknown overseer level",
        "role_level: street",
        "role_level: city",
        ("role_level: city", 1),
        "process.overseers[0].role_level",
        "city",
    ),
    (
        "engine: area chooser",
        "area_level: community\n  public_service",
        "area_level: street\n  public_service",
        ("process:", 1),
        "process",
        "",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "where", "path", "word"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_a_malformed_file_names_line_and_field_and_imports_nothing(
    organisation, old, new, where, path, word
):
    assert old in BASE
    text = BASE.replace(old, new, 1)
    before = counts()
    problems = problems_of(text)
    line = line_of(text, *where)
    assert any(
        found_line == line and found_path == path and word in message
        for found_line, found_path, message in problems
    ), problems
    assert counts() == before


def test_every_problem_is_listed_and_a_live_definition_is_left_alone(organisation):
    import_definition(BASE)
    before, exported = counts(), export_definition(ProcessDefinition.objects.get(key="repair"))
    text = (
        BASE.replace("title: 现场核查", "title: 核查结果")
        .replace("role: community_worker", "role: nobody")
        .replace("field_type: singleline", "field_type: textline")
        .replace("deadline: 2", "deadline: soon")
    )
    problems = problems_of(text)
    assert [(line, path) for line, path, _message in problems] == [
        (line_of(text, "textline"), "forms[0].fields[1].field_type"),
        (line_of(text, "role: nobody"), "process.stages[0].role"),
        (line_of(text, "deadline: soon"), "process.stages[0].deadline"),
    ]
    assert counts() == before
    assert export_definition(ProcessDefinition.objects.get(key="repair")) == exported
    assert FormDefinition.objects.get(slug="repair-check").title == "现场核查"


def test_the_error_message_reads_line_then_field():
    with pytest.raises(DefinitionFileError) as raised:
        import_definition("format: 2\nforms: []\nprocess: 3\n")
    assert str(raised.value).splitlines() == [
        "line 2, forms: Expected a list with at least one item.",
        "line 3, process: Expected a mapping of keys and values.",
    ]


def test_a_file_of_format_1_naming_its_process_workflow_still_imports(organisation):
    old = BASE.replace("format: 2\n", "format: 1\n", 1).replace("\nprocess:\n", "\nworkflow:\n", 1)
    definition = import_definition(old)
    assert export_definition(definition) == export_definition(import_definition(BASE))
    broken = old.replace("deadline: 2", "deadline: soon")
    assert [(line, path) for line, path, _message in problems_of(broken)] == [
        (line_of(broken, "deadline: soon"), "process.stages[0].deadline")
    ]


# --- Importing again ------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(organisation):
    first = import_text(BASE)
    assert first.changed
    before = counts()
    again = import_text(BASE)
    assert not again.changed and again.definition.pk == first.definition.pk
    assert counts() == before
    assert selectors.latest_version(again.definition).number == 1


def test_a_changed_file_updates_in_place_and_freezes_a_new_version(organisation):
    definition = import_definition(BASE)
    intake = definition.intake_form
    old_field_pks = set(intake.fields.values_list("pk", flat=True))
    changed = import_definition(BASE.replace("label: 事项", "label: 报修事项"))
    assert changed.pk == definition.pk and changed.intake_form_id == intake.pk
    assert selectors.latest_version(changed).number == 2
    labels = list(changed.intake_form.fields.values_list("label", flat=True))
    assert labels == ["社区", "报修事项", "部门"]
    # The fields are replaced, not added to; the reviewer form, unchanged, is left alone.
    assert not set(intake.fields.values_list("pk", flat=True)) & old_field_pks
    assert FormDefinitionField.objects.count() == 4
    assert FormDefinition.objects.get(slug="repair-check").revisions.count() == 1


def test_a_changed_reviewer_form_alone_freezes_a_new_version(organisation):
    definition = import_definition(BASE)
    first = selectors.latest_version(definition)
    import_definition(
        BASE.replace("choices: [已修好, 未修好]", "choices: [已修好, 未修好, 无法修]")
    )
    latest = selectors.latest_version(definition)
    assert latest.number == 2
    check = FormDefinition.objects.get(slug="repair-check")
    assert latest.form_revisions[str(check.pk)] == check.live_revision_id
    assert first.form_revisions[str(check.pk)] != check.live_revision_id
    stage = selectors.snapshot(latest).stages[0]
    reviewer = selectors.snapshot(latest).reviewer_form(stage)
    assert "无法修" in reviewer.fields.get(label="结果").choices


def test_a_draft_import_leaves_the_live_definition_running(organisation):
    definition = import_definition(BASE)
    live_text = export_definition(definition)
    draft = import_text(BASE.replace("name: 报修", "name: 报修（新）"), publish=False)
    assert draft.changed
    definition.refresh_from_db()
    assert definition.name == "报修" and definition.has_unpublished_changes
    assert export_definition(definition) == live_text
    assert selectors.latest_version(definition).number == 1
    assert definition.latest_revision.as_object().name == "报修（新）"
    published = import_definition(BASE.replace("name: 报修", "name: 报修（新）"))
    assert published.name == "报修（新）" and selectors.latest_version(published).number == 2


def test_a_new_definition_imported_as_a_draft_is_not_live(organisation):
    draft = import_text(BASE, publish=False).definition
    assert not draft.live and not draft.versions.exists()
    assert not draft.intake_form.live
    assert import_text(BASE).changed
    draft.refresh_from_db()
    assert draft.live and selectors.latest_version(draft).number == 1


def test_the_importing_user_is_recorded(organisation):
    admin = AssignmentFactory(role=role("street_official")).user
    admin.is_superuser = True
    admin.save()
    definition = import_definition(BASE, user=admin)
    assert selectors.latest_version(definition).published_by == admin
    assert definition.live_revision.user == admin


# --- Commands -------------------------------------------------------------------------------


def test_export_and_import_commands(organisation, tmp_path):
    definition = import_definition(BASE)
    out = io.StringIO()
    call_command("export_process", "repair", stdout=out)
    assert out.getvalue() == export_definition(definition)
    path = tmp_path / "repair.yaml"
    path.write_text(out.getvalue().replace("name: 报修", "name: 报修流程"), encoding="utf-8")
    out = io.StringIO()
    call_command("import_process", str(path), stdout=out)
    assert "version 2" in out.getvalue()
    out = io.StringIO()
    call_command("import_process", str(path), stdout=out)
    assert "unchanged" in out.getvalue()


def test_commands_refuse_clearly(organisation, tmp_path):
    with pytest.raises(CommandError, match="nowhere"):
        call_command("export_process", "nowhere")
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE.replace("deadline: 2", "deadline: two"), encoding="utf-8")
    err = io.StringIO()
    before = counts()
    with pytest.raises(CommandError):
        call_command("import_process", str(bad), stderr=err)
    line = line_of(bad.read_text(encoding="utf-8"), "deadline: two")
    assert f"bad.yaml: line {line}, process.stages[0].deadline:" in err.getvalue()
    assert counts() == before
    with pytest.raises(CommandError, match="nobody"):
        call_command("import_process", str(bad), "--user", "nobody")
    good = tmp_path / "good.yaml"
    good.write_text(BASE, encoding="utf-8")
    clerk = AssignmentFactory(role=role("community_worker")).user
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_process", str(good), "--user", clerk.username, stderr=err)
    assert "may not publish" in err.getvalue()
    assert counts() == before
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("name: café".encode("latin-1"))
    with pytest.raises(CommandError):
        call_command("import_process", str(latin1), stderr=io.StringIO())
