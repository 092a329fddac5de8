"""A form page on the public site: the form, a submission, its confirmation, and bad input."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from forms.models import Submission, SubmissionFile

from ..factories import GridFactory
from .factories import data, definition_with, page_for, png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


@pytest.fixture
def grid():
    return GridFactory(name="第一网格", parent__name="五松社区")


@pytest.fixture
def page(grid):
    definition = definition_with(
        {"label": "Kind", "field_type": "radio", "choices": "Noise\nOther"},
        {
            "label": "Other kind",
            "field_type": "singleline",
            "condition_field": "Kind",
            "condition_values": "Other",
        },
        {"label": "Grid", "field_type": "area", "area_level": 3},
        {"label": "Description", "field_type": "multiline"},
        {"label": "Photo", "field_type": "file", "required": False},
        {"label": "Email", "field_type": "email", "required": False},
    )
    return page_for(definition, slug="report")


def answers(page, grid, **extra):
    return data(
        page.definition,
        {"Kind": "Noise", "Grid": grid.code, "Description": "Loud music at night", **extra},
    )


def test_form_page_shows_labels_help_and_the_script(client, page):
    content = client.get("/report/").content.decode()
    assert "<h1>Report a problem</h1>" in content
    assert 'enctype="multipart/form-data"' in content and "novalidate" in content
    assert '<label for="id_grid">Grid' in content
    assert "forms/conditional.js" in content
    assert 'data-show-when="kind"' in content
    assert "Answer only if “Kind” is “Other”." in content


def test_submission_redirects_to_its_confirmation(client, page, grid):
    response = client.post("/report/", answers(page, grid, Email="me@example.cn"))
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/report/done/{submission.reference}/"
    content = client.get(response["Location"]).content.decode()
    assert submission.reference in content
    assert "We are also sending the code to me@example.cn." in content
    assert "Thanks, we will look into it." in content
    assert submission.area == grid and submission.page_id == page.pk and submission.is_scoped
    assert submission.form_data["description"] == "Loud music at night"
    assert submission.form_data["grid"] == {"code": grid.code, "name": "第一网格"}


def test_confirmation_email_carries_the_reference_and_no_answers(
    client, page, grid, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/report/", answers(page, grid, Email="me@example.cn"))
    submission = Submission.objects.get()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["me@example.cn"]
    assert submission.reference in message.subject and submission.reference in message.body
    assert "Loud music" not in message.body
    submission.refresh_from_db()
    assert submission.email_status == "sent" and submission.email_attempts == 1


def test_no_email_without_an_address(client, page, grid):
    client.post("/report/", answers(page, grid))
    assert mail.outbox == []
    assert Submission.objects.get().email_status == ""


def test_confirmation_is_only_for_the_browser_that_sent_it(client, page, grid):
    location = client.post("/report/", answers(page, grid))["Location"]
    assert Client().get(location).status_code == 404
    assert client.get("/report/done/AAAA-BBBB-CCCC/").status_code == 404


def test_errors_sit_next_to_fields_and_keep_what_was_typed(client, page, grid):
    response = client.post(
        "/report/", answers(page, grid, Kind="Other", Description="<b>bold</b> claim")
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert not Submission.objects.exists()
    assert "Please correct the answer below." in content
    assert '<a href="#row-other_kind">Other kind: This field is required.</a>' in content
    assert '<ul class="errorlist" id="id_other_kind_error"><li>This field is required.' in content
    assert 'aria-invalid="true"' in content
    assert "&lt;b&gt;bold&lt;/b&gt; claim</textarea>" in content
    assert f'<option value="{grid.code}" selected>' in content


def test_html_in_answers_is_stored_as_text_and_never_rendered(client, page, grid):
    client.post("/report/", answers(page, grid, Description="<script>alert(1)</script>"))
    assert Submission.objects.get().form_data["description"] == "<script>alert(1)</script>"


def test_upload_is_stored_privately(client, page, grid, settings):
    client.post("/report/", {**answers(page, grid), "photo": png("门口.png")})
    stored = SubmissionFile.objects.get()
    assert stored.original_name == "门口.png" and stored.content_type == "image/png"
    assert stored.file.name.startswith("submissions/") and stored.file.name.endswith(".png")
    assert "门口" not in stored.file.name
    assert storages["private"].exists(stored.file.name)
    assert not storages["default"].exists(stored.file.name)
    assert client.get(f"{settings.MEDIA_URL}{stored.file.name}").status_code == 404


def test_a_valid_upload_is_kept_when_another_field_fails(client, page, grid):
    response = client.post("/report/", {**answers(page, grid, Description=""), "photo": png()})
    content = response.content.decode()
    assert "Kept from your last attempt: photo.png" in content
    token = content.split('name="photo-kept" value="')[1].split('"')[0]
    response = client.post("/report/", {**answers(page, grid), "photo-kept": token})
    assert response.status_code == 302
    stored = SubmissionFile.objects.get()
    assert stored.original_name == "photo.png" and stored.file.read().startswith(b"\x89PNG")


def test_a_forged_kept_upload_token_is_refused(client, page, grid):
    response = client.post("/report/", {**answers(page, grid), "photo-kept": "forged:token"})
    assert "The file you chose earlier is no longer available" in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.parametrize("trap", ["http://spam", ["http://spam", ""]], ids=["once", "twice"])
def test_honeypot(client, page, grid, trap):
    response = client.post("/report/", {**answers(page, grid), "hp-website": trap})
    assert response.status_code == 200
    assert "This form was not accepted" in response.content.decode()
    assert not Submission.objects.exists()


def test_rate_limit_per_client(client, page, grid, settings):
    settings.FORMS_RATE_LIMIT_COUNT = 2
    for _ in range(2):
        assert client.post("/report/", answers(page, grid)).status_code == 302
    response = client.post("/report/", answers(page, grid, Description="third"))
    assert response.status_code == 429
    content = response.content.decode()
    assert "Too many forms have been sent from your connection" in content
    assert "third</textarea>" in content
    assert Submission.objects.count() == 2
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/report/", answers(page, grid)).status_code == 302


def test_rate_limit_behind_a_trusted_proxy_counts_the_address_it_saw(page, grid, settings):
    settings.FORMS_RATE_LIMIT_COUNT = 1
    settings.TRUSTED_PROXY_COUNT = 1
    first = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert first.post("/report/", answers(page, grid)).status_code == 302
    # The same client writing a made-up address before the proxy's entry is still itself.
    forged = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5")
    assert forged.post("/report/", answers(page, grid)).status_code == 429
    second = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert second.post("/report/", answers(page, grid)).status_code == 302


def test_oversized_body_is_refused_with_a_clear_error(client, page, grid, settings):
    settings.FORMS_MAX_REQUEST_SIZE = 1000
    response = client.post("/report/", answers(page, grid, Description="x" * 2000))
    assert response.status_code == 413
    assert "What you sent is too large" in response.content.decode()
    assert not Submission.objects.exists()


def test_too_much_text_for_django_is_refused_too(client, page, grid, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/report/", answers(page, grid, Description="x" * 2000))
    assert response.status_code == 413
    assert not Submission.objects.exists()


def test_csrf_protection_is_on(page, grid):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/report/", answers(page, grid)).status_code == 403
    assert not Submission.objects.exists()


def test_unpublished_form_is_not_served(client, page):
    page.definition.unpublish()
    assert client.get("/report/").status_code == 404


def test_hidden_fields_can_be_filled_from_the_link(client):
    definition = definition_with(
        {"label": "Name", "field_type": "singleline"},
        {"label": "Source", "field_type": "hidden", "required": False},
    )
    page_for(definition, slug="signup")
    content = client.get("/signup/?source=poster&name=x").content.decode()
    assert 'name="source" value="poster"' in content
    assert 'name="name" value="x"' not in content


def test_signed_in_submitter_is_recorded(client, page, grid, django_user_model):
    user = django_user_model.objects.create_user("resident", password="pw")
    client.force_login(user)
    client.post("/report/", answers(page, grid))
    assert Submission.objects.get().user == user


def test_a_page_can_limit_its_area_choices(client, grid):
    definition = definition_with({"label": "Grid", "field_type": "area", "area_level": 3})
    page_for(definition, slug="wusong", area=grid.parent)
    elsewhere = GridFactory(name="别处网格")
    content = client.get("/wusong/").content.decode()
    assert "第一网格" in content and "别处网格" not in content
    response = client.post("/wusong/", {"grid": elsewhere.code})
    assert "Select a valid choice" in response.content.decode()
    assert client.post("/wusong/", {"grid": grid.code}).status_code == 302


@pytest.fixture
def photos_page(grid):
    definition = definition_with(
        {"label": "Description", "field_type": "multiline"},
        {"label": "Photos", "field_type": "file", "required": False, "max_files": 3},
    )
    return page_for(definition, slug="photos")


def test_a_field_taking_several_files_stores_each_and_keeps_them_on_a_failed_attempt(
    client, photos_page, settings
):
    """A resident attaches three photos of a scene; a missing description keeps them all,
    and the submission stores each, in order, shown one by one to who may read it."""
    page = client.get("/photos/").content.decode()
    assert 'name="photos"' in page and "multiple" in page and "At most 3 files." in page
    chosen = [png("近景.png"), png("远景.png"), png("门牌.png")]
    refused = client.post("/photos/", {"description": "", "photos": chosen}).content.decode()
    assert "Kept from your last attempt: 近景.png" in refused and "门牌.png" in refused
    tokens = [part.split('"')[0] for part in refused.split('name="photos-kept" value="')[1:]]
    assert len(tokens) == 3
    sent = client.post("/photos/", {"description": "路灯不亮", "photos-kept": tokens})
    assert sent.status_code == 302
    submission = Submission.objects.get()
    names = ["近景.png", "远景.png", "门牌.png"]
    assert [answer["name"] for answer in submission.form_data["photos"]] == names
    stored = submission.files.order_by("pk")
    assert [file.original_name for file in stored] == names
    assert all(storages["private"].exists(file.file.name) for file in stored)


def test_a_field_taking_several_files_refuses_too_many_and_names_a_bad_one(client, photos_page):
    too_many = [png(f"{n}.png") for n in range(4)]
    response = client.post("/photos/", {"description": "x", "photos": too_many})
    assert "Choose at most 3 files." in response.content.decode()
    bad = SimpleUploadedFile("笔记.png", b"not an image", "image/png")
    response = client.post("/photos/", {"description": "x", "photos": [png(), bad]})
    assert "“笔记.png” is not one of the allowed kinds of file" in response.content.decode()
    assert not Submission.objects.exists() and not SubmissionFile.objects.exists()
