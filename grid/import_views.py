"""Import and export in the work console: Import and Export buttons on each register's list,
the upload, dry run and confirm pages of an import, its progress, and the user's past imports.
Every step is limited to the user's permissions and jurisdiction."""

import tempfile
from collections.abc import Callable
from functools import partial
from typing import IO

from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, re_path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, View
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail_modeladmin.views import IndexView

from . import export_jobs, exports, jobs, selectors
from .imports import ImportReport
from .models import ExportJob, ImportJob
from .registers import RegistryResource, get_resource
from .storage import private_response
from .tabular import ENCODINGS, XLSX


def can_import(user, resource: RegistryResource) -> bool:
    return all(
        user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")
        for model in resource.record_models
        for action in ("add", "change")
    )


def can_export(user, resource: RegistryResource) -> bool:
    """Exports carry ID numbers and phones whole: a register with personal data is exported
    only by those who may see it somewhere (and then only there, see exports.scoped)."""
    if resource.personal_data and selectors.personal_data_codes(user) == ():
        return False
    return all(
        user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
        for model in resource.record_models
    )


class RegistryIndexView(IndexView):
    """The register's list, whose Export buttons export exactly what the list shows."""

    def dispatch(self, request, *args, **kwargs):
        self.resource = self.model_admin.resource()
        return super().dispatch(request, *args, **kwargs)

    def as_spreadsheet(self, queryset, spreadsheet_format):
        user = self.request.user
        if not can_export(user, self.resource):
            raise PermissionDenied
        filters = {k: v for k, v in self.request.GET.items() if k != self.EXPORT_VAR}
        job = getattr(self.request, "export_job", None)
        if job is not None:
            return self.write_job_file(job, queryset, spreadsheet_format, filters)
        rows = queryset.count()
        if rows > settings.REGISTRY_EXPORT_BACKGROUND_ROWS:
            job = export_jobs.start_export(
                user, self.resource.slug, spreadsheet_format, filters, rows
            )
            return redirect("grid_export_job", job.pk)
        name = exports.filename(self.resource, spreadsheet_format)
        if spreadsheet_format == XLSX:
            target = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
            exports.export_to(
                self.resource, queryset, target, file_format=XLSX, user=user, filters=filters
            )
            target.seek(0)
            return private_response(target, filename=name)
        response = StreamingHttpResponse(
            exports.export_csv(self.resource, queryset, user=user, filters=filters),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def write_job_file(self, job, queryset, spreadsheet_format: str, filters: dict):
        """In an export job's task: the list's rows into the job's file."""
        self.request.export_rows = exports.export_to(
            self.resource,
            queryset,
            self.request.export_target,
            file_format=spreadsheet_format,
            user=self.request.user,
            filters=filters,
            progress=jobs.cache_progress(job),
            total=job.rows,
        )
        return HttpResponse(status=204)

    def get_base_queryset(self, request=None):
        return self.told(super().get_base_queryset(request))

    def get_queryset(self, request=None):
        queryset = super().get_queryset(request)
        unfiltered = not self.query and not self.get_filters_params()
        return self.told(queryset) if unfiltered else queryset

    def told(self, queryset):
        """The jurisdiction's whole list, counted from the areas' kept counts where the
        register knows them (`ModelAdmin.count_in_jurisdiction`), which the list shows twice."""
        count = getattr(self.model_admin, "count_in_jurisdiction", None)
        if count is not None:
            queryset.known_count = count(self.request.user)
        return queryset

    def export_url(self, spreadsheet_format: str) -> str:
        query = self.request.GET.copy()
        query.pop(self.PAGE_VAR, None)
        query[self.EXPORT_VAR] = spreadsheet_format
        return f"?{query.urlencode()}"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            can_export=can_export(user, self.resource),
            can_import=can_import(user, self.resource),
            import_url=self.url_helper.get_action_url("import"),
            export_csv_url=self.export_url("csv"),
            export_xlsx_url=self.export_url(XLSX),
            **kwargs,
        )


