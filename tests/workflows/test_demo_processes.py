"""The demo's processes: the shipped definitions on pages under the portal, work in every
acting role's inbox, each kind of state present, and a second run that changes nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from viewflow.workflow.status import STATUS

from demo.processes import PROCESS_FILES
from forms.models import Submission
from grid.models import Volunteer
from pages.models import AccessListEntry
from workflows import selectors
from workflows.flows import GenericFlow
from workflows.models import (
    Notification,
    ProcessDefinition,
    ProcessEvent,
    ProcessInstance,
    ProcessPage,
    ProcessVersion,
    StageTask,
)

pytestmark = pytest.mark.django_db

ACTING_ROLES = {
    "street_official": {"街道审核"},
    "street_leader": {"分管领导审批", "街道受理办理（八小时以外）"},
    "community_worker": {"社区审核", "社区受理派单", "现场核查"},
    "community_worker_2": {"社区受理派单"},
    "supervisor": {"受理审查", "核实回访"},
    "grid_worker": {"网格员处置"},
    # Named when the referral was made, in the language the demo is built in.
    "department_clerk": {"答复：转办答复", "答复：社区受理派单"},
}


@pytest.fixture
def seeded(demo_city, settings):
    settings.DEBUG = True  # for the second run


def snapshot() -> dict:
    models = (ProcessDefinition, ProcessVersion, ProcessInstance, StageTask, ProcessEvent)
    found = {
        model.__name__: list(model.objects.order_by("pk").values_list("pk")) for model in models
    }
    return found | {
        "submissions": list(Submission.objects.order_by("pk").values_list("reference")),
        "notifications": Notification.objects.count(),
        "pages": list(ProcessPage.objects.order_by("pk").values_list("slug", "process__key")),
    }


def test_every_acting_role_has_work_and_every_state_is_shown(seeded):
    users = get_user_model().objects
    for username, stages in ACTING_ROLES.items():
        tasks = selectors.open_tasks(users.get(username=username))
        assert set(tasks.values_list("data__stage_name", flat=True)) == stages, username
    processes = ProcessInstance.objects.all()
    assert set(processes.values_list("version__definition__key", flat=True)) == set(PROCESS_FILES)
    assert {"approved", "rejected"} <= set(processes.values_list("outcome", flat=True))
    returned = StageTask.objects.filter(flow_task=GenericFlow.revise, status=STATUS.NEW)
    assert returned.exists()  # an access request waits for the clerk's revision
    decided = ProcessEvent.objects.filter(kind=ProcessEvent.Kind.DECIDED)
    assert {"returned", "referred"} <= set(decided.values_list("outcome", flat=True))
    assert ProcessEvent.objects.filter(kind=ProcessEvent.Kind.ANSWERED).exists()
    assert AccessListEntry.objects.filter(reference__contains="/").count() == 2
    assert Volunteer.objects.filter(active=True).count() == 1


def test_each_process_has_its_page_on_the_portal(seeded):
    client = Client()
    pages = ProcessPage.objects.live().select_related("process", "definition")
    assert {page.process.key for page in pages} == set(PROCESS_FILES)
    for page in pages:
        assert page.get_parent().specific_class.__name__ == "PortalPage"
        assert page.process.intake_form_id == page.definition_id
        response = client.get(page.url)
        assert response.status_code == 200
        assert page.definition.title in response.content.decode()
    # The forms demo's pages are the ones the processes start from, not duplicates of them.
    slugs = set(pages.values_list("slug", flat=True))
    assert {"supervision-report", "volunteer-signup"} <= slugs and len(slugs) == 4


def test_a_second_run_changes_nothing(seeded, capsys):
    before = snapshot()
    capsys.readouterr()
    call_command("seed_demo")
    assert "demo.processes: nothing to create" in capsys.readouterr().out
    assert snapshot() == before


def test_each_demo_role_sees_the_processes_it_works_or_oversees(seeded):
    users = get_user_model().objects

    def kinds(username: str) -> set[str]:
        visible = selectors.visible_processes(users.get(username=username))
        return set(visible.values_list("version__definition__key", flat=True))

    assert kinds("street_official") == {"community-work-access"}
    # The street handles reports on leading cadres' conduct after hours.
    assert kinds("street_leader") == {"community-work-access", "supervision-review"}
    assert kinds("community_worker") == {"volunteer-registration", "grid-incident"}
    assert kinds("community_director") == {"volunteer-registration", "grid-incident"}
    assert kinds("supervisor") == {"supervision-review"}
    assert kinds("grid_worker") == {"grid-incident"}
    assert {"community-work-access", "supervision-review"} <= kinds("department_clerk")
    for username in ("volunteer", "cleaner", "building_leader", "party_secretary", "group_leader"):
        assert kinds(username) == set(), username
    assert kinds("admin") == set(PROCESS_FILES)
