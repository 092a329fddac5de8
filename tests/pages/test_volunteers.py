"""Volunteer activities: registered volunteers sign up within capacity, then on a waiting list;
a cancellation gives the place to the first waiting; the organiser logs hours afterwards; a
volunteer sees their total hours on their account page."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pages import services
from pages.models import ActivitySignup
from tests.factories import CommunityFactory, UserFactory

from .factories import activity, site_for, volunteer

pytestmark = pytest.mark.django_db
Status = ActivitySignup.Status


@pytest.fixture
def community_page():
    return site_for(CommunityFactory(name="五松社区"))[2]


def started(event):
    event.starts_at = timezone.now() - datetime.timedelta(hours=4)
    event.ends_at = event.starts_at + datetime.timedelta(hours=3)
    event.save()
    return event


def test_capacity_then_waiting_list_then_promotion(community_page):
    event = activity(community_page, capacity=1)
    first, second, third = (volunteer(community_page.area) for _ in range(3))
    assert services.sign_up(event, first).status == Status.CONFIRMED
    assert services.sign_up(event, second).status == Status.WAITING
    assert services.sign_up(event, third).status == Status.WAITING
    promoted = services.cancel(event, first)
    assert promoted.volunteer == second
    statuses = dict(event.signups.values_list("volunteer__username", "status"))
    assert statuses == {
        first.username: Status.CANCELLED,
        second.username: Status.CONFIRMED,
        third.username: Status.WAITING,
    }


def test_signing_up_again_after_cancelling_joins_the_back_of_the_queue(community_page):
    event = activity(community_page, capacity=1)
    first, second = volunteer(community_page.area), volunteer(community_page.area)
    services.sign_up(event, first)
    services.cancel(event, first)
    services.sign_up(event, second)
    assert services.sign_up(event, first).status == Status.WAITING
    assert event.signups.count() == 2


def test_refusals(community_page):
    event = activity(community_page)
    someone = UserFactory()
    with pytest.raises(PermissionDenied):
        services.sign_up(event, someone)
    member = volunteer(community_page.area)
    services.sign_up(event, member)
    with pytest.raises(ValidationError, match="already signed up"):
        services.sign_up(event, member)
    with pytest.raises(ValidationError, match="not signed up"):
        services.cancel(event, volunteer(community_page.area))
    started(event)
    with pytest.raises(ValidationError, match="already started"):
        services.sign_up(event, volunteer(community_page.area))
    assert event.signups.count() == 1


def test_volunteer_signs_up_on_the_page_and_sees_the_result(client, community_page):
    event = activity(community_page, capacity=1, title="楼道清洁")
    member = volunteer(community_page.area)
    client.force_login(member)
    page = client.get(event.url).content.decode()
    assert "Sign up" in page
    response = client.post(f"{event.url}sign-up/", follow=True)
    content = response.content.decode()
    assert "You have a place." in content and "1 of 1 places taken" in content
    response = client.post(f"{event.url}cancel/", follow=True)
    assert "Your sign-up is cancelled." in response.content.decode()
    assert event.signups.get().status == Status.CANCELLED


def test_page_explains_who_can_sign_up(client, community_page):
    event = activity(community_page)
    client.force_login(UserFactory())
    assert "Only registered volunteers can sign up" in client.get(event.url).content.decode()
    response = client.post(f"{event.url}sign-up/", follow=True)
    assert "Only registered volunteers can sign up for activities." in response.content.decode()
    assert not event.signups.exists()
    assert client.get(f"{event.url}sign-up/").status_code == 405


def test_anonymous_sign_up_goes_to_login(client, community_page):
    event = activity(community_page)
    response = client.post(f"{event.url}sign-up/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_organiser_logs_hours_and_totals_show_on_the_account_page(client, community_page):
    organiser = UserFactory()
    event = activity(community_page, capacity=2, organiser=organiser)
    member = volunteer(community_page.area, first_name="何欣怡")
    signup = services.sign_up(event, member)
    started(event)

    client.force_login(member)
    response = client.post(f"{event.url}hours/", {f"hours-{signup.pk}": "3"}, follow=True)
    assert "Only the organiser" in response.content.decode()

    client.force_login(organiser)
    page = client.get(event.url).content.decode()
    assert "Log volunteers" in page and "何欣怡" in page
    bad = client.post(f"{event.url}hours/", {f"hours-{signup.pk}": "9"}, follow=True)
    assert "Hours must be between 0 and the length of the activity" in bad.content.decode()
    junk = client.post(f"{event.url}hours/", {f"hours-{signup.pk}": "three"}, follow=True)
    assert "Hours must be a number" in junk.content.decode()
    signup.refresh_from_db()
    assert signup.hours is None
    client.post(f"{event.url}hours/", {f"hours-{signup.pk}": "2.5"})
    signup.refresh_from_db()
    assert signup.hours == Decimal("2.5")

    other = activity(community_page, organiser=organiser)
    other_signup = services.sign_up(other, member)
    started(other)
    services.log_hours(other, organiser, {other_signup.pk: Decimal(1)})
    client.force_login(member)
    account = client.get("/accounts/").content.decode()
    assert "Total hours served: 3.5" in account
    assert "楼道清洁" not in account
    assert "Clean-up" in client.get("/accounts/volunteering/").content.decode()


def test_hours_only_for_confirmed_volunteers(community_page):
    organiser = UserFactory()
    event = activity(community_page, capacity=1, organiser=organiser)
    services.sign_up(event, volunteer(community_page.area))
    waiting = services.sign_up(event, volunteer(community_page.area))
    with pytest.raises(ValidationError, match="once the activity has started"):
        services.log_hours(event, organiser, {waiting.pk: Decimal(1)})
    started(event)
    with pytest.raises(ValidationError, match="no confirmed place"):
        services.log_hours(event, organiser, {waiting.pk: Decimal(1)})
