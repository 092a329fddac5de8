"""The applicant withdraws an application still being handled, on its tracking page: its tasks
are cancelled and leave every task list, whoever had them is told, the history says so; a
closed application cannot be withdrawn, and a withdrawal needs its box ticked."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from viewflow.workflow.status import PROCESS, STATUS

from workflows import selectors, services
from workflows.models import Notification, ProcessEvent, ProcessInstance, StageTask

from .factories import CommunityFactory, holder, submit, three_stages, version_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def handled():
    community = CommunityFactory(name="五松社区")
    worker = holder("community_worker", community, first_name="陈静")
    definition = three_stages()
    process = services.start_process(version_of(definition), submit(definition, community))
    return {"process": process, "worker": worker}


def open_tasks(process) -> list[StageTask]:
    return list(
        StageTask.objects.filter(
            process=process, flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED]
        )
    )


def test_the_applicant_withdraws_and_the_work_stops(client, handled):
    process, worker = handled["process"], handled["worker"]
    [task] = open_tasks(process)
    services.claim(task, worker)
    url = f"/track/{process.reference}/"
    page = client.get(url).content.decode()
    assert "Withdraw my application" in page
    response = client.post(
        url, {"withdraw": "1", "withdraw-reason": "已自行解决。", "withdraw-confirm": "on"}
    )
    assert response.status_code == 302
    process.refresh_from_db()
    assert (process.status, process.outcome) == (PROCESS.CANCELED, "withdrawn")
    assert open_tasks(process) == []
    task.refresh_from_db()
    assert task.status == STATUS.CANCELED
    assert selectors.task_counts(worker)["open"] == 0
    event = process.events.get(kind=ProcessEvent.Kind.WITHDRAWN)
    assert (event.stage_name, event.comment) == ("社区初审", "已自行解决。")
    note = Notification.objects.get(user=worker, text__startswith="Withdrawn by the applicant")
    assert (
        note.text == f"Withdrawn by the applicant: {process.number} (五松社区). Nothing more to do."
    )
    page = client.get(url).content.decode()
    assert "Your application has been withdrawn." in page
    assert "Withdrawn by the applicant" in page and "Withdraw my application" not in page
    # Staff read why in the history; the tracking page shows the step, not the words again.
    assert "已自行解决。" not in page


def test_a_withdrawal_needs_its_box_ticked_and_changes_nothing_without_it(client, handled):
    process = handled["process"]
    url = f"/track/{process.reference}/"
    response = client.post(url, {"withdraw": "1", "withdraw-reason": "不想办了"})
    assert response.status_code == 422
    assert "Tick the box to confirm the withdrawal." in response.content.decode()
    process.refresh_from_db()
    assert process.status == PROCESS.NEW and process.outcome == ""
    assert len(open_tasks(process)) == 1


def test_a_closed_application_cannot_be_withdrawn(client, handled):
    process = handled["process"]
    services.withdraw(process)
    with pytest.raises(Exception, match="can no longer be withdrawn"):
        services.withdraw(ProcessInstance.objects.get(pk=process.pk))
    response = client.post(
        f"/track/{process.reference}/", {"withdraw": "1", "withdraw-confirm": "on"}
    )
    assert response.status_code == 200  # the page, without a withdrawal form
    assert "Withdraw my application" not in response.content.decode()
    assert process.events.filter(kind=ProcessEvent.Kind.WITHDRAWN).count() == 1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    reason=st.text(max_size=700),
    confirm=st.sampled_from(["", "on", "yes", "0", "\x00"]),
    withdraw=st.sampled_from(["1", ""]),
)
def test_whatever_a_stranger_posts_the_page_answers_and_withdraws_at_most_once(
    client, handled, reason, confirm, withdraw
):
    process = handled["process"]
    data = {"withdraw-reason": reason, "withdraw-confirm": confirm}
    if withdraw:
        data["withdraw"] = withdraw
    response = client.post(f"/track/{process.reference}/", data)
    assert response.status_code in (200, 302, 422)
    assert process.events.filter(kind=ProcessEvent.Kind.WITHDRAWN).count() <= 1
