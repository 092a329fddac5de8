"""A prepared read returns what its queryset returns, for each call's values, compiled once; on
another thread it runs on that thread's connection."""

import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from grid.models import Area
from grid.prepared import PreparedRead

from .factories import CommunityFactory, DistrictFactory, GridFactory, StreetFactory

pytestmark = pytest.mark.django_db


def with_parents(code):
    return Area.objects.select_related("parent__parent").defer("boundary").filter(code=code)


@pytest.fixture
def areas():
    street = StreetFactory(parent=DistrictFactory())
    communities = [CommunityFactory(parent=street) for _ in range(2)]
    return [GridFactory(parent=community) for community in communities]


def test_each_call_reads_its_own_values_as_the_queryset_would(areas):
    read = PreparedRead(with_parents, "\x00code")
    for grid in areas:
        (found,) = read(grid.code)
        expected = with_parents(grid.code).get()
        assert found == expected
        assert [found.name, found.level, found.parent_id] == [
            expected.name,
            expected.level,
            expected.parent_id,
        ]
        assert found.get_deferred_fields() == {"boundary"}
        with CaptureQueriesContext(connection) as queries:
            assert found.parent.parent.name == grid.parent.parent.name
        assert len(queries) == 0, "the joined areas came with the row"
    assert read("340705999999999") == []
    assert list(read.compiled) == [connections["default"]]


def test_the_sql_is_compiled_once(areas, monkeypatch):
    read = PreparedRead(with_parents, "\x00code")
    read(areas[0].code)
    monkeypatch.setattr(read, "compile", lambda connection: pytest.fail("compiled again"))
    assert [area.pk for area in read(areas[1].code)] == [areas[1].pk]


@pytest.mark.django_db(transaction=True)
def test_another_thread_reads_on_its_own_connection(areas):
    read = PreparedRead(with_parents, "\x00code")
    read(areas[0].code)
    found = []

    def other():
        theirs = connections["default"]
        with CaptureQueriesContext(theirs) as queries:
            found.append((read(areas[1].code)[0].pk, theirs is not ours, len(queries)))
        theirs.close()

    ours = connections["default"]

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert found == [(areas[1].pk, True, 1)]


def test_a_placeholder_the_sql_does_not_carry_once_is_refused(areas):
    twice = PreparedRead(
        lambda code: Area.objects.filter(code=code) | Area.objects.filter(name=code), "\x00x"
    )
    with pytest.raises(ImproperlyConfigured, match="appears 2 times"):
        twice("x")
    # A LIKE pattern is sent transformed: its value cannot be put in its place as it is.
    transformed = PreparedRead(lambda code: Area.objects.filter(code__startswith=code), "\x00x")
    with pytest.raises(ImproperlyConfigured, match="appears 0 times"):
        transformed("34")
