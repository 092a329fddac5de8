"""Configurable processes as data: a definition (a snippet with drafts and published versions),
its ordered stages and completion effects; the process and task records that extend Viewflow's
own tables; the history and notifications they produce.

The engine never reads a live definition while a process runs: a process is pinned to a
`WorkflowVersion`, the Wagtail revision frozen when the definition was published. The run-time
records are kept out of Wagtail's reference index: they hold no content that references pages or
snippets an editor would look up, and indexing them costs statements on every transition."""

from .definitions import (
    LEVEL_CHOICES,
    Effect,
    Overseer,
    Stage,
    WorkflowDefinition,
    WorkflowVersion,
    effect_choices,
)
from .jobs import PeriodicRun
from .pages import ProcessPage
from .runs import (
    Notification,
    ProcessEvent,
    StageTask,
    StageTaskQuerySet,
    TaskDeadline,
    WorkflowProcess,
)

__all__ = [
    "LEVEL_CHOICES",
    "Effect",
    "Notification",
    "Overseer",
    "PeriodicRun",
    "ProcessEvent",
    "ProcessPage",
    "Stage",
    "StageTask",
    "StageTaskQuerySet",
    "TaskDeadline",
    "WorkflowDefinition",
    "WorkflowProcess",
    "WorkflowVersion",
    "effect_choices",
]
