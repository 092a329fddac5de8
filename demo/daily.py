"""The demo's inspection checklists, one per kind of grid, as a district would set them (their
problems reported as grid incidents), and yesterday's round of the grid worker's grid, which
found a blocked fire exit, and the grid worker's last visits to households of the grid."""

import datetime
import io
from collections import Counter

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from daily import services
from daily.models import Checklist, ChecklistItem, FindingPhoto, Inspection, Visit
from grid.models import Area, Building, Household
from workflows.models import ProcessDefinition

from .registry import load

ROUND_GRID = "340705001001001"
ROUND_BY = "grid_worker"


def build() -> Counter:
    created: Counter = Counter()
    with transaction.atomic():
        for spec in load("checklists.json"):
            if Checklist.objects.filter(grid_kind=spec["grid_kind"]).exists():
                continue
            checklist = Checklist(
                grid_kind=spec["grid_kind"],
                name=spec["name"],
                report_process=ProcessDefinition.objects.filter(key=spec["report_process"]).first(),
            )
            checklist.items = [
                ChecklistItem(label=label, guidance=guidance, sort_order=order)
                for order, (label, guidance) in enumerate(spec["items"])
            ]
            checklist.save()
            created["inspection checklists"] += 1
        if not Inspection.objects.exists():
            created["inspections"] += yesterdays_round()
        if not Visit.objects.exists():
            created["visits"] += visits()
    return created


def yesterdays_round() -> int:
    grid = Area.objects.filter(code=ROUND_GRID).first()
    worker = get_user_model().objects.filter(username=ROUND_BY).first()
    if grid is None or worker is None:
        return 0
    inspection = services.start_inspection(worker, grid)
    findings = list(inspection.findings.all())
    blocked = findings[2]
    services.record(
        inspection,
        worker,
        {
            blocked.pk: services.Answer(True, "3栋二单元楼道堆放纸箱和旧家具，堵塞消防通道。"),
        },
        "其余正常。",
        finish=True,
    )
    FindingPhoto.objects.create(finding=blocked, image=ContentFile(picture(), "3栋楼道.jpg"))
    yesterday = timezone.now() - datetime.timedelta(days=1)
    Inspection.objects.filter(pk=inspection.pk).update(
        started_at=yesterday, finished_at=yesterday + datetime.timedelta(minutes=40)
    )
    return 1


# The grid worker's last visits: (days ago, door, who was met, what was raised, what they said,
# urgency, needs following up).
VISITS = [
    (12, "1-101", "户主本人", "nothing", "", "calm", False),
    (
        5,
        "1-201",
        "户主本人",
        "health",
        "腿脚不便，希望有人定期上门测血压。",
        "concerned",
        True,
    ),
    (2, "1-302", "户主的女儿", "dispute", "楼上装修噪音持续到晚上十点后。", "concerned", False),
]


def visits() -> int:
    worker = get_user_model().objects.filter(username=ROUND_BY).first()
    grid = Area.objects.filter(code=ROUND_GRID).first()
    if worker is None or grid is None:
        return 0
    building = Building.objects.filter(grid=grid).order_by("pk").first()
    doors = {h.door_number: h for h in Household.objects.filter(building=building)}
    made = 0
    for days, door, met, category, text, mood, follow_up in VISITS:
        if door not in doors:
            continue
        visit = Visit(
            household=doors[door],
            visited_on=timezone.localdate() - datetime.timedelta(days=days),
            met=met,
            category=category,
            text=text,
            mood=mood,
            follow_up=follow_up,
        )
        services.record_visit(worker, visit)
        made += 1
    return made


def picture() -> bytes:
    """A drawn stand-in for the worker's photo: a stairwell with boxes in it."""
    image = Image.new("RGB", (320, 240), (214, 210, 196))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 170, 320, 240), fill=(150, 140, 120))
    for left in (40, 110, 170):
        draw.rectangle((left, 110, left + 60, 180), fill=(176, 130, 80), outline=(90, 60, 30))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()
