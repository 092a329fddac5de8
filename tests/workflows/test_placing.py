"""Publish and place: from the editor, one step publishes a process and puts a page for it on
the portal, street or community pages the admin ticks, each offering its own areas."""

import pytest
from django.test import Client

from grid.models import Area, Role
from tests.factories import UserFactory
from tests.pages.factories import site_for
from workflows import process_templates
from workflows.models import ProcessDefinition, ProcessPage

from .city import build_city, user

pytestmark = pytest.mark.django_db

ADMIN = "/admin/snippets/workflows/processdefinition/"
WUSONG = "340705001001"


@pytest.fixture
def city():
    build_city()
    return site_for(Area.objects.get(code=WUSONG))


@pytest.fixture
def designer():
    client = Client()
    client.force_login(UserFactory(is_superuser=True))
    return client


def draft(name: str = "占道审批") -> ProcessDefinition:
    found = process_templates.template("approval-chain")
    roles = {slot.key: Role.objects.get(key=slot.key) for slot in found.roles}
    return process_templates.copy_template(found, name=name, roles=roles, user=None)


def test_a_draft_is_published_and_placed_on_the_pages_ticked(city, designer):
    portal, street, community = city
    definition = draft()
    assert not definition.live
    editor = designer.get(f"{ADMIN}edit/{definition.pk}/").content.decode()
    assert f"{ADMIN}place/{definition.pk}/" in editor
    page = designer.get(f"{ADMIN}place/{definition.pk}/")
    form = page.context["form"]
    labels = {choice.data["label"] for choice in form["pages"]}
    assert labels == {
        "Tongguan portal",
        "Tongguan portal / 长江路街道 centre",
        "Tongguan portal / 长江路街道 centre / 五松社区 centre",
    }
    assert "The process is published first" in page.content.decode()

    answer = designer.post(f"{ADMIN}place/{definition.pk}/", {"pages": [community.pk, street.pk]})
    assert answer.status_code == 302 and answer["Location"] == f"{ADMIN}inspect/{definition.pk}/"
    definition.refresh_from_db()
    assert definition.live and definition.versions.count() == 1
    placed = {page.get_parent().pk: page for page in ProcessPage.objects.filter(process=definition)}
    assert set(placed) == {community.pk, street.pk}
    on_community = placed[community.pk]
    assert on_community.live and on_community.title == "占道审批"
    assert on_community.slug == "zhan-dao-shen-pi"
    assert on_community.definition == definition.intake_form
    # Each page offers the areas of the page it is under.
    assert on_community.area == community.area and placed[street.pk].area == street.area
    shown = designer.get(on_community.url).content.decode()
    assert "申请说明" in shown and "五松社区" in shown

    # The pages it is on are listed and not offered again; it is not published a second time.
    again = designer.get(f"{ADMIN}place/{definition.pk}/")
    assert {choice.data["label"] for choice in again.context["form"]["pages"]} == {
        "Tongguan portal"
    }
    assert "The process is published first" not in again.content.decode()
    listed = again.content.decode().split('class="placed-pages"')[1].split("</ul>")[0]
    assert "长江路街道 centre / 占道审批" in listed and "五松社区 centre / 占道审批" in listed
    designer.post(f"{ADMIN}place/{definition.pk}/", {"pages": [portal.pk]})
    assert ProcessPage.objects.filter(process=definition).count() == 3
    assert ProcessDefinition.objects.get(pk=definition.pk).versions.count() == 1


def test_nothing_is_placed_while_the_process_cannot_be_published(city, designer):
    _portal, _street, community = city
    definition = draft()
    revision = definition.get_latest_revision()
    broken = revision.as_object()
    stages = list(broken.stages.all())
    stages[0].return_to = "street-approval"  # a later stage
    broken.stages = stages
    broken.save_revision()
    page = designer.get(f"{ADMIN}place/{definition.pk}/").content.decode()
    assert "returns must go to the applicant or to an earlier stage" in page
    answer = designer.post(f"{ADMIN}place/{definition.pk}/", {"pages": [community.pk]})
    assert answer.status_code == 400
    assert not ProcessPage.objects.exists()
    assert not ProcessDefinition.objects.get(pk=definition.pk).live


def test_a_page_must_be_ticked(city, designer):
    definition = draft()
    answer = designer.post(f"{ADMIN}place/{definition.pk}/", {})
    assert answer.status_code == 400
    assert answer.context["form"].errors["pages"] == ["Choose at least one page."]
    assert not ProcessDefinition.objects.get(pk=definition.pk).live


def test_only_who_may_publish_processes_places_them(city):
    _portal, _street, community = city
    definition = draft()
    client = Client()
    client.force_login(user("community_worker"))
    assert client.get(f"{ADMIN}place/{definition.pk}/").status_code in (302, 403)
    client.post(f"{ADMIN}place/{definition.pk}/", {"pages": [community.pk]})
    assert not ProcessPage.objects.exists()
