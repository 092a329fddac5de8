"""The demo city as `seed_demo` builds it, built once per test process and shared.

Building it takes longer than most modules' tests together, so the tests that read it
(fixture `demo_city`) run one after another, after every other test of an ordinary database
and before the transactional ones (which empty the database, as `make run` never does). The
first of them builds the city inside a transaction; each test's own changes roll back to a
savepoint inside it, and the transaction rolls back after the last of them, so no other test
ever sees the city. Under pytest-xdist each worker builds its own.
"""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import get_resolver
from django.utils import translation

from grid.models import Area

FIXTURE = "demo_city"
# The site's language, read before any test's settings change it: the city is built in it.
LANGUAGE = settings.LANGUAGE_CODE


class SharedCity:
    def __init__(self) -> None:
        self._atomic: transaction.Atomic | None = None
        self._blocker = None
        self.builds = 0
        # Whether the test being torn down is the session's last.
        self.last = False

    @property
    def built(self) -> bool:
        return self._atomic is not None

    def open(self, blocker) -> None:
        """Build the city unless it stands: in the site's language and with DEBUG on, as
        `make run` builds it."""
        if self.built:
            return
        self._blocker = blocker
        get_resolver().check()  # the URLconf as served: imported before DEBUG is on
        with blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            self._atomic = atomic
            with override_settings(DEBUG=True), translation.override(LANGUAGE):
                call_command("seed_demo", stdout=io.StringIO())
        self.builds += 1

    def close(self) -> None:
        if not self.built:
            return
        atomic, self._atomic = self._atomic, None
        with self._blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            if Area.objects.exists():
                raise RuntimeError("The demo city outlived the tests that share it.")


CITY = SharedCity()


def uses_city(item: pytest.Item) -> bool:
    return FIXTURE in getattr(item, "fixturenames", ())


def ordinary_database(item: pytest.Item) -> bool:
    """Whether pytest-django runs the test in a transaction rolled back after it (the tests
    it runs first), rather than on a database it empties, or with no database."""
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    if marker is None and "db" not in names:
        return False
    transactional = marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    )
    return not (transactional or {"transactional_db", "live_server"} & set(names))


def order(items: list[pytest.Item]) -> None:
    """Move the city's tests after the other tests of an ordinary database, which pytest-django
    has put first, keeping the order of both."""
    city = [item for item in items if uses_city(item)]
    for item in city:
        if not ordinary_database(item):
            raise pytest.UsageError(f"{item.nodeid}: the demo city needs an ordinary database")
    rest = [item for item in items if not uses_city(item)]
    at = next((i for i, item in enumerate(rest) if not ordinary_database(item)), len(rest))
    items[:] = [*rest[:at], *city, *rest[at:]]
