"""Records of registry imports and exports."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..storage import private_storage


class ImportJob(models.Model):
    """One import of a registry file: the uploaded file until it is imported, the dry run's and
    then the import's report, kept for the user who uploaded it. The import itself runs in
    grid.tasks, inline or in a worker."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking the file")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Importing")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Not imported")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
    )
    resource = models.CharField(_("register"), max_length=32)
    # Residents' ID numbers and phones: private, never under MEDIA_ROOT's public URL.
    file = models.FileField(
        _("file"), storage=private_storage, upload_to="registry-imports/%Y/%m/", blank=True
    )
    file_name = models.CharField(_("file name"), max_length=255)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    language = models.CharField(_("language"), max_length=16)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="importjob_user_created_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)


class ExportJob(models.Model):
    """An export of a register too large for one request: written by a worker (grid.jobs)
    into a private file that only the user who asked may download from its page."""

    class Status(models.TextChoices):
        EXPORTING = "exporting", _("Exporting")
        EXPORTED = "exported", _("Ready to download")
        FAILED = "failed", _("Not exported")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="export_jobs",
    )
    resource = models.CharField(_("register"), max_length=32)
    file_format = models.CharField(_("format"), max_length=8)
    # The list's query string (search, filters, ordering): the file holds what the list showed.
    query = models.JSONField(_("list query"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=16)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(
        _("file"), storage=private_storage, upload_to="registry-exports/%Y/%m/", blank=True
    )
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("registry export job")
        verbose_name_plural = _("registry export jobs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.resource}.{self.file_format} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status == self.Status.EXPORTING


class ExportRecord(models.Model):
    """Who exported which register, how many rows and with which filters: the audit log's
    entry for the export is written against this record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="registry_exports",
    )
    resource = models.CharField(_("register"), max_length=32)
    file_format = models.CharField(_("format"), max_length=8)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("exported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("registry export")
        verbose_name_plural = _("registry exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.resource} ({self.rows})"
