from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import clients


def login_locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """What django-axes answers a locked-out login with: the site's own page, in the
    visitor's language, saying how long the lock lasts (429, like the other limits)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Anyone may ask for a link to set a new password; it goes only to the account's own
    e-mail address, and the page says the same whether or not an account has it. Asking is
    limited per client address, so that nobody floods an inbox."""

    email_template_name = "registration/password_reset_email.txt"

    def form_valid(self, form):
        limit, window = settings.PASSWORD_RESET_RATE_LIMIT_COUNT, settings.FORMS_RATE_LIMIT_WINDOW
        if not clients.allow("password-reset", clients.client_address(self.request), limit, window):
            form.add_error(None, _("Too many requests from your connection: wait a few minutes."))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)
