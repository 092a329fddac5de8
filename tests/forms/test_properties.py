"""Property-based: whatever strings and files are thrown at a public form, the answer is a page
with errors (200) or the confirmation (302), never a server error; invalid input stores
nothing, and valid input stores exactly one submission."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms import services
from forms.models import Submission

from ..factories import GridFactory, valid_id_number
from .factories import definition_with, page_for, png_bytes

pytestmark = pytest.mark.django_db

FIELDS = [
    {"label": "Kind", "field_type": "dropdown", "choices": "Noise\nOther"},
    {
        "label": "Other kind",
        "field_type": "singleline",
        "condition_field": "Kind",
        "condition_values": "Other",
        "pattern": r"[a-z ]+",
        "pattern_message": "Letters only.",
    },
    {"label": "Details", "field_type": "multiline", "required": False},
    {"label": "Email", "field_type": "email", "required": False},
    {"label": "Count", "field_type": "number", "min_value": 0, "max_value": 99, "required": False},
    {"label": "Day", "field_type": "date", "required": False},
    {"label": "When", "field_type": "datetime", "required": False},
    {"label": "Reply", "field_type": "radio", "choices": "Yes\nNo"},
    {"label": "Topics", "field_type": "checkboxes", "choices": "A\nB", "required": False},
    {"label": "Agree", "field_type": "checkbox"},
    {"label": "ID", "field_type": "id_number", "required": False},
    {
        "label": "Phone",
        "field_type": "phone",
        "condition_field": "Reply",
        "condition_values": "Yes",
    },
    {"label": "Grid", "field_type": "area", "area_level": 3},
    {"label": "Photo", "field_type": "file", "required": False, "max_file_size": 1},
    {"label": "Source", "field_type": "hidden", "required": False},
]
NAMES = [
    "kind",
    "other_kind",
    "details",
    "email",
    "count",
    "day",
    "when",
    "reply",
    "topics",
    "agree",
    "id",
    "phone",
    "grid",
    "photo",
    "source",
]
GOOD = {"kind": "Noise", "reply": "No", "agree": "on"}

text = st.text(max_size=300)
values = st.one_of(
    text,
    st.sampled_from(
        [
            "Noise",
            "Other",
            "Yes",
            "No",
            "A",
            "B",
            "on",
            "13912345678",
            "2026-01-02",
            "2026-01-02T03:04",
            "1e9",
            "-1",
            "NaN",
            valid_id_number(5),
            "x@y.cn",
        ]
    ),
    st.lists(text, max_size=3),
)
uploads = st.one_of(
    st.none(),
    st.builds(
        lambda name, body: SimpleUploadedFile(name, body),
        # Names Django's upload parser keeps (it strips unprintable characters, such as
        # unassigned code points, and paths, after unescaping HTML entities).
        st.text(
            st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters="/\\&"),
            min_size=1,
            max_size=40,
        ).filter(lambda name: name.isprintable() and name not in (".", "..")),
        st.one_of(st.binary(max_size=2000), st.just(png_bytes())),
    ),
)


@pytest.fixture
def form_page(settings):
    settings.FORMS_RATE_LIMIT_COUNT = 0
    grid = GridFactory()
    page = page_for(definition_with(*FIELDS), slug="anything")
    return page, grid


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    answers=st.dictionaries(st.sampled_from([*NAMES, "unknown", "hp-website"]), values),
    upload=uploads,
    start_valid=st.booleans(),
)
def test_any_input_gets_a_page_never_a_server_error(form_page, answers, upload, start_valid):
    page, grid = form_page
    posted = {**({**GOOD, "grid": grid.code} if start_valid else {}), **answers}
    if upload is not None:
        posted["photo"] = upload
    before = Submission.objects.count()
    response = Client(raise_request_exception=False).post("/anything/", posted)
    assert response.status_code in (200, 302), response.status_code
    if upload is not None:
        upload.seek(0)
    honeypot = bool(posted.get("hp-website"))
    fields = {k: v for k, v in posted.items() if k != "photo"}
    files = {"photo": upload} if upload is not None else {}
    expected_valid = not honeypot and services.validate(page.definition, fields, files).is_valid()
    if response.status_code == 302:
        assert expected_valid
        assert Submission.objects.count() == before + 1
    else:
        assert not expected_valid
        assert Submission.objects.count() == before
        content = response.content.decode()
        assert "error-summary" in content


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.dictionaries(st.sampled_from(NAMES), json_values))
def test_the_service_takes_any_json_body_and_answers_with_errors(form_page, body):
    """What issue 5's API will hand to services.validate: any JSON, never an exception."""
    page, grid = form_page
    form = services.validate(page.definition, {**GOOD, "grid": grid.code, **body})
    if not form.is_valid():
        assert form.errors
