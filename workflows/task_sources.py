"""Tasks that are not stages of a process, in the task list and in every count of tasks.

The engine knows nothing of the apps above it (a visit's follow-up is the grid workers' day's
business), so those apps register a source of tasks with the Wagtail hook
`register_task_source`: a function returning a `TaskSource`. The task list
(`task_list.source_tasks`, filtered by `task_list.narrowed`) and `selectors.task_counts` ask
every registered source. A source's
tasks are the user's own work: each counts as open and in their inbox, none waits to be taken.
A source answers in a constant number of queries, however many tasks it has."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.contrib.auth.models import User as Account
from wagtail import hooks

HOOK = "register_task_source"


@dataclass(frozen=True)
class SourceCounts:
    open: int
    due_soon: int
    overdue: int


@dataclass(frozen=True)
class SourceTask:
    """One task of a source as the task list shows it, among the stages by its due time."""

    template: str  # renders its row of the list's table, given `task`
    area_code: str  # of the area it is in, which the list's area filter narrows by
    due_at: datetime
    state: str  # task_list.DUE_OVERDUE, DUE_SOON or "", by the rules its counts use
    item: object  # what the template shows


class TaskSource(Protocol):
    def counts(self, user: Account) -> SourceCounts: ...

    def tasks(self, user: Account) -> list[SourceTask]: ...


def task_sources() -> list[TaskSource]:
    return [make() for make in hooks.get_hooks(HOOK)]
