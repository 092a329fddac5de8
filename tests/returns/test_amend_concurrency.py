"""Two sends-back of one filing at once, and a send-back beside the filer's amendment: on
PostgreSQL the second waits on the filing's row and is refused, so that nothing the first did
is lost (SQLite's in-memory test database refuses the second writer outright)."""

import datetime

import pytest
from django.db import connection

from returns import periods, services
from returns.models import Filing, FilingEvent
from workflows.models import Notification

from ..concurrency import at_once
from .factories import JANUARY, answered, at, clerk, file

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_DUE = at(datetime.date(2026, 2, 3))


@pytest.fixture
def filed(city):
    file(city, 0, {"户数": 4, "老年人数": 3, "新增救助对象": 1}, at(datetime.date(2026, 2, 2)))
    city["period"] = periods.period_starting(city["return"], JANUARY)
    return city


def send_back(city, user, reason: str):
    return lambda: services.send_back(
        user, city["return"], city["communities"][0], city["period"], reason, 1, now=BEFORE_DUE
    )


def test_two_sends_back_at_once_make_one(filed):
    city = filed
    outcomes = at_once(
        first=send_back(city, clerk(city["department"]), "户数有误"),
        second=send_back(city, clerk(city["department"]), "老年人数有误"),
    )
    if connection.vendor == "postgresql":
        assert sorted(outcomes.values()) == ["FilingChanged", "done"], outcomes
    filing = Filing.objects.get()
    assert filing.state == Filing.State.RETURNED and filing.version == 2
    assert FilingEvent.objects.count() == 1
    assert Notification.objects.count() == 1  # the one filer, told once


def test_a_send_back_and_an_amendment_at_once_lose_nothing(filed):
    city = filed
    form = answered(city["return"], {"户数": 5, "老年人数": 3, "新增救助对象": 1})
    outcomes = at_once(
        back=send_back(city, clerk(city["department"]), "户数有误"),
        amend=lambda: services.amend(
            city["filers"][0],
            city["return"],
            city["communities"][0],
            city["period"],
            form,
            1,
            now=BEFORE_DUE,
        ),
    )
    filing = Filing.objects.select_related("submission").get()
    events = list(filing.events.values_list("kind", flat=True))
    households = filing.submission.form_data[form.definition.fields.get(label="户数").clean_name]
    if connection.vendor == "postgresql":
        assert sorted(outcomes.values()) == ["FilingChanged", "done"], outcomes
    # Whichever came first is whole; the other changed nothing.
    if outcomes.get("back") == "done":
        assert filing.state == Filing.State.RETURNED and households == "4"
        assert events == [FilingEvent.Kind.SENT_BACK]
    elif outcomes.get("amend") == "done":
        assert filing.state == Filing.State.FILED and households == "5"
        assert events == [FilingEvent.Kind.AMENDED]
    assert filing.version == 1 + len(events)
