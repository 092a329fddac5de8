"""The registry's spreadsheets, one django-import-export resource per register: the engine
that reads and checks cells (engine), the one-row-per-record registers (simple) and the
two-level household register (households), and party organisations and members (party)."""

from django.db import models

from .engine import RegistryResource
from .households import HouseholdResource
from .party import PartyMemberResource, PartyOrganisationResource
from .simple import (
    AreaResource,
    AssignmentResource,
    BuildingResource,
    DepartmentResource,
    FacilityResource,
    UnitResource,
)

__all__ = [
    "RESOURCES",
    "AreaResource",
    "AssignmentResource",
    "BuildingResource",
    "DepartmentResource",
    "FacilityResource",
    "HouseholdResource",
    "PartyMemberResource",
    "PartyOrganisationResource",
    "RegistryResource",
    "UnitResource",
    "get_resource",
    "resource_for_model",
]

RESOURCES: dict[str, type[RegistryResource]] = {
    resource.slug: resource
    for resource in (
        AreaResource,
        BuildingResource,
        HouseholdResource,
        UnitResource,
        FacilityResource,
        DepartmentResource,
        AssignmentResource,
        PartyOrganisationResource,
        PartyMemberResource,
    )
}


def get_resource(name: str) -> RegistryResource:
    return RESOURCES[name]()


def resource_for_model(model: type[models.Model]) -> RegistryResource | None:
    for resource in RESOURCES.values():
        if resource._meta.model is model:
            return resource()
    return None
