"""StreamField blocks for the editors of the public pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock

from grid.validators import validate_phone

INLINE_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class CalloutBlock(blocks.StructBlock):
    tone = blocks.ChoiceBlock(
        choices=[("info", _("Information")), ("warning", _("Important")), ("done", _("Done"))],
        default="info",
        label=_("tone"),
    )
    heading = blocks.CharBlock(required=False, max_length=100, label=_("heading"))
    text = blocks.RichTextBlock(features=INLINE_FEATURES, label=_("text"))

    class Meta:
        icon = "warning"
        label = _("Call-out")
        template = "pages/blocks/callout.html"


class ContactCardBlock(blocks.StructBlock):
    name = blocks.CharBlock(max_length=100, label=_("name"))
    role = blocks.CharBlock(required=False, max_length=100, label=_("role"))
    phone = blocks.CharBlock(
        required=False, max_length=20, validators=[validate_phone], label=_("work phone")
    )
    address = blocks.CharBlock(required=False, max_length=200, label=_("address"))
    hours = blocks.CharBlock(required=False, max_length=200, label=_("opening hours"))

    class Meta:
        icon = "user"
        label = _("Contact card")
        template = "pages/blocks/contact_card.html"


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(required=False, max_length=200, label=_("link text"))

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "pages/blocks/document.html"


class FormLinkBlock(blocks.StructBlock):
    """A prominent link to a page that starts something (a form page, a process)."""

    page = blocks.PageChooserBlock(label=_("page"))
    label = blocks.CharBlock(required=False, max_length=100, label=_("button text"))
    description = blocks.CharBlock(required=False, max_length=200, label=_("description"))

    class Meta:
        icon = "form"
        label = _("Link to a form")
        template = "pages/blocks/form_link.html"


class BodyBlock(blocks.StreamBlock):
    rich_text = blocks.RichTextBlock(
        features=["h2", "h3", *INLINE_FEATURES], label=_("Rich text"), icon="pilcrow"
    )
    image = ImageBlock(label=_("Image"), template="pages/blocks/image.html")
    document = DocumentLinkBlock()
    callout = CalloutBlock()
    contact = ContactCardBlock()
    form_link = FormLinkBlock()

    class Meta:
        template = "pages/blocks/body.html"
