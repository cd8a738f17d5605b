"""Family C (УТ 11 / КА 2 / ERP): a client's interactions and history cost requests that do not grow
with the number of its interactions.

A generated ut11 base (``demo generate --family ut11``) is served in its own process. For a
sample of counterparties of very different sizes it measures the requests, bytes and time of
(1) the client's interactions (``events list --counterparty``: the partner, its contact persons,
one query per interaction document) and (2) its whole history (``history``: interactions, the
partner's sales documents, the chains and the deals around them). "Naive" reads the client's
interactions the way a straightforward client would: every interaction document page by page,
filtered on the client side (what it must do without knowing the partner indirection).

    .venv/bin/python benchmarks/bench_family_c.py                      # 20k interactions, 200 partners
    .venv/bin/python benchmarks/bench_family_c.py --events 100000 --partners 1000 --latency 0.02
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path

from bench_chains import served

from onec_history import query as q
from onec_history.chains.chains import Chains
from onec_history.client import Client
from onec_history.demo.generator import generate
from onec_history.events.read import EventFilter
from onec_history.history import History
from onec_history.transport import Transport

OUT = Path(__file__).resolve().parent / "out"


def measure(client: Client, fn: object) -> tuple[object, int, int, float]:
    st = client.transport.stats
    r0, b0, t0 = st.requests, st.bytes_received, time.perf_counter()
    result = fn()  # type: ignore[operator]
    return result, st.requests - r0, st.bytes_received - b0, time.perf_counter() - t0


def naive_count(client: Client, partner: str, persons: set[str]) -> int:
    """The client's interactions found by reading every interaction document in full."""
    found = 0
    profile = History(client).profile
    for view in profile.views():
        shape_props = [p for p in (view.event_attr("counterparty"),) if p is not None]
        section = view.participants_section
        select = ("Ref_Key", *(a.prop for a in shape_props), *((section,) if section else ()))
        for row in client.iterate(view.event_set, q.Query(select=select)):
            refs = {str(row.get(a.prop)) for a in shape_props}
            refs |= {str(line.get("Контакт")) for line in row.get(section or "", ()) or ()}
            if partner in refs or refs & persons:
                found += 1
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--sample", type=int, default=8)
    parser.add_argument("--naive", action="store_true", help="also the naive full read (slow on big bases)")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"ut11-{args.events}-{args.partners}.sqlite"
    if not path.exists():
        generate(path, family="ut11", events=args.events, counterparties=args.partners, seed=1)
    with served(path, args.latency) as url:
        client = Client(Transport(url))
        history = History(client)
        profile = history.profile
        cps = [(str(r["Ref_Key"]), r.get("Description")) for r in client.iterate(
            profile.counterparty_set, q.Query(select=("Ref_Key", "Description"), top=400))]
        sizes = []
        for ref, _ in cps:
            n = sum(1 for _ in History(client).events(EventFilter(counterparty=ref), resolve_names=False))
            sizes.append((n, ref))
        sizes.sort()
        picks = [sizes[int(i * (len(sizes) - 1) / max(args.sample - 1, 1))] for i in range(args.sample)]
        print(f"base: {path.name}, latency {args.latency * 1000:.0f} ms, page size {client.page_size}")
        print("| interactions | events: requests | KB | s | history: documents | requests | s |"
              + (" naive requests |" if args.naive else ""))
        print("|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if args.naive else ""))
        costs = []
        for n, ref in picks:
            fresh = Client(Transport(url))
            fresh.metadata()
            h = History(fresh)
            _, req, nbytes, secs = measure(fresh, lambda h=h, ref=ref: list(h.events(EventFilter(counterparty=ref))))
            fresh2 = Client(Transport(url))
            fresh2.metadata()
            chains = Chains(History(fresh2))
            timeline, hreq, _, hsecs = measure(fresh2, lambda chains=chains, ref=ref: chains.timeline(ref))
            docs = len(timeline.chain.nodes)  # type: ignore[attr-defined]
            line = f"| {n} | {req} | {nbytes // 1024} | {secs:.2f} | {docs} | {hreq} | {hsecs:.2f} |"
            if args.naive:
                partners = History(fresh).base.partners
                partner = partners.partner_of(ref) or ""
                persons = set(partners.persons_of(partner)) if partner else set()
                _, nreq, _, _ = measure(fresh, partial(naive_count, fresh, partner, persons))
                line += f" {nreq} |"
            print(line)
            costs.append((n, req))
        small = [r for n, r in costs if n <= statistics.median(n for n, _ in costs)]
        big = [r for n, r in costs if n > statistics.median(n for n, _ in costs)]
        if small and big:
            print(f"events requests, small half / big half of the sample: {statistics.mean(small):.1f} / "
                  f"{statistics.mean(big):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
