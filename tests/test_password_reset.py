"""Forgot your password: anyone may ask for a link, it goes only to the account's own address
on the host the request came to, it works once, and asking is limited per connection."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

HOST = "changjianglu.localhost:8123"


@pytest.fixture
def user():
    return get_user_model().objects.create_user(
        "13912345678", email="xiaohong@example.cn", password="old-password-2026"
    )


def ask(client, email, **extra):
    return client.post(reverse("password_reset"), {"email": email}, HTTP_HOST=HOST, **extra)


def test_the_login_page_offers_it(client):
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()


def test_the_link_goes_to_the_accounts_address_and_works_once(client, user):
    response = ask(client, "XiaoHong@example.cn")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    [message] = mail.outbox
    assert message.to == ["xiaohong@example.cn"]
    [link] = re.findall(r"https?://\S+", message.body)
    assert link.startswith(f"http://{HOST}/accounts/reset/")
    path = link.split(HOST, 1)[1]
    form_page = client.get(path, HTTP_HOST=HOST, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    new = "a-new-password-2026"
    saved = client.post(set_url, {"new_password1": new, "new_password2": new}, HTTP_HOST=HOST)
    assert saved.status_code == 302
    assert Client().login(username=user.username, password=new)
    again = client.get(path, HTTP_HOST=HOST, follow=True).content.decode()
    assert "already been used or has expired" in again


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, user):
    response = ask(client, "nobody@example.cn")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_asking_is_limited_per_connection(client, user, settings):
    settings.PASSWORD_RESET_RATE_LIMIT_COUNT = 2
    assert [ask(client, "xiaohong@example.cn").status_code for _ in range(3)] == [302, 302, 429]
    assert len(mail.outbox) == 2
    assert ask(Client(REMOTE_ADDR="198.51.100.8"), "xiaohong@example.cn").status_code == 302
