"""The demo's forms (the shipped processes' intakes): published, on pages under the portal,
with submissions only their communities' workers see; built once."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from forms import selectors
from forms.models import FormPage, Submission
from grid.masking import mask_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(demo_city, settings):
    settings.DEBUG = True  # for the second run


def test_demo_form_pages_are_published_on_the_portal(seeded, client):
    pages = FormPage.objects.live()
    assert {"supervision-report", "volunteer-signup"} <= set(pages.values_list("slug", flat=True))
    for page in pages:
        assert page.definition.live
        assert page.get_parent().specific_class.__name__ == "PortalPage"
        response = client.get(page.url)
        assert response.status_code == 200 and page.definition.title in response.content.decode()


def test_demo_reports_are_seen_within_jurisdiction(seeded):
    users = get_user_model().objects
    # Forms with an area field: the intakes of the demo's processes.
    scoped = Submission.objects.filter(is_scoped=True)
    one = selectors.visible_submissions(users.get(username="community_worker")) & scoped
    other = selectors.visible_submissions(users.get(username="community_worker_2")) & scoped
    assert one.exists() and other.exists()
    assert all(s.area.code.startswith("340705001001") for s in one)
    assert all(s.area.code.startswith("340705002002") for s in other)
    assert not set(one.values_list("pk", flat=True)) & set(other.values_list("pk", flat=True))
    assert selectors.visible_submissions(users.get(username="volunteer")).count() == 0
    admin = selectors.visible_submissions(users.get(username="admin"))
    assert admin.count() == Submission.objects.count()


def test_demo_worker_reads_reports_in_the_admin(seeded):
    client = Client()
    client.force_login(get_user_model().objects.get(username="community_worker"))
    response = client.get("/admin/forms/submission/")
    assert response.status_code == 200
    visible = selectors.visible_submissions(
        get_user_model().objects.get(username="community_worker")
    )
    content = response.content.decode()
    for submission in Submission.objects.all():
        # Listed with its code masked: the applicant's key never reaches staff.
        assert submission.reference not in content
        assert (mask_code(submission.reference) in content) == visible.filter(
            pk=submission.pk
        ).exists()


def test_second_run_creates_nothing(seeded, capsys):
    before = list(Submission.objects.values_list("reference", flat=True))
    capsys.readouterr()
    call_command("seed_demo")
    assert "demo.form_access: nothing to create" in capsys.readouterr().out
    assert list(Submission.objects.values_list("reference", flat=True)) == before
