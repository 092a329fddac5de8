"""Form definitions, pages and files for the forms tests."""

import io
import itertools

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from forms import services
from forms.models import FormDefinition, FormDefinitionField, FormPage

_slugs = itertools.count(1)


def definition_with(*fields: dict, title: str = "Report a problem", publish: bool = True):
    """A definition with these fields (required unless said otherwise), published."""
    definition = FormDefinition(
        title=title,
        slug=f"form-{next(_slugs)}",
        intro="<p>Tell us.</p>",
        thank_you_text="<p>Thanks, we will look into it.</p>",
    )
    definition.fields = [
        FormDefinitionField(sort_order=order, **{"required": True, **field})
        for order, field in enumerate(fields)
    ]
    assert not services.check_definition(list(definition.fields.all()))
    definition.save()
    if publish:
        definition.save_revision().publish()
    else:
        definition.live = False
        definition.save()
    return definition


def site_root() -> Page:
    """The default site's home page (made again after a transactional test's flush)."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is not None:
        return site.root_page
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=Page(title="Home", slug="home"))
    Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    return home


def page_for(
    definition: FormDefinition, slug: str | None = None, model: type[FormPage] = FormPage, **kwargs
) -> FormPage:
    root = site_root()
    page = model(
        title=definition.title, slug=slug or definition.slug, definition=definition, **kwargs
    )
    root.add_child(instance=page)
    return page


def names(definition: FormDefinition) -> dict[str, str]:
    return {field.label: field.clean_name for field in definition.fields.all()}


def data(definition: FormDefinition, answers: dict) -> dict:
    """POST data from answers keyed by label."""
    by_label = names(definition)
    return {by_label.get(label, label): value for label, value in answers.items()}


def png_bytes(size: tuple[int, int] = (4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def pdf(name: str = "letter.pdf") -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def submit(definition: FormDefinition, answers: dict, files: dict | None = None, **kwargs):
    """Store a submission the way a public page does (validated, then stored)."""
    form = services.validate(definition, data(definition, answers), files)
    assert form.is_valid(), form.errors
    return services.store_submission(form, **kwargs)
