"""The period rule of a client's history: whole chains touching the period, the same by every strategy."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta

import pytest
from chain_helpers import chains_for

from onec_history.chains.chains import Chains
from onec_history.chains.timeline import Timeline, in_period
from onec_history.demo.server import DemoServer

ROMASHKA_INN = "7701000001"


def answer(t: Timeline) -> tuple[frozenset[str], frozenset[str], list[list[str]]]:
    return (frozenset(k.id for k in t.chain.nodes), frozenset(k.id for k in t.outside),
            [[k.id for k in g] for g in t.groups])


def days(t: Timeline) -> list[datetime]:
    whens = {n.when.replace(hour=0, minute=0, second=0) for n in t.chain.nodes.values() if n.when}
    return sorted(whens | {min(whens) - timedelta(days=1), max(whens) + timedelta(days=1)})


def periods(t: Timeline, n: int, seed: int) -> list[tuple[datetime | None, datetime | None]]:
    edges = days(t)
    pairs = [(a, b) for a, b in itertools.combinations_with_replacement(edges, 2)]
    rng = random.Random(seed)
    picked = rng.sample(pairs, min(n, len(pairs)))
    return [(a, b + timedelta(hours=23, minutes=59, seconds=59)) for a, b in picked] + [
        (edges[len(edges) // 2], None), (None, edges[len(edges) // 2])]


def check(chains: Chains, ref: str, n: int, seed: int) -> int:
    whole = chains.timeline(ref, strategy="walk", names=False)
    assert answer(whole) == answer(chains.timeline(ref, strategy="scan", names=False))
    checked = 0
    for since, until in periods(whole, n, seed):
        walked = chains.timeline(ref, since=since, until=until, strategy="walk", names=False)
        scanned = chains.timeline(ref, since=since, until=until, strategy="scan", names=False)
        assert answer(walked) == answer(scanned), (since, until)
        # the rule itself: exactly the whole chains with a document in the period
        expected = [g for g in whole.groups if any(in_period(whole.chain.nodes[k], since, until) for k in g)]
        assert [[k.id for k in g] for g in walked.groups] == [[k.id for k in g] for g in expected]
        for key, node in walked.chain.nodes.items():
            assert (key in walked.outside) is not in_period(node, since, until)
        checked += 1
    return checked


@pytest.mark.parametrize("family", ["ut10", "unf"])
def test_walk_and_scan_agree_for_every_period(family: str, request: pytest.FixtureRequest) -> None:
    srv: DemoServer = request.getfixturevalue(family)
    chains = chains_for(srv.url)
    clients = [chains.history.find_counterparty(ROMASHKA_INN),
               *chains.history.search_counterparties(buyers_only=True, limit=3)]
    assert sum(check(chains, c.ref, 8, seed) for seed, c in enumerate(clients)) >= 30


def test_the_reported_periods_give_the_whole_chain(ut10: DemoServer) -> None:
    chains = chains_for(ut10.url)
    cp = chains.history.find_counterparty(ROMASHKA_INN)
    for since, until in [(datetime(2026, 3, 5), datetime(2026, 3, 5, 23, 59, 59)),
                         (datetime(2026, 3, 12), None), (None, datetime(2026, 3, 2, 23, 59, 59))]:
        for strategy in ("walk", "scan"):
            t = chains.timeline(cp.ref, since=since, until=until, strategy=strategy, names=False)
            assert len(t.groups) == 1 and len(t.chain.nodes) == 8, (since, until, strategy)
            assert 0 < len(t.chain.nodes) - len(t.outside) < 8


def test_a_planned_call_counts_by_its_start(ut10: DemoServer) -> None:
    chains = chains_for(ut10.url)
    cp = chains.history.find_counterparty(ROMASHKA_INN)
    whole = chains.timeline(cp.ref, strategy="walk", names=False)
    moved = [n for n in whole.chain.nodes.values() if n.start and n.date and n.start.date() != n.date.date()]
    assert moved, "the demo has an event planned for another day than its document date"
    node = moved[0]
    assert node.start is not None and node.date is not None
    day = node.start.replace(hour=0, minute=0, second=0)
    t = chains.timeline(cp.ref, since=day, until=day + timedelta(hours=23, minutes=59, seconds=59),
                        strategy="walk", names=False)
    assert node.key in t.chain.nodes and node.key not in t.outside
    by_date = node.date.replace(hour=0, minute=0, second=0)
    t = chains.timeline(cp.ref, since=by_date, until=by_date + timedelta(hours=23, minutes=59, seconds=59),
                        strategy="walk", names=False)
    assert node.key in t.outside or node.key not in t.chain.nodes
