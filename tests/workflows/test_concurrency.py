"""Two officials acting on one task at once: exactly one transition; the other gets a clear
refusal (on PostgreSQL through `select_for_update`; on SQLite the write lock refuses it)."""

import pytest
from django.db import connection
from viewflow.workflow.status import STATUS

from grid.models import Area
from workflows import services
from workflows.models import ProcessEvent, StageTask

from ..concurrency import at_once
from .factories import CommunityFactory, definition, holder, stage, submit, version_of

pytestmark = pytest.mark.django_db(transaction=True)


def race(task, users):
    def decide(user):
        return lambda: services.decide(
            StageTask.objects.get(pk=task.pk), user, services.Decision(services.APPROVE)
        )

    return at_once(**{str(user.pk): decide(user) for user in users})


@pytest.fixture
def contested():
    community = CommunityFactory()
    officials = [holder("street_official", community.parent) for _ in range(2)]
    d = definition(
        stage("review", "street_official", Area.Level.STREET, name="街道审核"),
        stage("approve", "street_leader", Area.Level.STREET, name="街道审批"),
    )
    process = services.start_process(version_of(d), submit(d, community))
    return process, StageTask.objects.get(process=process, flow_task_type="HUMAN"), officials


def test_two_officials_never_two_transitions(contested):
    process, task, officials = contested
    outcomes = race(task, officials)
    done = list(outcomes.values()).count("done")
    if connection.vendor == "postgresql":
        assert done == 1, outcomes  # the row lock lets one through and refuses the other
    else:
        # SQLite's shared in-memory test database refuses concurrent writers outright; both may
        # lose, but never both win.
        assert done <= 1, outcomes
    if done == 0:
        services.decide(
            StageTask.objects.get(pk=task.pk), officials[0], services.Decision(services.APPROVE)
        )
    assert ProcessEvent.objects.filter(process=process, kind="decided").count() == 1
    human = StageTask.objects.filter(process=process, flow_task_type="HUMAN")
    assert human.filter(status=STATUS.DONE).count() == 1
    assert human.filter(data__stage_key="approve").count() == 1
