"""What a text message can be about. The apps that send messages name their events here with
the values each one provides, so that a template is checked against them when it is saved and
this app knows nothing of forms or processes."""

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Event:
    key: str
    label: str | Promise
    # name -> what it is, in the order the admin lists them
    values: dict[str, str | Promise]


EVENTS: dict[str, Event] = {}


def register(key: str, label: str | Promise, values: dict[str, str | Promise]) -> None:
    EVENTS[key] = Event(key, label, values)


def choices() -> list[tuple[str, str | Promise]]:
    return [(event.key, event.label) for event in EVENTS.values()]
