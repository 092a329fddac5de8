"""The community work access list: entries published by a service function (the approval
process will call it), shown by community, filterable, with what is not admitted."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from pages.models import AccessListEntry, AccessListPage
from pages.services import publish_access_entry
from tests.factories import CommunityFactory, DepartmentFactory, worker_on

from .factories import add, site_for

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
YEAR = datetime.timedelta(days=365)


@pytest.fixture
def setup():
    community = CommunityFactory(name="五松社区")
    _portal, street_page, community_page = site_for(community)
    neighbour = CommunityFactory(parent=community.parent, name="长江社区")
    civil, urban = DepartmentFactory(name="区民政局"), DepartmentFactory(name="区城管局")
    publish_access_entry(
        community=community,
        department=civil,
        content="低保复核入户调查",
        starts_on=TODAY - YEAR,
        ends_on=TODAY + YEAR,
        reference="proc-1",
    )
    publish_access_entry(
        community=community,
        department=urban,
        content="去年的垃圾分类督导",
        starts_on=TODAY - 2 * YEAR,
        ends_on=TODAY - YEAR,
    )
    publish_access_entry(
        community=neighbour,
        department=civil,
        content="邻社区的事项",
        starts_on=TODAY - YEAR,
        ends_on=TODAY + YEAR,
    )
    return street_page, community_page, civil


def test_community_list_shows_its_current_entries(client, setup):
    _street, community_page, _civil = setup
    page = add(community_page, AccessListPage, title="准入清单")
    content = client.get(page.url).content.decode()
    assert "低保复核入户调查" in content and "区民政局" in content
    assert "去年的垃圾分类督导" not in content  # not in force today
    assert "邻社区的事项" not in content  # another community
    assert "has not been admitted" in content
    # One community: it is named in the statement, and no column repeats it on every row.
    community = community_page.area.name
    assert f"carried out in {community}." in content and "communities of" not in content
    assert '<th scope="col">Community</th>' not in content
    everything = client.get(f"{page.url}?period=all").content.decode()
    assert "去年的垃圾分类督导" in everything


def test_street_list_filters_by_community_and_department(client, setup):
    street_page, _community, civil = setup
    page = add(street_page, AccessListPage, title="街道准入清单")
    content = client.get(page.url).content.decode()
    assert "低保复核入户调查" in content and "邻社区的事项" in content
    assert "communities of" in content and '<th scope="col">Community</th>' in content
    only = client.get(f"{page.url}?community={setup[1].area.code}").content.decode()
    assert "低保复核入户调查" in only and "邻社区的事项" not in only
    by_department = client.get(f"{page.url}?department={civil.key}&period=all").content.decode()
    assert "去年的垃圾分类督导" not in by_department and "邻社区的事项" in by_department
    nonsense = client.get(f"{page.url}?department=nope&community=x").content.decode()
    assert "No approved work matches." in nonsense


def test_publishing_again_with_the_same_reference_updates(setup):
    _street, community_page, civil = setup
    entry = publish_access_entry(
        community=community_page.area,
        department=civil,
        content="低保复核入户调查（延期）",
        starts_on=TODAY,
        ends_on=TODAY + 2 * YEAR,
        reference="proc-1",
    )
    assert AccessListEntry.objects.filter(reference="proc-1").get() == entry
    assert entry.content.endswith("（延期）")


def test_bad_entries_are_refused(setup):
    _street, community_page, civil = setup
    with pytest.raises(ValidationError) as error:
        publish_access_entry(
            community=community_page.area,
            department=civil,
            content="倒过来的期限",
            starts_on=TODAY,
            ends_on=TODAY - YEAR,
        )
    assert "ends_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        publish_access_entry(
            community=community_page.area.parent,
            department=civil,
            content="街道不是社区",
            starts_on=TODAY,
            ends_on=TODAY,
        )
    assert "community" in error.value.message_dict
    assert AccessListEntry.objects.count() == 3


def test_editors_manage_entries_of_their_jurisdiction_only(client, setup):
    _street_page, community_page, _civil = setup
    perms = (
        "wagtailadmin.access_admin",
        *tuple(f"pages.{action}_accesslistentry" for action in ("add", "change", "delete", "view")),
    )
    client.force_login(worker_on(community_page.area, perms))
    listing = client.get("/admin/snippets/pages/accesslistentry/").content.decode()
    assert "低保复核入户调查" in listing and "邻社区的事项" not in listing
    foreign = AccessListEntry.objects.get(content="邻社区的事项")
    for view in ("edit", "delete", "history", "usage"):
        url = f"/admin/snippets/pages/accesslistentry/{view}/{foreign.pk}/"
        assert client.get(url).status_code == 404, view
        assert client.post(url, {"content": "改掉"}).status_code in (404, 405), view
    own = AccessListEntry.objects.get(content="低保复核入户调查")
    for view in ("history", "usage"):
        url = f"/admin/snippets/pages/accesslistentry/{view}/{own.pk}/"
        assert client.get(url).status_code == 200, view
    assert AccessListEntry.objects.filter(content="邻社区的事项").exists()
    form = client.get("/admin/snippets/pages/accesslistentry/add/").content.decode()
    assert "五松社区" in form and "长江社区" not in form
