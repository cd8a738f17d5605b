"""The read side against the demo base of both families: same questions, same logical answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from onec_history.client import Client
from onec_history.demo.server import start_demo
from onec_history.history import AmbiguousError, EventFilter, History
from onec_history.models import Direction, EventKind, EventState
from onec_history.transport import Transport


@pytest.fixture(scope="module", params=["ut10", "unf"])
def history(request: pytest.FixtureRequest) -> Iterator[History]:
    with start_demo(request.param) as srv:
        yield History(Client(Transport(srv.url), page_size=200))


def test_quick_search_finds_romashka_by_word_start(history: History) -> None:
    found = list(history.search_counterparties("Ром"))
    names = [c.name for c in found]
    assert "ООО Ромашка" in names
    romashka = next(c for c in found if c.name == "ООО Ромашка")
    assert romashka.inn == "7701000001"
    assert not romashka.is_folder


def test_search_case_insensitive_and_by_inn(history: History) -> None:
    assert any(c.name == "ООО Ромашка" for c in history.search_counterparties("ром"))
    by_inn = list(history.search_counterparties(inn="7701000001"))
    assert [c.name for c in by_inn] == ["ООО Ромашка"]


def test_group_includes_nested_folders(history: History) -> None:
    in_buyers = {c.ref for c in history.search_counterparties(group="Покупатели", limit=None)}
    assert in_buyers, "the «Покупатели» group is not empty"
    suppliers = {c.ref for c in history.search_counterparties(group="Поставщики", limit=None)}
    assert not in_buyers & suppliers
    folders = history.group_with_subfolders("Покупатели")
    assert len(folders) >= 2  # «Покупатели» and a nested sub-folder
    everyone = list(history.search_counterparties(limit=None))
    nested = [c for c in everyone if c.parent in folders and c.parent not in history.group_with_subfolders(
        "Покупатели") - {c.parent}]
    assert {c.ref for c in nested} <= in_buyers


def test_find_counterparty_exact_and_ambiguous(history: History) -> None:
    assert history.find_counterparty("ООО Ромашка").inn == "7701000001"
    assert history.find_counterparty("7701000001").name == "ООО Ромашка"
    with pytest.raises(AmbiguousError) as info:
        history.find_counterparty("Ромашк")
    assert len(info.value.candidates) >= 2


def test_client_card_events_same_story_in_both_families(history: History) -> None:
    cp = history.find_counterparty("ООО Ромашка")
    events = list(history.events(EventFilter(counterparty=cp.ref)))
    assert len(events) >= 4
    dates = [e.date for e in events]
    assert None not in dates
    assert dates == sorted((d for d in dates if d is not None), reverse=True)  # newest first, like 1C's tab
    first = events[-1]
    assert first.kind is EventKind.CALL and first.direction is Direction.INCOMING
    assert first.subject is not None and "5 мониторов" in first.subject
    assert first.state is EventState.COMPLETED
    assert all(e.counterparty == cp.ref and e.counterparty_name == "ООО Ромашка" for e in events)
    assert all(e.responsible_name for e in events)
    offer = events[-2]
    assert offer.direction is Direction.OUTGOING
    assert offer.basis is not None and offer.basis.ref == first.ref


def test_unregistered_caller_kept_as_text(history: History) -> None:
    texts = [e for e in history.events(limit=None) if e.counterparty is None and e.counterparty_text]
    assert texts, "the demo has an unregistered caller"
    assert all(e.who == e.counterparty_text for e in texts)


def test_filters_by_kind_state_direction_period(history: History) -> None:
    since, until = datetime(2025, 1, 1), datetime(2025, 12, 31, 23, 59, 59)
    calls = list(history.events(EventFilter(kind=EventKind.CALL, direction=Direction.INCOMING,
                                            state=EventState.COMPLETED, since=since, until=until), limit=None))
    assert calls
    for e in calls:
        assert e.kind is EventKind.CALL and e.direction is Direction.INCOMING and e.state is EventState.COMPLETED
        assert e.date is not None and since <= e.date <= until
    planned = list(history.events(EventFilter(state=EventState.PLANNED), limit=None))
    assert planned and all(e.state is EventState.PLANNED for e in planned)


def test_listing_events_with_names_takes_a_handful_of_requests(history: History) -> None:
    history.client.metadata()
    history.state_lookup()
    stats = history.client.transport.stats
    before = stats.requests
    events = list(history.events(limit=500))
    used = stats.requests - before
    assert len(events) >= 300
    assert all(e.responsible_name for e in events if e.responsible)
    # 500 events in pages of 200 (3) + names of users and counterparties in bulk — not one per row
    assert used <= 12, used
