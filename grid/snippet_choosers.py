"""Snippet choosers that answer only those with a permission on the snippet's model: Wagtail's
answer anyone who may enter the admin, which for a model nothing chooses (text message
templates, inspection checklists) shows its objects to people who may not see them."""

from django.core.exceptions import PermissionDenied
from wagtail.permissions import policy_registry
from wagtail.snippets.views import chooser as chooser_views


class PermittedOnly:
    def dispatch(self, request, *args, **kwargs):
        policy = policy_registry.get_by_type(self.model)
        if not policy.user_has_any_permission(request.user, {"add", "change", "delete", "view"}):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class PermittedChooserViewSet(chooser_views.SnippetChooserViewSet):
    choose_view_class = type("ChooseView", (PermittedOnly, chooser_views.ChooseView), {})
    choose_results_view_class = type(
        "ChooseResultsView", (PermittedOnly, chooser_views.ChooseResultsView), {}
    )
    chosen_view_class = type("ChosenView", (PermittedOnly, chooser_views.SnippetChosenView), {})
    chosen_multiple_view_class = type(
        "ChosenMultipleView", (PermittedOnly, chooser_views.SnippetChosenMultipleView), {}
    )
