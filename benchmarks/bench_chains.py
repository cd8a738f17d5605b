"""Chains and client histories on a big synthetic base: onec-history against a naive walk.

The naive walk is what a straightforward OData client does: read each document by key, then ask
one reverse query per (document, link attribute) for its children and one section query per
(document, section link) for its parents. onec-history asks per *level* and per *set*, grouping
documents into ``or``-filters under the URL budget, and reads whole periods in bulk when that is
cheaper. Both build the same graph (checked); names are not resolved in either.

    .venv/bin/python benchmarks/bench_chains.py                  # generates ~100k documents once
    .venv/bin/python benchmarks/bench_chains.py --latency 0.03   # 30 ms per request, like a LAN 1C

The demo base runs in a separate process so that its CPU time is not counted as the client's.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from onec_history import query as q
from onec_history.chains.chains import Chains
from onec_history.chains.links import Link, LinkTable
from onec_history.chains.model import Chain, DocKey, Node
from onec_history.chains.nodes import NodeReader, link_value
from onec_history.chains.timeline import Timeline, _keep_period, own_documents
from onec_history.chains.walk import link_term
from onec_history.client import Client
from onec_history.history import History
from onec_history.transport import Transport

ROOT = Path(__file__).resolve().parent.parent
_SERVER = """
import sys
from onec_history.demo.server import Faults, start_demo
srv = start_demo(sys.argv[1], faults=Faults(latency=float(sys.argv[2])))
print(srv.url, flush=True)
sys.stdin.read()
srv.stop()
"""


@contextmanager
def served(path: Path, latency: float) -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, str(path), str(latency)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)


class NaiveWalker:
    """Per document and per link: GET by key, one reverse query per (document, link)."""

    def __init__(self, client: Client, links: LinkTable, reader: NodeReader) -> None:
        self.client, self.links, self.reader = client, links, reader

    def read(self, chain: Chain, key: DocKey) -> None:
        if key in chain.nodes:
            return
        shape = self.reader.shape(key.entity_set)
        row = self.client.find(key.entity_set, key.ref, select=shape.select)
        node = shape.node(row) if row is not None else None
        if node is None:
            node = Node(key, missing="not found")
        chain.nodes[key] = node

    def parents(self, chain: Chain, key: DocKey) -> list[tuple[str, DocKey]]:
        out = list(chain.nodes[key].parents)
        for link in self.links.section_links(key.entity_set):
            query = q.Query(filter=q.eq("Ref_Key", uuid.UUID(key.ref)), select=("Ref_Key", "LineNumber", *link.columns))
            for row in self.client.iterate(link.query_set, query):
                parent = link_value(link, row)
                if parent is not None:
                    out.append((link.name, parent))
        return out

    def children(self, key: DocKey) -> list[tuple[str, DocKey]]:
        out: list[tuple[str, DocKey]] = []
        for link in self.links.pointing_to(key.entity_set):
            out.extend((link.name, child) for child in self._reverse(link, key))
        return out

    def _reverse(self, link: Link, key: DocKey) -> list[DocKey]:
        query = q.Query(filter=link_term(link, key), select=("Ref_Key",))
        return [DocKey(link.source_set, str(r["Ref_Key"])) for r in self.client.iterate(link.query_set, query)]

    def expand(self, chain: Chain, seeds: list[DocKey], depth: int, *, from_ancestors: bool) -> None:
        """Parents up to ``depth``, then children of the seeds (and of the ancestors, as 1C's form)."""
        level: list[DocKey] = list(seeds)
        done: set[DocKey] = set()
        ancestors: list[DocKey] = list(seeds)
        for _ in range(depth):
            nxt = []
            for key in level:
                if key in done or chain.nodes[key].missing:
                    continue
                done.add(key)
                for name, parent in self.parents(chain, key):
                    self.read(chain, parent)
                    chain.add_edge(parent, key, name)
                    nxt.append(parent)
                    ancestors.append(parent)
            level = nxt
        level, done = (list(dict.fromkeys(ancestors)) if from_ancestors else list(seeds)), set()
        for _ in range(depth):
            nxt = []
            for key in level:
                if key in done or chain.nodes[key].missing:
                    continue
                done.add(key)
                for name, child in self.children(key):
                    self.read(chain, child)
                    chain.add_edge(key, child, name)
                    nxt.append(child)
            level = nxt

    def walk(self, start: DocKey, depth: int = 20) -> Chain:
        chain = Chain(start)
        self.read(chain, start)
        self.expand(chain, [start], depth, from_ancestors=True)
        return chain


@dataclass
class Measure:
    requests: int
    received: int
    seconds: float


def measure(client: Client, fn: Callable[[], Any]) -> tuple[Any, Measure]:
    st = client.transport.stats
    r0, b0, t0 = st.requests, st.bytes_received, time.perf_counter()
    out = fn()
    return out, Measure(st.requests - r0, st.bytes_received - b0, time.perf_counter() - t0)


def best_of(repeat: int, client: Client, fn: Callable[[], Any]) -> tuple[Any, Measure]:
    """The fastest of ``repeat`` runs (the same requests each time; the least disturbed wall time)."""
    runs = [measure(client, fn) for _ in range(repeat)]
    return min(runs, key=lambda r: r[1].seconds)


def row(label: str, ours: Measure, naive: Measure, nodes: int, note: str = "") -> str:
    ratio_r = naive.requests / max(ours.requests, 1)
    ratio_t = naive.seconds / max(ours.seconds, 1e-9)
    return (f"| {label} | {nodes} | {ours.requests} | {naive.requests} | **{ratio_r:.1f}×** | "
            f"{ours.received / 1e3:,.0f} | {naive.received / 1e3:,.0f} | {ours.seconds:.2f} | {naive.seconds:.2f} | "
            f"**{ratio_t:.1f}×** | {note} |")


def samples(chains: Chains, n: int) -> list[tuple[str, DocKey]]:
    """Orders spread over the base, and follow-up events (entered on the basis of another event)."""
    c, p = chains.client, chains.history.profile
    out: list[tuple[str, DocKey]] = []
    orders = c.count("Document_ЗаказПокупателя")
    for i in range(n):
        row_ = next(c.iterate("Document_ЗаказПокупателя", q.Query(select=("Ref_Key",), orderby=("Date",),
                                                                  skip=orders * (2 * i + 1) // (2 * n), top=1)))
        out.append(("order", DocKey("Document_ЗаказПокупателя", str(row_["Ref_Key"]))))
    basis = p.event_attr("basis")
    assert basis is not None and basis.type_prop is not None
    flt = q.eq(basis.type_prop, f"StandardODATA.{p.event_set}")
    for r in c.iterate(p.event_set, q.Query(filter=flt, select=("Ref_Key",), orderby=("Date desc",), top=n)):
        out.append(("follow-up event", DocKey(p.event_set, str(r["Ref_Key"]))))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", type=Path, default=Path("/tmp/onec-history-bench/ut10-100k.sqlite"))
    ap.add_argument("--family", default="ut10", choices=["ut10", "unf"])
    ap.add_argument("--events", type=int, default=80_000)
    ap.add_argument("--counterparties", type=int, default=1_000)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds the demo adds to every request")
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--samples", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each case; the fastest is shown")
    args = ap.parse_args(argv)
    if not args.base.exists():
        args.base.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "onec_history.demo.generator", "--family", args.family, "--events",
                        str(args.events), "--counterparties", str(args.counterparties), "--seed", "1", "--out",
                        str(args.base), "--quiet"], check=True, cwd=ROOT)
    with served(args.base, args.latency) as url:
        client = Client(Transport(url))
        chains = Chains(History(client), jobs=args.jobs)
        links = chains.links
        total = sum(client.count(s) for s in links.document_sets() if s in client.metadata())
        print(f"base {args.base.name}: {total:,} documents in {len(links.document_sets())} linked sets; "
              f"latency {args.latency * 1000:.0f} ms/request; jobs {args.jobs}\n")
        print("| case | documents | requests | naive | ratio | KB | naive KB | s | naive s | ratio | |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        walker = chains.walker()
        naive = NaiveWalker(client, links, walker.reader)
        for label, key in samples(chains, args.samples):
            ours_chain, ours = best_of(args.repeat, client, partial(chains.walk, key, names=False))
            naive_chain, base = best_of(args.repeat, client, partial(naive.walk, key))
            assert set(ours_chain.nodes) == set(naive_chain.nodes), "the naive walk found another chain"
            assert set(ours_chain.edges) == set(naive_chain.edges)
            print(row(f"chain from a {label}", ours, base, len(ours_chain.nodes)))
        profile = chains.history.profile
        clients = [chains.history.find_counterparty("7701000001")]
        clients += list(chains.history.search_counterparties(buyers_only=True, limit=40))[20:22]
        worst: list[tuple[float, str]] = []
        for cp in clients:
            for since, until, period in ((None, None, "all time"),
                                         (datetime(2026, 1, 1), datetime(2026, 3, 31, 23, 59, 59), "3 months")):

                def naive_history(c: Any = cp, a: datetime | None = since, b: datetime | None = until) -> Timeline:
                    own = own_documents(walker, profile, c.ref)
                    chain = Chain(None, nodes=dict(own))
                    naive.expand(chain, [k for k, n in own.items() if not n.missing], 20, from_ancestors=False)
                    tl = Timeline(c.ref, a, b, chain, set(own), "naive")
                    tl.group()
                    if a is not None or b is not None:
                        _keep_period(tl, a, b)
                    return tl

                naive_tl, base = best_of(args.repeat, client, naive_history)
                for strategy in ("auto", "walk", "scan"):
                    tl, ours = best_of(args.repeat, client, partial(chains.timeline, cp.ref, since=since,
                                                                    until=until, strategy=strategy, names=False))
                    assert set(tl.chain.nodes) == set(naive_tl.chain.nodes), "histories differ"
                    assert set(tl.chain.edges) == set(naive_tl.chain.edges), "histories differ"
                    label = f"history {cp.name[:24]}, {period}, {strategy}"
                    print(row(label, ours, base, len(tl.chain.nodes),
                              f"{len(tl.own)} own, chose {tl.strategy}" if strategy == "auto" else ""))
                    if strategy == "auto":
                        worst.append((base.seconds / max(ours.seconds, 1e-9), label))
        slowest = min(worst)
        print(f"\nauto against the naive walk: {slowest[0]:.2f}× its speed at worst ({slowest[1]}); "
              f"{statistics.median(w for w, _ in worst):.2f}× median over {len(worst)} histories")
    return 0


if __name__ == "__main__":
    sys.exit(main())
