"""The task list: the tasks a user has and may take, in one list, with what an official needs to
choose one (public number, process, street › community › grid, stage, who filed, received,
due), filters, a search by number and taking several at once. Its queries do not grow with the
number of tasks: the page's rows come with their process, area and applicant, the area path
in one query, the filter choices in two. Tasks of other apps' sources (`task_sources`) are
listed on the first page among the stages, by their due time."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.contrib.auth.models import User as Account
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from grid.masking import mask_name
from grid.models import Area
from grid.validators import ancestor_codes

from . import selectors, services
from .models import StageTask
from .task_sources import SourceTask, task_sources

SHOW_MINE, SHOW_WAITING = "mine", "waiting"
DUE_OVERDUE, DUE_SOON, DUE_NONE = "overdue", "due_soon", "none"
STREET = Area.Level.STREET
NUMBER = re.compile(r"\D*(\d{1,12})\D*")


class NumberField(forms.CharField):
    """A process's public number as people type it: "123", "第123号", "No. 123"."""

    def __init__(self):
        super().__init__(
            label=pgettext_lazy("task list", "Number"),
            required=False,
            max_length=30,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "123"}),
        )

    def clean(self, value) -> int | None:
        text = super().clean(value).strip()
        if not text:
            return None
        found = NUMBER.fullmatch(text)
        if found is None:
            raise forms.ValidationError(_("Enter the number as digits, such as 123."))
        return int(found.group(1))


def offer(form: forms.Form, name: str, choices) -> None:
    """Set a filter's choices: "All" first, then `choices`."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = [("", pgettext("task list", "All")), *choices]


class ListFilterForm(forms.Form):
    """The filters every work list has: process, street or community, public number."""

    process = forms.TypedChoiceField(
        label=pgettext_lazy("task list", "Process"), required=False, coerce=int, empty_value=None
    )
    area = forms.ChoiceField(label=pgettext_lazy("task list", "Area"), required=False)
    number = NumberField()


class TaskFilterForm(ListFilterForm):
    """What the list is narrowed to; the choices are those of the user's own tasks."""

    field_order = ["show", "process", "area", "stage", "due", "number"]

    show = forms.ChoiceField(
        label=pgettext_lazy("task list", "Tasks"),
        required=False,
        choices=[
            ("", pgettext_lazy("task list", "All")),
            (SHOW_MINE, gettext_lazy("In my inbox")),
            (SHOW_WAITING, gettext_lazy("Waiting to be taken")),
        ],
    )
    stage = forms.ChoiceField(label=pgettext_lazy("task list", "Stage"), required=False)
    due = forms.ChoiceField(
        label=pgettext_lazy("task list", "Deadline"),
        required=False,
        choices=[
            ("", pgettext_lazy("task list", "Any")),
            (DUE_OVERDUE, gettext_lazy("Overdue")),
            (DUE_SOON, gettext_lazy("Due soon")),
            (DUE_NONE, gettext_lazy("No deadline")),
        ],
    )

    def __init__(self, data, choices: "FilterChoices"):
        super().__init__(data)
        offer(self, "process", choices.processes)
        offer(self, "area", choices.areas)
        offer(self, "stage", [(stage, stage) for stage in choices.stages])


@dataclass
class FilterChoices:
    processes: list[tuple[int, str]]
    areas: list[tuple[str, str]]
    stages: list[str]


def filter_choices(
    rows: QuerySet, process: str = "", stage: str = "", more_codes: Iterable[str] = ()
) -> FilterChoices:
    """The processes, areas and (when `stage` names the field) stages of a work list's `rows`,
    whose process is reached through `process` ("" for processes themselves), and the areas
    with `more_codes`: one pass over their distinct combinations (few: processes × grids ×
    stages in practice), one for names."""
    fields = [f"{process}version__definition_id", f"{process}version__definition__name"]
    fields += [f"{process}area__code", stage] if stage else [f"{process}area__code"]
    processes: dict[int, str] = {}
    codes: set[str] = set(more_codes)
    stages: set[str] = set()
    for definition_id, name, code, *stage_name in rows.order_by().values_list(*fields).distinct():
        processes[definition_id] = name
        codes.add(code)
        stages.update(filter(None, stage_name))
    return FilterChoices(
        processes=sorted(processes.items(), key=lambda pair: pair[1]),
        areas=area_choices(codes),
        stages=sorted(stages),
    )


def task_choices(tasks: QuerySet[StageTask], others: list[SourceTask]) -> FilterChoices:
    """The filter choices of the user's stages and the areas of their sources' tasks."""
    codes = {task.area_code for task in others}
    return filter_choices(tasks, "process__processinstance__", "data__stage_name", codes)


def area_choices(codes: set[str]) -> list[tuple[str, str]]:
    """The streets, communities and grids of the areas with `codes`, to filter by."""
    places = {place for code in codes for place in ancestor_codes(code, STREET)}
    names = area_names(places)
    return [(code, path_label(code, names)) for code in sorted(places)]


def area_names(codes: set[str]) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name"))


def path_label(code: str, names: dict[str, str]) -> str:
    return " › ".join(path_names(code, names))


def path_names(code: str, names: dict[str, str]) -> list[str]:
    """The names from the street down to the area with `code`."""
    return [names.get(place, "") for place in ancestor_codes(code, STREET)]


