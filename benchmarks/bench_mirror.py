"""Benchmark: the mirror on a synthetic demo base — a full copy, a run with nothing changed, and a
run after 1% of the events and counterparties were edited in 1C (requests, bytes, wall time).

    .venv/bin/python benchmarks/bench_mirror.py --events 20000 --counterparties 2000
    .venv/bin/python benchmarks/bench_mirror.py --family ut11 --events 20000 --counterparties 2000   # family C
    .venv/bin/python benchmarks/bench_mirror.py --events 20000 --pg postgresql://postgres@127.0.0.1:55432/onec_test

The base is made by ``onec_history.demo.generator`` (kept under /tmp/onec-bench-mirror for the
next run) and served in-process; the edits go through OData PATCH like a 1C user's would (every
100th object, spread over the whole set: the worst case for fetching by key).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/onec-bench-mirror")
sys.path.insert(0, str(ROOT))


def generate(family: str, events: int, counterparties: int) -> Path:
    out = WORK / f"{family}-{events}-{counterparties}.sqlite"
    if not out.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "onec_history.demo.generator", "--family", family, "--events",
                        str(events), "--counterparties", str(counterparties), "--seed", "1", "--out", str(out),
                        "--quiet"], check=True, cwd=ROOT)
    return out


def timed_sync(mirror: Any, **kw: Any) -> dict[str, Any]:
    t0 = time.perf_counter()
    report = mirror.sync(**kw)
    return {"wall_s": round(time.perf_counter() - t0, 2), "requests": report.requests, "bytes": report.bytes,
            "rows_changed": report.changed, "modes": sorted({s.mode for s in report.sets})}


def edit_one_percent(history: Any) -> int:
    from onec_history.query import Query

    client, p = history.client, history.profile
    touched = 0
    every = [(v.event_set, "DeletionMark") for v in p.views()]  # family C: its six interaction documents
    for entity_set, prop in (*every, (p.counterparty_set, "Description")):
        rows = list(client.iterate(entity_set, Query(select=("Ref_Key", prop))))
        for row in rows[::100]:
            value = (not row[prop]) if prop == "DeletionMark" else f"{str(row[prop]).strip()[:90]} (изм.)"
            client.patch(entity_set, row["Ref_Key"], {prop: value})
            touched += 1
    return touched


def run(args: argparse.Namespace) -> dict[str, Any]:
    from onec_history.client import Client
    from onec_history.demo.server import start_demo
    from onec_history.history import History
    from onec_history.mirror.sync import Mirror
    from onec_history.transport import Transport

    base = generate(args.family, args.events, args.counterparties)
    results: dict[str, Any] = {"family": args.family, "events": args.events, "counterparties": args.counterparties}
    with start_demo(base) as server, tempfile.TemporaryDirectory() as tmp:
        history = History(Client(Transport(server.url, read_timeout=600), page_size=args.page_size))
        assert history.profile.event_set  # metadata before the clock starts: a real run has it cached
        dbs = {"sqlite": f"sqlite:///{Path(tmp) / 'mirror.db'}"}
        if args.pg:
            from onec_history.mirror import schema as ms
            from onec_history.mirror.sync import engine_for

            engine = engine_for(args.pg)
            ms.metadata.drop_all(engine)
            engine.dispose()
            dbs["postgresql"] = args.pg
        mirrors = {name: Mirror(history, url) for name, url in dbs.items()}
        for name, mirror in mirrors.items():
            results[f"{name}.full"] = timed_sync(mirror)
            results[f"{name}.unchanged"] = timed_sync(mirror)
        results["edited_objects"] = edit_one_percent(history)
        for name, mirror in mirrors.items():
            results[f"{name}.after_1pct"] = timed_sync(mirror)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--family", choices=("ut10", "unf", "ut11"), default="ut10")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--counterparties", type=int, default=2_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--pg", help="Also mirror into this PostgreSQL URL (its mirror tables are dropped first).")
    results = run(parser.parse_args())
    print(json.dumps(results, ensure_ascii=False, indent=2))
    for db in ("sqlite", "postgresql"):
        full, inc = results.get(f"{db}.full"), results.get(f"{db}.after_1pct")
        if full and inc:
            print(f"{db}: after 1% edits {inc['requests']} requests / {inc['bytes']:,} bytes / {inc['wall_s']} s "
                  f"vs full {full['requests']} / {full['bytes']:,} / {full['wall_s']} s "
                  f"({inc['bytes'] / full['bytes']:.1%} of the bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
