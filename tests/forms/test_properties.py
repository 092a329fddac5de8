"""Property-based: whatever strings and files are thrown at a public form, the answer is a page
with errors (200) or the confirmation (302), never a server error; invalid input stores
nothing, and valid input stores exactly one submission."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms import selectors, services
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
UNCARRIABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

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
    post_and_check(page, posted, upload)


def post_and_check(page, posted: dict, upload=None) -> None:
    """POST to the public page: a 302 only for what the service calls valid, with exactly one
    submission stored, holding only the form's fields and nothing the database would refuse;
    otherwise the form again with its errors and nothing stored."""
    if upload is not None:
        posted = {**posted, "photo": upload}
    before = Submission.objects.count()
    response = Client(raise_request_exception=False).post(f"/{page.slug}/", posted)
    assert response.status_code in (200, 302), response.status_code
    if upload is not None:
        upload.seek(0)
    sent = posted.get("hp-website", [])
    honeypot = any(sent if isinstance(sent, list) else [sent])
    fields = {k: v for k, v in posted.items() if k != "photo"}
    files = {"photo": upload} if upload is not None else {}
    expected_valid = not honeypot and services.validate(page.definition, fields, files).is_valid()
    if response.status_code == 302:
        assert expected_valid
        assert Submission.objects.count() == before + 1
        stored = Submission.objects.order_by("pk").last()
        assert set(stored.form_data) <= set(NAMES)
        # No character an export cell or an XML reply cannot carry (tab and line breaks can).
        assert not any(UNCARRIABLE.search(text) for text in strings(stored.form_data))
        assert all(answer.label for answer in selectors.answers(stored))
    else:
        assert not expected_valid
        assert Submission.objects.count() == before
        content = response.content.decode()
        assert "error-summary" in content


def strings(value: object):
    """Every text in a stored JSON value (json.dumps would escape the characters looked for)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


# What strangers send that a browser would not: control characters and NUL, huge answers,
# lists for single answers, text for a file, numbers and dates in odd spellings.
controls = st.text(st.characters(min_codepoint=0, max_codepoint=0x1F) | st.just("\x7f"))
nasty_values = st.one_of(
    controls,
    st.tuples(st.sampled_from(["Noise", "Yes", "on", "x@y.cn", "2026-01-02"]), controls).map(
        "".join
    ),
    st.builds(
        lambda char, count: char * count,
        st.sampled_from(["a", "号", "\x0b", "\x00", " "]),
        st.integers(min_value=1_000, max_value=60_000),
    ),
    st.sampled_from(
        [
            "1e999",
            "0x10",
            "١٢",
            "²",
            "9" * 400,
            "2026-02-30",
            "9999-12-31T25:61",
            "0000-00-00",
            "340705" + "0" * 40,
            "photo.png",
        ]
    ),
    st.lists(controls | st.sampled_from(["A", "B", "Noise"]), min_size=2, max_size=4),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    answers=st.dictionaries(
        st.sampled_from([*NAMES, "unknown", "grid[]", "\x00"]), nasty_values, max_size=6
    ),
    # Mostly a valid form with hostile extras, so that some reach storage.
    start_valid=st.sampled_from([True, True, True, False]),
)
def test_hostile_answers_get_a_page_and_store_nothing_invalid(form_page, answers, start_valid):
    page, grid = form_page
    post_and_check(page, {**({**GOOD, "grid": grid.code} if start_valid else {}), **answers})


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
    """What the process engine's API hands to services.validate: any JSON, never an exception."""
    page, grid = form_page
    form = services.validate(page.definition, {**GOOD, "grid": grid.code, **body})
    if not form.is_valid():
        assert form.errors


def test_control_characters_are_dropped_before_validation_and_storage(form_page):
    """Found by the test above: a pasted vertical tab or a script's \\x01 was stored, and every
    export and XML reply of the submission then had to cope with it."""
    page, grid = form_page
    posted = {**GOOD, "grid": grid.code, "details": "3\x0b号楼\x01\r\n\t堆物", "kind": "Noi\x1fse"}
    response = Client().post(f"/{page.slug}/", posted)
    assert response.status_code == 302
    assert Submission.objects.get().form_data["details"] == "3号楼\r\n\t堆物"
    assert Submission.objects.get().form_data["kind"] == "Noise"
