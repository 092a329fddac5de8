"""Logins are locked out per username and client address after repeated wrong passwords
(django-axes): on the site's login page and the admin's, with a page in the visitor's
language; other people and other connections are not locked; an admin unlocks in the admin."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "right-horse-battery-2026"


@pytest.fixture
def user():
    return get_user_model().objects.create_user("chen", password=PASSWORD)


def log_in(client, url, username, password, address="203.0.113.7"):
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=address, follow=False
    )


@pytest.mark.parametrize("url", [reverse("login"), reverse("wagtailadmin_login")])
def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, user, url, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    for _ in range(30):
        log_in(client, url, "chen", "wrong-password")
    response = log_in(client, url, "chen", PASSWORD)
    assert response.status_code == 429
    content = response.content.decode()
    assert "登录失败次数过多" in content and "60" in content
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_one_username_on_one_connection(client, user, settings):
    url = reverse("login")
    get_user_model().objects.create_user("wang", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, url, "chen", "wrong-password")
    assert log_in(Client(), url, "chen", PASSWORD).status_code == 429
    # Someone else on the same connection, and the same person elsewhere, still log in.
    assert log_in(Client(), url, "wang", PASSWORD).status_code == 302
    assert log_in(Client(), url, "chen", PASSWORD, address="198.51.100.2").status_code == 302


def test_a_spoofed_forwarded_header_does_not_lift_the_lock(client, user, settings):
    url = reverse("login")
    for index in range(settings.AXES_FAILURE_LIMIT + 2):
        client.post(
            url,
            {"username": "chen", "password": "wrong"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{index}",
        )
    response = Client().post(
        url,
        {"username": "chen", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert response.status_code == 429


def test_fewer_failures_than_the_limit_then_success_clears_the_count(client, user, settings):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, url, "chen", "wrong-password")
    assert log_in(client, url, "chen", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="chen", failures_since_start__gt=0).exists()


def test_an_admin_unlocks_in_the_admin(client, user, settings):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, url, "chen", "wrong-password")
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "r@example.cn", "pw"))
    index = admin.get("/admin/axes/accessattempt/")
    assert index.status_code == 200 and "chen" in index.content.decode()
    attempt = AccessAttempt.objects.get(username="chen")
    delete_url = f"/admin/axes/accessattempt/delete/{attempt.pk}/"
    assert admin.post(delete_url).status_code == 302
    assert log_in(Client(), url, "chen", PASSWORD).status_code == 302


def test_staff_without_the_permission_cannot_unlock(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, reverse("login"), "chen", "wrong-password")
    staff = get_user_model().objects.create_user("li", password=PASSWORD)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    other = Client()
    other.force_login(staff)
    attempt = AccessAttempt.objects.get(username="chen")
    assert other.get("/admin/axes/accessattempt/").status_code in (302, 403)
    other.post(f"/admin/axes/accessattempt/delete/{attempt.pk}/")
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
