"""The admin's text messages: the platform admin edits templates (checked against their
event's values) and reads the record of messages with the numbers masked and never a value;
nobody edits the record; staff without the permission see neither."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from wagtail.users.models import UserProfile

from sms.models import SmsMessage, SmsTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def message():
    return SmsMessage.objects.create(
        event="submission_received",
        phone="13956201234",
        values={"reference": "SECR-ETCO-DE99"},
        about="WG-2026-0001",
        status=SmsMessage.Status.FAILED,
        error="LimitExceeded.PhoneNumberDailyLimit: daily limit",
    )


def test_the_record_shows_masked_numbers_and_no_values(admin, message):
    listing = admin.get(reverse("wagtailsnippets_sms_smsmessage:list")).content.decode()
    assert "139****1234" in listing and "13956201234" not in listing
    assert "WG-2026-0001" in listing and "LimitExceeded.PhoneNumberDailyLimit" in listing
    assert "SECR-ETCO-DE99" not in listing
    # The file backend (the default) is named, so that nobody believes phones are reached.
    assert "Text messages are written to files on the server" in listing
    inspect = admin.get(reverse("wagtailsnippets_sms_smsmessage:inspect", args=[message.pk]))
    page = inspect.content.decode()
    assert inspect.status_code == 200 and "WG-2026-0001" in page
    assert "SECR-ETCO-DE99" not in page and "13956201234" not in page


def test_nobody_edits_or_deletes_the_record(admin, message):
    for view in ("edit", "delete"):
        url = reverse(f"wagtailsnippets_sms_smsmessage:{view}", args=[message.pk])
        assert admin.get(url).status_code in (302, 403)
        admin.post(url, {"status": "delivered", "phone": "1"})
    assert admin.get(reverse("wagtailsnippets_sms_smsmessage:add")).status_code in (302, 403)
    message.refresh_from_db()
    assert (message.status, message.phone) == ("failed", "13956201234")


def test_a_template_naming_a_value_its_event_lacks_is_refused_with_the_values_it_has(admin):
    url = reverse("wagtailsnippets_sms_smstemplate:add")
    form = admin.get(url).content.decode()
    assert "{reference} the reference code" in form  # the values each notice can hold
    data = {"event": "submission_received", "provider_template_id": "1001", "active": "on"}
    response = admin.post(url, {**data, "text": "查询码{code}"})
    assert response.status_code == 200
    assert response.context["form"].errors["text"] == [
        "{code}: not a value of this message. It can hold: {reference}, {title}."
    ]
    response = admin.post(url, {**data, "text": "您的“{title}”已收到，查询码{reference}。"})
    assert response.status_code == 302
    assert SmsTemplate.objects.get().provider_template_id == "1001"


def test_staff_without_the_permission_see_no_text_messages(django_user_model, message):
    clerk = django_user_model.objects.create_user("clerk", "c@example.cn", "pw")
    clerk.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = Client()
    client.force_login(clerk)
    assert "text-messages" not in client.get(reverse("wagtailadmin_home")).content.decode()
    for url in (
        reverse("wagtailsnippets_sms_smsmessage:list"),
        reverse("wagtailsnippets_sms_smsmessage:inspect", args=[message.pk]),
        reverse("wagtailsnippets_sms_smstemplate:list"),
        reverse("wagtailsnippetchoosers_sms_smsmessage:chosen", args=[message.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "WG-2026-0001" not in response.content.decode()


def test_the_values_are_listed_in_each_readers_language(admin, django_user_model):
    url = reverse("wagtailsnippets_sms_smstemplate:add")
    chinese = django_user_model.objects.create_superuser("zhang", "z@example.cn", "pw")
    UserProfile.objects.create(user=chinese, preferred_language="zh-hans")
    reader = Client()
    reader.force_login(chinese)
    assert "{reference} 查询码" in reader.get(url).content.decode()
    assert "{reference} the reference code" in admin.get(url).content.decode()
