"""Each area's boundary box, stored beside the boundary (what locating a point filters on),
filled in for the areas there are."""

from django.db import migrations, models

from grid.geometry import boundary_box

BOX_FIELDS = ["bbox_west", "bbox_south", "bbox_east", "bbox_north"]


def fill_boxes(apps, schema_editor) -> None:
    Area = apps.get_model("grid", "Area")
    boxed = []
    for area in Area.objects.filter(boundary__isnull=False).only("pk", "boundary").iterator():
        box = boundary_box(area.boundary)
        if box is not None:
            area.bbox_west, area.bbox_south, area.bbox_east, area.bbox_north = box
            boxed.append(area)
    Area.objects.bulk_update(boxed, BOX_FIELDS, batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('grid', '0004_personal_data_permission'),
    ]

    operations = [
        migrations.AddField(
            model_name='area',
            name='bbox_east',
            field=models.FloatField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='area',
            name='bbox_north',
            field=models.FloatField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='area',
            name='bbox_south',
            field=models.FloatField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='area',
            name='bbox_west',
            field=models.FloatField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='area',
            index=models.Index(fields=['bbox_south', 'bbox_north'], name='area_bbox_latitudes'),
        ),
        migrations.AddIndex(
            model_name='area',
            index=models.Index(fields=['bbox_west', 'bbox_east'], name='area_bbox_longitudes'),
        ),
        migrations.RunPython(fill_boxes, migrations.RunPython.noop),
    ]
