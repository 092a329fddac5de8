"""An admin designs a new three-stage process through the admin's own forms (no ORM shortcuts),
publishes it and runs it, with a return loop; the definition page draws its stages."""

import pytest
from django.test import Client
from django.urls import reverse
from viewflow.workflow.status import STATUS
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from forms.models import FormDefinition
from grid.models import Area
from workflows import selectors, services
from workflows.models import ProcessDefinition, ProcessEvent, StageTask

from ..forms.test_admin_design import field
from .factories import CommunityFactory, holder, posted, problems_by_place, role, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("admin", "a@example.cn", "pw"))
    return client


def design_intake(admin) -> FormDefinition:
    data = nested_form_data(
        {
            "title": "活动场地申请",
            "slug": "venue",
            "intro": rich_text("<p>申请使用社区活动室。</p>"),
            "thank_you_text": rich_text("<p>已收到。</p>"),
            "fields": inline_formset(
                [field("社区", "area", area_level="2"), field("事项", "singleline")]
            ),
            "action-publish": "action-publish",
        }
    )
    response = admin.post(reverse("wagtailsnippets_forms_formdefinition:add"), data)
    assert response.status_code == 302, response.context["form"].errors
    return FormDefinition.objects.get(slug="venue")


def stage_row(key, name, role_pk, level, **fields):
    return {
        "key": key,
        "name": name,
        "actor": "role",
        "role": role_pk,
        "role_level": level,
        "department_field": "",
        "reviewer_form": "",
        "approve_label": "",
        "allow_reject": "on",
        "allow_return": "on",
        "return_to": fields.pop("return_to", "applicant"),
        "deadline": "3",
        "deadline_unit": "working_days",
        "escalation_role": "",
        "escalation_level": "",
        "countersign_rule": "all",
        "countersign_rejection": "veto",
        "id": "",
        **fields,
    }


def definition_post(
    intake, stages, overseers=(), ladder=(), countersigners=(), channels=(), **extra
):
    return nested_form_data(
        {
            "name": "活动场地申请",
            "key": "venue-booking",
            "description": "三级审批",
            "intake_form": intake.pk,
            "starter": "anyone",
            "starter_role": "",
            "area_source": "chosen",
            "area_level": "2",
            "area_field": "",
            "reopen_stage": "",
            "reopen_days": "7",
            "stages": inline_formset(stages, min=1),
            "countersigners": inline_formset([{**row, "id": ""} for row in countersigners]),
            "effects": inline_formset([]),
            "ladder": inline_formset([{**row, "id": ""} for row in ladder]),
            "overseers": inline_formset([{**row, "id": ""} for row in overseers]),
            "channels": inline_formset([{**row, "id": ""} for row in channels]),
            **extra,
        }
    )


def three_rows():
    return [
        stage_row("check", "社区初审", role("community_worker").pk, "2"),
        stage_row("review", "街道审核", role("street_official").pk, "1", return_to="check"),
        stage_row("approve", "街道审批", role("street_leader").pk, "1"),
    ]


