"""What the applicant and the staff are sent, and where its links lead. The applicant's links
go to the Wagtail site they applied on, with the hostname and port configured for it, although
the e-mail is sent later by a staff member's request or a worker; the staff's links go to the
admin's base URL. One completion tells the applicant once."""

import re

import pytest
from django.core import mail
from wagtail.models import Site

from forms.models import FormPage
from grid.models import Area
from pages.models import CommunityPage
from tests.forms.factories import data
from tests.pages.factories import add, site_for
from workflows import effects, services
from workflows.models import Effect, Notification, ProcessInstance, ProcessPage, StageTask

from .factories import (
    COMMUNITY,
    SUBJECT,
    CommunityFactory,
    definition,
    holder,
    intake_form,
    stage,
)

pytestmark = pytest.mark.django_db

PORTAL_HOST, STREET_HOST = "127.0.0.1:8123", "changjianglu.localhost:8123"
ADMIN = "http://admin.example:9000"
APPLICANT = "a@example.cn"
LINK = re.compile(r"https?://\S+")
NOTICE = "您的申请 {code} 已办结。"


@pytest.fixture(autouse=True)
def _admin_base_url(settings):
    settings.WAGTAILADMIN_BASE_URL = ADMIN


@pytest.fixture
def city():
    community = CommunityFactory(name="五松社区")
    _portal, street_page, community_page = site_for(community)
    Site.objects.filter(is_default_site=True).update(hostname="127.0.0.1", port=8123)
    Site.objects.create(hostname="changjianglu.localhost", port=8123, root_page=street_page)
    worker = holder("community_worker", community, email="worker@example.gov.cn")
    return {"community": community, "page": community_page, "worker": worker}


def one_stage(*effects: Effect):
    return definition(
        stage("check", "community_worker", Area.Level.COMMUNITY, name="社区初审"),
        effects=effects,
        intake=intake_form({"label": "Email", "field_type": "email"}),
    )


def apply(client, capture, community_page: CommunityPage, process, host: str):
    """Send the intake on the community's form page through `host`, as a browser would."""
    page = add(community_page, ProcessPage, title="申请", process=process)
    site = Site.objects.get(hostname=host.partition(":")[0])
    path = "/" + page.url_path.removeprefix(site.root_page.url_path)
    answers = {COMMUNITY: community_page.area.code, SUBJECT: "楼道堆物", "Email": APPLICANT}
    with capture(execute=True):
        response = client.post(path, data(process.intake_form, answers), HTTP_HOST=host)
    assert response.status_code == 302
    return ProcessInstance.objects.get(submission__page=page)


def approve(capture, process: ProcessInstance, worker) -> None:
    task = StageTask.objects.get(process=process, flow_task_type="HUMAN", status="NEW")
    with capture(execute=True):
        services.decide(task, worker, services.Decision(services.APPROVE))


def links_to(address: str) -> list[str]:
    return [link for m in mail.outbox if address in m.to for link in LINK.findall(m.body)]


@pytest.mark.parametrize("host", [STREET_HOST, PORTAL_HOST])
def test_the_applicant_is_sent_links_to_the_host_and_port_they_used(
    client, city, django_capture_on_commit_callbacks, host
):
    process = apply(client, django_capture_on_commit_callbacks, city["page"], one_stage(), host)
    tracking = f"http://{host}/track/{process.reference}/"
    [confirmation] = [m for m in mail.outbox if m.to == [APPLICANT]]
    assert process.reference in confirmation.body and tracking in confirmation.body

    mail.outbox.clear()
    # The decision is taken in the inbox, on the admin's host; the applicant's link is not.
    approve(django_capture_on_commit_callbacks, process, city["worker"])
    assert links_to(APPLICANT) == [tracking]


