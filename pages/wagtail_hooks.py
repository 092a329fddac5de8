"""Admin and serving hooks of the public pages."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy
from wagtail.snippets.bulk_actions import DeleteBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser as chooser_views
from wagtail.snippets.views import snippets as snippet_views

from grid import selectors
from grid.admin_views import ScopedAdminForm

from .cache import mark_cacheable
from .models import AccessListEntry

hooks.register("before_serve_page", mark_cacheable)


class ChoosableOnly:
    """Wagtail's admin API reads any image or document to anyone who may enter the admin;
    this one only what the user's choosers would offer."""

    def get_queryset(self):
        policy = policy_registry.get_by_type(self.model)
        choosable = policy.instances_user_has_any_permission_for(self.request.user, ["choose"])
        return choosable.order_by("id")


class ChoosableImagesAPIViewSet(ChoosableOnly, ImagesAdminAPIViewSet):
    pass


class ChoosableDocumentsAPIViewSet(ChoosableOnly, DocumentsAdminAPIViewSet):
    pass


@hooks.register("construct_admin_api", order=100)  # after Wagtail's own endpoints
def choosable_media_only(router) -> None:
    router.register_endpoint("images", ChoosableImagesAPIViewSet)
    router.register_endpoint("documents", ChoosableDocumentsAPIViewSet)


class JurisdictionPermissionPolicy(ModelPermissionPolicy):
    """The model permissions, and only on entries of communities in the user's jurisdiction."""

    def user_has_permission_for_instance(self, user, action, instance) -> bool:
        return self.user_has_permission(user, action) and selectors.can_see_area(
            user, instance.community
        )

    def instances_user_has_any_permission_for(self, user, actions):
        return selectors.in_scope(
            super().instances_user_has_any_permission_for(user, actions), user, "community"
        )


POLICY = JurisdictionPermissionPolicy(AccessListEntry)
register_permission_policy(AccessListEntry, POLICY)
# The access list's index opens to holders of any of these permissions.
ANY_PERMISSION = ("add", "change", "delete", "view")


def entries_for(user):
    """The entries the user has a permission on: those of communities in their jurisdiction,
    and none without a permission on the access list (what its index lists)."""
    return POLICY.instances_user_has_any_permission_for(user, ANY_PERMISSION).select_related(
        "community", "department"
    )


def entries_in_scope(user):
    return selectors.in_scope(
        AccessListEntry.objects.select_related("community", "department"), user, "community"
    )


class InScope:
    """An entry outside the user's jurisdiction is a 404 whatever the URL."""

    def get_queryset(self):
        return entries_in_scope(self.request.user)


class EntryInScope:
    """For views whose own listing is of something else (an entry's history, its usage): the
    entry itself must be in the user's jurisdiction, or the page is a 404."""

    def get_object(self):
        entry = super().get_object()
        if not entries_in_scope(self.request.user).filter(pk=entry.pk).exists():
            raise Http404
        return entry


class EntryEditView(InScope, snippet_views.EditView):
    pass


class EntryDeleteView(InScope, snippet_views.DeleteView):
    pass


class EntryHistoryView(EntryInScope, snippet_views.HistoryView):
    pass


class EntryUsageView(EntryInScope, snippet_views.UsageView):
    pass


class ChoosesEntriesFor:
    """The chooser lists the entries its index would, and names no other."""

    def get_object_list(self):
        return entries_for(self.request.user)


class EntryChooseView(ChoosesEntriesFor, chooser_views.ChooseView):
    pass


class EntryChooseResultsView(ChoosesEntriesFor, chooser_views.ChooseResultsView):
    pass


class EntryChosenView(chooser_views.SnippetChosenView):
    def get_object(self, pk):
        return entries_for(self.request.user).get(pk=pk)


class EntryChosenMultipleView(chooser_views.SnippetChosenMultipleView):
    def get_objects(self, pks):
        return entries_for(self.request.user).filter(pk__in=pks)


class EntryChooserViewSet(chooser_views.SnippetChooserViewSet):
    choose_view_class = EntryChooseView
    choose_results_view_class = EntryChooseResultsView
    chosen_view_class = EntryChosenView
    chosen_multiple_view_class = EntryChosenMultipleView


class EntryDeleteBulkAction(DeleteBulkAction):
    """Wagtail's bulk delete lists the entries one may not delete by name: only those one
    may see are listed, the others left out as if not asked for."""

    models = [AccessListEntry]

    def get_actionable_objects(self):
        objects, refused = super().get_actionable_objects()
        shown = set(
            entries_for(self.request.user)
            .filter(pk__in=[entry.pk for entry in refused["items_with_no_access"]])
            .values_list("pk", flat=True)
        )
        listed = [entry for entry in refused["items_with_no_access"] if entry.pk in shown]
        return objects, {"items_with_no_access": listed}


# After Wagtail's own bulk delete of snippets, which it replaces for the access list.
hooks.register("register_bulk_action", EntryDeleteBulkAction, order=1)


class AccessListEntryViewSet(snippet_views.SnippetViewSet):
    model = AccessListEntry
    icon = "list-ul"
    menu_label = _("Access list")
    menu_order = 220
    add_to_admin_menu = True
    list_display = ["content", "community", "department", "starts_on", "ends_on"]
    list_filter = ["department", "starts_on"]
    search_fields = ["content", "reference"]
    # Communities offered in the form are those in the editor's jurisdiction.
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("community"), FieldPanel("department")]),
            FieldPanel("content"),
            FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
            FieldPanel("reference"),
        ],
        base_form_class=ScopedAdminForm,
    )

    edit_view_class = EntryEditView
    delete_view_class = EntryDeleteView
    history_view_class = EntryHistoryView
    usage_view_class = EntryUsageView
    chooser_viewset_class = EntryChooserViewSet

    def get_queryset(self, request):
        return entries_in_scope(request.user)


register_snippet(AccessListEntryViewSet)
