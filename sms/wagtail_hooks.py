"""The admin's text messages: the templates, edited by whoever holds their permissions (the
platform admin), and the record of messages, read-only for everyone, the number masked."""

from django.conf import settings
from django.contrib import messages
from django.utils.functional import lazy
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from grid.masking import mask_phone
from grid.snippet_choosers import PermittedChooserViewSet

from . import registry
from .models import SmsMessage, SmsTemplate


class RecordPolicy(ModelPermissionPolicy):
    """The record of messages is written by the system only: viewing it is all anyone may do."""

    def user_has_permission(self, user, action) -> bool:
        return action == "view" and super().user_has_permission(user, action)


register_permission_policy(SmsMessage, RecordPolicy(SmsMessage))


def values_help() -> str:
    return format_html_join(
        mark_safe("<br>"),
        "{}: {}",
        (
            (
                event.label,
                ", ".join(f"{{{name}}} {label}" for name, label in event.values.items()),
            )
            for event in registry.EVENTS.values()
        ),
    )


class TemplateViewSet(SnippetViewSet):
    model = SmsTemplate
    chooser_viewset_class = PermittedChooserViewSet
    icon = "mail"
    menu_label = _("Templates")
    list_display = ["__str__", "provider_template_id", "text", "active"]
    list_filter = ["active"]
    # Wagtail builds the form's panels once: the list of values is read at each showing, in
    # the language of whoever reads it.
    edit_handler = ObjectList(
        [
            FieldPanel("event"),
            FieldPanel("provider_template_id"),
            FieldPanel("text"),
            HelpPanel(lazy(values_help, SafeString)(), heading=_("Values a message can hold")),
            FieldPanel("active"),
        ]
    )


class MaskedPhoneColumn(Column):
    def get_value(self, instance) -> str:
        return mask_phone(instance.phone)


class MessageIndexView(snippet_views.IndexView):
    def get(self, request, *args, **kwargs):
        if settings.SMS_BACKEND.endswith(".FileBackend") and not settings.DEBUG:
            messages.warning(
                request,
                _(
                    "Text messages are written to files on the server (SMS_FILE_PATH) and reach "
                    "no phone: set SMS_BACKEND to a provider (docs/configuration.md)."
                ),
            )
        return super().get(request, *args, **kwargs)


class MessageViewSet(SnippetViewSet):
    model = SmsMessage
    chooser_viewset_class = PermittedChooserViewSet
    index_view_class = MessageIndexView
    icon = "list-ul"
    menu_label = _("Sent messages")
    inspect_view_enabled = True
    # Never the values: the tracking code is the applicant's key, not the staff's to read.
    inspect_view_fields = ["event", "about", "status", "backend", "attempts", "error"]
    list_display = [
        "__str__",
        MaskedPhoneColumn("phone", label=_("phone")),
        "about",
        "created_at",
        "sent_at",
        "reported_at",
        "error",
    ]
    list_filter = ["status", "event"]
    ordering = ["-created_at", "-pk"]


class TextMessagesGroup(SnippetViewSetGroup):
    items = (TemplateViewSet, MessageViewSet)
    menu_icon = "mail"
    menu_label = _("Text messages")
    menu_name = "text-messages"
    menu_order = 260


register_snippet(TextMessagesGroup)
