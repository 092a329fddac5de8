"""The generic engine through its services: stages in order, decisions, returns, referrals."""

import pytest
from django.core.exceptions import PermissionDenied
from viewflow.workflow.status import STATUS

from grid.models import Area
from workflows import selectors, services
from workflows.models import ProcessEvent, ProcessInstance, StageTask

from .factories import CommunityFactory, holder, submit, three_stages, version_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    community = CommunityFactory(name="五松社区")
    street = community.parent
    return {
        "community": community,
        "worker": holder("community_worker", community),
        "official": holder("street_official", street),
        "leader": holder("street_leader", street),
    }


def open_task(process: ProcessInstance) -> StageTask:
    return StageTask.objects.get(process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED])


def test_three_stages_run_to_approval(city):
    definition = three_stages()
    process = services.start_process(version_of(definition), submit(definition, city["community"]))
    assert open_task(process).stage_name == "社区初审"
    for who in ("worker", "official", "leader"):
        services.decide(open_task(process), city[who], services.Decision(services.APPROVE))
    process.refresh_from_db()
    assert process.outcome == ProcessInstance.Outcome.APPROVED
    assert process.status == STATUS.DONE
    kinds = list(process.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "decided", "decided", "decided", "completed"]


def test_task_permission_names_the_role_at_the_level(city):
    definition = three_stages()
    process = services.start_process(version_of(definition), submit(definition, city["community"]))
    task = open_task(process)
    assert task.owner_permission == selectors.queue_permission(
        "community_worker", city["community"].code
    )
    services.decide(task, city["worker"], services.Decision(services.APPROVE))
    street_code = city["community"].code[:9]
    assert open_task(process).owner_permission == selectors.queue_permission(
        "street_official", street_code
    )


def test_a_user_without_the_role_cannot_act(city):
    definition = three_stages()
    process = services.start_process(version_of(definition), submit(definition, city["community"]))
    with pytest.raises(PermissionDenied):
        services.decide(open_task(process), city["official"], services.Decision(services.APPROVE))
    assert open_task(process).stage_name == "社区初审"


def test_return_to_an_earlier_stage(city):
    definition = three_stages()
    process = services.start_process(version_of(definition), submit(definition, city["community"]))
    services.decide(open_task(process), city["worker"], services.Decision(services.APPROVE))
    services.decide(
        open_task(process),
        city["official"],
        services.Decision(services.RETURN, public_message="补充材料"),
    )
    assert open_task(process).stage_name == "社区初审"


def test_rejection_ends_the_process(city):
    definition = three_stages()
    process = services.start_process(version_of(definition), submit(definition, city["community"]))
    services.decide(
        open_task(process),
        city["worker"],
        services.Decision(services.REJECT, public_message="不属于本社区"),
    )
    process.refresh_from_db()
    assert process.outcome == ProcessInstance.Outcome.REJECTED
    assert process.status == STATUS.DONE
    assert process.events.filter(kind=ProcessEvent.Kind.DECIDED, outcome="rejected").exists()


def test_version_pinning(city):
    definition = three_stages()
    process = services.start_process(version_of(definition), submit(definition, city["community"]))
    definition.stages.all()[0].name = "改名"
    live = definition.stages.first()
    live.name = "改过的名字"
    live.save()
    definition.save_revision().publish()
    assert version_of(definition).number == 2
    assert open_task(process).stage_name == "社区初审"
    services.decide(open_task(process), city["worker"], services.Decision(services.APPROVE))
    assert process.version.number == 1
    newer = services.start_process(version_of(definition), submit(definition, city["community"]))
    assert open_task(newer).stage_name == "改过的名字"
    assert Area.objects.count() >= 3


def test_staff_are_told_the_public_number_never_the_reference_code(city):
    from workflows.models import Notification

    definition = three_stages()
    process = services.start_process(version_of(definition), submit(definition, city["community"]))
    services.decide(open_task(process), city["worker"], services.Decision(services.APPROVE))
    [note] = Notification.objects.filter(user=city["official"])
    assert process.number in note.text and str(process.pk) in note.text
    assert process.reference not in note.text
    assert process.reference not in str(process) and process.number in str(process)
    # The task's summary, which the inbox, queue and task pages show.
    summary = str(open_task(process).brief)
    assert process.number in summary and process.reference not in summary
