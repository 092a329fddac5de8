"""The admin menu leads those who may see the dashboards to theirs."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import selectors


class DashboardMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return selectors.may_view(request.user)


@hooks.register("register_admin_menu_item")
def dashboard_menu_item():
    return DashboardMenuItem(
        _("Dashboard"), reverse("dashboards:dashboard"), icon_name="table", order=227
    )
