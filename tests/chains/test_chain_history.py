"""A client's history (walk and bulk graph agree) and the period link graph."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from chain_helpers import chains_for, first_call

from onec_history.chains.graph import count_scan, scan_links
from onec_history.chains.timeline import build_timeline
from onec_history.demo.server import DemoServer

ROMASHKA_INN = "7701000001"


@pytest.mark.parametrize("strategy", ["walk", "scan"])
def test_romashka_history_is_one_chain(ut10: DemoServer, strategy: str) -> None:
    chains = chains_for(ut10.url)
    cp = chains.history.find_counterparty(ROMASHKA_INN)
    timeline = chains.timeline(cp.ref, strategy=strategy)
    assert timeline.strategy == strategy
    assert len(timeline.groups) == 1
    nodes = [timeline.chain.nodes[k] for k in timeline.groups[0]]
    assert [n.key.type_name for n in nodes] == ["Событие", "Событие", "Событие", "ЗаказПокупателя",
                                                "СчетНаОплатуПокупателю", "РеализацияТоваровУслуг", "Событие",
                                                "Событие"]
    assert [n.date for n in nodes] == sorted(n.date for n in nodes if n.date)
    assert timeline.own == set(timeline.groups[0])  # every step is made out to Ромашка
    assert len(timeline.chain.edges) == 7


def test_walk_and_scan_find_the_same_history(ut10: DemoServer) -> None:
    chains = chains_for(ut10.url)
    # A busy ordinary client: events, orders, invoices, deliveries and their links.
    rows = list(chains.history.search_counterparties(buyers_only=True, limit=4))
    best = max(rows, key=lambda c: len(chains.timeline(c.ref, strategy="walk", names=False).chain.nodes))
    walked = chains.timeline(best.ref, strategy="walk", names=False)
    scanned = chains.timeline(best.ref, strategy="scan", names=False)
    assert len(walked.chain.nodes) > 5
    assert set(walked.chain.nodes) == set(scanned.chain.nodes)
    assert set(walked.chain.edges) == set(scanned.chain.edges)
    assert [len(g) for g in walked.groups] == [len(g) for g in scanned.groups]


def test_period_limits_the_client_documents(ut10: DemoServer) -> None:
    chains = chains_for(ut10.url)
    cp = chains.history.find_counterparty(ROMASHKA_INN)
    timeline = chains.timeline(cp.ref, since=datetime(2026, 3, 5), until=datetime(2026, 3, 5, 23, 59, 59))
    inside = timeline.own - timeline.outside
    assert {timeline.chain.nodes[k].key.type_name for k in inside} == {"Событие", "ЗаказПокупателя",
                                                                       "СчетНаОплатуПокупателю"}
    assert len(inside) == 3
    # The chain that touches the period is shown whole; its other documents are marked outside.
    assert len(timeline.chain.nodes) == 8 and len(timeline.outside) == 5


def test_unf_history_finds_events_by_participant(unf: DemoServer) -> None:
    chains = chains_for(unf.url)
    cp = chains.history.find_counterparty(ROMASHKA_INN)
    timeline = chains.timeline(cp.ref)
    assert len(timeline.groups) == 1 and len(timeline.groups[0]) == 8
    states = {timeline.chain.nodes[k].state for k in timeline.groups[0]} - {None}
    assert states == {"Завершено", "Запланировано"}


def test_auto_walks_for_a_small_client(ut10: DemoServer) -> None:
    chains = chains_for(ut10.url)
    cp = chains.history.find_counterparty(ROMASHKA_INN)
    before = chains.client.transport.stats.requests
    timeline = build_timeline(chains.walker(), chains.history.profile, cp.ref)
    assert timeline.strategy == "walk"
    assert chains.client.transport.stats.requests - before < 30


def test_period_graph_holds_the_story(ut10: DemoServer) -> None:
    chains = chains_for(ut10.url)
    start = first_call(chains)
    graph = scan_links(chains.client, chains.links, since=datetime(2026, 3, 1), until=datetime(2026, 3, 31))
    story = graph.related([start])
    assert len(story) == 8
    assert max(len(c) for c in graph.components()) >= 8
    assert set(graph.passes) == {"Document_Событие", "Document_ЗаказПокупателя", "Document_СчетНаОплатуПокупателю",
                                 "Document_СчетНаОплатуПокупателю_Товары", "Document_РеализацияТоваровУслуг",
                                 "Document_РеализацияТоваровУслуг_Товары"}
    # Only documents of the period are read (sections are kept for owners of the period).
    assert all(d is None or datetime(2026, 3, 1) <= d <= datetime(2026, 3, 31) for d in graph.dates.values())
    counts = count_scan(chains.client, chains.links, since=datetime(2026, 3, 1), until=datetime(2026, 3, 31))
    assert counts["Document_Событие"] == sum(1 for k in graph.dates if k.entity_set == "Document_Событие")


def test_small_url_budget_splits_requests_and_changes_nothing(ut10: DemoServer) -> None:
    """Every query string stays under the budget; a tight budget means more requests, same history."""
    results = {}
    for budget in (1500, 900):
        chains = chains_for(ut10.url, budget=budget)
        cp = chains.history.find_counterparty(ROMASHKA_INN)
        sizes: list[int] = []
        original = chains.client.transport.get_json

        def spy(path: str, query: str = "", original: Any = original, sizes: list[int] = sizes) -> object:
            sizes.append(len(query))
            return original(path, query)

        chains.client.transport.get_json = spy  # type: ignore[method-assign]
        timeline = chains.timeline(cp.ref, strategy="walk", names=False)
        assert max(sizes) <= budget
        results[budget] = (set(timeline.chain.nodes), set(timeline.chain.edges), len(sizes))
    assert results[900][:2] == results[1500][:2]
    assert results[900][2] > results[1500][2]


def test_history_renders_as_documented_json_and_as_text(ut10: DemoServer) -> None:
    from onec_history.chains.render import HISTORY_FORMAT, history_json, history_text, step_state

    chains = chains_for(ut10.url)
    cp = chains.history.find_counterparty(ROMASHKA_INN)
    timeline = chains.timeline(cp.ref, strategy="walk")
    doc = history_json(timeline, {"ref": cp.ref, "name": cp.name}, {"requests": 3})
    assert doc["format"] == HISTORY_FORMAT and doc["stats"] == {"requests": 3}
    [group] = doc["chains"]
    assert group["size"] == len(group["nodes"]) == 8 and len(group["edges"]) == 7
    assert all(n["own"] for n in group["nodes"])
    first = timeline.chain.nodes[timeline.groups[0][0]]
    assert first.date is not None
    assert group["nodes"][0]["step"] == step_state(first) and group["first"] == first.date.isoformat()
    text = history_text(timeline, cp.name, cp.ref)
    lines = text.splitlines()
    assert lines[0] == f"{cp.name} — документов: 8, цепочек: 1"
    assert lines[2].startswith("Цепочка 1 (8 док., ")
    assert len(lines) == 3 + 8 and text.endswith("\n")
    assert sum("←" in line for line in lines) == 7  # each link shown once, on the child


def test_kind_is_the_logical_kind_in_chain_json_as_in_event_json(ut10: DemoServer) -> None:
    from onec_history.chains.render import node_json

    chains = chains_for(ut10.url)
    chain = chains.walk(first_call(chains))
    events = [node_json(n) for n in chain.nodes.values() if n.key.entity_set == "Document_Событие"]
    assert events and all(e["kind"] in {"call", "meeting", "email", "letter", "other"} for e in events)
    assert {e["kind_raw"] for e in events} <= {"ТелефонныйЗвонок", "ЛичнаяВстреча", "ЭлектронноеПисьмо",
                                                "ПочтовоеПисьмо", "Прочее"}
    card = chains.history.get_event(chain.nodes[first_call(chains)].key.ref)
    first = node_json(chain.nodes[first_call(chains)])
    assert (first["kind"], first["kind_raw"]) == (card.kind.value if card.kind else None, card.kind_raw)
