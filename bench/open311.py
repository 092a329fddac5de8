"""Open311 GeoReport v2: filing a request located by lat/long among 2,000 grids, and listing
1,000 requests."""

import time

from django.core.cache import cache
from django.http import QueryDict
from django.test import Client
from django.test.utils import override_settings

from demo.registry import rectangle
from forms.models import FormDefinition, FormDefinitionField
from grid.models import Area, Role
from open311 import protocol as open311
from workflows.models import ProcessDefinition, Stage

from .forms import timed

STREETS, COMMUNITIES, GRIDS = 4, 10, 50  # per district, per street, per community: 2,000 grids
REQUESTS = 1000
SIZE = 0.002  # degrees per grid side


def build_areas() -> list[Area]:
    district = Area.objects.create(code="340705", name="铜官区")
    grids = []
    for s in range(1, STREETS + 1):
        street = Area.objects.create(code=f"340705{s:03d}", name=f"街道{s}", parent=district)
        for c in range(1, COMMUNITIES + 1):
            community = Area.objects.create(
                code=f"{street.code}{c:03d}", name=f"社区{s}-{c}", parent=street
            )
            row = (s - 1) * COMMUNITIES + c - 1
            cells = [
                Area(
                    code=f"{community.code}{g:03d}",
                    name=f"第{g}网格",
                    parent=community,
                    level=Area.Level.GRID,
                    kind=Area.Kind.RESIDENTIAL,
                    boundary=rectangle(
                        117.7 + g * SIZE, 30.9 + row * SIZE, 117.7 + (g + 1) * SIZE,
                        30.9 + (row + 1) * SIZE,
                    ),
                )
                for g in range(1, GRIDS + 1)
            ]  # fmt: skip
            for cell in cells:
                cell.set_box()  # as save() does; bulk_create does not call it
            grids += Area.objects.bulk_create(cells)
    return grids


def build_service() -> ProcessDefinition:
    form = FormDefinition(title="社区监督举报", slug="supervision-report")
    form.fields = [
        FormDefinitionField(sort_order=0, label="问题类型", field_type="dropdown",
                            choices="环境卫生\n设施损坏", required=True),
        FormDefinitionField(sort_order=1, label="问题所在网格", field_type="area", area_level=3,
                            required=True),
        FormDefinitionField(sort_order=2, label="问题描述", field_type="multiline", required=True),
    ]  # fmt: skip
    form.save()
    form.save_revision().publish()
    role = Role.objects.create(key="community_worker", name="社区专职工作者")
    service = ProcessDefinition(
        name="社区监督举报",
        key="supervision-report",
        intake_form=form,
        area_source=ProcessDefinition.AreaSource.CHOSEN,
        area_level=Area.Level.GRID,
        public_service=True,
    )
    service.stages = [Stage(key="accept", name="社区受理", role=role, role_level=2, deadline=5)]
    service.save()
    service.save_revision().publish()
    return service


def params(grid_number: int, kind_code: str) -> dict:
    """A request inside the given grid (counted across the whole lattice)."""
    row, column = divmod(grid_number, GRIDS)
    return {
        "service_code": "supervision-report",
        "lat": f"{30.9 + (row + 0.5) * SIZE:.6f}",
        "long": f"{117.7 + (column + 1.5) * SIZE:.6f}",
        "description": f"第 {grid_number} 号问题",
        f"attribute[{kind_code}]": "环境卫生",
    }


def run() -> dict:
    started = time.perf_counter()
    grids = build_areas()
    service = build_service()
    kind = service.intake_form.fields.get(label="问题类型").clean_name
    for n in range(REQUESTS):
        query = QueryDict(mutable=True)
        query.update(params(n * 2 % len(grids), kind))
        open311.create_request(query, lambda code: f"/track/{code}/")
    built = time.perf_counter() - started
    client = Client()

    def file_last_grid():
        cache.clear()  # the rate limits would stop a benchmark, not a report app
        return client.post("/open311/v2/requests.json", params(len(grids) - 1, kind))

    def listing():
        cache.clear()
        return client.get("/open311/v2/requests.json")

    with override_settings(FORMS_RATE_LIMIT_COUNT=0):
        return {
            "grids": len(grids),
            "requests": REQUESTS,
            "build_seconds": round(built, 1),
            "post_request_last_grid": timed(file_last_grid),
            "get_requests_1000": timed(listing),
            "get_one_request_by_number": timed(
                lambda: client.get(
                    f"/open311/v2/requests/{service.versions.get().processes.first().pk}.json"
                )
            ),
        }
