"""Volunteer accounts: only the person who controls the e-mail address given on the
registration gets into the account the approval opens, and registering with an existing
account's username never reaches that account."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from grid.models import Area, Assignment, Role, Volunteer
from tests.forms.factories import data
from workflows import selectors
from workflows.models import Notification, ProcessEvent, ProcessInstance

from .city import build_city, import_fixture, user
from .factories import process_page_for
from .test_shipped_processes import SIGN_UP, TONGGUANSHAN, WUSONG
from .test_shipped_processes_http import apply, review

pytestmark = pytest.mark.django_db

ADDRESS = SIGN_UP["电子邮箱"]
LINK = re.compile(r"https?://\S+/accounts/reset/\S+/\S+/")


@pytest.fixture
def city():
    build_city()


def approved(capture, **kwargs) -> ProcessInstance:
    """A registration sent on the public page and approved by the community in its inbox, with
    the e-mails sent after each commit."""
    process = apply("volunteer-registration", SIGN_UP, capture=capture, **kwargs)
    with capture(execute=True):
        review("community_worker", process, "approve")
    assert process.outcome == ProcessInstance.Outcome.APPROVED
    return process


def links_mailed() -> list[tuple[list[str], str]]:
    return [(m.to, link) for m in mail.outbox for link in LINK.findall(m.body)]


def test_the_tracking_page_never_shows_a_password_link(city, django_capture_on_commit_callbacks):
    process = approved(django_capture_on_commit_callbacks)
    tracking = Client().get(f"/track/{process.reference}/").content.decode()
    assert "/accounts/reset/" not in tracking
    assert "x***@example.com" in tracking and ADDRESS not in tracking
    for event in process.events.all():
        assert "/accounts/reset/" not in event.public_message + event.comment
    assert not Notification.objects.filter(text__contains="/accounts/reset/").exists()


def test_registering_with_an_existing_username_leaves_that_account_alone(
    city, django_capture_on_commit_callbacks
):
    owner = get_user_model().objects.create_user(
        SIGN_UP["手机号码"], "owner@example.com", "owner-secret-2024"
    )
    tongguanshan = Area.objects.get(code=TONGGUANSHAN)
    Volunteer.objects.create(user=owner, community=tongguanshan, name="孙丽", phone="13905629999")
    Assignment.objects.create(user=owner, role=Role.objects.get(key="volunteer"), area=tongguanshan)
    before = (owner.password, owner.email, list(owner.assignments.values_list("pk", "area_id")))

    approved(django_capture_on_commit_callbacks)

    owner.refresh_from_db()
    assert (owner.password, owner.email) == before[:2]
    assert list(owner.assignments.values_list("pk", "area_id")) == before[2]
    profile = Volunteer.objects.get(user=owner)
    assert (profile.name, profile.phone, profile.community_id) == (
        "孙丽",
        "13905629999",
        tongguanshan.pk,
    )
    assert Client().login(username=owner.username, password="owner-secret-2024")
    newcomer = Volunteer.objects.get(community__code=WUSONG).user
    assert newcomer != owner and newcomer.username == SIGN_UP["手机号码"] + "-2"
    assert [to for to, _link in links_mailed()] == [[ADDRESS]]  # nothing to the owner


def test_the_link_goes_only_to_the_address_given_and_works_once(
    city, django_capture_on_commit_callbacks
):
    process = approved(django_capture_on_commit_callbacks)
    [(to, link)] = links_mailed()
    assert to == [ADDRESS]
    assert link.startswith(process.submission.page.get_site().root_url + "/accounts/reset/")
    [message] = [m for m in mail.outbox if link in m.body]
    username = re.search(r"^.*: (\S+)$", message.body.split("\n\n")[1], re.M).group(1)
    volunteer = Volunteer.objects.get(phone=SIGN_UP["手机号码"])
    assert username == volunteer.user.username

    path = link.split("://", 1)[1].partition("/")[2]
    browser = Client()
    form_page = browser.get("/" + path, follow=True)
    assert form_page.status_code == 200 and b"new_password1" in form_page.content
    done = browser.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "wusong-helper-77", "new_password2": "wusong-helper-77"},
    )
    assert done.status_code == 302 and done.url == "/accounts/reset/done/"

    again = Client().get("/" + path, follow=True)
    assert b"new_password1" not in again.content
    assert "This link has already been used or has expired." in again.content.decode()

    signed_in = Client()
    response = signed_in.post(
        "/accounts/login/", {"username": username, "password": "wusong-helper-77"}
    )
    assert response.status_code == 302
    assert signed_in.get("/accounts/").context["user"] == volunteer.user


def test_a_registration_filed_signed_in_goes_to_that_account(
    city, django_capture_on_commit_callbacks
):
    applicant = user("grid_worker")
    accounts_before = get_user_model().objects.count()
    approved(django_capture_on_commit_callbacks, as_user=applicant)
    assert Volunteer.objects.get(phone=SIGN_UP["手机号码"]).user == applicant
    assert get_user_model().objects.count() == accounts_before
    assert links_mailed() == []


def test_an_anonymous_registration_needs_an_email_address(city):
    definition = import_fixture("volunteer-registration")
    intake = selectors.snapshot(selectors.latest_version(definition)).intake_form
    page = process_page_for(definition, slug="volunteer-registration")
    answers = {k: v for k, v in SIGN_UP.items() if k != "电子邮箱"}
    response = Client().post(page.url, data(intake, answers))
    assert response.status_code == 200
    assert not ProcessInstance.objects.exists()
    assert not ProcessEvent.objects.exists()
