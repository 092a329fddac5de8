"""What people sent, kept as sent, with their files in private storage."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.forms.models import (
    AbstractFormSubmission,
)

from grid.masking import mask_code
from grid.models import Area
from grid.storage import private_storage

from .definitions import FormDefinition


class Submission(AbstractFormSubmission):
    """What a submitter sent, kept as it was: labels, types and values are copied in, so later
    changes to the definition never alter or break a stored submission."""

    class EmailStatus(models.TextChoices):
        NONE = "", _("No email given")
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    definition = models.ForeignKey(
        FormDefinition,
        verbose_name=_("form"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    definition_revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("form version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reference = models.CharField(_("reference code"), max_length=20, unique=True)
    fields_snapshot = models.JSONField(
        _("fields as submitted"),
        default=list,
        help_text=_("[name, label, type, personal] of each answered field, in order."),
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_scoped = models.BooleanField(
        _("limited to the jurisdiction"),
        default=False,
        help_text=_(
            "The form had an area field: only people whose jurisdiction covers the "
            "area may see this submission."
        ),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="form_submissions",
    )
    email = models.EmailField(_("confirmation email"), blank=True)
    email_status = models.CharField(
        _("confirmation email"),
        max_length=16,
        choices=EmailStatus.choices,
        default=EmailStatus.NONE,
        blank=True,
    )
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)
    email_error = models.CharField(_("last email error"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    # Links in what is sent to the submitter later (by a worker, with no request) point to the
    # site they used, with the hostname and port configured for it.
    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("sent on the site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    search_text = models.TextField(editable=False, blank=True)
    anonymised_at = models.DateTimeField(
        _("personal answers removed"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When its personal answers and files were removed, its retention over."),
    )

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        ordering = ["-submit_time", "-pk"]
        indexes = [
            # The lists show the newest first, of all forms or of one.
            models.Index(fields=["-submit_time", "-id"], name="submission_newest"),
            models.Index(fields=["definition", "-submit_time", "-id"], name="submission_by_form"),
            models.Index(fields=["email_status"], name="submission_email_status"),
        ]

    def __str__(self) -> str:
        # Shown to staff in headings, history and the audit log: the reference code is the
        # submitter's key to what they sent, so only its first group.
        return mask_code(self.reference)


class SubmissionFile(models.Model):
    """An uploaded file, in private storage; served only to people who may see its submission."""

    submission = models.ForeignKey(
        Submission, verbose_name=_("submission"), on_delete=models.CASCADE, related_name="files"
    )
    field_name = models.CharField(_("field"), max_length=255)
    file = models.FileField(_("file"), storage=private_storage, upload_to="submissions/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))

    class Meta:
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")
        # A field may take several files (`FormDefinitionField.max_files`): read by field.
        indexes = [models.Index(fields=["submission", "field_name"], name="submission_file_field")]

    def __str__(self) -> str:
        return self.original_name
