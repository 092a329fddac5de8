"""Admin and serving hooks of the public pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .cache import mark_cacheable
from .models import AccessListEntry

hooks.register("before_serve_page", mark_cacheable)


class AccessListEntryViewSet(SnippetViewSet):
    model = AccessListEntry
    icon = "list-ul"
    menu_label = _("Access list")
    menu_order = 220
    add_to_admin_menu = True
    list_display = ["content", "community", "department", "starts_on", "ends_on"]
    list_filter = ["department", "starts_on"]
    search_fields = ["content", "reference"]


register_snippet(AccessListEntryViewSet)
