"""Process definitions in the Wagtail admin (a snippet with drafts and published versions),
the processes list, the link to the task inbox and the dashboard panel."""

import re
from functools import partial

from django.contrib import messages
from django.contrib.admin import display
from django.db.models import Count, F
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import LiveStatusTagColumn, UpdatedAtColumn
from wagtail.admin.widgets import Button, HeaderButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, IndexView, InspectView, SnippetViewSet
from wagtail_modeladmin.options import modeladmin_register

from forms.admin_views import CreateWithoutAutosave
from grid.admin_views import ScopedModelAdmin
from grid.keys import AdvancedPanel, KeyFromName
from grid.wagtail_hooks import ReadOnlyPermissionHelper

from . import definition_admin, effects, field_choosers, periodic, selectors, services
from .field_choosers import KeptChoiceField, definition_labels, label_field
from .models import Effect, ProcessDefinition, ProcessInstance, Stage


def stage_choices(definition: ProcessDefinition) -> list[tuple[str, str]]:
    """The stages saved before, by key, for the fields that name another stage."""
    stages = definition.stages.order_by("sort_order") if definition.pk else []
    return [(stage.key, _("stage “%(name)s”") % {"name": stage.name}) for stage in stages]


SAVED_FIRST = _("A stage added in this edit can be chosen once the process is saved.")


def stage_key_fields(stages: list[tuple[str, str]]) -> dict[str, KeptChoiceField]:
    """Returns, approvals and separation name another stage (one of `stages`, those saved),
    chosen from a list and never typed by hand."""
    return {
        "return_to": KeptChoiceField(
            label=_("returns go to"),
            choices=[(selectors.APPLICANT, _("the applicant")), *stages],
            required=False,
            help_text=_("The applicant, or a stage before this one.") + " " + SAVED_FIRST,
        ),
        "approve_to": KeptChoiceField(
            label=_("approval goes to"),
            choices=[
                ("", _("the next stage that applies")),
                *stages,
                (selectors.END, _("the end")),
            ],
            required=False,
            help_text=_("A later stage, or the end: the stages between are skipped.")
            + " "
            + SAVED_FIRST,
        ),
        "distinct_from": KeptChoiceField(
            label=_("not by whoever decided"),
            choices=[("", _("no separation")), *stages],
            required=False,
            help_text=_(
                "Separation of duties: whoever decided this earlier stage may not act on this one."
            ),
        ),
    }


class StageKey(KeyFromName):
    """A stage's key, when left empty, is made from its name, unique among the stages sent
    together (`taken_keys`, shared by the stage forms of one definition form). Each stage
    offers only the stages it may name: returns and separation go to earlier stages, approvals
    to later ones; a new stage comes after every saved one."""

    key_fallback = "stage"
    taken_keys: set[str]
    saved_keys: list[str]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        saved = self.saved_keys
        key = self.instance.key if self.instance.pk else None
        position = saved.index(key) if key in saved else len(saved)
        allowed = {
            "return_to": {selectors.APPLICANT, *saved[:position]},
            "distinct_from": {"", *saved[:position]},
            "approve_to": {"", selectors.END, *saved[position + 1 :]},
        }
        for name, keys in allowed.items():
            if name in self.fields:
                field = self.fields[name]
                field.choices = [(value, text) for value, text in field.choices if value in keys]

    def key_taken(self, key: str) -> bool:
        return key in self.taken_keys

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("key"):
            self.taken_keys.add(cleaned["key"])
        return cleaned


