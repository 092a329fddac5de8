"""Each area keeps its count of buildings and households (grid.counts), counted once here."""

from django.db import migrations, models

from grid import counts


def count(apps, schema_editor):
    counts.recount(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('grid', '0006_trigram_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='area',
            name='building_count',
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name='buildings'),
        ),
        migrations.AddField(
            model_name='area',
            name='household_count',
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name='households'),
        ),
        migrations.RunPython(count, migrations.RunPython.noop),
    ]
