"""Benchmark: a big synthetic demo base — generation time, server memory, first/last page latency.

Generates a family-A base (``--events`` events, ``--counterparties`` clients; 1M / 100k by
default) with ``onec_history.demo.generator`` in a child process (its peak RSS is measured
there), then starts the demo server on it in another child process and times requests from
this one, as a client over loopback would see them:

- ``page Ref_Key``: ``$orderby=Ref_Key&$top=1000&$skip=K`` — the first page (K=0) and the
  last one (K = events - 1000), which is what paging a whole collection costs at its end;
- ``page Date range``: one week of events, ``$orderby=Date,Ref_Key``, first and last page;
- ``client events``: every event of one client (composite ``Контрагент eq cast(...)``);
- ``count``: ``/$count`` of the whole set and of the date range.

Each request runs ``--repeat`` times; the table shows the median and the best. Server RSS is
read from /proc after the requests (VmRSS) together with its high-water mark (VmHWM).

    .venv/bin/python benchmarks/bench_demo.py                          # 1M events, ~1.2 GB file
    .venv/bin/python benchmarks/bench_demo.py --events 100000 --counterparties 10000
    .venv/bin/python benchmarks/bench_demo.py --reuse benchmarks/out/ut10-1m.sqlite
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"

_SERVER = """
import sys
from onec_history.demo.server import start_demo
server = start_demo(sys.argv[1], persist=True)
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""


def _generate(path: Path, events: int, counterparties: int) -> dict[str, float]:
    code = (
        "import resource, sys, time\n"
        "from onec_history.demo.generator import generate\n"
        "t = time.perf_counter()\n"
        f"counts = generate({str(path)!r}, family='ut10', events={events}, counterparties={counterparties}, seed=1)\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, sum(counts.values()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    seconds, rss_kb, rows = out.stdout.split()
    return {
        "seconds": float(seconds),
        "peak_rss_mb": int(rss_kb) / 1024,
        "rows": int(rows),
        "file_mb": path.stat().st_size / 2**20,
    }


def _rss(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def _get(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as reply:
        body = reply.read()
    return time.perf_counter() - started, len(body)


def _measure(root: str, path: str, repeat: int) -> dict[str, float]:
    url = root + quote(path, safe="/?&=$(),'*:")
    times, size = [], 0
    for _ in range(repeat):
        seconds, size = _get(url)
        times.append(seconds)
    return {"median_ms": statistics.median(times) * 1000, "best_ms": min(times) * 1000, "bytes": size}


def _client_key(root: str) -> str:
    url = root + quote("Catalog_Контрагенты?$format=json&$select=Ref_Key&$filter=ИНН eq '7701000001'", safe="?&=$'")
    with urllib.request.urlopen(url) as reply:
        return str(json.loads(reply.read())["value"][0]["Ref_Key"])


def run(args: argparse.Namespace) -> dict[str, object]:
    OUT.mkdir(parents=True, exist_ok=True)
    path = Path(args.reuse) if args.reuse else OUT / f"ut10-{args.events}.sqlite"
    result: dict[str, object] = {"events": args.events, "counterparties": args.counterparties}
    if not args.reuse:
        result["generate"] = _generate(path, args.events, args.counterparties)
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(path)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        root = server.stdout.readline().strip()
        result["server_start_s"] = time.perf_counter() - started
        result["rss_after_start_mb"] = _rss(server.pid)["VmRSS"]
        events = int(urllib.request.urlopen(root + quote("Document_Событие/$count")).read())
        last = max(0, events - 1000)
        week = "Date ge datetime'2025-03-03T00:00:00' and Date lt datetime'2025-03-10T00:00:00'"
        in_week = int(
            urllib.request.urlopen(root + quote(f"Document_Событие/$count?$filter={week}", safe="?=$'")).read()
        )
        client = _client_key(root)
        base = "Document_Событие?$format=json&$top=1000"
        cases = {
            "page Ref_Key, first (skip 0)": f"{base}&$orderby=Ref_Key&$skip=0",
            f"page Ref_Key, last (skip {last})": f"{base}&$orderby=Ref_Key&$skip={last}",
            "page Date range, first": f"{base}&$orderby=Date,Ref_Key&$filter={week}&$skip=0",
            "page Date range, last": f"{base}&$orderby=Date,Ref_Key&$filter={week}&$skip={max(0, in_week - 1000)}",
            "client events (composite cast)": "Document_Событие?$format=json&$select=**&$orderby=Date"
            f"&$filter=Контрагент eq cast(guid'{client}', 'Catalog_Контрагенты')",
            "count, whole set": "Document_Событие/$count",
            "count, date range": f"Document_Событие/$count?$filter={week}",
        }
        result["rows_in_week"] = in_week
        result["requests"] = {name: _measure(root, p, args.repeat) for name, p in cases.items()}
        result["server_rss_mb"] = _rss(server.pid)
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=60)
    return result


def _table(result: dict[str, object]) -> str:
    lines = []
    gen = result.get("generate")
    if isinstance(gen, dict):
        lines.append(
            f"generation: {gen['seconds']:.1f} s, {gen['rows']} rows, file {gen['file_mb']:.0f} MB, "
            f"peak RSS {gen['peak_rss_mb']:.0f} MB"
        )
    rss = result["server_rss_mb"]
    assert isinstance(rss, dict)
    lines.append(
        f"server: start {result['server_start_s']:.2f} s, RSS after start {result['rss_after_start_mb']:.0f} MB, "
        f"after the requests {rss['VmRSS']:.0f} MB (peak {rss['VmHWM']:.0f} MB)"
    )
    lines.append("| request | median ms | best ms | bytes |")
    lines.append("|---|---:|---:|---:|")
    requests = result["requests"]
    assert isinstance(requests, dict)
    for name, m in requests.items():
        lines.append(f"| {name} | {m['median_ms']:.0f} | {m['best_ms']:.0f} | {m['bytes']} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--counterparties", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", help="an existing generated base: skip generation")
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    args = parser.parse_args()
    result = run(args)
    print(_table(result))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
