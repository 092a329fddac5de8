"""The grid registry: the area tree, the registers hanging off it, and who holds which role."""

from .areas import BOX_FIELDS, Area, AreaQuerySet, grid_field
from .audit import PersonalDataLogEntry
from .jobs import ExportJob, ExportRecord, ImportJob
from .organisation import Assignment, Department, Role
from .party import PartyMember, PartyOrganisation
from .registers import (
    PERSONAL_DATA_CODENAME,
    PERSONAL_DATA_PERMISSION,
    Building,
    Facility,
    Household,
    Resident,
    Tag,
    Unit,
)
from .volunteers import Volunteer

__all__ = [
    "BOX_FIELDS",
    "PERSONAL_DATA_CODENAME",
    "PERSONAL_DATA_PERMISSION",
    "Area",
    "AreaQuerySet",
    "Assignment",
    "Building",
    "Department",
    "ExportJob",
    "ExportRecord",
    "Facility",
    "Household",
    "ImportJob",
    "PartyMember",
    "PartyOrganisation",
    "PersonalDataLogEntry",
    "Resident",
    "Role",
    "Tag",
    "Unit",
    "Volunteer",
    "grid_field",
]