def listed_tasks(user: Account, filters: dict) -> QuerySet[StageTask]:
    """The user's open tasks narrowed by valid `filters`, most urgent first: by deadline,
    tasks without one after them (on every database), then oldest first."""
    now = timezone.now()
    tasks = selectors.open_tasks(user)
    field = "process__processinstance__"
    if filters.get("show") == SHOW_MINE:
        tasks = tasks.filter(owner=user)
    elif filters.get("show") == SHOW_WAITING:
        tasks = tasks.filter(owner__isnull=True)
    if filters.get("process"):
        tasks = tasks.filter(**{f"{field}version__definition_id": filters["process"]})
    if filters.get("area"):
        tasks = tasks.filter(**{f"{field}area__code__startswith": filters["area"]})
    if filters.get("stage"):
        tasks = tasks.filter(data__stage_name=filters["stage"])
    due = filters.get("due")
    if due == DUE_OVERDUE:
        tasks = tasks.filter(selectors.overdue(now))
    elif due == DUE_SOON:
        tasks = tasks.filter(selectors.due_soon(now))
    elif due == DUE_NONE:
        tasks = tasks.filter(deadline__isnull=True)
    if filters.get("number") is not None:
        tasks = tasks.filter(process_id=filters["number"])
    return (
        tasks.select_related(
            f"{field}version__definition", f"{field}area", f"{field}applicant", "deadline"
        )
        # Coloured by the rules the counts use.
        .annotate(
            due_state=Case(
                When(selectors.overdue(now), then=Value(DUE_OVERDUE)),
                When(selectors.due_soon(now), then=Value(DUE_SOON)),
                default=Value(""),
            )
        )
        .order_by(F("deadline__due_at").asc(nulls_last=True), "created", "pk")
    )


@dataclass
class TaskRow:
    task: StageTask
    number: str
    process: str
    area_path: list[str]
    stage: str
    filed_by: str
    received: datetime
    due_at: datetime | None
    state: str  # DUE_OVERDUE, DUE_SOON or ""
    mine: bool
    url: str
    refusal: str | None  # why the user may not take it (separation of duties)
    template = ""  # a stage's row is the list's own (a source's task names its template)


def rows(tasks: list[StageTask], user: Account) -> list[TaskRow]:
    """A page of `listed_tasks` as the list shows them; the area paths in one query."""
    processes = [task.process.processinstance for task in tasks]
    names = area_names(
        {code for process in processes for code in ancestor_codes(process.area.code, STREET)}
    )
    found = []
    for task, process in zip(tasks, processes, strict=True):
        found.append(
            TaskRow(
                task=task,
                number=process.number,
                process=process.version.definition.name,
                area_path=path_names(process.area.code, names),
                stage=task.stage_name,
                filed_by=filed_by(process.applicant),
                received=task.created,
                due_at=task.due_at,
                state=task.due_state,
                mine=task.owner_id == user.pk,
                url=task.flow_task.reverse("index", args=[task.process_id, task.pk]),
                refusal=None if task.owner_id else selectors.separation_refusal(user, task),
            )
        )
    return found


def source_tasks(user: Account) -> list[SourceTask]:
    """The user's tasks of every registered source."""
    return [task for source in task_sources() for task in source.tasks(user)]


def narrowed(others: list[SourceTask], filters: dict) -> list[SourceTask]:
    """The sources' tasks that valid `filters` leave in: those in the area chosen, and due soon
    or overdue as chosen. They are no stage of a process: choosing a process, a stage, a
    number, tasks waiting to be taken or tasks without a deadline leaves none of them."""
    if any(filters.get(name) not in (None, "") for name in ("process", "stage", "number")):
        return []
    if filters.get("show") == SHOW_WAITING or filters.get("due") == DUE_NONE:
        return []
    area, due = filters.get("area"), filters.get("due")
    return [
        task
        for task in others
        if (not area or task.area_code.startswith(area)) and (not due or task.state == due)
    ]


def merged(rows: list[TaskRow], others: list[SourceTask]) -> list[TaskRow | SourceTask]:
    """A page's stages and the sources' tasks in one list, most urgent first, as the stages
    are ordered: by due time, those without one last (the stages keep their order)."""
    return sorted([*rows, *others], key=lambda row: (row.due_at is None, row.due_at or 0))


def filed_by(applicant: Account | None) -> str:
    """Who filed it, as every staff list shows them: masked; an anonymous resident as such."""
    if applicant is None:
        return _("A resident, not signed in")
    return mask_name(applicant.get_full_name() or applicant.get_username())


def take(user: Account, task_ids: list[int]) -> tuple[int, list[str]]:
    """Take the chosen tasks from the queues into the user's inbox, each under its process's
    lock: how many were taken, and why each of the others was not."""
    waiting = {
        task.pk: task
        for task in selectors.open_tasks(user)
        .filter(pk__in=task_ids, owner__isnull=True)
        .select_related("process__processinstance")
    }
    taken, refusals = 0, []
    for task_id in task_ids:
        task = waiting.get(task_id)
        if task is None:
            refusals.append(
                _("Task %(id)s is no longer waiting to be taken: someone has it.") % {"id": task_id}
            )
            continue
        try:
            services.claim(task, user)
        except PermissionDenied as refusal:
            refusals.append(f"{task.process.processinstance.number}: {refusal}")
            continue
        taken += 1
    return taken, refusals
