"""Uploaded registry files waiting to be imported were kept under MEDIA_ROOT, which is served
publicly at /media/: they move to private storage."""

from django.core.files.storage import default_storage
from django.db import migrations, models

import grid.storage


def move_to_private(apps, schema_editor):
    job_model = apps.get_model("grid", "ImportJob")
    private = grid.storage.private_storage()
    for job in job_model.objects.exclude(file=""):
        name = job.file.name
        if not default_storage.exists(name):
            continue
        with default_storage.open(name, "rb") as public:
            job.file.name = private.save(name, public)
        job.save(update_fields=["file"])
        default_storage.delete(name)


class Migration(migrations.Migration):
    dependencies = [("grid", "0007_area_counts")]

    operations = [
        migrations.AlterField(
            model_name="importjob",
            name="file",
            field=models.FileField(
                blank=True,
                storage=grid.storage.private_storage,
                upload_to="registry-imports/%Y/%m/",
                verbose_name="file",
            ),
        ),
        migrations.RunPython(move_to_private, migrations.RunPython.noop),
    ]
