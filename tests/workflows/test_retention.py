"""Retention: personal answers and files of processes closed longer than the period (and of
plain form submissions as old) are removed by a recorded, audited run; what statistics need
stays, open and recent records are untouched, and a second run changes nothing."""

import datetime
import json

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.status import STATUS
from wagtail.models import ModelLogEntry

from forms import services as form_services
from forms.models import Submission
from workflows import retention, services
from workflows.models import PeriodicRun, ProcessEvent, ProcessInstance, StageTask

from ..factories import UserFactory, valid_id_number
from ..forms.factories import data, definition_with, png
from ..forms.factories import names as field_names
from ..forms.factories import submit as submit_plain
from .factories import (
    COMMUNITY,
    SUBJECT,
    CommunityFactory,
    holder,
    intake_form,
    three_stages,
    version_of,
)

pytestmark = pytest.mark.django_db

NAME, PHONE, ID, EMAIL, DETAILS, PHOTO = "姓名", "电话", "身份证号", "邮箱", "详情", "照片"
PERSONAL = {NAME: "王建国", PHONE: "13912345678", ID: valid_id_number(7), EMAIL: "wjg@example.cn"}
LONG_AGO = datetime.timedelta(days=4 * 365)


def intake():
    return intake_form(
        {"label": NAME, "field_type": "singleline", "is_personal": True},
        {"label": PHONE, "field_type": "phone"},
        {"label": ID, "field_type": "id_number"},
        {"label": EMAIL, "field_type": "email"},
        {"label": DETAILS, "field_type": "multiline"},
        {"label": PHOTO, "field_type": "file", "required": False},
    )


def apply(definition, community, details="3号楼楼道堆物"):
    form_definition = definition.intake_form
    answers = {COMMUNITY: community.code, SUBJECT: "楼道堆物", DETAILS: details, **PERSONAL}
    form = form_services.validate(
        form_definition,
        data(form_definition, answers),
        {field_names(form_definition)[PHOTO]: png("wang.png")},
    )
    assert form.is_valid(), form.errors
    submission = form_services.store_submission(form)
    return services.start_process(version_of(definition), submission)


def open_task(process):
    return StageTask.objects.get(process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED])


def close(process, people, *, finished_ago=LONG_AGO):
    for who in ("worker", "official", "leader"):
        services.decide(open_task(process), people[who], services.Decision(services.APPROVE))
    ProcessInstance.objects.filter(pk=process.pk).update(finished=timezone.now() - finished_ago)
    process.refresh_from_db()
    return process


