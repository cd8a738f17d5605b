"""Event periods count by the event's start (issue 12.3): lists, exports and reports agree."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from onec_history.client import Client
from onec_history.demo.server import DemoServer
from onec_history.history import EventFilter, History
from onec_history.transport import Transport


def day(d: datetime) -> tuple[datetime, datetime]:
    start = d.replace(hour=0, minute=0, second=0)
    return start, start + timedelta(hours=23, minutes=59, seconds=59)


@pytest.mark.parametrize("family", ["ut10", "unf"])
def test_an_event_planned_for_another_day_is_found_on_that_day(family: str, request: pytest.FixtureRequest) -> None:
    srv: DemoServer = request.getfixturevalue(family)
    h = History(Client(Transport(srv.url)))
    every = list(h.events(resolve_names=False))
    moved = [e for e in every if e.start and e.date and e.start.date() != e.date.date()]
    assert moved, "the demo has an event planned for another day than its document date"
    event = moved[0]
    assert event.start is not None and event.date is not None
    since, until = day(event.start)
    found = {e.ref for e in h.events(EventFilter(since=since, until=until), resolve_names=False)}
    assert event.ref in found
    assert found == {e.ref for e in every if e.start and since <= e.start <= until}
    since, until = day(event.date)
    assert event.ref not in {e.ref for e in h.events(EventFilter(since=since, until=until), resolve_names=False)}


def test_an_event_without_a_start_counts_by_its_date(fresh: DemoServer) -> None:
    h = History(Client(Transport(fresh.url)))
    event = next(e for e in h.events(resolve_names=False) if e.start and e.date)
    assert event.date is not None
    start_prop = h.profile.event_attr("start")
    assert start_prop is not None
    h.client.patch(h.profile.event_set, event.ref, {start_prop.prop: "0001-01-01T00:00:00"})
    since, until = day(event.date)
    assert event.ref in {e.ref for e in h.events(EventFilter(since=since, until=until), resolve_names=False)}
