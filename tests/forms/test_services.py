"""The service API the process engine builds on: store first, then side effects; failures
recorded and retried; references; deletion; kept uploads cleared."""

import datetime
import random
import re
import smtplib
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry

from forms import services
from forms.builder import json_value
from forms.fields import CheckedUpload
from forms.models import Submission
from grid.masking import mask_code

from ..factories import GridFactory, UserFactory
from .factories import data, definition_with, page_for, png, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def definition():
    return definition_with(
        {"label": "Grid", "field_type": "area", "area_level": 3},
        {"label": "Email", "field_type": "email", "required": False},
        {"label": "Photo", "field_type": "file", "required": False},
    )


@pytest.fixture
def broken_mail(monkeypatch):
    def fail(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr("forms.services.send_mail", fail)


def test_reference_codes_are_readable_and_unique():
    codes = {services.new_reference() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(
        re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", c)
        for c in codes
    )
    assert services.new_reference(random.Random(1)) == services.new_reference(random.Random(1))


def test_only_a_valid_form_is_stored(definition):
    form = services.validate(definition, {"grid": "nowhere"})
    with pytest.raises(ValidationError, match="Only a valid form"):
        services.store_submission(form)
    assert not Submission.objects.exists()


def test_a_failing_email_never_loses_the_submission(
    definition, broken_mail, django_capture_on_commit_callbacks
):
    form = services.validate(
        definition, data(definition, {"Grid": GridFactory().code, "Email": "a@example.cn"})
    )
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.accept_submission(form)
    submission.refresh_from_db()
    assert submission.email_status == "failed" and submission.email_attempts == 1
    assert submission.email_error == "SMTPServerDisconnected: mail server went away"


def test_retry_command_sends_what_failed(definition, broken_mail, monkeypatch, capsys):
    submission = submit(definition, {"Grid": GridFactory().code, "Email": "a@example.cn"})
    Submission.objects.filter(pk=submission.pk).update(
        submit_time=timezone.now() - datetime.timedelta(hours=1)
    )
    with pytest.raises(SystemExit) as failed:
        call_command("retry_form_emails")
    assert failed.value.code == 1
    monkeypatch.undo()
    call_command("retry_form_emails")
    assert "1 sent, 0 failed, 0 given up" in capsys.readouterr().out
    submission.refresh_from_db()
    assert submission.email_status == "sent" and submission.email_attempts == 2
    assert len(mail.outbox) == 1 and submission.reference in mail.outbox[0].body


def test_retry_gives_up_after_the_configured_attempts(definition, settings, capsys):
    settings.FORMS_EMAIL_MAX_ATTEMPTS = 2
    submission = submit(definition, {"Grid": GridFactory().code, "Email": "a@example.cn"})
    Submission.objects.filter(pk=submission.pk).update(
        email_status="failed",
        email_attempts=2,
        submit_time=timezone.now() - datetime.timedelta(hours=1),
    )
    call_command("retry_form_emails")
    assert "0 sent, 0 failed, 1 given up" in capsys.readouterr().out
    assert mail.outbox == []


def test_recent_submissions_are_left_to_the_queue(definition, capsys):
    submit(definition, {"Grid": GridFactory().code, "Email": "a@example.cn"})
    call_command("retry_form_emails")
    assert "0 sent" in capsys.readouterr().out and mail.outbox == []


def test_store_keeps_labels_types_and_the_version(definition):
    submission = submit(definition, {"Grid": GridFactory().code}, {"photo": png()})
    assert submission.definition_revision == definition.live_revision
    assert submission.fields_snapshot == [
        ["grid", "Grid", "area", False],
        ["email", "Email", "email", False],
        ["photo", "Photo", "file", False],
    ]
    assert submission.reference in submission.search_text


def test_delete_submission_logs_and_removes_files(definition, django_capture_on_commit_callbacks):
    submission = submit(definition, {"Grid": GridFactory().code}, {"photo": png()})
    path = submission.files.get().file.name
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_submission(submission, user=user)
    assert not storages["private"].exists(path)
    entry = ModelLogEntry.objects.get(action=services.DELETE_ACTION)
    assert entry.user == user and entry.label == mask_code(submission.reference)
    assert submission.reference not in str(entry.data)


def test_kept_uploads_expire(definition):
    form = services.validate(definition, {"grid": "none"}, {"photo": png()})
    services.keep_uploads(form)
    (kept,) = form.kept["photo"]
    assert storages["private"].exists(kept.pending_path)
    assert services.clear_pending_uploads() == 0  # nothing kept is a day old yet
    assert storages["private"].exists(kept.pending_path)
    later = timezone.now() + datetime.timedelta(days=2)
    assert services.clear_pending_uploads(now=later) >= 1
    assert not storages["private"].exists(kept.pending_path)


def test_json_values_are_plain():
    grid = GridFactory.build(code="340705001001001", name="第一网格")
    assert json_value(grid) == {"code": "340705001001001", "name": "第一网格"}
    assert json_value(datetime.date(2026, 1, 2)) == "2026-01-02"
    upload = CheckedUpload(name="a.png", size=3, extension="png", content_type="image/png")
    assert json_value(upload) == {"name": "a.png", "size": 3, "type": "image/png"}


def test_rate_limit_counts_per_client(settings):
    cache.clear()
    settings.FORMS_RATE_LIMIT_COUNT = 3
    assert [services.allow_attempt("10.0.0.1") for _ in range(4)] == [True, True, True, False]
    assert services.allow_attempt("10.0.0.2")
    settings.FORMS_RATE_LIMIT_COUNT = 0
    assert services.allow_attempt("10.0.0.1")


def test_an_unreachable_queue_leaves_the_email_pending_for_retry(
    definition, monkeypatch, client, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise ConnectionError("queue is down")

    monkeypatch.setattr("forms.tasks.send_confirmation", SimpleNamespace(enqueue=unreachable))
    cache.clear()
    page = page_for(definition, slug="report")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/report/", data(definition, {"Grid": GridFactory().code, "Email": "a@example.cn"})
        )
    assert response.status_code == 302 and page.url in response["Location"]
    submission = Submission.objects.get()
    assert submission.email_status == "pending" and mail.outbox == []