def test_staff_are_sent_links_to_the_admin(client, city, django_capture_on_commit_callbacks):
    process = apply(
        client, django_capture_on_commit_callbacks, city["page"], one_stage(), STREET_HOST
    )
    assert links_to("worker@example.gov.cn") == [
        f"{ADMIN}/workflow/generic/{process.pk}/",
    ]
    note = Notification.objects.get(user=city["worker"])
    assert note.url == f"/workflow/generic/{process.pk}/"


def test_the_sites_configured_port_is_what_the_links_carry(
    client, city, django_capture_on_commit_callbacks
):
    """A deployment behind a proxy on port 443: the site says so, whatever port served."""
    Site.objects.filter(hostname="changjianglu.localhost").update(
        hostname="changjiang.example.gov.cn", port=443
    )
    process = apply(
        client,
        django_capture_on_commit_callbacks,
        city["page"],
        one_stage(),
        "changjiang.example.gov.cn:8123",
    )
    assert links_to(APPLICANT) == [f"https://changjiang.example.gov.cn/track/{process.reference}/"]


def test_a_plain_form_links_to_its_page_on_the_site_used(
    client, city, django_capture_on_commit_callbacks
):
    form = intake_form({"label": "Email", "field_type": "email"})
    add(city["page"], FormPage, title="意见箱", slug="box", definition=form)
    answers = {COMMUNITY: city["community"].code, SUBJECT: "x", "Email": APPLICANT}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/{city['page'].slug}/box/", data(form, answers), HTTP_HOST=STREET_HOST)
    assert links_to(APPLICANT) == [f"http://{STREET_HOST}/{city['page'].slug}/box/"]


def notify_effect(**fields) -> Effect:
    return Effect(kind="notify", when=Effect.When.APPROVED, notify_applicant=True, **fields)


@pytest.mark.parametrize(
    "effects, text",
    [
        ((), "is complete: Approved."),
        ((notify_effect(message=NOTICE),), "已办结"),
        ((notify_effect(message=NOTICE), notify_effect(message="另请留意\n公告。")), "公告"),
    ],
    ids=["engine-only", "notify-effect", "two-notify-effects"],
)
def test_one_completion_tells_the_applicant_once(
    client, city, django_capture_on_commit_callbacks, effects, text
):
    applicant = holder("resident", city["community"], email=APPLICANT)
    client.force_login(applicant)
    process = apply(
        client, django_capture_on_commit_callbacks, city["page"], one_stage(*effects), STREET_HOST
    )
    mail.outbox.clear()
    approve(django_capture_on_commit_callbacks, process, city["worker"])
    process.refresh_from_db()
    assert process.outcome == ProcessInstance.Outcome.APPROVED
    [note] = Notification.objects.filter(user=applicant)
    assert text in note.text
    [message] = [m for m in mail.outbox if m.to == [APPLICANT]]
    assert text in message.body
    for effect in effects:
        assert effect.message.format(code=process.reference) in note.text


def test_a_failed_effect_tells_the_applicant_nothing_of_it(
    client, city, django_capture_on_commit_callbacks, monkeypatch
):
    """An effect that told the applicant something and then failed is rolled back, its message
    with it; the other effects' messages still go, once."""

    def tell_then_fail(effect, process, values):
        services.notify_applicant(process, "这条不应发出")
        raise ValueError("the register is closed")

    monkeypatch.setitem(
        effects.EFFECTS, "failing", effects.EffectKind("failing", (), (), tell_then_fail)
    )
    failing = Effect(kind="failing", when=Effect.When.APPROVED)
    process = apply(
        client,
        django_capture_on_commit_callbacks,
        city["page"],
        one_stage(failing, notify_effect(message=NOTICE)),
        STREET_HOST,
    )
    mail.outbox.clear()
    approve(django_capture_on_commit_callbacks, process, city["worker"])
    [message] = [m for m in mail.outbox if m.to == [APPLICANT]]
    assert NOTICE.format(code=process.reference) in message.body
    assert "这条不应发出" not in message.body
    assert process.events.filter(kind="effect", comment__contains="the register is closed").exists()