@pytest.fixture
def city(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 3 * 365
    community = CommunityFactory(name="五松社区")
    street = community.parent
    people = {
        "worker": holder("community_worker", community),
        "official": holder("street_official", street),
        "leader": holder("street_leader", street),
    }
    definition = three_stages(intake=intake())
    return {"community": community, "people": people, "definition": definition}


def state(process):
    """Everything about a process and its intake a run could change."""
    process.refresh_from_db()
    submission = Submission.objects.get(pk=process.submission_id)
    return (
        process.status,
        process.outcome,
        process.area_id,
        process.finished,
        submission.form_data,
        submission.anonymised_at,
        list(submission.files.values_list("file", flat=True)),
        list(process.events.values_list("kind", "stage_name", "outcome", "actor_id", "at")),
    )


def test_an_old_closed_process_loses_personal_answers_and_files_and_keeps_the_rest(
    city, django_capture_on_commit_callbacks
):
    process = close(apply(city["definition"], city["community"]), city["people"])
    submission = process.submission
    stored_file = submission.files.get().file.name
    history = list(process.events.values_list("kind", "stage_name", "outcome"))
    assert storages["private"].exists(stored_file)

    with django_capture_on_commit_callbacks(execute=True):
        run = retention.run_retention()

    assert (run.processes, run.submissions, run.answers, run.files) == (1, 1, 5, 1)
    submission.refresh_from_db()
    answers = {label: submission.form_data[name] for label, name in names(submission).items()}
    assert answers[NAME] == answers[PHONE] == answers[ID] == answers[EMAIL] == ""
    assert answers[PHOTO] == ""
    assert answers[DETAILS] == "3号楼楼道堆物" and answers[SUBJECT] == "楼道堆物"
    assert answers[COMMUNITY]["code"] == city["community"].code
    assert submission.anonymised_at is not None and submission.email == ""
    assert not submission.files.exists() and not storages["private"].exists(stored_file)
    for value in PERSONAL.values():
        assert value not in json.dumps(submission.form_data, ensure_ascii=False)
        assert value not in submission.search_text
    process.refresh_from_db()
    assert process.area == city["community"] and process.status == STATUS.DONE
    assert process.outcome == ProcessInstance.Outcome.APPROVED
    assert list(process.events.values_list("kind", "stage_name", "outcome")) == history


def test_a_revision_kept_as_an_event_is_anonymised_too(city, client):
    definition, community, people = city["definition"], city["community"], city["people"]
    process = apply(definition, community)
    services.decide(open_task(process), people["worker"], services.Decision(services.RETURN))
    form_definition = definition.intake_form
    revised = {COMMUNITY: community.code, SUBJECT: "楼道堆物", DETAILS: "补充", **PERSONAL}
    response = client.post(f"/track/{process.reference}/", data(form_definition, revised))
    assert response.status_code == 302
    close(process, people)
    revision = ProcessEvent.objects.get(process=process, kind=ProcessEvent.Kind.RESUBMITTED)
    assert revision.submission is not None

    retention.run_retention()

    revision.submission.refresh_from_db()
    assert revision.submission.anonymised_at is not None
    for value in PERSONAL.values():
        assert value not in json.dumps(revision.submission.form_data, ensure_ascii=False)
    assert "补充" in json.dumps(revision.submission.form_data, ensure_ascii=False)


def test_open_and_recently_closed_processes_are_untouched(city):
    definition, community, people = city["definition"], city["community"], city["people"]
    still_open = apply(definition, community)
    Submission.objects.filter(pk=still_open.submission_id).update(
        submit_time=timezone.now() - LONG_AGO
    )
    recent = close(apply(definition, community), people, finished_ago=datetime.timedelta(days=30))
    before = [state(still_open), state(recent)]

    run = retention.run_retention()

    assert run.submissions == 0
    assert [state(still_open), state(recent)] == before


def test_a_second_run_changes_nothing(city):
    process = close(apply(city["definition"], city["community"]), city["people"])
    retention.run_retention()
    after_first = state(process)

    second = retention.run_retention()

    assert (second.processes, second.submissions, second.answers, second.files) == (0, 0, 0, 0)
    assert state(process) == after_first


def test_zero_days_switches_retention_off(city, settings):
    process = close(apply(city["definition"], city["community"]), city["people"])
    settings.PERSONAL_DATA_RETENTION_DAYS = 0
    before = state(process)
    assert retention.run_retention().submissions == 0
    assert state(process) == before


def test_plain_submissions_follow_the_same_rule(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    form = definition_with(
        {"label": "Name", "field_type": "singleline", "is_personal": True},
        {"label": "Opinion", "field_type": "multiline"},
    )
    old = submit_plain(form, {"Name": "李四", "Opinion": "路灯坏了"})
    new = submit_plain(form, {"Name": "张三", "Opinion": "很好"})
    Submission.objects.filter(pk=old.pk).update(
        submit_time=timezone.now() - datetime.timedelta(days=31)
    )

    assert retention.run_retention().submissions == 1

    old.refresh_from_db()
    new.refresh_from_db()
    assert sorted(old.form_data.values()) == ["", "路灯坏了"]
    assert "张三" in new.form_data.values() and new.anonymised_at is None


def test_each_run_is_recorded_and_audited_with_counts_only(city):
    process = close(apply(city["definition"], city["community"]), city["people"])
    reference = process.reference

    call_command("anonymise_personal_data")

    run = PeriodicRun.objects.get(job=retention.JOB)
    assert run.handled == 1 and not run.error and run.finished_at
    entry = ModelLogEntry.objects.get(action=form_services.ANONYMISE_ACTION)
    assert entry.data == {
        "retention_days": 3 * 365,
        "processes": 1,
        "submissions": 1,
        "answers": 5,
        "files": 1,
    }
    logged = json.dumps([entry.data, entry.label], ensure_ascii=False)
    for value in [*PERSONAL.values(), reference, "wang.png", "3号楼楼道堆物"]:
        assert value not in logged
    # An empty run is recorded, and leaves the audit log alone.
    call_command("anonymise_personal_data")
    assert PeriodicRun.objects.filter(job=retention.JOB).count() == 2
    assert ModelLogEntry.objects.filter(action=form_services.ANONYMISE_ACTION).count() == 1


def test_an_anonymised_process_still_renders_for_applicant_and_staff(city, client):
    process = close(apply(city["definition"], city["community"]), city["people"])
    retention.run_retention()
    admin = UserFactory(is_superuser=True, is_staff=True)

    tracking = client.get(f"/track/{process.reference}/")
    assert tracking.status_code == 200

    client.force_login(admin)
    task = process.task_set.filter(flow_task_type="HUMAN").first()
    urls = [
        f"/workflow/generic/{process.pk}/",
        f"/workflow/generic/{process.pk}/{task.flow_task.name}/{task.pk}/detail/",
        reverse("forms_submission_modeladmin_inspect", args=[process.submission_id]),
        reverse("forms_submission_modeladmin_index"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        for value in PERSONAL.values():
            assert value not in content, (url, value)
        assert "3号楼楼道堆物" in content or url.endswith("/submission/"), url


def names(submission):
    return {label: name for name, label, *_rest in submission.fields_snapshot}