class DefinitionForm(KeyFromName, WagtailAdminModelForm):
    """A definition is checked as a whole (stages, effects, forms) before it can be saved, so
    that what gets published can run. Its key and its stages' are made from their names when
    left empty."""

    key_fallback = "process"

    class Media:
        js = ["forms/js/answer_boxes.js", "workflows/js/designer.js"]
        css = {
            "all": [
                "forms/css/field_editor.css",
                "workflows/workflow.css",
                "workflows/css/designer.css",
            ]
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = definition_labels(self.instance)
        saved = stage_choices(self.instance)
        if "area_field" in self.fields:
            self.fields["area_field"] = label_field(
                ProcessDefinition._meta.get_field("area_field"), labels
            )
        stages = self.formsets.get("stages")
        if stages is not None:
            # The stage lists are built per definition, so each stage form (and the empty one
            # new stages are copied from) is made from a class that has them.
            given = re.compile(rf"{re.escape(stages.prefix)}-\d+-key")
            taken = {value for name, value in self.data.items() if given.fullmatch(name) and value}
            choosers = {
                name: label_field(Stage._meta.get_field(name), labels, with_reviewers)
                for name, with_reviewers in (("department_field", False), ("condition_field", True))
            }
            stages.form = type(
                "StageForm",
                (StageKey, stages.form),
                {
                    **stage_key_fields(saved),
                    **choosers,
                    "taken_keys": taken,
                    "saved_keys": [key for key, _name in saved],
                },
            )
            stages.__dict__.pop("forms", None)
        effects = self.formsets.get("effects")
        if effects is not None:
            fields = {
                "condition_field": label_field(
                    Effect._meta.get_field("condition_field"), labels, with_reviewers=True
                ),
                "field_map": field_choosers.field_map_field(labels),
            }
            effects.form = type("EffectForm", (effects.form,), fields)
            effects.__dict__.pop("forms", None)
        signers = self.formsets.get("countersigners")
        if signers is not None:
            field = KeptChoiceField(
                label=_("stage"),
                choices=saved,
                help_text=_("The countersigned stage.") + " " + SAVED_FIRST,
            )
            signers.form = type("CountersignerForm", (signers.form,), {"stage": field})
            signers.__dict__.pop("forms", None)
        if "reopen_stage" in self.fields:
            self.fields["reopen_stage"] = KeptChoiceField(
                label=_("“not resolved” reopens at"),
                choices=[("", _("never reopens")), *saved],
                required=False,
                help_text=SAVED_FIRST,
            )

    def fields_valid(self) -> bool:
        """The fields and inline forms as typed, without the definition's own checks."""
        return super().is_valid()

    def is_valid(self) -> bool:
        """Each problem is shown on the stage or effect it concerns, the rest above the
        form, as definition files place them by line."""
        if not self.fields_valid():
            return False
        definition = self.save(commit=False)
        placed = set()
        labels = services.intake_labels(definition.intake_form)
        stages = list(definition.stages.all())
        for index, stage in enumerate(stages):
            for name, problem in services.stage_problems_by_field(
                definition, stages, index, labels
            ):
                if self.place_error("stages", stage, name, problem):
                    placed.add(problem)
        for effect in definition.effects.all():
            for problem in effects.problems(effect, labels):
                if self.place_error("effects", effect, None, problem):
                    placed.add(problem)
        for problem in services.definition_problems(definition):
            if problem not in placed:
                self.add_error(None, problem)
        children = [form for formset in self.formsets.values() for form in formset.forms]
        return not self.errors and not any(form.errors for form in children)

    def place_error(self, formset: str, item, field: str | None, problem: str) -> bool:
        """Show `problem` on the form of `item` in `formset` (on `field` when it has it);
        False when no form shows that item."""
        forms = self.formsets[formset].forms if formset in self.formsets else []
        form = next((f for f in forms if f.instance is item), None) or next(
            (f for f in forms if item.pk and f.instance.pk == item.pk), None
        )
        if form is None:
            return False
        form.add_error(field if field in form.fields else None, problem)
        return True


CONDITION_PANEL = FieldRowPanel(
    [
        FieldPanel("condition_field"),
        FieldPanel("condition_operator"),
        FieldPanel("condition_values"),
    ],
    heading=_("Condition"),
)
STAGE_PANELS = [
    FieldPanel("name"),
    FieldRowPanel([FieldPanel("actor"), FieldPanel("role"), FieldPanel("role_level")]),
    FieldRowPanel([FieldPanel("department"), FieldPanel("department_field")]),
    FieldRowPanel(
        [
            FieldPanel("dispatch_role"),
            FieldPanel("dispatch_level"),
            FieldPanel("dispatch_departments"),
        ],
        heading=_("Dispatch"),
    ),
    CONDITION_PANEL,
    FieldPanel("distinct_from"),
    FieldPanel("reviewer_form"),
    FieldRowPanel(
        [FieldPanel("approve_label"), FieldPanel("approve_to"), FieldPanel("allow_reject")]
    ),
    FieldRowPanel([FieldPanel("allow_return"), FieldPanel("return_to"), FieldPanel("allow_refer")]),
    FieldRowPanel([FieldPanel("deadline"), FieldPanel("deadline_unit")]),
    FieldRowPanel([FieldPanel("escalation_role"), FieldPanel("escalation_level")]),
    FieldRowPanel([FieldPanel("warning_percent"), FieldPanel("escalation_reassigns")]),
    FieldRowPanel(
        [
            FieldPanel("countersign_rule"),
            FieldPanel("countersign_count"),
            FieldPanel("countersign_rejection"),
        ],
        heading=_("Countersign"),
    ),
    AdvancedPanel([FieldPanel("key")], summary=_("Advanced")),
]
EFFECT_PANELS = [
    FieldRowPanel([FieldPanel("kind"), FieldPanel("when")]),
    FieldRowPanel([FieldPanel("role"), FieldPanel("role_level"), FieldPanel("notify_applicant")]),
    FieldPanel("message"),
    FieldPanel("followup"),
    FieldPanel("field_map"),
    CONDITION_PANEL,
]


class DefinitionIndexView(IndexView):
    """The list of process designs, with buttons to start one from a template and to upload a
    definition file."""

    upload_url_name: str = ""
    templates_url_name: str = ""

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.permission_policy.user_has_permission(self.request.user, "add"):
            buttons += [
                HeaderButton(
                    _("New from a template"),
                    url=reverse(self.templates_url_name),
                    icon_name="copy",
                ),
                HeaderButton(
                    _("Upload a file"),
                    url=reverse(self.upload_url_name),
                    icon_name="upload",
                ),
            ]
        return buttons


def place_button(url_name: str, definition: ProcessDefinition, button_class=Button):
    return button_class(
        _("Publish and place on pages…"),
        url=reverse(url_name, args=[definition.pk]),
        icon_name="doc-full-inverse",
        priority=5,
    )


class DefinitionEditView(EditView):
    """The editor, with a dry run and the one step that puts the process in front of people."""

    place_url_name: str = ""
    dry_run_url_name: str = ""

    @cached_property
    def header_more_buttons(self):
        buttons = [
            *super().header_more_buttons,
            Button(
                _("Dry run"),
                url=reverse(self.dry_run_url_name, args=[self.object.pk]),
                icon_name="resubmit",
                priority=4,
            ),
        ]
        if self.user_has_permission_for_instance("publish", self.object):
            buttons.append(place_button(self.place_url_name, self.object))
        return buttons


class DefinitionInspectView(InspectView):
    """The definition's page: its published stages drawn as a diagram, and its versions, and
    its file to download."""

    template_name = "workflows/admin/definition_inspect.html"
    download_url_name: str = ""
    place_url_name: str = ""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "—" if value in (None, "") else value

    @cached_property
    def header_more_buttons(self):
        place = []
        if self.permission_policy.user_has_permission_for_instance(
            self.request.user, "publish", self.object
        ):
            place = [place_button(self.place_url_name, self.object)]
        return [
            *super().header_more_buttons,
            *place,
            Button(
                _("Download as a file"),
                url=reverse(self.download_url_name, args=[self.object.pk]),
                icon_name="download",
                priority=30,
            ),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = selectors.latest_version(self.object)
        snapshot = selectors.snapshot(version) if version else None
        context.update(
            version=version,
            stages=selectors.diagram(snapshot) if snapshot else [],
            effects=selectors.effect_texts(snapshot) if snapshot else [],
            versions=self.object.versions.annotate(process_count=Count("processes")),
        )
        return context


class DefinitionViewSet(SnippetViewSet):
    model = ProcessDefinition
    icon = "tasks"
    menu_label = _("Process designs")
    menu_name = "process-definitions"
    menu_order = 230
    add_to_admin_menu = True
    add_view_class = CreateWithoutAutosave
    edit_view_class = DefinitionEditView
    index_view_class = DefinitionIndexView
    inspect_view_enabled = True
    # What a designer reads about a definition (not its draft and publishing bookkeeping).
    inspect_view_fields = [
        "name",
        "key",
        "description",
        "intake_form",
        "starter",
        "starter_role",
        "area_source",
        "area_level",
        "area_field",
    ]
    inspect_view_class = DefinitionInspectView
    list_display = ["name", "key", "intake_form", LiveStatusTagColumn(), UpdatedAtColumn()]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("name"),
                    FieldPanel("description"),
                    FieldPanel("intake_form"),
                    FieldRowPanel([FieldPanel("starter"), FieldPanel("starter_role")]),
                    FieldRowPanel([FieldPanel("area_source"), FieldPanel("area_level")]),
                    FieldPanel("area_field"),
                    FieldPanel("public_service"),
                ],
                heading=_("Process"),
            ),
            HelpPanel(template="workflows/admin/live_diagram_panel.html", heading=_("The flow")),
            InlinePanel(
                "stages", heading=_("Stages"), label=_("Stage"), panels=STAGE_PANELS, min_num=1
            ),
            InlinePanel(
                "countersigners",
                heading=_("Countersigners"),
                label=_("Countersigner"),
                help_text=_(
                    "The actors of stages acted on by several at once (countersign): a role at a "
                    "level of the process's area, or a department, each with a task of their own."
                ),
                panels=[
                    FieldPanel("stage"),
                    FieldRowPanel(
                        [FieldPanel("role"), FieldPanel("role_level"), FieldPanel("department")]
                    ),
                ],
            ),
            InlinePanel(
                "effects", heading=_("At the end"), label=_("Effect"), panels=EFFECT_PANELS
            ),
            InlinePanel(
                "ladder",
                heading=_("Escalation ladder"),
                label=_("Rung"),
                help_text=_(
                    "Where the overdue tasks of stages that say so go, one level up at a time: "
                    "for example the community director, then the street leader."
                ),
                panels=[FieldRowPanel([FieldPanel("role"), FieldPanel("role_level")])],
            ),
            MultiFieldPanel(
                [
                    FieldPanel("asks_verdict"),
                    FieldRowPanel([FieldPanel("reopen_stage"), FieldPanel("reopen_days")]),
                ],
                heading=_("The applicant's verdict"),
            ),
            InlinePanel(
                "overseers",
                heading=_("Overseers"),
                label=_("Overseer"),
                help_text=_(
                    "Roles that see every process of this kind in their area without acting on "
                    "it; the people who work a process always see it."
                ),
                panels=[FieldRowPanel([FieldPanel("role"), FieldPanel("role_level")])],
            ),
            InlinePanel(
                "channels",
                heading=_("How people are told"),
                label=_("Notice channel"),
                help_text=_(
                    "Without a row, a notice goes in the app and by e-mail, and the applicant's "
                    "also by text message. Text messages are sent only for notices that have a "
                    "template under Text messages."
                ),
                panels=[
                    FieldRowPanel(
                        [
                            FieldPanel("event"),
                            FieldPanel("in_app"),
                            FieldPanel("email"),
                            FieldPanel("sms"),
                        ]
                    )
                ],
            ),
            MultiFieldPanel([FieldPanel("key")], heading=_("Advanced"), classname="collapsed"),
        ],
        base_form_class=DefinitionForm,
    )

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            upload_url_name=self.get_url_name("upload"),
            templates_url_name=self.get_url_name("templates"),
            **kwargs,
        )

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(
            download_url_name=self.get_url_name("download"),
            place_url_name=self.get_url_name("place"),
            **kwargs,
        )

    def get_edit_view_kwargs(self, **kwargs):
        return super().get_edit_view_kwargs(
            place_url_name=self.get_url_name("place"),
            dry_run_url_name=self.get_url_name("dry_run"),
            **kwargs,
        )

    def get_urlpatterns(self):
        """The definition's own views beyond Wagtail's, each given the viewset's permission
        policy and the URL names it sends the admin on to."""
        url_name = self.get_url_name
        views = [
            ("file/<str:pk>/", definition_admin.download, "download", {}),
            ("form-fields/<str:pk>/", field_choosers.fields_of_form, "form_fields", {}),
            ("dry-run/<str:pk>/", definition_admin.dry_run, "dry_run", {}),
            (
                "diagram/",
                definition_admin.diagram_preview,
                "diagram_new",
                {"form_class": self.get_form_class},
            ),
            (
                "diagram/<str:pk>/",
                definition_admin.diagram_preview,
                "diagram",
                {"form_class": partial(self.get_form_class, for_update=True)},
            ),
            ("upload/", definition_admin.upload, "upload", {"edit_url_name": url_name("edit")}),
            (
                "place/<str:pk>/",
                definition_admin.place,
                "place",
                {"inspect_url_name": url_name("inspect")},
            ),
            (
                "templates/",
                definition_admin.templates,
                "templates",
                {"copy_url_name": url_name("copy_template")},
            ),
            (
                "templates/<slug:slug>/",
                definition_admin.copy_template,
                "copy_template",
                {"edit_url_name": url_name("edit")},
            ),
        ]
        return [
            *super().get_urlpatterns(),
            *(
                path(
                    route,
                    partial(view, permission_policy=self.permission_policy, **names),
                    name=name,
                )
                for route, view, name, names in views
            ),
        ]


