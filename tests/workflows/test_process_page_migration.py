"""Migrations of stored data: the link from a form page to its process moved from forms to
workflows (a database of before, with a form page with `workflow` set and its revisions, comes
out with a process page on the same page and process, its revisions publishable; and back), and
the engine's models renamed to say "process" without a group losing a permission."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from wagtail.models import Page

from forms.models import FormPage
from workflows.models import ProcessPage

from ..pages.factories import add, tree_root
from .factories import three_stages

BEFORE = [("forms", "0005_sealed_identity"), ("workflows", "0004_version_definition_name")]


def latest() -> list[tuple[str, str]]:
    """Every app's newest migrations, whichever they are: the tests leave the database there,
    as the suite's other tests expect it (going back, the apps that depend on these lost
    their tables too)."""
    return MigrationLoader(connection).graph.leaf_nodes()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    ContentType.objects.clear_cache()  # the migrations renamed content types
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_form_pages_that_start_a_process_become_process_pages_and_back():
    process = three_stages(name="环境问题处理")
    plain_form = three_stages().intake_form
    root = add(tree_root(), Page, title="站点", slug="site")
    starting = add(root, ProcessPage, title="环境问题反映", slug="report", process=process)
    starting.title = "环境问题反映（新）"
    starting.save_revision()  # a draft, to be published after the migration
    plain = add(root, FormPage, title="意见箱", slug="box", definition=plain_form)

    old = migrate(BEFORE)
    OldFormPage = old.get_model("forms", "FormPage")
    with pytest.raises(LookupError):
        old.get_model("workflows", "ProcessPage")
    assert dict(OldFormPage.objects.values_list("slug", "workflow_id")) == {
        "report": process.pk,
        "box": None,
    }
    OldPage = old.get_model("wagtailcore", "Page")
    assert OldPage.objects.get(pk=starting.pk).content_type.model == "formpage"

    migrate(latest())
    page = ProcessPage.objects.get(pk=starting.pk)
    assert page.process == process and page.definition == process.intake_form
    assert not ProcessPage.objects.filter(pk=plain.pk).exists()
    assert type(FormPage.objects.get(pk=plain.pk).specific) is FormPage
    draft = page.get_latest_revision()
    draft.publish()
    page = ProcessPage.objects.get(pk=starting.pk)
    assert page.title == "环境问题反映（新）" and page.process == process


@pytest.mark.django_db(transaction=True)
def test_groups_keep_their_permissions_on_processes_when_the_models_are_renamed():
    old = migrate([("workflows", "0005_process_page")])
    OldGroup = old.get_model("auth", "Group")
    OldPermission = old.get_model("auth", "Permission")
    held = OldPermission.objects.filter(
        content_type__app_label="workflows",
        codename__in=["view_workflowprocess", "change_workflowdefinition", "view_workflowversion"],
    )
    assert held.count() == 3
    OldGroup.objects.create(name="网格员").permissions.set(held)

    migrate(latest())
    group = Group.objects.get(name="网格员")
    assert sorted(group.permissions.values_list("codename", flat=True)) == [
        "change_processdefinition",
        "view_processinstance",
        "view_processversion",
    ]
    assert not group.permissions.filter(codename__contains="workflow").exists()
