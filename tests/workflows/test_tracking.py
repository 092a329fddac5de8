"""Applicants, even anonymous ones, follow a process by its code and revise it when returned;
a form page with a process attached starts it on submission."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from viewflow.workflow.status import STATUS

from tests.forms.factories import data
from workflows import services
from workflows.models import ProcessInstance, StageTask

from .factories import (
    COMMUNITY,
    SUBJECT,
    CommunityFactory,
    holder,
    page_for,
    process_page_for,
    submit,
    three_stages,
    version_of,
)

pytestmark = pytest.mark.django_db


def human_task(process):
    return StageTask.objects.get(
        process=process, flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED]
    )


@pytest.fixture
def returned():
    community = CommunityFactory()
    worker = holder("community_worker", community, first_name="王审核")
    definition = three_stages()
    process = services.start_process(version_of(definition), submit(definition, community))
    services.decide(
        human_task(process),
        worker,
        services.Decision(services.RETURN, comment="内部：材料太少", public_message="请补充楼号"),
    )
    return {"process": process, "definition": definition, "community": community, "worker": worker}


def test_tracking_shows_status_and_public_messages_only(client, returned):
    process = returned["process"]
    content = client.get(f"/track/{process.reference}/").content.decode()
    assert "请补充楼号" in content
    assert "内部：材料太少" not in content
    assert "王审核" not in content and returned["worker"].username not in content


def test_a_reference_code_is_case_insensitive_and_unknown_is_404(client, returned):
    code = returned["process"].reference
    assert client.get(f"/track/{code.lower()}/").status_code == 200
    assert client.get("/track/NOPE-NOPE-NOPE/").status_code == 404


def test_anonymous_applicant_revises_through_the_tracking_page(client, returned):
    process, definition = returned["process"], returned["definition"]
    assert human_task(process).flow_task.name == "revise"
    response = client.post(
        f"/track/{process.reference}/",
        data(
            definition.intake_form,
            {COMMUNITY: returned["community"].code, SUBJECT: "楼道堆物（3号楼）"},
        ),
    )
    assert response.status_code == 302
    task = human_task(process)
    assert task.flow_task.name == "review" and task.stage_name == "社区初审"
    content = client.get(f"/track/{process.reference}/").content.decode()
    assert "Revised and submitted again" in content


def test_invalid_revision_keeps_waiting(client, returned):
    process, definition = returned["process"], returned["definition"]
    response = client.post(
        f"/track/{process.reference}/", data(definition.intake_form, {SUBJECT: ""})
    )
    assert response.status_code == 200
    assert human_task(process).flow_task.name == "revise"


def test_track_lookup_redirects_to_the_code(client, returned):
    code = returned["process"].reference
    response = client.get("/track/", {"code": f" {code.lower()} "})
    assert response["Location"] == f"/track/{code}/"


def test_form_page_with_a_process_starts_it(client, django_capture_on_commit_callbacks):
    community = CommunityFactory()
    definition = three_stages()
    page = process_page_for(definition)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page.url, data(definition.intake_form, {COMMUNITY: community.code, SUBJECT: "路灯不亮"})
        )
    assert response.status_code == 302
    process = ProcessInstance.objects.get()
    assert process.area == community
    assert human_task(process).stage_name == "社区初审"
    assert process.applicant is None
    confirmation = client.get(response["Location"]).content.decode()
    assert f'href="/track/{process.reference}/"' in confirmation
    assert client.get(f"/track/{process.reference}/").status_code == 200


def test_form_page_refuses_when_only_a_role_may_start(client):
    community = CommunityFactory()
    definition = three_stages(
        starter="role", starter_role=holder("department_clerk", community).assignments.first().role
    )
    page = process_page_for(definition)
    response = client.post(
        page.url, data(definition.intake_form, {COMMUNITY: community.code, SUBJECT: "x"})
    )
    assert response.status_code == 200
    assert "sign in with the right account" in response.content.decode()
    assert not ProcessInstance.objects.exists()


def test_may_start_rules():
    community = CommunityFactory()
    anyone = three_stages()
    signed_in = three_stages(starter="signed_in")
    assert services.may_start(anyone, AnonymousUser())
    assert not services.may_start(signed_in, AnonymousUser())
    assert services.may_start(signed_in, holder("grid_worker", community))


def test_form_page_says_up_front_who_may_start(client):
    community = CommunityFactory()
    clerk_role = holder("department_clerk", community).assignments.first().role
    definition = three_stages(starter="role", starter_role=clerk_role)
    page = process_page_for(definition)
    assert "sign in with the right account first" in client.get(page.url).content.decode()
    open_page = page_for(three_stages().intake_form, slug="open")
    assert "sign in with the right account first" not in client.get(open_page.url).content.decode()


def test_a_process_keeps_its_submissions_in_its_jurisdiction():
    from forms.selectors import visible_submissions
    from tests.factories import REGISTRY_EDIT, worker_on

    community, elsewhere = CommunityFactory(), CommunityFactory()
    worker = holder("community_worker", community)
    definition = three_stages()
    process = services.start_process(version_of(definition), submit(definition, community))
    services.decide(human_task(process), worker, services.Decision(services.APPROVE))
    perms = (*REGISTRY_EDIT, "forms.view_submission")
    outsider, insider = worker_on(elsewhere, perms), worker_on(community, perms)
    assert not visible_submissions(outsider).filter(pk=process.submission_id).exists()
    assert visible_submissions(insider).filter(pk=process.submission_id).exists()


def test_tracking_look_ups_are_limited_per_connection(client, returned, settings):
    settings.TRACK_RATE_LIMIT_COUNT = 3
    codes = ["AAAA-BBBB-CCCC", "DDDD-EEEE-FFFF", "GGGG-HHHH-JJJJ"]
    assert [client.get(f"/track/{code}/").status_code for code in codes] == [404, 404, 404]
    # Even the right code is refused now, with a page saying why; another connection is not.
    response = client.get(f"/track/{returned['process'].reference}/")
    assert response.status_code == 429
    assert "Too many look-ups" in response.content.decode()
    other = Client(REMOTE_ADDR="198.51.100.4")
    assert other.get(f"/track/{returned['process'].reference}/").status_code == 200
    # Behind no trusted proxy, a made-up forwarded address changes nothing.
    forged = client.get(f"/track/{returned['process'].reference}/", HTTP_X_FORWARDED_FOR="10.1.1.1")
    assert forged.status_code == 429
