"""Forms as designed in the admin: the definition and its fields."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import (
    FORM_FIELD_CHOICES,
    AbstractFormField,
)
from wagtail.fields import RichTextField
from wagtail.models import DraftStateMixin, PreviewableMixin, RevisionMixin
from wagtail.search import index

from grid.models import Area, Role

from ..fields import MAX_FILES, ConditionFieldInput, FileKindsField, PatternInput


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
        FieldPanel("title"),
        FieldPanel("intro"),
        InlinePanel("fields", heading=_("Fields"), label=_("Field")),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("identity_role"), FieldPanel("identity_level")])],
            heading=_("Sealed identity"),
        ),
        MultiFieldPanel([FieldPanel("slug")], heading=_("Advanced"), classname="collapsed"),
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
        from .. import services

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
    max_files = models.PositiveSmallIntegerField(
        _("files at most"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_FILES)],
        help_text=_(
            "File uploads only: how many files one answer may carry, such as photos of a scene."
        ),
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
                FieldRowPanel(
                    [
                        FieldPanel(
                            "pattern",
                            widget=PatternInput,
                            help_text=_(
                                "A common format by name; a custom one is a regular expression "
                                "the whole answer must match."
                            ),
                        ),
                        FieldPanel("pattern_message"),
                    ]
                ),
                FieldRowPanel([FieldPanel("min_value"), FieldPanel("max_value")]),
                FieldRowPanel(
                    [
                        FieldPanel("allowed_file_types"),
                        FieldPanel("max_file_size"),
                        FieldPanel("max_files"),
                    ]
                ),
                FieldPanel("area_level"),
            ],
            heading=_("Validation"),
        ),
        MultiFieldPanel(
            [
                FieldPanel(
                    "condition_field",
                    widget=ConditionFieldInput,
                    help_text=_("A field above this one: this one shows only when it is answered."),
                ),
                FieldPanel("condition_values"),
            ],
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
        from .. import services

        services.check_field(self)

    @property
    def is_section(self) -> bool:
        return self.field_type == FieldType.SECTION