def test_design_publish_and_run_with_a_return_loop(admin):
    intake = design_intake(admin)
    response = admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:add"),
        definition_post(
            intake,
            three_rows(),
            overseers=[{"role": role("community_director").pk, "role_level": "2"}],
            **{"action-publish": "action-publish"},
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    definition = ProcessDefinition.objects.get(key="venue-booking")
    assert definition.live and definition.versions.get().number == 1
    frozen = selectors.snapshot(definition.versions.get()).overseers
    assert [(o.role.key, o.role_level) for o in frozen] == [("community_director", 2)]
    edit = admin.get(
        reverse("wagtailsnippets_workflows_processdefinition:edit", args=[definition.pk])
    ).content.decode()
    assert "Overseers" in edit and 'name="overseers-0-role"' in edit

    page = admin.get(
        reverse("wagtailsnippets_workflows_processdefinition:inspect", args=[definition.pk])
    )
    content = page.content.decode()
    assert page.status_code == 200
    for name in ("社区初审", "街道审核", "街道审批"):
        assert name in content

    community = CommunityFactory()
    people = {
        "check": holder("community_worker", community),
        "review": holder("street_official", community.parent),
        "approve": holder("street_leader", community.parent),
    }
    version = definition.versions.get()
    process = services.start_process(version, submit(definition, community))

    def act(outcome, **kwargs):
        task = StageTask.objects.get(process=process, flow_task_type="HUMAN", status=STATUS.NEW)
        services.decide(task, people[task.stage_key], services.Decision(outcome, **kwargs))

    act(services.APPROVE)
    act(services.RETURN, public_message="请补充")  # 街道审核 returns to 社区初审
    act(services.APPROVE)
    act(services.APPROVE)
    act(services.APPROVE)
    process.refresh_from_db()
    assert process.outcome == "approved"
    stages = list(
        ProcessEvent.objects.filter(process=process, kind="decided").values_list(
            "stage_name", "outcome"
        )
    )
    assert stages == [
        ("社区初审", "approved"),
        ("街道审核", "returned"),
        ("社区初审", "approved"),
        ("街道审核", "approved"),
        ("街道审批", "approved"),
    ]


def test_a_definition_that_cannot_run_is_refused_with_reasons(admin):
    intake = design_intake(admin)
    rows = three_rows()
    rows[0]["return_to"] = "approve"  # a later stage
    rows[2]["role_level"] = "3"  # below the process's community
    response = admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:add"),
        definition_post(intake, rows, **{"action-publish": "action-publish"}),
    )
    assert response.status_code == 200
    # Each problem is shown on the stage it concerns.
    assert problems_by_place(response.context["form"]) == {
        "": [],
        "stages-0": {
            "return_to": [
                "Stage “社区初审”: returns must go to the applicant or to an earlier stage."
            ]
        },
        "stages-2": {
            "role_level": ["Stage “街道审批”: the role's level is below the process's area."]
        },
    }
    assert not ProcessDefinition.objects.exists()


def test_editing_a_draft_keeps_running_processes_on_their_version(admin):
    intake = design_intake(admin)
    admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:add"),
        definition_post(intake, three_rows(), **{"action-publish": "action-publish"}),
    )
    definition = ProcessDefinition.objects.get(key="venue-booking")
    community = CommunityFactory()
    process = services.start_process(definition.versions.get(), submit(definition, community))
    rows = three_rows()
    for row, stage in zip(rows, definition.stages.all(), strict=True):
        row["id"] = stage.pk
    rows[2]["DELETE"] = "1"  # the third stage is dropped in version 2
    data = definition_post(intake, rows, **{"action-publish": "action-publish"})
    data["stages-INITIAL_FORMS"] = "3"
    response = admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:edit", args=[definition.pk]), data
    )
    assert response.status_code == 302, response.context["form"].errors
    assert definition.versions.count() == 2
    process.refresh_from_db()
    assert process.version.number == 1
    assert len(selectors.snapshot(process.version).stages) == 3
    newest = definition.versions.order_by("-number").first()
    assert len(selectors.snapshot(newest).stages) == 2
    assert Area.objects.exists()


def test_a_published_definition_is_not_deleted_but_can_be_unpublished(admin):
    intake = design_intake(admin)
    admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:add"),
        definition_post(intake, three_rows(), **{"action-publish": "action-publish"}),
    )
    definition = ProcessDefinition.objects.get(key="venue-booking")
    response = admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:delete", args=[definition.pk]),
        follow=True,
    )
    assert "cannot be deleted" in response.content.decode()
    assert ProcessDefinition.objects.filter(pk=definition.pk).exists()
    admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:unpublish", args=[definition.pk])
    )
    definition.refresh_from_db()
    assert not definition.live
    assert selectors.open_version(definition) is None
    assert services.start_problems(definition, None, None) == ["This process is not open yet."]


