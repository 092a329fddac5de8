"""Checklists, the people who walk grids and those who oversee their rounds, and visits that
need following up."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from daily import services
from daily.models import Checklist, ChecklistItem, Visit
from grid.models import Area, Household, Unit

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


def follow_up(
    worker,
    subject: Household | Unit,
    *,
    days_ago: int = 0,
    mood: str = Visit.Mood.CONCERNED,
    text: str = "腿脚不便，想申请上门医疗服务。",
) -> Visit:
    """A visit by `worker` to `subject`, `days_ago` days ago, that needs following up."""
    field = "household" if isinstance(subject, Household) else "unit"
    visit = Visit(
        **{field: subject},
        visited_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        met="户主本人",
        category=Visit.Category.HEALTH,
        text=text,
        mood=mood,
        follow_up=True,
    )
    return services.record_visit(worker, visit)