class TransferAdminMixin:
    """Adds Import and Export to a ModelAdmin's list; `resource_class` says what moves."""

    resource_class: type[RegistryResource]
    index_view_class = RegistryIndexView
    index_template_name = "grid/admin/registry_index.html"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        resource_class = cls.__dict__.get("resource_class")
        if resource_class is not None:
            export_jobs.register(resource_class.slug, register_export(resource_class.slug, cls))

    def resource(self) -> RegistryResource:
        return self.resource_class()

    def import_view(self, request):
        return ImportUploadView.as_view(model_admin=self)(request)

    def template_view(self, request):
        resource = self.resource()
        if not can_import(request.user, resource):
            raise PermissionDenied
        response = HttpResponse(
            exports.template_xlsx(resource),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = exports.filename(resource, XLSX, "-template")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def get_admin_urls_for_registration(self):
        helper = self.url_helper
        return (
            *super().get_admin_urls_for_registration(),
            re_path(
                helper._get_action_url_pattern("import"),
                self.import_view,
                name=helper.get_action_url_name("import"),
            ),
            re_path(
                helper._get_action_url_pattern("import_template"),
                self.template_view,
                name=helper.get_action_url_name("import_template"),
            ),
        )


def register_export(slug: str, admin_class: type) -> export_jobs.ExportKind:
    return export_jobs.ExportKind(
        title=lambda: str(get_resource(slug).title),
        may_export=lambda user: can_export(user, get_resource(slug)),
        filename=lambda file_format: exports.filename(get_resource(slug), file_format),
        exporter=partial(export_list, admin_class),
    )


def export_list(admin_class: type, job: ExportJob, target: IO[bytes]) -> int:
    """Run the register's list view for an export job, as its user with the list's query, so
    that the file holds what the list showed and the user may still see."""
    admin = admin_class()
    request = HttpRequest()
    request.method = "GET"
    request.path = admin.url_helper.index_url
    request.GET = QueryDict(mutable=True)
    request.GET.update({**job.query, IndexView.EXPORT_VAR: job.file_format})
    request.user = job.user or AnonymousUser()
    request.export_job, request.export_target = job, target
    response = admin.index_view(request)
    if response.status_code != 204:
        raise PermissionDenied(f"the list answered {response.status_code}")
    return request.export_rows


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("A CSV or XLSX file with the columns of the template."),
    )
    encoding = forms.ChoiceField(
        label=gettext_lazy("Encoding of a CSV file"),
        choices=[("", gettext_lazy("Detect it")), *ENCODINGS.items()],
        required=False,
        help_text=gettext_lazy("UTF-8 (with or without BOM) and GB18030/GBK are detected."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.REGISTRY_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}
            )
        if not upload.size:
            raise forms.ValidationError(_("The file is empty."))
        return upload


@method_decorator(require_admin_access, name="dispatch")
class ImportUploadView(WagtailAdminTemplateMixin, FormView):
    model_admin = None
    form_class = ImportForm
    template_name = "grid/admin/import_upload.html"
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        self.resource = self.model_admin.resource()
        if not can_import(request.user, self.resource):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Import %(register)s") % {"register": self.resource.title}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": self.model_admin.url_helper.index_url,
                "label": self.model_admin.get_menu_label(),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            resource=self.resource,
            columns=self.resource.columns(),
            template_url=self.model_admin.url_helper.get_action_url("import_template"),
            background_rows=settings.REGISTRY_IMPORT_BACKGROUND_ROWS,
            **kwargs,
        )

    def form_valid(self, form):
        job = jobs.start_import(
            self.request.user,
            self.resource.slug,
            form.cleaned_data["file"],
            form.cleaned_data["encoding"],
        )
        return redirect("grid_import_job", pk=job.pk)


def jobs_of(user):
    queryset = ImportJob.objects.all()
    return queryset if user.is_superuser else queryset.filter(user=user)


@method_decorator(require_admin_access, name="dispatch")
class ImportJobView(WagtailAdminTemplateMixin, DetailView):
    """One import: its progress while it runs, then the counts and every error; after a
    clean dry run, the button that imports it."""

    template_name = "grid/admin/import_job.html"
    context_object_name = "job"
    header_icon = "upload"

    def get_queryset(self):
        return jobs_of(self.request.user)

    def get_page_title(self):
        return _("Import of %(file)s") % {"file": self.object.file_name}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("grid_import_jobs"), "label": _("Imports")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        job = self.object
        report = ImportReport.from_dict(job.report) if job.report else None
        resource = get_resource(job.resource)
        return super().get_context_data(
            report=report,
            resource=resource,
            progress=jobs.progress_of(job),
            can_confirm=job.status == ImportJob.Status.CHECKED
            and report is not None
            and report.ok
            and can_import(self.request.user, resource),
            **kwargs,
        )

    def post(self, request, pk):
        job = get_object_or_404(self.get_queryset(), pk=pk)
        resource = get_resource(job.resource)
        if job.status != ImportJob.Status.CHECKED or not can_import(request.user, resource):
            raise PermissionDenied
        jobs.confirm_import(job)
        return redirect("grid_import_job", pk=job.pk)


