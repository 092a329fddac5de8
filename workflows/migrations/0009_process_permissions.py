"""After the renames: the permissions the groups hold follow their models, and a process
event's answers are its `submission` (a reviewer's form or the applicant's revision)."""

import django.db.models.deletion
from django.db import migrations, models

RENAMED = {
    "workflowdefinition": "processdefinition",
    "workflowversion": "processversion",
    "workflowprocess": "processinstance",
}


def rename_permissions(apps, names: dict[str, str]) -> None:
    """Django renames the content types but not their permissions' codenames; without this
    every role would lose its rights on processes. Their names come from the verbose names,
    which stay."""
    permission_model = apps.get_model("auth", "Permission")
    for old, new in names.items():
        for permission in permission_model.objects.filter(
            content_type__app_label="workflows", codename__endswith=f"_{old}"
        ):
            permission.codename = f"{permission.codename.removesuffix(f'_{old}')}_{new}"
            permission.save(update_fields=["codename"])


def forwards(apps, schema_editor):
    rename_permissions(apps, RENAMED)


def backwards(apps, schema_editor):
    rename_permissions(apps, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("workflows", "0008_processinstance"),
    ]

    operations = [
        migrations.RenameField("processevent", "answers", "submission"),
        migrations.AlterField(
            model_name="processevent",
            name="submission",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="forms.submission",
                verbose_name="answers sent",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
