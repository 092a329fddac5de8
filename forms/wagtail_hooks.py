"""Forms in the Wagtail admin: form definitions as snippets (drafts, preview, publish,
revisions) and submissions as a scoped ModelAdmin list with per-form columns and export."""

from functools import partial

from django.contrib.admin import display
from django.db.models import Count
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import LiveStatusTagColumn, TitleColumn, UpdatedAtColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet
from wagtail_modeladmin.options import modeladmin_register

from grid import export_jobs
from grid.admin_views import ScopedModelAdmin, area_filters
from grid.import_views import export_list
from grid.masking import mask_code

from . import selectors, services
from .admin_views import (
    SUBMISSIONS,
    CreateWithoutAutosave,
    FormDefinitionAdminForm,
    SubmissionDeleteView,
    SubmissionIndexView,
    SubmissionInspectView,
    SubmissionPermissionHelper,
    submission_file,
)
from .models import FormDefinition, Submission

SUBMISSIONS_INDEX = "forms_submission_modeladmin_index"
DEFINITION_PARAM = "definition__id__exact"
LIST_ANSWER_LENGTH = 40


def submissions_url(definition: FormDefinition) -> str:
    return f"{reverse(SUBMISSIONS_INDEX)}?{DEFINITION_PARAM}={definition.pk}"


class FormDefinitionViewSet(SnippetViewSet):
    model = FormDefinition
    icon = "form"
    menu_label = _("Form designs")
    menu_name = "form-definitions"
    menu_order = 220
    add_to_admin_menu = True
    add_view_class = CreateWithoutAutosave
    list_display = [
        "title",
        "slug",
        TitleColumn("submission_count", label=_("Submissions"), get_url=submissions_url),
        LiveStatusTagColumn(),
        UpdatedAtColumn(),
    ]
    edit_handler = ObjectList(FormDefinition.panels, base_form_class=FormDefinitionAdminForm)

    def get_queryset(self, request):
        return FormDefinition.objects.annotate(submission_count=Count("submissions"))


register_snippet(FormDefinitionViewSet)


def answer_texts(*, for_list: bool, user):
    """A submission's answers as its columns show them: in lists, personal data masked and long
    answers shortened; in exports whole, personal data masked unless the user sees who sent
    it. Worked out once per row for all of the row's columns (the last row is remembered)."""
    last: dict = {}

    def texts(submission: Submission) -> dict[str, str]:
        if last.get("pk") != submission.pk:
            unmasked = not for_list and selectors.sees_identity(user, submission)
            shown = {}
            for name, _label, field_type, personal in submission.fields_snapshot:
                text = selectors.display_text(field_type, submission.form_data.get(name))
                if not unmasked:
                    text = selectors.masked_text(field_type, personal, text)
                shown[name] = Truncator(text).chars(LIST_ANSWER_LENGTH) if for_list else text
            last.update(pk=submission.pk, shown=shown)
        return last["shown"]

    return texts


def answer_column(name: str, label: str, texts):
    """A column with one answer of a form, from `answer_texts`."""

    def column(submission: Submission) -> str:
        return texts(submission).get(name, "")

    column.short_description = label
    return column


def answers_column(user):
    """Every answer of a submission in one cell, for exports of several forms at once; personal
    data masked unless the user sees who sent it."""

    def column(submission: Submission) -> str:
        answers = selectors.answers(submission)
        shown = selectors.shown_answers(answers, selectors.sees_identity(user, submission))
        return "\n".join(f"{answer.label}: {answer.text}" for answer in shown)

    column.short_description = _("answers")
    return column


class SubmissionAdmin(ScopedModelAdmin):
    model = Submission
    menu_label = _("Form submissions")
    export_filename = "submissions"
    menu_icon = "form"
    menu_order = 221
    permission_helper_class = SubmissionPermissionHelper
    index_view_class = SubmissionIndexView
    inspect_view_class = SubmissionInspectView
    delete_view_class = SubmissionDeleteView
    inspect_template_name = "forms/admin/submission_inspect.html"
    index_template_name = "forms/admin/submission_index.html"
    index_view_extra_css = ["forms/admin.css"]
    list_display = ("code", "submit_time", "definition", "area_name", "email_status")
    list_filter = ("definition", "submit_time", *area_filters("area"), "email_status")
    list_select_related = ("definition", "area")
    # A caller reading out their code finds their submission; lists show it masked.
    search_fields = ("reference", "search_text")
    nowrap_columns = frozenset({"code"})
    panels = []

    def get_queryset(self, request):
        return selectors.visible_submissions(request.user)

    def selected_definition(self, request) -> FormDefinition | None:
        value = request.GET.get(DEFINITION_PARAM, "")
        return FormDefinition.objects.filter(pk=value).first() if value.isdigit() else None

    def get_list_display(self, request):
        # Asked for once per cell by the list's template tags: work it out once per request.
        if not hasattr(request, "_forms_list_display"):
            definition = self.selected_definition(request)
            texts = answer_texts(for_list=True, user=request.user)
            request._forms_list_display = (
                self.list_display
                if definition is None
                else (
                    "code",
                    "submit_time",
                    *(
                        answer_column(field.clean_name, field.label, texts)
                        for field in definition.fields.all()
                        if field.field_type != "section"
                    ),
                )
            )
        return request._forms_list_display

    def get_list_export(self, request):
        definition = self.selected_definition(request)
        if definition is None:
            return ("code", "submitted", "definition", "area_name", answers_column(request.user))
        if request.GET.get("export") not in SubmissionIndexView.FORMATS:
            # Asked on every list page to decide whether to offer the download buttons; the
            # columns, which read every submission's fields, are only worked out to export.
            return ("code",)
        submissions = self.get_queryset(request).filter(definition=definition)
        texts = answer_texts(for_list=False, user=request.user)
        columns = [
            answer_column(name, label, texts)
            for name, label in selectors.export_columns(definition, submissions)
        ]
        return ("code", "submitted", "area_name", *columns)

    @display(description=_("reference code"), ordering="reference")
    def code(self, submission: Submission) -> str:
        return mask_code(submission.reference)

    @display(description=_("area"))
    def area_name(self, submission: Submission) -> str:
        return str(submission.area) if submission.area else ""

    @display(description=_("submitted at"))
    def submitted(self, submission: Submission) -> str:
        return timezone.localtime(submission.submit_time).strftime("%Y-%m-%d %H:%M")


modeladmin_register(SubmissionAdmin)
export_jobs.register(
    SUBMISSIONS,
    export_jobs.ExportKind(
        title=lambda: str(_("Form submissions")),
        may_export=lambda user: user.has_perm("forms.view_submission"),
        filename=lambda file_format: f"{SubmissionAdmin.export_filename}.{file_format}",
        exporter=partial(export_list, SubmissionAdmin),
    ),
)


@hooks.register("register_admin_urls")
def submission_file_urls():
    return [path("forms/files/<int:pk>/", submission_file, name="forms_submission_file")]


@hooks.register("register_log_actions")
def register_form_actions(actions):
    actions.register_action(
        services.DELETE_ACTION, _("Delete form submission"), _("Form submission deleted")
    )
    actions.register_action(
        services.EXPORT_ACTION, _("Export form submissions"), _("Form submissions exported")
    )
    actions.register_action(
        services.ANONYMISE_ACTION,
        _("Remove expired personal answers"),
        _("Personal answers past their retention period removed"),
    )