register_snippet(DefinitionViewSet)


class ProcessAdmin(ScopedModelAdmin):
    """Every process in the jurisdiction with the version it runs on; work happens in the inbox."""

    model = ProcessInstance
    area_path = "area"
    menu_label = _("Processes")
    menu_icon = "list-ul"
    menu_order = 240
    add_to_admin_menu = True
    inspect_view_enabled = False
    history_view_enabled = False
    permission_helper_class = ReadOnlyPermissionHelper
    list_display = ("code", "definition", "version_number", "area", "stage", "outcome", "created")
    list_select_related = ("version__definition", "area", "submission")
    # A resident who calls in may give their code to be found by it; lists show the number.
    search_fields = ("submission__reference", "area__name", "version__definition__name")
    list_filter = ("outcome", "version__definition")
    panels = []

    def get_queryset(self, request):
        return selectors.visible_processes(request.user).select_related(*self.list_select_related)

    @display(description=_("number"), ordering="pk")
    def code(self, process: ProcessInstance) -> str:
        url = reverse("workflow:generic:process_detail", args=[process.pk])
        return format_html('<a href="{}">{}</a>', url, process.number)

    @display(description=_("process"))
    def definition(self, process: ProcessInstance) -> str:
        return process.version.definition.name

    @display(description=_("version"), ordering="version__number")
    def version_number(self, process: ProcessInstance) -> int:
        return process.version.number

    @display(description=_("stage"))
    def stage(self, process: ProcessInstance) -> str:
        stage = selectors.current_stage(process)
        return stage.name if stage and not process.outcome else "—"


