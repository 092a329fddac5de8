from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("workflows", "0007_processversion")]

    operations = [migrations.RenameModel("WorkflowProcess", "ProcessInstance")]
