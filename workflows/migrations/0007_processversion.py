from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("workflows", "0006_process_names")]

    operations = [migrations.RenameModel("WorkflowVersion", "ProcessVersion")]
