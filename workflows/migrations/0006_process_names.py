"""One word for one idea: the engine's models say "process", as the screens do (Wagtail's own
`Workflow` is page moderation). One rename per migration: unapplying several renames of
related models in one migration fails in Django's state rendering."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("forms", "0006_remove_formpage_workflow"),
        ("workflows", "0005_process_page"),
    ]

    operations = [migrations.RenameModel("WorkflowDefinition", "ProcessDefinition")]
