"""Admin-designed forms on Wagtail's form builder: a reusable definition (a snippet with drafts,
revisions and preview), its fields (wagtail.contrib.forms' AbstractFormField with more types),
the public page that places a definition on a site, and the submissions it stores."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import (
    FORM_FIELD_CHOICES,
    AbstractFormField,
    AbstractFormSubmission,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import DraftStateMixin, Page, PreviewableMixin, RevisionMixin
from wagtail.search import index

from grid.masking import mask_code
from grid.models import Area, Role
from grid.selectors import nearest_area

from . import signals
from .fields import FileKindsField


class FieldType(models.TextChoices):
    """Wagtail's form field types plus the ones a community registry needs."""

    SECTION = "section", _("Section heading")
    FILE = "file", _("File upload")
    ID_NUMBER = "id_number", _("Chinese ID number")
    PHONE = "phone", _("Phone number")
    AREA = "area", _("Community or grid")


FIELD_TYPE_CHOICES = [*FORM_FIELD_CHOICES, *FieldType.choices]
AREA_LEVELS = [
    (Area.Level.STREET, Area.Level.STREET.label),
    (Area.Level.COMMUNITY, Area.Level.COMMUNITY.label),
    (Area.Level.GRID, Area.Level.GRID.label),
]


class FormDefinition(
    DraftStateMixin, RevisionMixin, PreviewableMixin, index.Indexed, ClusterableModel
):
    """A form designed in the admin. Reusable: a public page, a process intake or a reviewer's
    form all build their Django form from the published version of a definition."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("key"),
        max_length=80,
        unique=True,
        allow_unicode=False,
        help_text=_("A short unique name in Latin letters, used to refer to this form in files."),
    )
    intro = RichTextField(_("introduction"), blank=True)
    thank_you_text = RichTextField(
        _("thank-you text"),
        blank=True,
        help_text=_("Shown with the reference code once a submission is accepted."),
    )
    # A sealed form: who sent it (their name, phone, e-mail, ID number and answers marked
    # personal) is shown only to holders of this role over the submission's area, whoever
    # else reads the submission or a process started from it.
    identity_role = models.ForeignKey(
        Role,
        verbose_name=_("identity sealed: only this role sees who sent it"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "For reports whose senders must stay unknown to the people they concern, such as "
            "supervision reports: everyone else, platform admins included, sees them masked."
        ),
    )
    identity_level = models.PositiveSmallIntegerField(
        _("held on the level of"),
        choices=Area.Level.choices,
        null=True,
        blank=True,
        help_text=_(
            "The role's holder on this level's area containing the submission's area, e.g. "
            "the supervision committee of the community a report is about."
        ),
    )

    panels = [
        FieldRowPanel([FieldPanel("title"), FieldPanel("slug")]),
        FieldPanel("intro"),
        InlinePanel("fields", heading=_("Fields"), label=_("Field")),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("identity_role"), FieldPanel("identity_level")])],
            heading=_("Sealed identity"),
        ),
    ]
    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        verbose_name = _("form definition")
        verbose_name_plural = _("form definitions")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if (self.identity_role_id is None) != (self.identity_level is None):
            raise ValidationError(
                {
                    "identity_level" if self.identity_level is None else "identity_role": _(
                        "A sealed identity needs both the role and the level it is held on."
                    )
                }
            )

    @property
    def is_sealed(self) -> bool:
        return self.identity_role_id is not None

    def get_preview_template(self, request, mode_name):
        return "forms/preview.html"

    def get_preview_context(self, request, mode_name):
        from . import services

        return {
            **super().get_preview_context(request, mode_name),
            "definition": self,
            "form": services.build_form(self),
        }


class FormDefinitionField(AbstractFormField):
    """One field of a definition: Wagtail's label, help text, required, choices and default,
    plus validation, upload limits, the area level and a display condition."""

    definition = ParentalKey(FormDefinition, on_delete=models.CASCADE, related_name="fields")
    field_type = models.CharField(
        verbose_name=_("field type"), max_length=16, choices=FIELD_TYPE_CHOICES
    )
    field_type.required_on_save = True
    choices = models.TextField(
        _("choices"),
        blank=True,
        help_text=_(
            "Dropdowns, radio buttons, checkboxes and multiple selects: one choice per line."
        ),
    )
    default_value = models.TextField(
        _("default value"),
        blank=True,
        help_text=_("Checkboxes: one ticked choice per line. File uploads have no default."),
    )
    pattern = models.CharField(
        _("pattern"),
        max_length=255,
        blank=True,
        help_text=_(
            "Text fields only: a regular expression the whole answer must match, "
            r"for example \d{6} for a postcode."
        ),
    )
    pattern_message = models.CharField(
        _("pattern error message"),
        max_length=255,
        blank=True,
        help_text=_("Shown when the answer does not match the pattern."),
    )
    min_value = models.DecimalField(
        _("minimum"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    allowed_file_types = FileKindsField(
        _("allowed file types"),
        max_length=100,
        blank=True,
        help_text=_(
            "File uploads only: checked by the file's content, not its name. None ticked: "
            "photos and PDF documents."
        ),
    )
    max_file_size = models.PositiveSmallIntegerField(
        _("largest file (MB)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("File uploads only."),
    )
    area_level = models.PositiveSmallIntegerField(
        _("area level"),
        choices=AREA_LEVELS,
        null=True,
        blank=True,
        help_text=_("Community or grid fields only: which level of the registry to choose from."),
    )
    is_personal = models.BooleanField(
        _("personal data"),
        default=False,
        help_text=_("Masked in submission lists. ID numbers and phone numbers are always masked."),
    )
    condition_field = models.CharField(
        _("show only when field"),
        max_length=255,
        blank=True,
        help_text=_("The label of an earlier field, exactly as written there."),
    )
    condition_values = models.TextField(
        _("has one of the answers"),
        blank=True,
        help_text=_(
            "One answer per line, from that field's choices. Leave empty to show this field "
            "whenever that field is answered (or ticked)."
        ),
    )

    panels = [
        FieldRowPanel(
            [
                FieldPanel("label"),
                FieldPanel("field_type", classname="formbuilder-type", required_on_save=True),
            ]
        ),
        FieldPanel("help_text"),
        FieldRowPanel([FieldPanel("required"), FieldPanel("is_personal")]),
        FieldPanel("choices", classname="formbuilder-choices"),
        FieldPanel("default_value", classname="formbuilder-default"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("pattern"), FieldPanel("pattern_message")]),
                FieldRowPanel([FieldPanel("min_value"), FieldPanel("max_value")]),
                FieldRowPanel([FieldPanel("allowed_file_types"), FieldPanel("max_file_size")]),
                FieldPanel("area_level"),
            ],
            heading=_("Validation"),
        ),
        MultiFieldPanel(
            [FieldPanel("condition_field"), FieldPanel("condition_values")],
            heading=_("Conditional display"),
        ),
    ]

    class Meta(AbstractFormField.Meta):
        ordering = ["sort_order", "pk"]
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        from . import services

        services.check_field(self)

    @property
    def is_section(self) -> bool:
        return self.field_type == FieldType.SECTION


class PrivateStorage(LazyObject):
    """STORAGES["private"], looked up when first used and again after the setting changes
    (as Django does for its default storage), so that the file field and the services that
    keep and delete uploads always use one and the same storage."""

    def _setup(self):
        self._wrapped = storages["private"]


PRIVATE_STORAGE = PrivateStorage()


@receiver(setting_changed)
def forget_private_storage(*, setting: str, **kwargs) -> None:
    if setting == "STORAGES":
        PRIVATE_STORAGE._wrapped = empty


def private_storage():
    """Uploads live in their own storage, outside MEDIA_ROOT, with no public URL."""
    return PRIVATE_STORAGE


class FormPageForm(WagtailAdminPageForm):
    """A new form page offers, by default, the areas of the page it is placed under: on a
    community's page, that community's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and not self.instance.area_id and self.parent_page:
            area = nearest_area(self.parent_page)
            if area is not None and area.level < Area.Level.GRID:
                self.initial["area"] = area.pk


