"""The demo's text message templates, one per notice that can go by text message, as a
district would have them approved by its provider. The demo sends through the file backend:
every message is a line under `SMS_FILE_PATH` (var/sms/ on `make run`)."""

from collections import Counter

from django.db import transaction

from sms.models import SmsTemplate

TEMPLATES = {
    "submission_received": (
        "1000001",
        "您的“{title}”已收到，查询码{reference}。请妥善保存，凭此码可在社区网站查询办理进度。",
    ),
    "applicant_update": (
        "1000002",
        "您的{process}（查询码{reference}）有新进展：{status}。详情请凭查询码在社区网站查看。",
    ),
    "task_offered": (
        "1000003",
        "您有一项新任务：{stage}，编号{number}（{area}），请登录工作台处理。",
    ),
    "deadline_warning": (
        "1000004",
        "任务“{stage}”（编号{number}，{area}）将于{due}到期，请及时处理。",
    ),
    "task_escalated": (
        "1000005",
        "任务“{stage}”（编号{number}，{area}）已超过办理时限，请及时处理。",
    ),
}


@transaction.atomic
def build() -> Counter:
    created: Counter = Counter()
    for event, (template_id, text) in TEMPLATES.items():
        _template, made = SmsTemplate.objects.get_or_create(
            event=event, defaults={"provider_template_id": template_id, "text": text}
        )
        created["text message templates"] += made
    return created
