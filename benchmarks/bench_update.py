"""Benchmark: changing events in bulk (``events update``) with ``--jobs 1`` and ``--jobs 4``.

Each scenario gets a fresh family-A demo server in a child process (see ``bench_import.py``),
with ``latency`` added to every request. The targets are the first ``--rows`` events of the base
(default 300; the base holds 351); every one is rescheduled (the end moves with the start) and
completed.

Scenarios:
- ``naive``    a bare loop of GET + PATCH per event with the new values: no comparison, no
               DataVersion check, no ledger — the floor every careful updater is compared with.
- ``update``   ``Updater.run``: the events read in pages, compared, each PATCH with its
               DataVersion checked (a GET of the version, then PATCH with If-Match), the
               change ledger on disk; posted events re-posted.
- ``re-run``   the same changes again: every one already holds (no write at all).
- ``faults``   ``update`` through 10% 503s and 5% dropped connections (half after the write).

    .venv/bin/python benchmarks/bench_update.py                # table for benchmarks/README.md
    .venv/bin/python benchmarks/bench_update.py --rows 100 --latency 0
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_import import demo_process, history  # noqa: E402

from onec_history import query as q  # noqa: E402
from onec_history.models import EventState  # noqa: E402
from onec_history.update import Change, ChangeLedger, Status, Target, Updater  # noqa: E402

WHEN = datetime(2027, 3, 1, 9, 0)


def targets(url: str, rows: int) -> list[Target]:
    h = history(url)
    refs = [str(r["Ref_Key"]) for r in h.client.iterate("Document_Событие", q.Query(select=("Ref_Key",),
                                                                                     orderby=("Ref_Key",), top=rows))]
    return [Target(ref, Change(state=EventState.COMPLETED, start=WHEN + timedelta(minutes=i), keep_duration=True),
                   line=i) for i, ref in enumerate(refs, start=1)]


def run_naive(url: str, todo: list[Target]) -> dict[str, Any]:
    h = history(url)
    h.client.metadata()
    started = time.perf_counter()
    for t in todo:
        row = h.client.get("Document_Событие", t.address, select=("Ref_Key", "НачалоСобытия", "ОкончаниеСобытия"))
        assert t.change.start is not None
        h.client.patch("Document_Событие", t.address, {"СостояниеСобытия": "Завершено",
                                                        "НачалоСобытия": t.change.start.strftime("%Y-%m-%dT%H:%M:%S")})
        assert row
    return {"seconds": time.perf_counter() - started, "requests": h.client.transport.stats.requests}


def run_update(url: str, todo: list[Target], jobs: int, ledger: Path) -> dict[str, Any]:
    h = history(url)
    updater = Updater(h, ChangeLedger(ledger, url), jobs=jobs)
    before = h.client.transport.stats.requests
    started = time.perf_counter()
    results = updater.run(todo)
    seconds = time.perf_counter() - started
    counts = {s.value: sum(r.status is s for r in results) for s in Status}
    return {"seconds": seconds, "requests": h.client.transport.stats.requests - before,
            "changed": counts["changed"], "unchanged": counts["unchanged"],
            "failed": len(results) - counts["changed"] - counts["unchanged"]}


def scenario(name: str, rows: int, jobs: int, latency: float, tmp: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    faults = f"latency={latency}" + (",503=0.1,drop=0.05,drop_after=0.5,seed=1" if name == "faults" else "")
    with demo_process(faults) as url:
        todo = targets(url, rows)
        ledger = tmp / f"{name}-{jobs}-{latency}.sqlite"
        if name == "naive":
            out.append({"scenario": "naive GET+PATCH loop", **run_naive(url, todo)})
        else:
            out.append({"scenario": "update" if name == "update" else "update through faults",
                        **run_update(url, todo, jobs, ledger)})
            if name == "update":
                out.append({"scenario": "re-run (all unchanged)", **run_update(url, todo, jobs, ledger)})
    for r in out:
        r.update(jobs=jobs, latency_ms=round(latency * 1000), rows=rows, rows_per_s=rows / r["seconds"],
                 requests_per_row=r["requests"] / rows)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 0.02])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results: list[dict[str, Any]] = []
        for latency in args.latency:
            results += scenario("naive", args.rows, 1, latency, Path(tmp))
            results += scenario("update", args.rows, 1, latency, Path(tmp))
            results += scenario("update", args.rows, 4, latency, Path(tmp))
            results += scenario("faults", args.rows, 4, latency, Path(tmp))
    print("| scenario | latency ms | jobs | rows/s | requests/row | changed | unchanged | failed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['scenario']} | {r['latency_ms']} | {r['jobs']} | {r['rows_per_s']:,.0f} | "
              f"{r['requests_per_row']:.2f} | {r.get('changed', '—')} | {r.get('unchanged', '—')} | "
              f"{r.get('failed', '—')} |")


if __name__ == "__main__":
    main()
