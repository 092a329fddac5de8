"""A process page offers the files of the application (a photo of the problem) to whoever may
see the process: downloaded through the process, never to anyone else; a file of a personal
field (a scan of an ID card) only to those who see who sent it, and that download is audited."""

import pytest
from django.test import Client
from wagtail.models import ModelLogEntry

from forms.models import SubmissionFile
from grid import audit
from grid.models import Area
from tests.factories import group_with
from tests.forms.factories import names, png
from tests.forms.factories import submit as submit_form
from workflows import services

from .factories import (
    COMMUNITY,
    SUBJECT,
    CommunityFactory,
    GridFactory,
    definition,
    holder,
    intake_form,
    stage,
    version_of,
)

pytestmark = pytest.mark.django_db

PHOTO, CARD = "现场照片", "身份证照片"


@pytest.fixture
def city():
    return build_city()


def build_city() -> dict:
    """A process whose application carries a photo and a scan of an ID card (personal), and
    people in and around its community."""
    grid = GridFactory()
    here = grid.parent
    process_definition = definition(
        stage("check", "community_worker", Area.Level.COMMUNITY, name="社区初审"),
        intake=intake_form(
            {"label": PHOTO, "field_type": "file", "required": False},
            {"label": CARD, "field_type": "file", "required": False, "is_personal": True},
        ),
    )
    form = process_definition.intake_form
    named = names(form)
    submission = submit_form(
        form,
        {COMMUNITY: here.code, SUBJECT: "井盖破损"},
        {named[PHOTO]: png("manhole.png"), named[CARD]: png("card.png")},
    )
    process = services.start_process(version_of(process_definition), submission)
    files = {f.original_name: f for f in SubmissionFile.objects.filter(submission=submission)}
    return {
        "process": process,
        "photo": files["manhole.png"],
        "card": files["card.png"],
        "worker": holder("community_worker", here),
        "cleaner": holder("cleaner", grid),
        "stranger": holder("community_worker", CommunityFactory()),
    }


def url(process, stored) -> str:
    return f"/processes/{process.pk}/files/{stored.pk}/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_process_page_offers_the_photo_and_downloads_it(city):
    process, photo = city["process"], city["photo"]
    client = signed_in(city["worker"])
    page = client.get(f"/workflow/generic/{process.pk}/").content.decode()
    assert f'href="{url(process, photo)}"' in page and "manhole.png" in page
    response = client.get(url(process, photo))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("who", ["cleaner", "stranger"])
def test_who_may_not_see_the_process_gets_no_file(city, who):
    client = signed_in(city[who])
    assert client.get(url(city["process"], city["photo"])).status_code == 404


def test_a_file_is_reached_only_through_its_own_process(city):
    other = services.start_process(
        version_of(city["process"].version.definition),
        submit_form(
            city["process"].version.definition.intake_form,
            {COMMUNITY: city["process"].area.code, SUBJECT: "路灯不亮"},
        ),
    )
    client = signed_in(city["worker"])
    assert client.get(url(other, city["photo"])).status_code == 404


def test_a_personal_file_is_masked_unless_the_reader_sees_the_sender(city):
    process, card = city["process"], city["card"]
    worker = city["worker"]
    client = signed_in(worker)
    page = client.get(f"/workflow/generic/{process.pk}/").content.decode()
    assert url(process, card) not in page and "card.png" not in page
    assert client.get(url(process, card)).status_code == 404
    # With the permission to see personal data where the process is, the scan is offered.
    assignment = worker.assignments.get()
    assignment.role.group = group_with("grid.view_personal_data")
    assignment.role.save()
    page = client.get(f"/workflow/generic/{process.pk}/").content.decode()
    assert f'href="{url(process, card)}"' in page
    assert client.get(url(process, card)).status_code == 200
    entry = ModelLogEntry.objects.filter(action=audit.VIEW, user=worker).latest("timestamp")
    assert entry.data == {"page": "process", "area": process.area.code}
