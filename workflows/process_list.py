"""The processes a user may see (their actors, overseers and applicants, as the process pages
decide), in our own list: public number, process, street › community › grid, where it stands
(its stage, or how it ended), who filed (masked), started. Overseers, such as a community's
supervision committee, follow there the processes that are at no stage of theirs. Its queries
do not grow with the number of processes."""

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.contrib.auth.models import User as Account
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy, pgettext_lazy

from grid.validators import ancestor_codes

from . import selectors
from .models import ProcessInstance
from .services.notifications import process_url
from .task_list import (
    STREET,
    FilterChoices,
    ListFilterForm,
    area_names,
    filed_by,
    offer,
    path_names,
)

OPEN, CLOSED = "open", "closed"


class ProcessFilterForm(ListFilterForm):
    field_order = ["process", "area", "state", "number"]

    state = forms.ChoiceField(
        label=pgettext_lazy("process list", "State"),
        required=False,
        choices=[
            ("", pgettext_lazy("task list", "All")),
            (OPEN, gettext_lazy("In progress")),
            (CLOSED, gettext_lazy("Closed")),
        ],
    )

    def __init__(self, data, choices: FilterChoices):
        super().__init__(data)
        offer(self, "process", choices.processes)
        offer(self, "area", choices.areas)


def listed_processes(user: Account, filters: dict) -> QuerySet[ProcessInstance]:
    """The processes `user` may see narrowed by valid `filters`, the newest first."""
    processes = selectors.visible_processes(user)
    if filters.get("process"):
        processes = processes.filter(version__definition_id=filters["process"])
    if filters.get("area"):
        processes = processes.filter(area__code__startswith=filters["area"])
    if filters.get("state") == OPEN:
        processes = processes.filter(outcome=ProcessInstance.Outcome.OPEN)
    elif filters.get("state") == CLOSED:
        processes = processes.exclude(outcome=ProcessInstance.Outcome.OPEN)
    if filters.get("number") is not None:
        processes = processes.filter(pk=filters["number"])
    return processes.select_related("version__definition", "area", "applicant").order_by(
        "-created", "-pk"
    )


@dataclass
class ProcessRow:
    process: ProcessInstance
    number: str
    name: str
    area_path: list[str]
    standing: str  # the stage it is at, or how it ended
    closed: bool
    filed_by: str
    started: datetime
    url: str


def rows(processes: list[ProcessInstance]) -> list[ProcessRow]:
    """A page of `listed_processes` as the list shows them; the area paths in one query."""
    names = area_names(
        {code for process in processes for code in ancestor_codes(process.area.code, STREET)}
    )
    found = []
    for process in processes:
        stage = selectors.current_stage(process)
        closed = bool(process.outcome)
        found.append(
            ProcessRow(
                process=process,
                number=process.number,
                name=process.version.definition.name,
                area_path=path_names(process.area.code, names),
                standing=process.get_outcome_display() if closed or stage is None else stage.name,
                closed=closed,
                filed_by=filed_by(process.applicant),
                started=process.created,
                url=process_url(process),
            )
        )
    return found
