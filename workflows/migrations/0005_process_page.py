"""The link from a form page to the process it starts moves to this app: each form page that
started a process becomes a process page (same page, same process, its revisions too), and the
form page's own field goes (forms 0006, which runs after this)."""

import django.db.models.deletion
from django.db import migrations, models


def retype(apps, page_ids, model: str, change) -> None:
    """Give the pages, and their revisions, the content type of `model` ("formpage" of forms
    or "processpage" of this app); `change` edits each revision's content."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Revision = apps.get_model("wagtailcore", "Revision")
    app_label = "workflows" if model == "processpage" else "forms"
    content_type, _created = ContentType.objects.get_or_create(app_label=app_label, model=model)
    Page.objects.filter(pk__in=page_ids).update(content_type=content_type)
    base = ContentType.objects.get(app_label="wagtailcore", model="page")
    revisions = Revision.objects.filter(
        base_content_type=base, object_id__in=[str(pk) for pk in page_ids]
    )
    for revision in revisions:
        content = dict(revision.content)
        change(content, int(revision.object_id))
        content["content_type"] = content_type.pk
        revision.content, revision.content_type = content, content_type
        revision.save(update_fields=["content", "content_type"])


def to_process_pages(apps, schema_editor) -> None:
    FormPage = apps.get_model("forms", "FormPage")
    ProcessPage = apps.get_model("workflows", "ProcessPage")
    starting = dict(
        FormPage.objects.filter(workflow__isnull=False).values_list("pk", "workflow_id")
    )
    for pk, process_id in starting.items():
        # raw: the form page's own rows stay as they are; only this app's row is added.
        ProcessPage(formpage_ptr_id=pk, process_id=process_id).save_base(raw=True)

    def change(content: dict, pk: int) -> None:
        content.pop("workflow", None)
        content["process"], content["formpage_ptr"] = starting[pk], pk

    retype(apps, list(starting), "processpage", change)


def to_form_pages(apps, schema_editor) -> None:
    FormPage = apps.get_model("forms", "FormPage")
    ProcessPage = apps.get_model("workflows", "ProcessPage")
    starting = dict(ProcessPage.objects.values_list("pk", "process_id"))
    for pk, process_id in starting.items():
        FormPage.objects.filter(pk=pk).update(workflow_id=process_id)
    # Not .delete(): that would delete the form pages too.
    schema_editor.execute(f"DELETE FROM {schema_editor.quote_name(ProcessPage._meta.db_table)}")

    def change(content: dict, pk: int) -> None:
        content.pop("formpage_ptr", None)
        content["workflow"] = content.pop("process", starting[pk])

    retype(apps, list(starting), "formpage", change)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("forms", "0005_sealed_identity"),
        ("workflows", "0004_version_definition_name"),
    ]
    run_before = [("forms", "0006_remove_formpage_workflow")]

    operations = [
        migrations.CreateModel(
            name="ProcessPage",
            fields=[
                (
                    "formpage_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to="forms.formpage",
                    ),
                ),
                (
                    "process",
                    models.ForeignKey(
                        help_text="Each submission from this page starts this process.",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="pages",
                        to="workflows.workflowdefinition",
                        verbose_name="process",
                    ),
                ),
            ],
            options={"verbose_name": "process page"},
            bases=("forms.formpage",),
        ),
        migrations.RunPython(to_process_pages, to_form_pages),
    ]
