"""A stage refers the process to a department; its clerk answers in the inbox without seeing
who applied; the process returns to that stage."""

import pytest

from grid.models import Area
from tests.factories import AssignmentFactory, DepartmentFactory, RoleFactory, UserFactory
from workflows import selectors, services
from workflows.models import ProcessEvent

from . import inbox
from .factories import (
    CommunityFactory,
    definition,
    holder,
    intake_form,
    role,
    stage,
    submit,
    version_of,
)

pytestmark = pytest.mark.django_db

PHONE = "电话"


@pytest.fixture
def referred():
    community = CommunityFactory()
    department = DepartmentFactory(name="区城市管理局", key="urban_management")
    clerk = AssignmentFactory(
        user=UserFactory(first_name="部门经办"),
        role=RoleFactory(key="department_clerk", scope="department"),
        area=None,
        department=department,
    ).user
    committee = holder("supervisor", community)
    form = intake_form({"label": PHONE, "field_type": "phone", "is_personal": True})
    # Sealed as supervision reports ship: only the community's committee sees who reported.
    form.identity_role, form.identity_level = role("supervisor"), Area.Level.COMMUNITY
    form.save_revision().publish()
    d = definition(
        stage("verify", "supervisor", Area.Level.COMMUNITY, name="监督核实", allow_refer=True),
        intake=form,
    )
    process = services.start_process(
        version_of(d), submit(d, community, subject="路灯不亮", **{PHONE: "13912345678"})
    )
    return {
        "process": process,
        "clerk": clerk,
        "committee": committee,
        "department": department,
        "community": community,
    }


def test_refer_answer_and_close_over_http(referred):
    process = referred["process"]
    inbox.decide(referred["committee"], process, "refer", department=referred["department"].pk)
    task = inbox.open_task(process)
    assert task.flow_task.name == "answer"
    assert task.owner_permission == selectors.department_permission("urban_management")

    from django.test import Client

    clerk = Client()
    clerk.force_login(referred["clerk"])
    clerk.post(inbox.task_url(task, "assign"))
    page = clerk.get(inbox.task_url(task, "execute")).content.decode()
    assert "路灯不亮" in page
    assert "13912345678" not in page and "139****5678" in page  # the reporter stays hidden
    response = clerk.post(inbox.task_url(task, "execute"), {"answer": "已更换灯泡"})
    assert response.status_code == 302

    assert inbox.open_task(process).stage_name == "监督核实"
    inbox.decide(referred["committee"], process, "approve")
    process.refresh_from_db()
    assert process.outcome == "approved"
    answered = ProcessEvent.objects.get(process=process, kind="answered")
    assert answered.comment == "已更换灯泡" and answered.actor == referred["clerk"]


def test_who_sees_the_reporter_in_full_is_audited_and_the_department_never_does(referred):
    from django.test import Client
    from wagtail.models import ModelLogEntry

    process = referred["process"]
    committee = Client()
    committee.force_login(referred["committee"])
    page = committee.get(f"/workflow/generic/{process.pk}/").content.decode()
    assert "13912345678" in page
    [entry] = ModelLogEntry.objects.filter(action="grid.personal_data.view")
    assert entry.user == referred["committee"] and entry.object_id == str(process.pk)
    assert process.reference not in entry.label

    inbox.decide(referred["committee"], process, "refer", department=referred["department"].pk)
    clerk = Client()
    clerk.force_login(referred["clerk"])
    task = inbox.open_task(process)
    clerk.post(inbox.task_url(task, "assign"))
    assert "13912345678" not in clerk.get(inbox.task_url(task, "execute")).content.decode()
    assert not ModelLogEntry.objects.filter(
        action="grid.personal_data.view", user=referred["clerk"]
    ).exists()


def test_the_department_never_sees_the_reporter_after_a_revision(referred):
    from django.test import Client

    from tests.forms.factories import data

    from .factories import COMMUNITY, SUBJECT

    process = referred["process"]
    inbox.decide(referred["committee"], process, "return", message="请写清楚是哪盏路灯")
    answers = {COMMUNITY: process.area.code, SUBJECT: "3号楼前路灯不亮", PHONE: "13912345678"}
    revised = Client().post(
        f"/track/{process.reference}/", data(process.version.definition.intake_form, answers)
    )
    assert revised.status_code == 302
    inbox.decide(referred["committee"], process, "refer", department=referred["department"].pk)
    clerk = Client()
    clerk.force_login(referred["clerk"])
    task = inbox.open_task(process)
    clerk.post(inbox.task_url(task, "assign"))
    page = clerk.get(inbox.task_url(task, "execute")).content.decode()
    assert "3号楼前路灯不亮" in page  # the revision is there, with what the department needs
    assert "13912345678" not in page and "139****5678" in page
    # The committee, in the community, reads the revision whole.
    committee = Client()
    committee.force_login(referred["committee"])
    assert "13912345678" in committee.get(f"/workflow/generic/{process.pk}/").content.decode()


def test_a_sealed_reporter_is_hidden_from_everyone_but_the_committee(referred):
    """The community's director, who may see personal data of the community and oversees
    the process, and a platform admin read the report with the reporter masked; the
    submissions list cannot find it by the reporter's phone either."""
    from django.test import Client
    from wagtail.models import ModelLogEntry

    from tests.factories import group_with

    process = referred["process"]
    director = holder("community_director", referred["community"])
    director_role = role("community_director")
    director_role.group = group_with(
        "wagtailadmin.access_admin", "grid.view_personal_data", "forms.view_submission"
    )
    director_role.save()
    admin = UserFactory(is_superuser=True, is_staff=True)
    for user in (director, admin):
        client = Client()
        client.force_login(user)
        page = client.get(f"/workflow/generic/{process.pk}/")
        assert page.status_code == 200 or user is director  # the director may not be a worker
        submission = client.get(f"/admin/forms/submission/inspect/{process.submission_id}/")
        assert submission.status_code == 200
        for response in (page, submission):
            assert "13912345678" not in response.content.decode()
        assert "139****5678" in submission.content.decode()
        found = client.get("/admin/forms/submission/?q=13912345678").content.decode()
        assert f"/admin/forms/submission/inspect/{process.submission_id}/" not in found
    assert not ModelLogEntry.objects.filter(action="grid.personal_data.view").exists()