@method_decorator(require_admin_access, name="dispatch")
class ImportProgressView(View):
    def get(self, request, pk):
        job = get_object_or_404(jobs_of(request.user), pk=pk)
        return JsonResponse(jobs.progress_of(job))


class JobListView(WagtailAdminTemplateMixin, ListView):
    """The user's own jobs of one kind, newest first."""

    context_object_name = "jobs"
    paginate_by = 50

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def title_of(self, slug: str) -> str:
        return str(get_resource(slug).title)

    def get_context_data(self, **kwargs):
        return with_register_titles(super().get_context_data(**kwargs), self.title_of)


@method_decorator(require_admin_access, name="dispatch")
class ImportJobListView(JobListView):
    template_name = "grid/admin/import_list.html"
    header_icon = "upload"
    page_title = gettext_lazy("Imports")

    def get_queryset(self):
        return jobs_of(self.request.user).select_related("user")


def with_register_titles(context: dict, title_of: Callable[[str], str]) -> dict:
    """Each job's register by its title in the user's language, not its slug (a register's
    resource is built once per page, not once per row)."""
    jobs = context["jobs"]
    titles = {slug: title_of(slug) for slug in {job.resource for job in jobs}}
    for job in jobs:
        job.register = titles[job.resource]
    return context


def export_jobs_of(user):
    return ExportJob.objects.filter(user=user)


@method_decorator(require_admin_access, name="dispatch")
class ExportJobView(WagtailAdminTemplateMixin, DetailView):
    """One export: its progress while the worker writes it, then the file to download."""

    template_name = "grid/admin/export_job.html"
    context_object_name = "job"
    header_icon = "download"

    def get_queryset(self):
        return export_jobs_of(self.request.user)

    def get_page_title(self):
        title = export_jobs.KINDS[self.object.resource].title()
        return _("Export of %(register)s") % {"register": title}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("grid_export_jobs"), "label": _("Exports")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(progress=jobs.progress_of(self.object), **kwargs)


@method_decorator(require_admin_access, name="dispatch")
class ExportJobListView(JobListView):
    """The user's exports written by the worker, to come back to and download."""

    template_name = "grid/admin/export_list.html"
    header_icon = "download"
    page_title = gettext_lazy("Exports")

    def get_queryset(self):
        return export_jobs_of(self.request.user)

    def title_of(self, slug: str) -> str:
        return export_jobs.KINDS[slug].title()


@method_decorator(require_admin_access, name="dispatch")
class ExportProgressView(View):
    def get(self, request, pk):
        job = get_object_or_404(export_jobs_of(request.user), pk=pk)
        return JsonResponse(jobs.progress_of(job))


@method_decorator(require_admin_access, name="dispatch")
class ExportDownloadView(View):
    """The file, to the user who asked for it only, while they may still export that list."""

    def get(self, request, pk):
        job = get_object_or_404(
            export_jobs_of(request.user), pk=pk, status=ExportJob.Status.EXPORTED
        )
        kind = export_jobs.KINDS[job.resource]
        if not kind.may_export(request.user):
            raise PermissionDenied
        name = kind.filename(job.file_format)
        return private_response(job.file.open("rb"), filename=name)


urlpatterns = [
    path("grid/exports/", ExportJobListView.as_view(), name="grid_export_jobs"),
    path("grid/exports/<int:pk>/", ExportJobView.as_view(), name="grid_export_job"),
    path(
        "grid/exports/<int:pk>/progress/",
        ExportProgressView.as_view(),
        name="grid_export_progress",
    ),
    path(
        "grid/exports/<int:pk>/download/",
        ExportDownloadView.as_view(),
        name="grid_export_download",
    ),
    path("grid/imports/", ImportJobListView.as_view(), name="grid_import_jobs"),
    path("grid/imports/<int:pk>/", ImportJobView.as_view(), name="grid_import_job"),
    path(
        "grid/imports/<int:pk>/progress/",
        ImportProgressView.as_view(),
        name="grid_import_progress",
    ),
]