modeladmin_register(ProcessAdmin)


@hooks.register("before_delete_snippet")
def keep_published_definitions(request, instances):
    """A published definition keeps its versions, and its processes their history; unpublishing
    it is how new processes are stopped."""
    published = [i for i in instances if isinstance(i, ProcessDefinition) and i.versions.exists()]
    if published:
        messages.error(
            request,
            _(
                "“%(name)s” has been published: its versions and processes keep its history, so "
                "it cannot be deleted. Unpublish it to stop new processes from starting."
            )
            % {"name": published[0].name},
        )
        return redirect("wagtailsnippets_workflows_processdefinition:edit", published[0].pk)
    return None


@hooks.register("register_admin_menu_item")
def tasks_menu_item():
    return MenuItem(_("My tasks"), reverse("workflows:tasks"), icon_name="tasks", order=225)


class TasksPanel(Component):
    """The dashboard's view of a user's work: open and overdue tasks, the first few listed."""

    name = "workflow_tasks"
    order = 50
    template_name = "workflows/admin/tasks_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        tasks = selectors.open_tasks(self.user).select_related(
            "process__processinstance__area", "process__processinstance__submission"
        )
        # The most urgent first; tasks without a deadline after them, oldest first, on every
        # database (PostgreSQL would put them first).
        first = tasks.select_related("deadline").order_by(
            F("deadline__due_at").asc(nulls_last=True), "created"
        )[:5]
        return {
            "counts": selectors.task_counts(self.user),
            "tasks": [
                (task, task.flow_task.reverse("index", args=[task.process_id, task.pk]))
                for task in first
            ],
        }


@hooks.register("construct_homepage_panels")
def add_tasks_panel(request, panels):
    panels.insert(0, TasksPanel(request.user))


class DeadlineCheckPanel(Component):
    """When the deadline check last ran: superusers always see it; everyone sees the warning
    when it has not run within its interval, since overdue tasks are then not being marked."""

    name = "deadline_check"
    order = 40
    template_name = "workflows/admin/deadline_check_panel.html"

    def __init__(self, status: periodic.JobStatus):
        self.status = status

    def get_context_data(self, parent_context=None):
        return {
            "status": self.status,
            "interval_minutes": int(self.status.interval.total_seconds() // 60),
        }


@hooks.register("construct_homepage_panels")
def add_deadline_check_panel(request, panels):
    status = periodic.deadline_check_status()
    if status.late or request.user.is_superuser:
        panels.insert(0, DeadlineCheckPanel(status))
