"""Configurable processes as data: a definition (a snippet with drafts and published versions),
its ordered stages and completion effects; the process and task records that extend Viewflow's
own tables; the history and notifications they produce.

The engine never reads a live definition while a process runs: a process is pinned to a
`ProcessVersion`, the Wagtail revision frozen when the definition was published. The run-time
records are kept out of Wagtail's reference index: they hold no content that references pages or
snippets an editor would look up, and indexing them costs statements on every transition."""

from .definitions import (
    LEVEL_CHOICES,
    Countersigner,
    Effect,
    EscalationRung,
    NoticeChannel,
    Overseer,
    ProcessDefinition,
    ProcessVersion,
    Stage,
    effect_choices,
)
from .jobs import PeriodicRun
from .pages import ProcessPage
from .runs import (
    Notification,
    ProcessEvent,
    ProcessInstance,
    StageTask,
    StageTaskQuerySet,
    TaskDeadline,
    Verdict,
)

__all__ = [
    "LEVEL_CHOICES",
    "Countersigner",
    "Effect",
    "EscalationRung",
    "NoticeChannel",
    "Notification",
    "Overseer",
    "PeriodicRun",
    "ProcessDefinition",
    "ProcessEvent",
    "ProcessInstance",
    "ProcessPage",
    "ProcessVersion",
    "Stage",
    "StageTask",
    "StageTaskQuerySet",
    "TaskDeadline",
    "Verdict",
    "effect_choices",
]
