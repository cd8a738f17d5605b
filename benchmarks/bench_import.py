"""Benchmark: ``events import`` throughput with ``--jobs 1`` and ``--jobs 4``, and what exactly-once costs.

Each scenario gets a fresh demo base (family A, "ut10") served by a child process, so the server
does not share the interpreter lock with the client, and imports the same generated file of
call records (``--rows``, default 1,000: distinct external ids, clients named by ИНН, code and
name so that bulk resolution is exercised). ``latency`` is added by the server to every request,
standing in for the time a real 1C takes to write a document (tens of milliseconds); at 0 ms the
numbers show the client's own overhead.

Scenarios:
- ``naive``      a bare loop of ``Client.create`` per row: no validation, no ledger, no dedup —
                 the floor every exactly-once importer is compared with.
- ``import``     ``EventWriter.import_rows``: validation, bulk references, ledger (on disk,
                 fsync before every send), deterministic keys.
- ``re-run``     the same file again: every row is already present (no request per row).
- ``faults``     ``import`` through 10% 503s and 5% dropped connections (half of them after the
                 write was applied).

    .venv/bin/python benchmarks/bench_import.py                 # table for benchmarks/README.md
    .venv/bin/python benchmarks/bench_import.py --rows 300 --latency 0 0.02
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from onec_history.client import Client  # noqa: E402
from onec_history.create import EventWriter, Ledger, read_rows  # noqa: E402
from onec_history.history import History  # noqa: E402
from onec_history.transport import RetryPolicy, Transport  # noqa: E402

# The shipped demo server answers in two TCP segments without TCP_NODELAY, so Nagle's algorithm
# and the client's delayed ACK add ~40 ms to every request (reported to the demo's owner); that
# would hide everything the client does. By default the child turns Nagle off (--as-shipped keeps it).
_SERVER = """
import sys
from onec_history.demo.server import Faults, _Handler, start_demo
_Handler.disable_nagle_algorithm = sys.argv[2] == "nodelay"
server = start_demo("ut10", faults=Faults.parse(sys.argv[1]) if sys.argv[1] else None)
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""

_CLIENTS = ("7701000001", "inn:7701000001", "ООО Ромашка", "000000004")


def make_csv(rows: int) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(["external_id", "counterparty", "kind", "direction", "state", "start", "end", "subject", "body"])
    for i in range(rows):
        start = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} {8 + i % 10:02d}:{i % 60:02d}:00"
        w.writerow([f"pbx-{i}", _CLIENTS[i % len(_CLIENTS)], "ТелефонныйЗвонок", "Входящее", "Завершено",
                    start, "", f"Звонок №{i} с сайта", f"Запись разговора: https://pbx.example/rec/{i}.mp3"])
    return buf.getvalue().encode("utf-8")


NODELAY = "nodelay"


@contextmanager
def demo_process(faults: str) -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, faults, NODELAY], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(timeout=30)


def history(url: str) -> History:
    return History(Client(Transport(url, retry=RetryPolicy(attempts=8, backoff=0.05, max_backoff=0.5))))


def run_naive(url: str, data: bytes) -> dict[str, Any]:
    h = history(url)
    body_of = {"ВидСобытия": "ТелефонныйЗвонок", "ТипСобытия": "Входящее", "СостояниеСобытия": "Завершено"}
    cp = h.find_counterparty("7701000001").ref
    rows = list(csv.DictReader(io.StringIO(data.decode()), delimiter=";"))
    h.client.metadata()
    started = time.perf_counter()
    for row in rows:
        h.client.create("Document_Событие", {**body_of, "Контрагент": cp,
                                             "Контрагент_Type": "StandardODATA.Catalog_Контрагенты",
                                             "НачалоСобытия": row["start"].replace(" ", "T"),
                                             "ОписаниеСобытия": row["subject"], "СодержаниеСобытия": row["body"]})
    return {"seconds": time.perf_counter() - started, "requests": h.client.transport.stats.requests}


def run_import(url: str, data: bytes, jobs: int, ledger: Path, *, setup: bool = True) -> dict[str, Any]:
    h = history(url)
    writer = EventWriter(h, Ledger(ledger, url), jobs=jobs, backoff=0.05, max_backoff=0.5)
    if setup:
        h.client.metadata()  # $metadata is cached on disk in real use: not part of the per-row cost
    before = h.client.transport.stats.requests
    started = time.perf_counter()
    summary = writer.import_rows(read_rows("calls.csv", stream=io.BytesIO(data)))
    seconds = time.perf_counter() - started
    writer.ledger.close()
    counts = summary.counts()
    return {"seconds": seconds, "requests": h.client.transport.stats.requests - before,
            "created": counts["created"], "present": counts["already_present"], "failed": counts["failed"]}


def scenario(name: str, rows: int, data: bytes, jobs: int, latency: float, tmp: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    faults = f"latency={latency}" + (",503=0.1,drop=0.05,drop_after=0.5,seed=1" if name == "faults" else "")
    with demo_process(faults) as url:
        ledger = tmp / f"{name}-{jobs}-{latency}.sqlite"
        if name == "naive":
            res = run_naive(url, data)
            out.append({"scenario": "naive loop", **res})
        else:
            res = run_import(url, data, jobs, ledger)
            out.append({"scenario": "import" if name == "import" else "import through faults", **res})
            if name == "import":
                again = run_import(url, data, jobs, ledger)
                out.append({"scenario": "re-run (all present)", **again})
    for r in out:
        r.update(jobs=jobs, latency_ms=round(latency * 1000), rows=rows, rows_per_s=rows / r["seconds"],
                 requests_per_row=r["requests"] / rows)
    return out


def table(results: list[dict[str, Any]]) -> str:
    lines = ["| scenario | latency, ms | jobs | seconds | rows/s | requests/row | created / present / failed |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        tally = f"{r.get('created', r['rows'])} / {r.get('present', 0)} / {r.get('failed', 0)}"
        lines.append(f"| {r['scenario']} | {r['latency_ms']} | {r['jobs']} | {r['seconds']:.2f} | "
                     f"{r['rows_per_s']:.0f} | {r['requests_per_row']:.2f} | {tally} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 0.02],
                        help="seconds the server adds to each request (default: 0 and 0.02)")
    parser.add_argument("--as-shipped", action="store_true", help="keep the demo server's Nagle delay")
    args = parser.parse_args()
    global NODELAY
    NODELAY = "nagle" if args.as_shipped else "nodelay"
    data = make_csv(args.rows)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        for latency in args.latency:
            results += scenario("naive", args.rows, data, 1, latency, Path(tmp))
            for jobs in (1, 4):
                results += scenario("import", args.rows, data, jobs, latency, Path(tmp))
            results += scenario("faults", args.rows, data, 4, latency, Path(tmp))
            print(table(results), file=sys.stderr, flush=True)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
