"""Text messages through the file backend: templates checked against their event's values,
messages to mobiles only, per-number limits, values kept only until sent, retries, and the
provider's delivery reports."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from sms import services
from sms.backends import SmsError
from sms.backends.file import FileBackend, read_messages
from sms.models import SmsMessage, SmsTemplate

pytestmark = pytest.mark.django_db

RECEIVED = "submission_received"
TEXT = "您的“{title}”已收到，查询码{reference}。"


@pytest.fixture
def template():
    return SmsTemplate.objects.create(event=RECEIVED, provider_template_id="1001", text=TEXT)


def send(phone="139 5620 1001", *, queued=True, **values):
    """Send the confirmation message; `queued=False`: its queue entry is lost."""
    values = values or {"reference": "ABCD-EFGH-JKLM", "title": "网格事件上报"}
    if not queued:
        return services.send_sms(phone, RECEIVED, values, about="WG-1")
    # What runs after the commit (the hand-over to the worker) runs, as in production.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.send_sms(phone, RECEIVED, values, about="WG-1")


def test_a_message_is_written_with_its_values_and_its_values_are_then_forgotten(template):
    message = send()
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.SENT
    assert message.phone == "13956201001" and message.backend == "file"
    assert message.values == {}  # the tracking code is not kept once sent
    [written] = read_messages()
    assert written["phone"] == "13956201001"
    assert written["template_id"] == "1001"
    assert written["values"] == ["网格事件上报", "ABCD-EFGH-JKLM"]  # in the template's order
    assert written["text"] == "您的“网格事件上报”已收到，查询码ABCD-EFGH-JKLM。"
    assert written["ref"] == message.provider_ref


def test_no_message_to_a_landline_without_a_template_or_with_it_switched_off(template):
    assert send("0562-2881234") is None
    assert send("not a number") is None
    template.active = False
    template.save()
    assert send() is None
    assert services.send_sms("13956201001", "task_offered", {}) is None
    assert not SmsMessage.objects.exists() and read_messages() == []


@override_settings(SMS_RATE_LIMIT_COUNT=3, SMS_RATE_LIMIT_WINDOW=3600)
def test_beyond_the_limit_a_number_gets_nothing_and_the_record_says_why(template):
    for _ in range(3):
        send()
    held = send()
    assert held.status == SmsMessage.Status.LIMITED and held.values == {}
    assert len(read_messages()) == 3
    send("13956201002")  # another number has its own allowance
    assert len(read_messages()) == 4
    SmsMessage.objects.update(created_at=timezone.now() - datetime.timedelta(hours=2))
    again = send()
    again.refresh_from_db()
    assert again.status == SmsMessage.Status.SENT  # the window has passed


class Refusing(FileBackend):
    name = "refusing"
    calls = 0

    def send(self, message):
        type(self).calls += 1
        raise SmsError("LimitExceeded.PhoneNumberDailyLimit: daily limit reached")


@override_settings(SMS_MAX_ATTEMPTS=2)
def test_a_refused_message_is_kept_with_the_reason_retried_then_given_up(template, settings):
    settings.SMS_BACKEND = "tests.sms.test_sending.Refusing"
    message = send()
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.FAILED
    assert message.error == "LimitExceeded.PhoneNumberDailyLimit: daily limit reached"
    assert message.values["reference"] == "ABCD-EFGH-JKLM"  # kept for the retry
    SmsMessage.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=10))
    with pytest.raises(SystemExit):
        call_command("retry_sms")
    message.refresh_from_db()
    assert (message.status, message.attempts, message.values) == ("failed", 2, {})
    settings.SMS_BACKEND = "sms.backends.file.FileBackend"
    call_command("retry_sms")  # given up: not sent again
    assert read_messages() == [] and Refusing.calls == 2


def test_a_message_whose_queue_entry_was_lost_is_sent_by_the_retry(template):
    message = send(queued=False)
    assert message.status == SmsMessage.Status.QUEUED
    call_command("retry_sms")  # too recent: the queue may still have it
    assert read_messages() == []
    SmsMessage.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=10))
    call_command("retry_sms")
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.SENT and len(read_messages()) == 1


def test_a_message_is_handed_over_once_whoever_asks(template):
    message = send(queued=False)
    assert services.deliver_message(message.pk) is True
    assert services.deliver_message(message.pk) is False
    assert len(read_messages()) == 1


@pytest.mark.parametrize(
    "text, error",
    [
        ("查询码{code}", "{code}: not a value of this message. It can hold: {reference}, {title}."),
        ("查询码{reference", "A brace is not closed: write a value as {name}."),
    ],
)
def test_a_template_with_a_value_its_event_lacks_is_refused_by_name(text, error):
    template = SmsTemplate(event=RECEIVED, provider_template_id="1", text=text)
    with pytest.raises(ValidationError) as raised:
        template.full_clean()
    assert raised.value.message_dict == {"text": [error]}


REPORT_URL = "/sms/status/s3cret-token/"


def report(client, body, token="s3cret-token"):
    return client.post(
        f"/sms/status/{token}/", data=body, content_type="application/json", HTTP_HOST="localhost"
    )


@override_settings(
    SMS_STATUS_TOKEN="s3cret-token", SMS_BACKEND="sms.backends.tencent.TencentBackend"
)
def test_delivery_reports_mark_messages_delivered_or_not(client, template):
    delivered = SmsMessage.objects.create(
        event=RECEIVED, phone="13956201001", status="sent", provider_ref="2433:1"
    )
    lost = SmsMessage.objects.create(
        event=RECEIVED, phone="13956201002", status="sent", provider_ref="2433:2"
    )
    body = [
        {
            "user_receive_time": "2026-11-30 08:03:04",
            "nationcode": "86",
            "mobile": "13956201001",
            "report_status": "SUCCESS",
            "errmsg": "DELIVRD",
            "description": "用户短信送达成功",
            "sid": "2433:1",
        },
        {
            "user_receive_time": "2026-11-30 08:03:09",
            "nationcode": "86",
            "mobile": "13956201002",
            "report_status": "FAIL",
            "errmsg": "MK:0005",
            "description": "空号",
            "sid": "2433:2",
        },
    ]
    response = report(client, json.dumps(body))
    assert response.status_code == 200 and response.json() == {"result": 0, "errmsg": "OK"}
    delivered.refresh_from_db()
    lost.refresh_from_db()
    assert delivered.status == "delivered"
    assert delivered.reported_at == datetime.datetime(2026, 11, 30, 0, 3, 4, tzinfo=datetime.UTC)
    assert (lost.status, lost.error) == ("undelivered", "MK:0005 空号")


@override_settings(
    SMS_STATUS_TOKEN="s3cret-token", SMS_BACKEND="sms.backends.tencent.TencentBackend"
)
def test_reports_without_the_secret_or_not_reports_change_nothing(client):
    message = SmsMessage.objects.create(
        event=RECEIVED, phone="13956201001", status="sent", provider_ref="2433:1"
    )
    good = json.dumps([{"sid": "2433:1", "report_status": "SUCCESS"}])
    assert report(client, good, token="guess").status_code == 404
    assert client.get(REPORT_URL, HTTP_HOST="localhost").status_code == 405
    for body in ("{", json.dumps({"sid": "2433:1"}), json.dumps([{"sid": "2433:1"}])):
        response = report(client, body)
        assert response.status_code == 400 and response.json()["result"] == 1
    with override_settings(SMS_STATUS_TOKEN=""):
        assert report(client, good, token="").status_code == 404
    message.refresh_from_db()
    assert message.status == "sent"


@override_settings(
    SMS_STATUS_TOKEN="s3cret-token", SMS_BACKEND="sms.backends.tencent.TencentBackend"
)
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda children: (
                st.lists(children, max_size=4)
                | st.dictionaries(
                    st.sampled_from(["sid", "report_status", "user_receive_time", "errmsg"]),
                    children,
                    max_size=4,
                )
            ),
            max_leaves=12,
        ).map(lambda value: json.dumps(value).encode()),
    )
)
def test_whatever_is_posted_as_a_report_the_answer_is_200_or_400(client, body):
    response = client.post(
        REPORT_URL, data=body, content_type="application/json", HTTP_HOST="localhost"
    )
    assert response.status_code in (200, 400)
