"""Accounts opened for applicants (a volunteer's, when the community approves their
registration). Only the person who controls the e-mail address given gets in: the account starts
without a password, and a one-time link to set one goes to that address and nowhere else — not
the tracking page, whose code others may hold, nor any notification."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from forms import selectors as form_selectors
from forms.models import Submission

logger = logging.getLogger(__name__)


def fresh_username(wanted: str) -> str:
    """`wanted` when no account has it, else the first free `wanted-2`, `wanted-3`, …: the
    username someone types into a form never leads to an account that exists."""
    taken = set(
        get_user_model()
        .objects.filter(username__startswith=wanted)
        .values_list("username", flat=True)
    )
    username, n = wanted, 1
    while username in taken:
        n += 1
        username = f"{wanted}-{n}"
    return username


def open_account(*, username: str, name: str, email: str) -> AbstractBaseUser:
    """A new account without a usable password, under a username no one holds yet."""
    user = get_user_model()(username=fresh_username(username), first_name=name[:150], email=email)
    user.set_unusable_password()
    user.save()
    return user


def set_password_link(user: AbstractBaseUser, root: str) -> str:
    """A link that sets the password once: the token is made from the password's hash and the
    last login, so it stops working when either changes (and after PASSWORD_RESET_TIMEOUT)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return root.rstrip("/") + reverse("password_reset_confirm", args=[uid, token])


def send_set_password_link(user: AbstractBaseUser, submission: Submission, community: str) -> None:
    """After the commit, e-mail the account's own address its username and a one-time link to
    set its password, in the applicant's language, with links to the site they used."""
    root = form_selectors.site_root_url(submission)
    language = submission.language or settings.LANGUAGE_CODE

    def send() -> None:
        with translation.override(language):
            context = {
                "username": user.get_username(),
                "community": community,
                "link": set_password_link(user, root),
                "days": max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1),
                "login_url": root.rstrip("/") + reverse("login"),
            }
            subject = _("Your volunteer account: set your password")
            body = render_to_string("pages/email/set_password.txt", context)
        try:
            send_mail(subject, body, None, [user.email])
        except Exception:
            logger.exception("set-password email for user %s failed", user.pk)

    transaction.on_commit(send)
