"""Tencent Cloud SMS (短信, API version 2021-01-11) through Tencent's own SDK
(tencentcloud-sdk-python-sms): SendSms with an approved template, and the delivery reports
Tencent posts to the status callback (短信下发状态回调).

Settings: SMS_TENCENT_SECRET_ID, SMS_TENCENT_SECRET_KEY, SMS_TENCENT_SDK_APP_ID,
SMS_TENCENT_SIGN_NAME (the approved signature), SMS_TENCENT_REGION, SMS_TENCENT_ENDPOINT and
SMS_TENCENT_SCHEME (only tests point these elsewhere)."""

import datetime
import json

from django.conf import settings
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from . import Outgoing, Report, SmsBackend, SmsError

CHINA = datetime.timezone(datetime.timedelta(hours=8))


class TencentBackend(SmsBackend):
    name = "tencent"

    def client(self) -> sms_client.SmsClient:
        profile = ClientProfile(
            httpProfile=HttpProfile(
                protocol=settings.SMS_TENCENT_SCHEME,
                endpoint=settings.SMS_TENCENT_ENDPOINT,
                reqTimeout=settings.SMS_TIMEOUT,
            )
        )
        secret = credential.Credential(
            settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY
        )
        return sms_client.SmsClient(secret, settings.SMS_TENCENT_REGION, profile)

    def send(self, message: Outgoing) -> str:
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{message.phone}"]
        request.SmsSdkAppId = settings.SMS_TENCENT_SDK_APP_ID
        request.SignName = settings.SMS_TENCENT_SIGN_NAME
        request.TemplateId = message.template_id
        request.TemplateParamSet = message.values
        try:
            response = self.client().SendSms(request)
        except TencentCloudSDKException as error:
            raise SmsError(f"{error.get_code()}: {error.get_message()}") from error
        statuses = response.SendStatusSet or []
        if not statuses:
            raise SmsError("Tencent Cloud answered without a status for the number")
        status = statuses[0]
        if status.Code != "Ok":
            raise SmsError(f"{status.Code}: {status.Message}")
        return status.SerialNo

    def reports(self, body: bytes) -> list[Report]:
        """A callback holds a JSON list of reports: `sid` is SendSms's SerialNo,
        `report_status` SUCCESS or FAIL, `user_receive_time` Beijing time."""
        try:
            items = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError("not JSON") from error
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ValueError("not a list of reports")
        found = []
        for item in items:
            sid, status = item.get("sid"), item.get("report_status")
            if not isinstance(sid, str) or not sid or status not in ("SUCCESS", "FAIL"):
                raise ValueError("a report without sid or report_status")
            detail = " ".join(str(item.get(key) or "") for key in ("errmsg", "description"))
            found.append(
                Report(
                    provider_ref=sid,
                    delivered=status == "SUCCESS",
                    at=received_at(item.get("user_receive_time")),
                    detail=detail.strip()[:500],
                )
            )
        return found


def received_at(value: object) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return moment.replace(tzinfo=CHINA)
