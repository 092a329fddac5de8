"""A problem found on a round becomes a grid incident in one tap: the incident's form comes
filled in from the finding (the grid, the item and its note, its photo), the worker answers the
rest, and the process runs through the engine like any other; the round shows where it stands."""

import re

import pytest
from django.test import Client

from daily.models import Finding
from forms.models import SubmissionFile
from grid.models import Area
from tests.forms.factories import names
from workflows.models import ProcessInstance

from ..workflows.city import build_city, import_fixture, user
from ..workflows.test_shipped_processes import FIRST_GRID, decide, grid_worker_here, stage_of
from .factories import checklist, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident_checklist():
    build_city()
    made = checklist()
    made.report_process = import_fixture("grid-incident")
    made.save()
    return made


def finished_round_with_a_problem(client: Client) -> Finding:
    grid = Area.objects.get(code=FIRST_GRID)
    response = client.post(f"/today/grids/{grid.pk}/inspect/")
    pk = int(re.search(r"/(\d+)/$", response["Location"])[1])
    fire = Finding.objects.get(inspection_id=pk, item="消防通道")
    data = {"notes": "", "finish": "", f"photos_{fire.pk}": [photo("楼道.jpg"), photo("纸箱.jpg")]}
    for finding in fire.inspection.findings.all():
        data[f"result_{finding.pk}"] = "problem" if finding == fire else "ok"
        data[f"note_{finding.pk}"] = "二单元楼道堆放纸箱" if finding == fire else ""
    finished = client.post(f"/today/inspections/{pk}/", data)
    # A round that found problems ends on its page, where they are reported.
    assert finished["Location"] == f"/today/inspections/{pk}/"
    return fire


def test_a_problem_becomes_an_incident_in_the_workers_tasks(incident_checklist):
    client = Client()
    client.force_login(user("grid_worker"))
    fire = finished_round_with_a_problem(client)
    round_page = client.get(f"/today/inspections/{fire.inspection_id}/").content.decode()
    assert "Report as an incident" in round_page
    assert round_page.count("Report as an incident") == 1  # only the problem

    form = client.get(f"/today/findings/{fire.pk}/report/").content.decode()
    fields = names(incident_checklist.report_process.intake_form)
    assert f'<option value="{FIRST_GRID}" selected>' in form
    assert "消防通道：二单元楼道堆放纸箱" in form
    assert "The round's 2 photos of this item are attached" in form

    answers = {
        fields["事件类型"]: "安全隐患",
        fields["所在网格"]: FIRST_GRID,
        fields["具体位置"]: "五松新村 3 栋二单元",
        fields["事件描述"]: "消防通道：二单元楼道堆放纸箱",
    }
    refused = client.post(f"/today/findings/{fire.pk}/report/", {**answers, fields["事件类型"]: ""})
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    assert not ProcessInstance.objects.exists()

    sent = client.post(f"/today/findings/{fire.pk}/report/", answers)
    assert sent["Location"] == f"/today/inspections/{fire.inspection_id}/"
    fire.refresh_from_db()
    process = fire.process
    assert process.area.code == FIRST_GRID and process.applicant == user("grid_worker")
    # Every photo of the problem goes with the report, in the order they were taken.
    attached = SubmissionFile.objects.filter(submission=process.submission).order_by("pk")
    assert {stored.field_name for stored in attached} == {fields["现场照片"]}
    assert {stored.content_type for stored in attached} == {"image/jpeg"}
    assert [answer["name"] for answer in process.submission.form_data[fields["现场照片"]]] == [
        stored.original_name for stored in attached
    ]
    assert len(attached) == 2
    assert stage_of(process) == "社区受理派单"

    # A second report of the same problem is not made.
    again = client.post(f"/today/findings/{fire.pk}/report/", answers)
    assert again.status_code == 302 and ProcessInstance.objects.count() == 1

    community = Client()
    community.force_login(user("community_worker"))
    assert process.number in community.get("/tasks/").content.decode()
    decide(process, "community_worker", "approve", dispatch_to=grid_worker_here())
    assert process.number in client.get("/tasks/").content.decode()
    round_page = client.get(f"/today/inspections/{fire.inspection_id}/").content.decode()
    assert "Reported as" in round_page and process.number in round_page
    assert "网格员处置" in round_page and "Report as an incident" not in round_page


def test_only_those_who_walk_the_grid_report_its_problems(incident_checklist):
    worker = Client()
    worker.force_login(user("grid_worker"))
    fire = finished_round_with_a_problem(worker)
    for username in ("community_director", "volunteer", "department_clerk"):
        other = Client()
        other.force_login(user(username))
        assert other.get(f"/today/findings/{fire.pk}/report/").status_code == 404
        page = other.get(f"/today/inspections/{fire.inspection_id}/")
        assert "Report as an incident" not in page.content.decode()
    fine = fire.inspection.findings.exclude(pk=fire.pk).first()
    assert worker.get(f"/today/findings/{fine.pk}/report/").status_code == 404


def test_a_checklist_without_a_process_offers_no_report(incident_checklist):
    incident_checklist.report_process = None
    incident_checklist.save()
    client = Client()
    client.force_login(user("grid_worker"))
    fire = finished_round_with_a_problem(client)
    page = client.get(f"/today/inspections/{fire.inspection_id}/").content.decode()
    assert "Report as an incident" not in page
    assert client.get(f"/today/findings/{fire.pk}/report/").status_code == 404
