"""An admin designs a form through the admin's own views, previews it, publishes it, places it
on a page; residents submit it; later changes never alter stored submissions."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from wagtail.models import Site
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from forms.models import FormDefinition, FormPage, Submission

from ..factories import CommunityFactory, GridFactory
from ..pages.factories import site_for
from .factories import definition_with, png

pytestmark = pytest.mark.django_db

ADD = "wagtailsnippets_forms_formdefinition:add"


@pytest.fixture
def admin(django_user_model):
    cache.clear()
    user = django_user_model.objects.create_superuser("admin", "admin@example.cn", "pw")
    client = Client()
    client.force_login(user)
    return client


def field(label, field_type, **options):
    return {
        "label": label,
        "field_type": field_type,
        "required": "on",
        "help_text": "",
        "choices": "",
        "default_value": "",
        "pattern": "",
        "pattern_message": "",
        "min_value": "",
        "max_value": "",
        "max_file_size": "5",
        "max_files": "1",
        "area_level": "",
        "condition_field": "",
        "condition_values": "",
        "id": "",
        **options,
    }


def definition_post(fields, **extra):
    return nested_form_data(
        {
            "title": "Streetlight report",
            "slug": "streetlight",
            "intro": rich_text("<p>Tell us which light is out.</p>"),
            "thank_you_text": rich_text("<p>Thank you.</p>"),
            "fields": inline_formset(fields),
            **extra,
        }
    )


GOOD_FIELDS = [
    field("Where", "section"),
    field("Grid", "area", area_level="3"),
    field("Light number", "singleline", pattern=r"L\d{4}", pattern_message="Like L0123."),
    field("Broken since", "radio", choices="Today\nLonger"),
    field(
        "How long",
        "number",
        min_value="1",
        max_value="365",
        help_text="Days",
        condition_field="Broken since",
        condition_values="Longer",
    ),
    field("Photo", "file", required="", allowed_file_types="image", max_file_size="2"),
]


def test_design_preview_publish_place_and_submit(admin):
    grid = GridFactory(name="第三网格")
    response = admin.post(reverse(ADD), {**definition_post(GOOD_FIELDS), "action-publish": "1"})
    assert response.status_code == 302, response.content.decode()[:3000]
    definition = FormDefinition.objects.get(slug="streetlight")
    assert definition.live and definition.live_revision is not None
    assert [f.label for f in definition.fields.all()] == [
        "Where",
        "Grid",
        "Light number",
        "Broken since",
        "How long",
        "Photo",
    ]
    assert definition.fields.get(label="Photo").allowed_file_types == "image"

    root = Site.objects.get(is_default_site=True).root_page
    response = admin.post(
        reverse("wagtailadmin_pages:add", args=("forms", "formpage", root.pk)),
        {
            "title": "Report a broken light",
            "slug": "lights",
            "definition": definition.pk,
            "area": "",
            "action-publish": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert FormPage.objects.get(slug="lights").live

    resident = Client()
    page = resident.get("/lights/").content.decode()
    assert "Report a broken light" in page and "Tell us which light is out." in page
    bad = {"grid": grid.code, "light_number": "123", "broken_since": "Longer", "how_long": "0"}
    response = resident.post("/lights/", bad)
    content = response.content.decode()
    assert "Like L0123." in content
    assert "Ensure this value is greater than or equal to 1." in content
    good = {**bad, "light_number": "L0042", "how_long": "12", "photo": png()}
    response = resident.post("/lights/", good)
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.form_data == {
        "grid": {"code": grid.code, "name": "第三网格"},
        "light_number": "L0042",
        "broken_since": "Longer",
        "how_long": "12",
        "photo": {"name": "photo.png", "size": submission.files.get().size, "type": "image/png"},
    }


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ([field("Kind", "dropdown")], "Give the choices, one per line."),
        ([field("Code", "singleline", pattern="(")], "This is not a valid pattern"),
        ([field("Count", "number", min_value="5", max_value="1")], "must not be less than"),
        ([field("Place", "area")], "Choose which level of area to offer."),
        (
            [field("Name", "singleline"), field("Name", "singleline")],
            "Another field has this label",
        ),
        ([field("!!!", "singleline")], "has no letters or digits"),
        (
            [
                field("Later", "singleline", condition_field="Kind"),
                field("Kind", "radio", choices="A"),
            ],
            "No field above this one has the label “Kind”.",
        ),
        (
            [
                field("Kind", "radio", choices="A\nB"),
                field("More", "singleline", condition_field="Kind", condition_values="C"),
            ],
            "Not among the choices of “Kind”: C.",
        ),
        (
            [
                field("Name", "singleline"),
                field("More", "singleline", condition_field="Name", condition_values="x"),
            ],
            "“Name” has no choices",
        ),
        ([field("Intro", "section")], "Add at least one field that asks for an answer."),
    ],
)
def test_designer_mistakes_are_explained(admin, fields, error):
    response = admin.post(reverse(ADD), {**definition_post(fields), "action-publish": "1"})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not FormDefinition.objects.exists()


def test_admin_previews_a_form_before_publishing(admin):
    url = reverse("wagtailsnippets_forms_formdefinition:preview_on_add")
    response = admin.post(url, definition_post(GOOD_FIELDS))
    assert json.loads(response.content)["is_valid"] is True
    content = admin.get(url).content.decode()
    assert "Preview: this form cannot be sent from here." in content
    assert "Light number" in content and 'data-show-when="broken_since"' in content
    assert not FormDefinition.objects.exists()


def test_a_draft_change_does_not_reach_the_public_form_until_published(admin):
    admin.post(reverse(ADD), {**definition_post(GOOD_FIELDS), "action-publish": "1"})
    definition = FormDefinition.objects.get()
    root = Site.objects.get(is_default_site=True).root_page
    root.add_child(instance=FormPage(title="Lights", slug="lights", definition=definition))
    grid = GridFactory()
    Client().post("/lights/", {"grid": grid.code, "light_number": "L0001", "broken_since": "Today"})
    old = Submission.objects.get()

    edit = reverse("wagtailsnippets_forms_formdefinition:edit", args=[definition.pk])
    ids = list(definition.fields.values_list("id", flat=True))
    changed = [dict(f, id=str(pk)) for f, pk in zip(GOOD_FIELDS, ids, strict=True)]
    changed[2]["label"] = "Lamp post number"
    data = definition_post(changed)
    data["fields-INITIAL_FORMS"] = str(len(ids))
    admin.post(edit, data)  # saved as a draft
    assert "Light number" in Client().get("/lights/").content.decode()

    admin.post(edit, {**data, "action-publish": "1"})
    public = Client().get("/lights/").content.decode()
    assert "Lamp post number" in public and "Light number" not in public
    # The stored submission keeps the label it was given under.
    old.refresh_from_db()
    assert ["light_number", "Light number", "singleline", False] in old.fields_snapshot
    inspect = reverse("forms_submission_modeladmin_inspect", args=[old.pk])
    assert "Light number" in admin.get(inspect).content.decode()


def test_a_definition_in_use_cannot_be_deleted(admin):
    admin.post(reverse(ADD), {**definition_post(GOOD_FIELDS), "action-publish": "1"})
    definition = FormDefinition.objects.get()
    root = Site.objects.get(is_default_site=True).root_page
    root.add_child(instance=FormPage(title="Lights", slug="lights", definition=definition))
    Client().post(
        "/lights/", {"grid": GridFactory().code, "light_number": "L0001", "broken_since": "Today"}
    )
    url = reverse("wagtailsnippets_forms_formdefinition:delete", args=[definition.pk])
    assert "prevent it from being deleted" in admin.get(url).content.decode()
    admin.post(url)
    assert FormDefinition.objects.filter(pk=definition.pk).exists()


def test_definitions_list_links_to_their_submissions(admin):
    admin.post(reverse(ADD), {**definition_post(GOOD_FIELDS), "action-publish": "1"})
    definition = FormDefinition.objects.get()
    content = admin.get(reverse("wagtailsnippets_forms_formdefinition:list")).content.decode()
    assert f"/admin/forms/submission/?definition__id__exact={definition.pk}" in content


def test_a_new_form_page_offers_the_areas_of_the_page_it_is_placed_under(admin):
    community = CommunityFactory(name="五松社区")
    CommunityFactory(name="长江社区", parent=community.parent)
    portal, _street_page, community_page = site_for(community)
    chosen = f'<option value="{community.pk}" selected>'

    def area_options(parent) -> str:
        url = reverse("wagtailadmin_pages:add", args=("forms", "formpage", parent.pk))
        content = admin.get(url).content.decode()
        return content[
            content.index('name="area"') : content.index("</select>", content.index('name="area"'))
        ]

    assert chosen in area_options(community_page)
    # Under the district's portal it offers the district; the admin may still clear it.
    assert f'<option value="{portal.area.pk}" selected>' in area_options(portal)
    definition = definition_with({"label": "Name", "field_type": "singleline"})
    response = admin.post(
        reverse("wagtailadmin_pages:add", args=("forms", "formpage", community_page.pk)),
        {"title": "Book", "slug": "book", "definition": definition.pk, "area": ""},
    )
    assert response.status_code == 302
    assert FormPage.objects.get(slug="book").area is None


@pytest.mark.parametrize("model", ["forms/formdefinition", "workflows/processdefinition"])
def test_a_new_definition_is_saved_only_when_the_admin_says_so(admin, model):
    """No autosave while a new form or process is typed in: its request would create the
    definition while a Publish clicked meanwhile creates it again."""
    add = admin.get(f"/admin/snippets/{model}/add/").content.decode()
    assert 'name="action-publish"' in add and "data-w-autosave-interval-value" not in add
    admin.post(reverse(ADD), {**definition_post(GOOD_FIELDS), "action-publish": "1"})
    definition = FormDefinition.objects.get()
    edit = admin.get(reverse("wagtailsnippets_forms_formdefinition:edit", args=[definition.pk]))
    # Editing keeps Wagtail's autosave.
    assert "data-w-autosave-interval-value" in edit.content.decode()
