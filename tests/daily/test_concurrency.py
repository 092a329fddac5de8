"""Two taps on Start at once (a double tap, the worker's second phone) make one round: the
second waits for the first on the grid's row (PostgreSQL) and resumes it."""

import threading

import pytest
from django.db import connection, connections

from daily import services
from daily.models import Finding, Inspection

from ..factories import GridFactory
from .factories import checklist, walker

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_starts_at_once_make_one_round():
    checklist()
    grid = GridFactory()
    worker = walker(grid)
    barrier = threading.Barrier(2)
    started, errors = [], []

    def tap():
        try:
            barrier.wait()
            started.append(services.start_inspection(worker, grid).pk)
        except Exception as error:  # SQLite's in-memory test database refuses a second writer
            errors.append(type(error).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if connection.vendor == "postgresql":
        assert errors == [] and len(set(started)) == 1, (started, errors)
    assert Inspection.objects.count() == 1
    assert Finding.objects.count() == 3  # the checklist's items, once
