"""What marks an area's summary rows stale: a change to a row counted there. Bulk writes go
past these (imports, the demo) and say so with `grid.counts.recounted`, which names the areas
they wrote under."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from daily.models import Inspection, Visit
from grid import counts
from grid.models import Area, Assignment, Building, Household, PartyOrganisation, Resident, Unit
from workflows.models import ProcessEvent, ProcessInstance, Verdict

from . import services


def grid_of_building(building_id: int | None) -> int | None:
    return Building.objects.filter(pk=building_id).values_list("grid_id", flat=True).first()


def grid_of_household(household_id: int | None) -> int | None:
    found = Household.objects.filter(pk=household_id).values_list("building__grid_id", flat=True)
    return found.first()


def area_of_process(process_id: int | None) -> int | None:
    return ProcessInstance.objects.filter(pk=process_id).values_list("area_id", flat=True).first()


# For each model, how to find the area a row is counted on from the row's keys (read when the
# signal comes, so that a deleted row's keys are still known).
AREA_OF = {
    Household: lambda row: (grid_of_building, row.building_id),
    Resident: lambda row: (grid_of_household, row.household_id),
    Unit: lambda row: (None, row.grid_id),
    Assignment: lambda row: (None, row.area_id),
    PartyOrganisation: lambda row: (None, row.area_id),
    Inspection: lambda row: (None, row.grid_id),
    Visit: lambda row: (None, row.grid_id),
    ProcessInstance: lambda row: (None, row.area_id),
    ProcessEvent: lambda row: (area_of_process, row.process_id),
    Verdict: lambda row: (area_of_process, row.process_id),
}


def saved(sender, instance, **kwargs) -> None:
    """Found after the commit: the change's own transaction asks nothing more. The area of a
    process's event or verdict is its process's, known without a query when the row was made
    with its process at hand, as the engine makes them."""
    find, key = AREA_OF[sender](instance)
    process = instance._state.fields_cache.get("process") if find is area_of_process else None
    if process is not None:
        area = process.area_id
        services.mark_after_commit(lambda: [area])
    else:
        services.mark_after_commit(lambda: [find(key) if find else key])


def deleted(sender, instance, **kwargs) -> None:
    """Found now, while the rows that lead to the area are still there; marked after the
    commit."""
    find, key = AREA_OF[sender](instance)
    area = find(key) if find else key
    services.mark_after_commit(lambda: [area])


def tags_changed(sender, instance, action, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, Household | Resident):
        find, key = AREA_OF[type(instance)](instance)
        services.mark_after_commit(lambda: [find(key)])
    else:  # a tag's households or residents changed from the tag's side
        transaction.on_commit(services.mark_all, robust=True)


def recounted(sender, codes=None, **kwargs) -> None:
    """Rows written in bulk under these areas (None: anywhere): the areas named are marked."""
    if codes is None:
        transaction.on_commit(services.mark_all, robust=True)
    else:
        services.mark_after_commit(
            lambda: Area.objects.filter(code__in=codes).values_list("pk", flat=True)
        )


def connect() -> None:
    for model in AREA_OF:
        uid = f"dashboards-{model._meta.label_lower}"
        post_save.connect(saved, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(deleted, sender=model, dispatch_uid=f"{uid}-delete")
    for through in (Household.tags.through, Resident.tags.through):
        m2m_changed.connect(tags_changed, sender=through, dispatch_uid=f"dashboards-{through}")
    counts.recounted.connect(recounted, dispatch_uid="dashboards-recounted")
