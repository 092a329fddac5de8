"""The Tencent Cloud adapter, against a server on this machine that checks each request as
Tencent's API documents it (SendSms, version 2021-01-11, signed with TC3-HMAC-SHA256) and
answers as the documentation shows. Nothing goes to the network."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import TestCase

from sms import services
from sms.models import SmsMessage, SmsTemplate

pytestmark = pytest.mark.django_db

SECRET_ID, SECRET_KEY = "AKIDtestSecretId0000", "testSecretKey0000"


def sign(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signature_problem(headers, body: bytes) -> str:
    """Tencent's TC3-HMAC-SHA256, recomputed from the request: empty when it matches."""
    auth = headers["Authorization"]
    algorithm, _space, rest = auth.partition(" ")
    parts = dict(part.strip().split("=", 1) for part in rest.split(","))
    secret_id, date, service, ending = parts["Credential"].split("/")
    if (algorithm, secret_id, service, ending) != (
        "TC3-HMAC-SHA256",
        SECRET_ID,
        "sms",
        "tc3_request",
    ):
        return f"credential {parts['Credential']}"
    signed = parts["SignedHeaders"].split(";")
    canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed)
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            canonical_headers,
            parts["SignedHeaders"],
            hashlib.sha256(body).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            headers["X-TC-Timestamp"],
            f"{date}/sms/tc3_request",
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    key = sign(sign(sign(("TC3" + SECRET_KEY).encode(), date), "sms"), "tc3_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return "" if hmac.compare_digest(expected, parts["Signature"]) else "signature"


class Tencent(BaseHTTPRequestHandler):
    """Answers SendSms as sms.tencentcloudapi.com does; `answer` is set per test."""

    received: list = []
    answer: dict = {}

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        problem = signature_problem(self.headers, body)
        type(self).received.append((dict(self.headers), json.loads(body), problem))
        payload = json.dumps({"Response": {**type(self).answer, "RequestId": "a0aabda6"}})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def tencent(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Tencent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Tencent.received = []
    settings.SMS_BACKEND = "sms.backends.tencent.TencentBackend"
    settings.SMS_TENCENT_SECRET_ID = SECRET_ID
    settings.SMS_TENCENT_SECRET_KEY = SECRET_KEY
    settings.SMS_TENCENT_SDK_APP_ID = "1400006666"
    settings.SMS_TENCENT_SIGN_NAME = "铜官区人民网格"
    settings.SMS_TENCENT_REGION = "ap-guangzhou"
    settings.SMS_TENCENT_ENDPOINT = f"127.0.0.1:{server.server_port}"
    settings.SMS_TENCENT_SCHEME = "http"
    yield Tencent
    server.shutdown()
    server.server_close()


def sent_status(code="Ok", message="send success"):
    return {
        "SendStatusSet": [
            {
                "SerialNo": "5000:1045710669157053657849499619",
                "PhoneNumber": "+8613956201001",
                "Fee": 1,
                "SessionContext": "",
                "Code": code,
                "Message": message,
                "IsoCode": "CN",
            }
        ]
    }


def send() -> SmsMessage:
    SmsTemplate.objects.create(
        event="submission_received",
        provider_template_id="449739",
        text="您的“{title}”已收到，查询码{reference}。",
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        message = services.send_sms(
            "13956201001",
            "submission_received",
            {"reference": "ABCD-EFGH-JKLM", "title": "网格事件上报"},
        )
    message.refresh_from_db()
    return message


def test_sendsms_is_signed_and_carries_the_template_and_its_values(tencent):
    tencent.answer = sent_status()
    message = send()
    [(headers, body, problem)] = tencent.received
    assert problem == ""
    assert headers["X-TC-Action"] == "SendSms"
    assert headers["X-TC-Version"] == "2021-01-11"
    assert headers["X-TC-Region"] == "ap-guangzhou"
    assert body == {
        "PhoneNumberSet": ["+8613956201001"],
        "SmsSdkAppId": "1400006666",
        "SignName": "铜官区人民网格",
        "TemplateId": "449739",
        "TemplateParamSet": ["网格事件上报", "ABCD-EFGH-JKLM"],
    }
    assert message.status == SmsMessage.Status.SENT and message.backend == "tencent"
    assert message.provider_ref == "5000:1045710669157053657849499619"


def test_a_number_tencent_refuses_is_failed_with_its_code(tencent):
    tencent.answer = sent_status("LimitExceeded.PhoneNumberDailyLimit", "daily limit")
    message = send()
    assert message.status == SmsMessage.Status.FAILED
    assert message.error == "LimitExceeded.PhoneNumberDailyLimit: daily limit"


def test_an_api_error_is_failed_with_its_code(tencent):
    tencent.answer = {
        "Error": {
            "Code": "FailedOperation.TemplateIncorrectOrUnapproved",
            "Message": "template is not approved",
        }
    }
    message = send()
    assert message.status == SmsMessage.Status.FAILED
    assert message.error == (
        "FailedOperation.TemplateIncorrectOrUnapproved: template is not approved"
    )
    assert message.values  # kept for the retry


def test_an_unreachable_provider_fails_the_message_and_keeps_it(settings, tencent):
    settings.SMS_TENCENT_ENDPOINT = "127.0.0.1:9"  # nothing listens on the discard port
    settings.SMS_TIMEOUT = 2
    message = send()
    assert message.status == SmsMessage.Status.FAILED and message.error
    assert message.values["reference"] == "ABCD-EFGH-JKLM"
