"""Serializers of the public registry API: areas and the public contacts responsible for them.
Residents' personal data has no serializer here at all, so no response can carry it."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import public
from .models import Area, Assignment


class WorkerSerializer(serializers.Serializer):
    """A person responsible for an area, as the public sees them."""

    name = serializers.CharField()
    role = serializers.CharField()
    work_phone = serializers.CharField(help_text="A work number; never a private one.")
    photo = serializers.CharField(help_text="URL of the worker's photo, or empty.")

    def to_representation(self, instance: Assignment) -> dict:
        return public.worker_card(instance)


class AreaSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["code", "name", "level", "kind"]


class AreaSerializer(serializers.ModelSerializer):
    parent = serializers.SerializerMethodField(help_text="The parent area's code.")
    household_count = serializers.IntegerField(
        read_only=True, help_text="Households in the area and every area below it."
    )
    building_count = serializers.IntegerField(read_only=True)
    boundary = serializers.SerializerMethodField(
        help_text="A GeoJSON Polygon or MultiPolygon (longitude, latitude), or null."
    )
    workers = WorkerSerializer(many=True, read_only=True, source="public_workers")
    url = serializers.HyperlinkedIdentityField(
        view_name="grid-api:area-detail", lookup_field="code"
    )

    class Meta:
        model = Area
        fields = [
            "code",
            "name",
            "level",
            "kind",
            "parent",
            "household_count",
            "building_count",
            "boundary",
            "workers",
            "url",
        ]

    def get_parent(self, area: Area) -> str | None:
        return public.parent_code(area)

    # Null for an area not yet drawn.
    @extend_schema_field({"type": "object", "additionalProperties": {}, "nullable": True})
    def get_boundary(self, area: Area) -> dict | None:
        return area.boundary


def area_feature(area: Area, workers: list[Assignment]) -> dict:
    """An area as a GeoJSON feature for the map: name, code, kind, counts and contacts."""
    return {
        "type": "Feature",
        "geometry": area.boundary,
        "properties": {
            "code": area.code,
            "name": area.name,
            "level": area.level,
            "kind": area.kind,
            "kind_label": area.get_kind_display() if area.kind else "",
            "household_count": area.household_count,
            "building_count": area.building_count,
            "workers": [public.worker_card(w) for w in workers],
        },
    }


class FeatureCollectionSerializer(serializers.Serializer):
    """Schema of the GeoJSON answer (a FeatureCollection of areas)."""

    type = serializers.CharField()
    features = serializers.ListField(child=serializers.DictField())