def test_returns_go_to_a_stage_chosen_from_a_list(admin, settings):
    intake = design_intake(admin)
    admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:add"),
        definition_post(intake, three_rows()),
    )
    definition = ProcessDefinition.objects.get(key="venue-booking")
    settings.LANGUAGE_CODE = "zh-hans"
    page = admin.get(
        reverse("wagtailsnippets_workflows_processdefinition:edit", args=[definition.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    content = page.content.decode()
    assert '<select name="stages-1-return_to"' in content
    assert '<option value="check" selected>环节“社区初审”</option>' in content
    assert '<option value="applicant">申请人</option>' in content
    # New stages are made from the same list.
    assert '<select name="stages-__prefix__-return_to"' in content
    assert "the key of an earlier stage" not in content


def test_keys_left_empty_are_made_from_the_names(admin):
    """Nobody has to invent an identifier: a form's, a process's and its stages' keys are the
    pinyin of their names, unique (a counter for two stages of one name, or a taken key)."""
    data = nested_form_data(
        {
            "title": "活动场地申请",
            "slug": "",
            "intro": rich_text(""),
            "thank_you_text": rich_text(""),
            "fields": inline_formset([field("社区", "area", area_level="2")]),
            "action-publish": "action-publish",
        }
    )
    add_form = reverse("wagtailsnippets_forms_formdefinition:add")
    assert admin.post(add_form, data).status_code == 302
    intake = FormDefinition.objects.get(title="活动场地申请")
    assert intake.slug == "huo-dong-chang-de-shen-qing"
    assert admin.post(add_form, data).status_code == 302
    assert FormDefinition.objects.filter(slug="huo-dong-chang-de-shen-qing-2").exists()

    rows = three_rows()
    rows[0]["key"] = rows[1]["key"] = ""
    rows[1]["name"] = rows[0]["name"]
    rows[1]["return_to"] = "applicant"
    response = admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:add"),
        definition_post(intake, rows, key="", **{"action-publish": "action-publish"}),
    )
    assert response.status_code == 302, response.context["form"].errors
    definition = ProcessDefinition.objects.get(name="活动场地申请")
    assert definition.key == "huo-dong-chang-de-shen-qing"
    assert [stage.key for stage in definition.stages.all()] == [
        "she-qu-chu-shen",
        "she-qu-chu-shen-2",
        "approve",
    ]
    # An existing key is kept when the definition is edited.
    edit = admin.get(
        reverse("wagtailsnippets_workflows_processdefinition:edit", args=[definition.pk])
    ).content.decode()
    assert 'value="huo-dong-chang-de-shen-qing"' in edit


def test_fields_are_chosen_from_the_intake_form_not_retyped(admin):
    """The area field, a stage's department field and conditions offer the intake form's
    labels (conditions also the reviewer forms'); the editor's script asks for another form's
    fields when the intake form changes."""
    intake = design_intake(admin)
    rows = three_rows()
    admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:add"),
        definition_post(intake, rows, area_source="field", area_field="社区", area_level="2"),
    )
    definition = ProcessDefinition.objects.get(key="venue-booking")
    page = admin.get(
        reverse("wagtailsnippets_workflows_processdefinition:edit", args=[definition.pk])
    )
    form = page.context["form"]
    offered = [value for value, _label in form.fields["area_field"].choices]
    assert offered == ["", "社区", "事项"] and form["area_field"].value() == "社区"
    stage = form.formsets["stages"].forms[0]
    assert [v for v, _l in stage.fields["department_field"].choices] == ["", "社区", "事项"]
    assert 'data-form-fields="/admin/snippets/workflows/processdefinition/form-fields/0/"' in (
        page.content.decode()
    )

    fields = admin.get(f"/admin/snippets/workflows/processdefinition/form-fields/{intake.pk}/")
    assert fields.json() == {
        "fields": [
            {"label": "社区", "type": "area", "choices": []},
            {"label": "事项", "type": "singleline", "choices": []},
        ]
    }
    # A label the form no longer has stays chosen and is named by the checks.
    response = admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:edit", args=[definition.pk]),
        definition_post(intake, rows, area_source="field", area_field="地址", area_level="2"),
    )
    assert "The intake form has no field “地址” to take the area from." in str(
        response.context["form"].errors
    )


