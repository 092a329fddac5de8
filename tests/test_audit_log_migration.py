"""The entries about residents, households and volunteers move from Wagtail's log to their own
and back, their area between the entry's data and its column; other entries stay."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from grid import audit
from grid.models import PersonalDataLogEntry

from .factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, UserFactory

BEFORE = [("grid", "0012_department_street")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def entries(model) -> set[tuple]:
    return {
        (entry.content_type.model, entry.object_id, entry.action, entry.user_id, entry.label)
        for entry in model.objects.select_related("content_type")
    }


@pytest.mark.django_db(transaction=True)
def test_personal_data_entries_move_to_their_own_log_and_back():
    grid = GridFactory()
    user = UserFactory()
    resident = ResidentFactory(household=HouseholdFactory(building=BuildingFactory(grid=grid)))
    audit.log_view(resident.household, user=user, area=grid, page="inspect")
    log(instance=grid, action="wagtail.edit", user=user)  # an area's entry stays in Wagtail's
    own = entries(PersonalDataLogEntry)
    assert {(kind, action) for kind, _pk, action, _user, _label in own} == {
        ("resident", audit.CREATE),
        ("household", audit.VIEW),
    }

    # Wagtail's table is the same before and after: its model reads it in both states.
    migrate(BEFORE)
    assert entries(ModelLogEntry) == own | {
        ("area", str(grid.pk), "wagtail.edit", user.pk, str(grid))
    }
    viewed = ModelLogEntry.objects.get(action=audit.VIEW)
    assert viewed.data == {"page": "inspect", "area": grid.code}

    migrate(MigrationLoader(connection).graph.leaf_nodes("grid"))
    assert entries(PersonalDataLogEntry) == own
    assert entries(ModelLogEntry) == {("area", str(grid.pk), "wagtail.edit", user.pk, str(grid))}
    viewed = PersonalDataLogEntry.objects.get(action=audit.VIEW)
    assert (viewed.data, viewed.area) == ({"page": "inspect"}, grid.code)
    created = PersonalDataLogEntry.objects.get(action=audit.CREATE)
    assert created.area == grid.code and created.data["fields"]
