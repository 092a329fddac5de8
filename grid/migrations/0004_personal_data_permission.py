from django.db import migrations


def grant_to_household_editors(apps, schema_editor):
    """Before this permission, whoever could change households saw their members' personal data
    in full: their groups keep seeing it, every other group sees it masked."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    resident_type, _created = ContentType.objects.get_or_create(app_label="grid", model="resident")
    permission, _created = Permission.objects.get_or_create(
        content_type=resident_type,
        codename="view_personal_data",
        defaults={"name": "Can see personal data in full"},
    )
    editors = Group.objects.filter(
        permissions__content_type__app_label="grid", permissions__codename="change_household"
    )
    for group in editors:
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("grid", "0003_volunteer"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="resident",
            options={
                "ordering": ["household", "pk"],
                "permissions": [("view_personal_data", "Can see personal data in full")],
                "verbose_name": "resident",
                "verbose_name_plural": "residents",
            },
        ),
        migrations.RunPython(grant_to_household_editors, migrations.RunPython.noop),
    ]