def test_only_designers_read_a_forms_fields(client, django_user_model):
    form = FormDefinition.objects.create(title="表", slug="biao")
    client.force_login(django_user_model.objects.create_user("clerk", "c@example.cn", "pw"))
    answer = client.get(f"/admin/snippets/workflows/processdefinition/form-fields/{form.pk}/")
    assert answer.status_code in (302, 403)


def test_each_stage_offers_only_the_stages_it_may_name(admin):
    """Returns and separation go to earlier stages, approvals to later ones: the lists offer
    nothing else (a new stage comes after every saved one)."""
    intake = design_intake(admin)
    admin.post(
        reverse("wagtailsnippets_workflows_processdefinition:add"),
        definition_post(intake, three_rows()),
    )
    definition = ProcessDefinition.objects.get(key="venue-booking")
    form = admin.get(
        reverse("wagtailsnippets_workflows_processdefinition:edit", args=[definition.pk])
    ).context["form"]
    stages = form.formsets["stages"]

    def offered(stage_form, name):
        return [value for value, _text in stage_form.fields[name].choices]

    first, second, third = stages.forms
    assert offered(first, "return_to") == ["applicant"]
    assert offered(second, "return_to") == ["applicant", "check"]
    assert offered(third, "return_to") == ["applicant", "check", "review"]
    assert offered(first, "approve_to") == ["", "review", "approve", "end"]
    assert offered(third, "approve_to") == ["", "end"]
    assert offered(second, "distinct_from") == ["", "check"]
    new = stages.empty_form
    assert offered(new, "return_to") == ["applicant", "check", "review", "approve"]
    assert offered(new, "approve_to") == ["", "end"]


def test_the_diagram_follows_the_editor_unsaved(admin):
    """The editor posts the form as it stands; the diagram comes back drawn from it, with what
    still keeps it from being published, and nothing is written."""
    intake = design_intake(admin)
    rows = three_rows()
    data = definition_post(intake, rows)
    page = admin.post("/admin/snippets/workflows/processdefinition/diagram/", data)
    content = page.content.decode()
    assert [stage.name for stage in page.context["stages"]] == [
        "社区初审",
        "街道审核",
        "街道审批",
    ]
    assert "1. 社区初审" in content and page.context["problems"] == []
    assert not ProcessDefinition.objects.exists()

    admin.post(reverse("wagtailsnippets_workflows_processdefinition:add"), data)
    definition = ProcessDefinition.objects.get(key="venue-booking")
    edit = admin.get(
        reverse("wagtailsnippets_workflows_processdefinition:edit", args=[definition.pk])
    )
    assert (
        f'data-live-diagram="/admin/snippets/workflows/processdefinition/diagram/{definition.pk}/"'
        in (edit.content.decode())
    )
    # Stages reordered and one returning to a later stage, unsaved.
    data = posted(edit.context["form"])
    data["stages-0-ORDER"], data["stages-2-ORDER"] = "3", "1"
    page = admin.post(f"/admin/snippets/workflows/processdefinition/diagram/{definition.pk}/", data)
    assert [stage.name for stage in page.context["stages"]] == [
        "街道审批",
        "街道审核",
        "社区初审",
    ]
    assert "returns must go to the applicant or to an earlier stage" in " ".join(
        page.context["problems"]
    )
    assert [s.name for s in ProcessDefinition.objects.get(pk=definition.pk).stages.all()] == [
        "社区初审",
        "街道审核",
        "街道审批",
    ]
    # Incomplete: no diagram, a word on what is missing.
    data["stages-1-name"] = ""
    page = admin.post(f"/admin/snippets/workflows/processdefinition/diagram/{definition.pk}/", data)
    assert page.context["complete"] is False
    assert (
        admin.get(
            f"/admin/snippets/workflows/processdefinition/diagram/{definition.pk}/"
        ).status_code
        == 405
    )
