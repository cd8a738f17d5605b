"""Benchmark: ten generated demo bases mirrored into one warehouse (SQLite and PostgreSQL), one base after
another against ``--jobs 4``, with a fixed latency added to every request of 1C.

    .venv/bin/python benchmarks/bench_many_bases.py                     # 10 bases × 2,000 events, 20 ms
    .venv/bin/python benchmarks/bench_many_bases.py --pg postgresql://postgres@127.0.0.1:55432/onec_test
    .venv/bin/python benchmarks/bench_many_bases.py --bases 10 --events 5000 --latency 0.02 --runs 3

The bases (families A, B and C in turn) are made by ``demo generate`` once (kept under
/tmp/onec-bench-many) and each served by a process of its own (``demo serve --faults latency=…``), so
the client's CPU is measured apart from the servers': the mirror run is a child process, and its CPU
time (user + system, from the operating system) against its wall time is the share of the run spent
in the client; the rest is waiting for 1C (and the database). Each figure is the median of ``--runs``
full copies into an empty warehouse, and the rows of every base are checked to be there.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/onec-bench-many")
FAMILIES = ("ut10", "unf", "ut11")


def generate(i: int, events: int) -> Path:
    family = FAMILIES[i % len(FAMILIES)]
    out = WORK / f"{family}-{events}-{i}.sqlite"
    if not out.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "onec_history", "demo", "generate", "--family", family, "--events",
                        str(events), "--counterparties", str(max(events // 10, 50)), "--seed", str(i + 1),
                        "--out", str(out)], check=True, cwd=ROOT, capture_output=True)
    return out


@contextmanager
def served(paths: list[Path], latency: float) -> Iterator[list[str]]:
    procs = []
    try:
        for n, path in enumerate(paths):
            port = 18900 + n
            procs.append(subprocess.Popen([sys.executable, "-m", "onec_history", "-q", "demo", "serve", "--dataset",
                                           str(path), "--port", str(port), "--faults", f"latency={latency}"],
                                          cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls = [f"http://127.0.0.1:{18900 + n}/demo/odata/standard.odata/" for n in range(len(paths))]
        _wait(urls)
        yield urls
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def _wait(urls: list[str]) -> None:
    import requests

    deadline = time.monotonic() + 60
    for url in urls:
        while True:
            try:
                if requests.get(url + "$metadata", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the demo server at {url} did not start")
            time.sleep(0.2)


def empty(db: str) -> None:
    if db.startswith("sqlite:///"):
        Path(db.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    sys.path.insert(0, str(ROOT))
    from onec_history.mirror.sync import engine_for

    engine = engine_for(db)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()


def run(config: Path, db: str, jobs: int, env: dict[str, str]) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "onec_history", "--config", str(config), "--base", "all", "-q",
                           "mirror", "--db", db, "--jobs", str(jobs), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"mirror failed ({done.returncode}): {done.stderr[-2000:]}")
    summary = json.loads(done.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "rows": sum(b["rows"] for b in summary["bases"]),
            "requests": sum(b["requests"] for b in summary["bases"]), "ok": summary["ok"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bases", type=int, default=10)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--pg", help="also a PostgreSQL warehouse (a database this benchmark may empty)")
    args = parser.parse_args()
    paths = [generate(i, args.events) for i in range(args.bases)]
    config = WORK / "bases.toml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEC_")}
    env.update(XDG_CACHE_HOME=str(WORK / "cache"), XDG_DATA_HOME=str(WORK / "data"))
    targets = [("SQLite", f"sqlite:///{WORK / 'warehouse.db'}")] + ([("PostgreSQL", args.pg)] if args.pg else [])
    print(f"{args.bases} bases × {args.events} events ({', '.join(FAMILIES)} in turn), {args.latency * 1000:.0f} ms "
          f"per request, median of {args.runs} runs, {os.cpu_count()} cores")
    print("| warehouse | jobs | wall s | client CPU s | client share | waiting | rows | requests | speed-up |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    with served(paths, args.latency) as urls:
        config.write_text("".join(f'[bases.b{n:02d}]\nurl = "{u}"\n' for n, u in enumerate(urls)), encoding="utf-8")
        for label, db in targets:
            first: float | None = None
            for jobs in (1, args.jobs):
                results = []
                for _ in range(args.runs):
                    empty(db)
                    results.append(run(config, db, jobs, env))
                    assert results[-1]["ok"] == args.bases
                wall = statistics.median(r["wall"] for r in results)
                cpu = statistics.median(r["cpu"] for r in results)
                first = first or wall
                r = results[0]
                print(f"| {label} | {jobs} | {wall:.2f} | {cpu:.2f} | {cpu / wall:.0%} | {1 - cpu / wall:.0%} | "
                      f"{r['rows']} | {r['requests']} | {first / wall:.2f}× |")


if __name__ == "__main__":
    main()
