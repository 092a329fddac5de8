"""Admin pieces for forms: the definition editor's whole-form validation, and the submission
list (per form, scoped, with export), page, deletion and private file downloads."""

import tempfile

from django.conf import settings
from django.contrib.admin.utils import label_for_field, lookup_field
from django.forms.formsets import DELETION_FIELD_NAME, ORDERING_FIELD_NAME
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.snippets.views.snippets import CreateView
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.views import DeleteView, IndexView, InspectView

from grid import audit, export_jobs, jobs, tabular
from grid.keys import KeyFromName
from grid.masking import mask_code
from grid.storage import private_response

from . import selectors, services
from .downloads import download
from .models import FormDefinition, SubmissionFile

# The submissions as an export job's kind (grid.export_jobs).
SUBMISSIONS = "submissions"


class CreateWithoutAutosave(CreateView):
    """Adding a definition saves nothing until the admin says so. Wagtail's autosave would
    create it on its own request while the admin types; a Publish clicked meanwhile creates it
    a second time (a duplicate key, a server error), and an abandoned form leaves a draft whose
    key is then taken. Editing an existing definition keeps its autosave."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.autosave_enabled = False


class FormDefinitionAdminForm(KeyFromName, WagtailAdminModelForm):
    """Checks the fields together, in the order the admin arranged them (see
    services.check_definition); each field's own rules run in its model's clean(). The key is
    made from the title when left empty."""

    key_names = ("slug", "title")
    key_fallback = "form"

    class Media:
        js = ["forms/js/answer_boxes.js", "forms/js/field_editor.js"]
        css = {"all": ["forms/css/field_editor.css"]}

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("fields")
        if formset is None:
            return cleaned
        kept = []
        for form in formset.forms:
            form.is_valid()
            if not form.cleaned_data.get(DELETION_FIELD_NAME):
                kept.append(form)
        kept.sort(key=lambda form: form.cleaned_data.get(ORDERING_FIELD_NAME) or 0)
        for index, attribute, message in services.check_definition([f.instance for f in kept]):
            if index is None:
                self.add_error(None, message)
            else:
                kept[index].add_error(attribute or None, message)
        return cleaned


class SubmissionPermissionHelper(PermissionHelper):
    """Submissions are what people sent: they can be read and deleted, never made or edited."""

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False


class SubmissionIndexView(IndexView):
    def to_row_dict(self, item):
        # An empty answer is an empty cell, not the list's "-". Answer columns are called
        # directly: lookup_field first tries each as a model field, failing by exception.
        admin = self.model_admin
        return {
            field: field(item) if callable(field) else lookup_field(field, item, admin)[2]
            for field in self.list_export
        }

    def get_heading(self, queryset, field):
        # Labels are content, written by the form's designer: keep them, as a safe cell.
        heading = force_str(label_for_field(field, model=self.model, model_admin=self.model_admin))
        return tabular.safe_cell(heading, tabular.CSV)

    def write_xlsx_response(self, queryset):
        """Into a temporary file rather than memory, as the registry's exports: the workbook of
        a large export is not held by the app server while it is sent."""
        target = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
        self.write_xlsx(queryset, target)
        target.seek(0)
        return private_response(target, filename=f"{self.get_filename()}.xlsx")

    def write_xlsx(self, queryset, output):
        """Through the registry's safe writer (plain values appended to a write-only sheet):
        Wagtail's makes a cell object per value, which cost more than the rest of the export."""
        header = [self.get_heading(queryset, field) for field in self.list_export]
        rows = (list(self.to_row_dict(item).values()) for item in queryset)
        tabular.write_xlsx(output, header, rows)

    def preprocess_field_value(self, field, value, export_format):
        if not isinstance(value, str):  # text needs no conversion, only the safe cell
            value = super().preprocess_field_value(field, value, export_format)
        return tabular.safe_cell(value, export_format)

    def as_spreadsheet(self, queryset, spreadsheet_format):
        job = getattr(self.request, "export_job", None)
        count = queryset.count()
        limit = settings.FORMS_EXPORT_BACKGROUND_ROWS
        if job is None and 0 < limit < count:
            filters = {k: v for k, v in self.request.GET.items() if k != self.EXPORT_VAR}
            job = export_jobs.start_export(
                self.request.user, SUBMISSIONS, spreadsheet_format, filters, count
            )
            return redirect("grid_export_job", job.pk)
        services.log_export(
            list(FormDefinition.objects.filter(pk__in=queryset.values("definition"))),
            user=self.request.user,
            count=count,
            file_format=spreadsheet_format,
        )
        # The forms are few: one instance each, not one per row (a form is a clustered model,
        # costly to make twenty thousand times). Read in chunks, not held whole: memory stays
        # the same however many rows.
        rows = queryset.select_related(None).select_related("area").prefetch_related("definition")
        if job is None:
            return super().as_spreadsheet(rows.iterator(chunk_size=2000), spreadsheet_format)
        # In an export job's task: into the job's file, its progress kept for its page.
        counted = export_jobs.counted(
            rows.iterator(chunk_size=2000), jobs.cache_progress(job), count
        )
        target = self.request.export_target
        if spreadsheet_format == self.FORMAT_XLSX:
            self.write_xlsx(counted, target)
        else:
            # Wagtail's CSV lines, already in UTF-8, as the list's own download sends them.
            target.writelines(self.stream_csv(counted))
        self.request.export_rows = count
        return HttpResponse(status=204)


class SubmissionInspectView(InspectView):
    def get_context_data(self, **kwargs):
        submission = self.instance
        answers = selectors.answers(submission, selectors.submission_files(submission))
        unmasked = selectors.sees_identity(self.request.user, submission)
        if unmasked and selectors.shows_personal_data(answers):
            # Named by its number: the reference code is the applicant's key to it.
            audit.log_view(
                submission,
                user=self.request.user,
                area=submission.area,
                page="inspect",
                label=_("Submission %(number)s of %(form)s")
                % {"number": submission.pk, "form": submission.definition.title},
            )
        return super().get_context_data(
            answers=selectors.shown_answers(answers, unmasked),
            shows_sender=unmasked,
            masked_reference=mask_code(submission.reference),
            **kwargs,
        )


class SubmissionDeleteView(DeleteView):
    def post(self, request, *args, **kwargs):
        reference = mask_code(self.instance.reference)
        services.delete_submission(self.instance, user=request.user)
        messages.success(request, _("Submission %(reference)s deleted.") % {"reference": reference})
        return redirect(self.index_url)


def submission_file(request: HttpRequest, pk: int) -> FileResponse:
    """An uploaded file, to someone who may see its submission; a 404 to anyone else."""
    stored = get_object_or_404(SubmissionFile.objects.select_related("submission"), pk=pk)
    if not selectors.can_see_submission(request.user, stored.submission):
        raise Http404
    return download(request.user, stored, page="file")
