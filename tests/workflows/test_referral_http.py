"""A stage refers the process to a department; its clerk answers in the inbox without seeing
who applied; the process returns to that stage."""

import pytest

from grid.models import Area
from tests.factories import AssignmentFactory, DepartmentFactory, RoleFactory, UserFactory
from workflows import selectors, services
from workflows.models import ProcessEvent

from . import inbox
from .factories import CommunityFactory, definition, holder, intake_form, stage, submit, version_of

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
    d = definition(
        stage("verify", "supervisor", Area.Level.COMMUNITY, name="监督核实", allow_refer=True),
        intake=form,
    )
    process = services.start_process(
        version_of(d), submit(d, community, subject="路灯不亮", **{PHONE: "13912345678"})
    )
    return {"process": process, "clerk": clerk, "committee": committee, "department": department}


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
