"""Definitions as files in the admin: a designer downloads a definition and uploads one, with
the command line's rules — everything checked before anything is written, every problem named
with its line — so that processes move between installations without a shell."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import UserFactory, group_with
from workflows.definition_files import export_definition
from workflows.models import ProcessDefinition

from .test_definition_files import BASE, counts, line_of, organisation  # noqa: F401

pytestmark = pytest.mark.django_db

ADMIN = "/admin/snippets/workflows/processdefinition/"


def upload(client, text: str | bytes, publish: bool = False):
    content = text.encode("utf-8") if isinstance(text, str) else text
    data = {"file": SimpleUploadedFile("repair.yaml", content, "application/yaml")}
    if publish:
        data["publish"] = "on"
    return client.post(f"{ADMIN}upload/", data)


@pytest.fixture
def designer(client, organisation):  # noqa: F811
    client.force_login(UserFactory(is_superuser=True))
    return client


def test_a_definition_uploaded_as_a_draft_then_downloaded_is_the_same_file(designer):
    answer = upload(designer, BASE)
    definition = ProcessDefinition.objects.get(key="repair")
    assert answer.status_code == 302 and answer["Location"] == f"{ADMIN}edit/{definition.pk}/"
    assert not definition.live  # a draft, to be checked and published in the editor
    listing = designer.get(ADMIN).content.decode()
    assert f'href="{ADMIN}upload/"' in listing
    assert (
        f"{ADMIN}file/{definition.pk}/"
        in designer.get(f"{ADMIN}inspect/{definition.pk}/").content.decode()
    )

    upload(designer, BASE, publish=True)
    definition.refresh_from_db()
    assert definition.live
    downloaded = designer.get(f"{ADMIN}file/{definition.pk}/")
    assert downloaded["Content-Disposition"] == 'attachment; filename="repair.yaml"'
    assert downloaded.content.decode() == export_definition(definition)
    # Uploading what is already live changes nothing.
    before = counts()
    answer = upload(designer, downloaded.content, publish=True)
    assert answer.status_code == 302 and counts() == before


def test_a_file_with_problems_is_refused_whole_naming_each_line(designer):
    before = counts()
    bad = BASE.replace("deadline: 2", "deadline: two").replace(
        "role: street_leader", "role: nobody"
    )
    answer = upload(designer, bad, publish=True)
    assert answer.status_code == 400
    page = answer.content.decode()
    assert f"line {line_of(bad, 'deadline: two')}, process.stages[0].deadline:" in page
    assert f"line {line_of(bad, 'role: nobody')}" in page
    assert counts() == before
    answer = upload(designer, "name: café".encode("latin-1"))
    assert "This file is not UTF-8 text (byte 10)." in answer.content.decode()
    assert counts() == before


def test_only_designers_download_and_upload(client, organisation):  # noqa: F811
    client.force_login(UserFactory(is_superuser=True))
    upload(client, BASE, publish=True)
    definition = ProcessDefinition.objects.get(key="repair")
    client.force_login(UserFactory())
    assert client.get(f"{ADMIN}file/{definition.pk}/").status_code in (302, 403)
    before = counts()
    assert upload(client, BASE.replace("报修", "改名")).status_code in (302, 403)
    assert counts() == before


def test_a_designer_who_may_not_publish_uploads_drafts_only(client, organisation):  # noqa: F811
    perms = (
        "wagtailadmin.access_admin",
        *(
            f"{app}.{action}_{model}"
            for app, model in (("workflows", "processdefinition"), ("forms", "formdefinition"))
            for action in ("add", "change", "view")
        ),
    )
    user = UserFactory()
    user.groups.add(group_with(*perms))
    client.force_login(user)
    before = counts()
    answer = upload(client, BASE, publish=True)
    assert answer.status_code == 400
    assert "You may not publish process definitions or forms: upload it as a draft." in (
        answer.content.decode()
    )
    assert counts() == before
    assert upload(client, BASE).status_code == 302
    assert not ProcessDefinition.objects.get(key="repair").live
