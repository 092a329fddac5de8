"""Who hears what by text message as processes run: the applicant who gave a phone gets the
reference code and each decision, a grid worker in the field gets the tasks the grid incident
offers them, and each definition chooses its channels per notice (admin and files alike)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import TestCase
from django.urls import reverse

from demo import texts
from forms import services as form_services
from sms.backends.file import read_messages
from sms.models import SmsMessage
from tests.forms.factories import data
from tests.workflows.city import build_city, fixture_text
from tests.workflows.factories import role
from tests.workflows.test_admin_design import definition_post, design_intake, stage_row
from tests.workflows.test_shipped_processes import (
    INCIDENT,
    REPORT,
    decide,
    grid_worker_here,
    start,
)
from workflows import selectors, services
from workflows.definition_files import (
    DefinitionFileError,
    export_definition,
    import_definition,
)
from workflows.models import ProcessDefinition

pytestmark = pytest.mark.django_db

GRID_WORKER_MOBILE = "13956201001"  # the demo grid worker's work phone
REPORTER = REPORT["联系电话"]


@pytest.fixture
def city(settings):
    settings.LANGUAGE_CODE = "zh-hans"  # as shipped: the templates are approved in Chinese
    build_city()
    texts.build()


def committed(action, *args, **kwargs):
    """Run an action and what it leaves for after the commit, as a request does."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return action(*args, **kwargs)


def texts_to(phone: str) -> list[str]:
    return [message["text"] for message in read_messages() if message["phone"] == phone]


def test_a_resident_who_gave_a_phone_gets_the_reference_code(city):
    definition = import_definition(fixture_text("supervision-review"))
    intake = selectors.snapshot(selectors.latest_version(definition)).intake_form
    form = form_services.validate(intake, data(intake, REPORT))
    assert form.is_valid(), form.errors
    submission = committed(form_services.accept_submission, form)
    assert texts_to(REPORTER) == [
        f"您的“{intake.title}”已收到，查询码{submission.reference}。"
        "请妥善保存，凭此码可在社区网站查询办理进度。"
    ]


def test_the_applicant_hears_each_decision_by_text_and_staff_by_default_do_not(city):
    process = committed(start, "supervision-review", REPORT)
    committed(decide, process, "supervisor", services.RETURN, public_message="请补充具体位置。")
    assert texts_to(REPORTER) == [
        f"您的社区监督事项办理（查询码{process.reference}）有新进展：受理审查 退回修改。"
        "详情请凭查询码在社区网站查看。"
    ]
    assert texts_to(GRID_WORKER_MOBILE) == []
    staff = {message.about for message in SmsMessage.objects.exclude(phone=REPORTER)}
    assert staff == set()


def test_the_grid_worker_is_texted_the_task_the_community_dispatches(city):
    process = committed(start, "grid-incident", INCIDENT)
    committed(decide, process, "community_worker", services.APPROVE, dispatch_to=grid_worker_here())
    [text] = texts_to(GRID_WORKER_MOBILE)
    assert text == (
        f"您有一项新任务：网格员处置，编号{process.number}（{process.area.name}），"
        "请登录工作台处理。"
    )
    message = SmsMessage.objects.get(phone=GRID_WORKER_MOBILE)
    assert message.about == process.number and message.event == "task_offered"


def test_a_definition_that_texts_nobody_sends_no_text(city):
    text = fixture_text("supervision-review").replace(
        "  effects:",
        "  channels:\n  - event: applicant_update\n    in_app: true\n    email: true\n"
        "    sms: false\n  effects:",
        1,
    )
    version = selectors.latest_version(import_definition(text))
    intake = selectors.snapshot(version).intake_form
    form = form_services.validate(intake, data(intake, REPORT))
    assert form.is_valid(), form.errors
    submission = form_services.store_submission(form)
    process = committed(services.start_process, version, submission, AnonymousUser())
    committed(decide, process, "supervisor", services.RETURN, public_message="请补充。")
    assert texts_to(REPORTER) == []


def test_channels_travel_in_definition_files_and_twice_the_same_notice_is_refused(city):
    definition = import_definition(fixture_text("grid-incident"))
    channels = [(c.event, c.sms) for c in definition.channels.all()]
    assert channels == [("task_offered", True), ("deadline_warning", True)]
    assert export_definition(definition) == fixture_text("grid-incident")
    doubled = fixture_text("grid-incident") + (
        "  - event: task_offered\n    in_app: true\n    email: false\n    sms: false\n"
    )
    with pytest.raises(DefinitionFileError) as raised:
        import_definition(doubled)
    assert [problem.message for problem in raised.value.problems] == [
        "有两行都设置了“有新任务”的通知方式，请只保留一行。"
    ]


def test_the_admin_sets_channels_and_is_told_of_a_doubled_notice(admin):
    intake = design_intake(admin)
    url = reverse("wagtailsnippets_workflows_processdefinition:add")
    rows = [stage_row("check", "社区初审", role("community_worker").pk, "2")]
    channel = {"event": "applicant_update", "in_app": "on", "email": "", "sms": "on"}
    response = admin.post(url, definition_post(intake, rows, channels=[channel, channel]))
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Two rows set how people hear that “The applicant hears of a decision”" in errors
    response = admin.post(url, definition_post(intake, rows, channels=[channel]))
    assert response.status_code == 302, response.context["form"].errors
    saved = ProcessDefinition.objects.get(key="venue-booking")
    assert [(c.event, c.in_app, c.email, c.sms) for c in saved.channels.all()] == [
        ("applicant_update", True, False, True)
    ]
    edit = admin.get(reverse("wagtailsnippets_workflows_processdefinition:edit", args=[saved.pk]))
    assert 'name="channels-0-sms"' in edit.content.decode()
