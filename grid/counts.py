"""Each area's count of buildings and households (of its whole subtree), kept on the area so
that pages and find-my-grid read a number instead of counting a district's rows per request.

A building or household saved, moved or deleted one at a time moves the counts of its grid and
the grid's ancestors by one, in one UPDATE whose row locks keep concurrent changes exact. Bulk
writes (imports, the demo) call `recount` afterwards, which counts again under the areas they
wrote (an import) or everywhere (the demo); so does
`manage.py recount_areas`, to repair counts after writing to the database by hand."""

from collections.abc import Collection

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_init, post_save, pre_save
from django.dispatch import Signal

from .models import Area, Building, Household
from .validators import code_at_level, code_length


def add(field: str, grid_code: str | None, step: int) -> None:
    """Add `step` to `field` of the grid and of each of its ancestors."""
    if grid_code and step:
        codes = [code_at_level(grid_code, level) for level in range(Area.Level.GRID + 1)]
        Area.objects.filter(code__in=codes).update(**{field: F(field) + step})


def grid_code(building_id: int | None) -> str | None:
    return Building.objects.filter(pk=building_id).values_list("grid__code", flat=True).first()


def area_code(area_id: int | None) -> str | None:
    return Area.objects.filter(pk=area_id).values_list("code", flat=True).first()


UNKNOWN = object()


def place(sender) -> str:
    return "building_id" if sender is Household else "grid_id"


def remember(sender, instance, **kwargs) -> None:
    """Where a row was when it was read, to know what a save moves it from; read from the
    instance's dict, since loading a deferred field here would cost a query per row."""
    instance._counted_in = instance.__dict__.get(place(sender), UNKNOWN)


def recall(sender, instance, raw: bool = False, **kwargs) -> None:
    """A row read without its place (a deferred field) is looked up before it is saved."""
    if instance._counted_in is UNKNOWN and instance.pk is not None and not raw:
        field = place(sender)
        instance._counted_in = (
            sender.objects.filter(pk=instance.pk).values_list(field, flat=True).first()
        )


def building_saved(sender, instance: Building, created: bool, raw: bool = False, **kwargs) -> None:
    before = None if created else instance._counted_in
    if raw or before == instance.grid_id:
        return
    households = 0 if created else instance.households.count()
    for code, step in ((area_code(before), -1), (area_code(instance.grid_id), 1)):
        add("building_count", code, step)
        add("household_count", code, step * households)
    instance._counted_in = instance.grid_id


def household_saved(sender, instance: Household, created: bool, raw: bool = False, **kwargs):
    before = None if created else instance._counted_in
    if raw or before == instance.building_id:
        return
    old, new = grid_code(before), grid_code(instance.building_id)
    if old != new:
        add("household_count", old, -1)
        add("household_count", new, 1)
    instance._counted_in = instance.building_id


def building_deleted(sender, instance: Building, **kwargs) -> None:
    # Its households were deleted first, each counted down as it went.
    add("building_count", area_code(instance.grid_id), -1)


def household_deleted(sender, instance: Household, **kwargs) -> None:
    add("household_count", grid_code(instance.building_id), -1)


def connect() -> None:
    for model in (Building, Household):
        post_init.connect(remember, sender=model, dispatch_uid=f"counts-init-{model.__name__}")
        pre_save.connect(recall, sender=model, dispatch_uid=f"counts-recall-{model.__name__}")
    post_save.connect(building_saved, sender=Building, dispatch_uid="counts-building-saved")
    post_save.connect(household_saved, sender=Household, dispatch_uid="counts-household-saved")
    post_delete.connect(building_deleted, sender=Building, dispatch_uid="counts-building-deleted")
    post_delete.connect(household_deleted, sender=Household, dispatch_uid="counts-household-del")


# Sent after `recount` with the codes of the areas under which rows were written in bulk, past
# the per-row signals (`codes` None: anywhere, so what shows the registry renews everything).
recounted = Signal()


def under(codes: Collection[str]) -> Q:
    """The areas with one of `codes` or under one of them: grids' codes compared whole (an
    import names thousands), the few others as prefixes."""
    grid_length = code_length(Area.Level.GRID)
    found = Q(code__in=[code for code in codes if len(code) == grid_length])
    for code in codes:
        if len(code) < grid_length:
            found |= Q(code__startswith=code)
    return found


def recount(apps: Apps = global_apps, codes: Collection[str] | None = None) -> None:
    """Count the buildings and households of every grid under `codes` (every grid for None),
    then sum them up the tree level by level to those grids' ancestors: a few grouped queries
    whatever the city's size. `apps` lets a migration run it on its historical models."""
    area, building, household = (
        apps.get_model("grid", name) for name in ("Area", "Building", "Household")
    )
    grids = area.objects.filter(level=Area.Level.GRID)
    buildings, households = building.objects.all(), household.objects.all()
    if codes is not None:
        if not codes:
            return
        grids = grids.filter(under(codes))
        buildings = buildings.filter(grid__in=grids)
        households = households.filter(building__grid__in=grids)
    grids = list(grids.only("pk"))
    per_grid = {
        "building_count": dict(
            buildings.order_by().values("grid").annotate(n=Count("pk")).values_list("grid", "n")
        ),
        "household_count": dict(
            households.order_by()
            .values("building__grid")
            .annotate(n=Count("pk"))
            .values_list("building__grid", "n")
        ),
    }
    for grid in grids:
        for field, counted in per_grid.items():
            setattr(grid, field, counted.get(grid.pk, 0))
    area.objects.bulk_update(grids, list(per_grid), batch_size=2000)
    for level in (Area.Level.COMMUNITY, Area.Level.STREET, Area.Level.DISTRICT):
        above = area.objects.filter(level=level)
        if codes is not None:
            length = code_length(level)
            above = above.filter(code__in={code[:length] for code in codes if len(code) >= length})
        children = area.objects.filter(parent=OuterRef("pk")).order_by().values("parent")
        above.update(
            **{
                field: Coalesce(Subquery(children.annotate(n=Sum(field)).values("n")), 0)
                for field in per_grid
            }
        )
    if apps is global_apps:
        recounted.send(sender=Area, codes=None if codes is None else set(codes))
