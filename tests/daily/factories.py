"""Checklists, the people who walk grids and those who oversee their rounds."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from daily.models import Checklist, ChecklistItem
from grid.models import Area

from ..factories import worker_on

WALKS = ("daily.add_inspection", "daily.view_inspection")
OVERSEES = ("daily.view_inspection",)


def checklist(kind: str = Area.Kind.RESIDENTIAL, *labels: str) -> Checklist:
    made = Checklist(grid_kind=kind, name=f"{kind} 巡查")
    made.items = [
        ChecklistItem(label=label, guidance=f"看{label}", sort_order=order)
        for order, label in enumerate(labels or ("环境卫生", "安全隐患", "消防通道"))
    ]
    made.save()
    return made


def walker(area: Area, **user_fields):
    """A grid or community worker: makes rounds of the grids of `area`."""
    return worker_on(area, WALKS, **user_fields)


def overseer(area: Area, **user_fields):
    """A community director: sees the rounds of the grids of `area`, makes none."""
    return worker_on(area, OVERSEES, **user_fields)


def photo(name: str = "problem.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


VISITS = ("daily.add_visit", "daily.view_visit", "grid.view_household", "grid.view_unit")


def visitor(area: Area, *, personal_data: bool = True, **user_fields):
    """A grid worker who visits the households and units of `area` and reads their diary (and
    sees their members' names in full, unless told otherwise)."""
    perms = WALKS + VISITS + (("grid.view_personal_data",) if personal_data else ())
    return worker_on(area, perms, **user_fields)