class FormPage(RoutablePageMixin, Page):
    """Places a published form definition on a site; residents fill it in here."""

    definition = models.ForeignKey(
        FormDefinition,
        verbose_name=_("form"),
        on_delete=models.PROTECT,
        related_name="pages",
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("offer areas within"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"level__lt": Area.Level.GRID},
        help_text=_(
            "Community and grid choosers on this page offer only areas inside this one. "
            "Leave empty to offer the whole registry."
        ),
    )

    workflow = models.ForeignKey(
        "workflows.WorkflowDefinition",
        verbose_name=_("start this process"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="form_pages",
        help_text=_(
            "Optional: each submission starts this process, whose intake form must be the "
            "form above. Without one, submissions are only stored."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("definition"),
        FieldPanel("area"),
        FieldPanel("workflow"),
    ]
    subpage_types: list[str] = []
    base_form_class = FormPageForm
    template = "forms/form_page.html"

    class Meta:
        verbose_name = _("form page")

    def clean(self) -> None:
        super().clean()
        if self.workflow_id and self.workflow.intake_form_id != self.definition_id:
            raise ValidationError(
                {"workflow": _("This process starts from another form: choose that form above.")}
            )

    def start_notice(self, user) -> str:
        """Said before anyone fills the form in, when this visitor may not send it (asked of
        the apps that act on submissions, such as the process engine)."""
        return next((text for notice in signals.start_notices if (text := notice(self, user))), "")

    def start_problems(self, form, user) -> list[str]:
        """Why this valid form could not be accepted from this page, if it cannot."""
        return [problem for check in signals.start_checks for problem in check(self, form, user)]

    @path("")
    def form_view(self, request):
        from . import views

        return views.form_page(request, self)

    @path("done/<str:reference>/", name="done")
    def done_view(self, request, reference: str):
        from . import views

        return views.confirmation(request, self, reference)


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
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "field_name"], name="submission_file_one_per_field"
            )
        ]

    def __str__(self) -> str:
        return self.original_name
