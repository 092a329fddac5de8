"""Residents find the forms of their community with the process each starts, and the way to
follow what they sent: "Track my application" in every page's header and on the portal."""

import pytest

from forms.models import FormPage
from pages.models import CommunityPage
from tests.factories import CommunityFactory
from tests.workflows.factories import three_stages
from workflows.models import ProcessPage

from .factories import add, site_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages():
    community = CommunityFactory(name="五松社区")
    portal, street_page, community_page = site_for(community)
    return {"portal": portal, "street": street_page, "community": community_page}


def form_page(parent, title, process=None, definition=None):
    if process is not None:
        return add(parent, ProcessPage, title=title, process=process)
    return add(parent, FormPage, title=title, definition=definition or three_stages().intake_form)


def test_community_page_lists_its_forms_with_their_process(client, pages):
    process = three_stages(name="环境问题处理")
    report = form_page(pages["community"], "环境问题反映", process=process)
    plain = form_page(pages["community"], "意见箱")
    form_page(pages["street"], "街道的表单")
    neighbour = CommunityFactory(parent=pages["community"].area.parent)
    other = add(pages["street"], CommunityPage, title="邻社区", area=neighbour)
    form_page(other, "别的社区的表单")
    content = client.get(pages["community"].url).content.decode()
    assert f'href="{report.url}"' in content and f'href="{plain.url}"' in content
    assert "Handled as “环境问题处理”: you get a code to follow it." in content
    assert content.count("Handled as") == 1
    assert "街道的表单" not in content and "别的社区的表单" not in content
    assert 'href="/track/"' in content


def test_street_and_portal_list_their_own_forms(client, pages):
    form_page(pages["street"], "街道的表单")
    form_page(pages["portal"], "全区的表单")
    assert "街道的表单" in client.get(pages["street"].url).content.decode()
    portal = client.get(pages["portal"].url).content.decode()
    assert "全区的表单" in portal and "街道的表单" not in portal


def test_no_forms_no_section(client, pages):
    assert "Applications and reports" not in client.get(pages["community"].url).content.decode()


def test_track_my_application_everywhere(client, pages):
    for page in pages.values():
        content = client.get(page.url).content.decode()
        assert '<a href="/track/">Track my application</a>' in content
    portal = client.get(pages["portal"].url).content.decode()
    assert 'action="/track/"' in portal and 'name="code"' in portal
    # The portal's box sends the code to the lookup, which opens the application's page.
    assert (
        client.get("/track/", {"code": " 7k3m-9qxp-2d4f "})["Location"] == "/track/7K3M-9QXP-2D4F/"
    )
    lookup = client.get("/track/").content.decode()
    assert '<a href="/track/" aria-current="page">Track my application</a>' in lookup


def test_renaming_the_process_refreshes_the_cached_page(client, pages):
    process = three_stages(name="环境问题处理")
    form_page(pages["community"], "环境问题反映", process=process)
    assert "环境问题处理" in client.get(pages["community"].url).content.decode()
    process.name = "环境卫生投诉处理"
    process.save_revision().publish()
    response = client.get(pages["community"].url)
    assert response["X-Page-Cache"] == "miss"
    assert "环境卫生投诉处理" in response.content.decode()
