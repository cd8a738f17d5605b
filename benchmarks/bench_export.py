"""Benchmark: exporting events from a big synthetic demo base — client CPU, wall time, peak memory.

    .venv/bin/python benchmarks/bench_export.py --events 100000            # generates the base first
    .venv/bin/python benchmarks/bench_export.py --events 100000 --latency 0.02 --repeat 5 \
        --scenarios onec-jsonl,onec-csv,naive,fetch,limit,peer            # the issue-19 comparison
    .venv/bin/python benchmarks/bench_export.py --reuse /tmp/onec-bench-export/ut10-1000000.sqlite \
        --windows 10000,100000,1000000
    .venv/bin/python benchmarks/bench_export.py --family ut11 --events 100000      # family C, generated
    .venv/bin/python benchmarks/bench_export.py --replicate ut11 --events 100000   # family C, the demo copied
    .venv/bin/python benchmarks/bench_export.py --replicate ut10 --events 100000   # A, same recipe

The demo server runs in its own process on the generated SQLite file (``--latency`` seconds added
to every request); every client scenario runs in a fresh interpreter, so its CPU time
(``time.process_time``) and peak RSS (``ru_maxrss``) are the client's alone. The server's CPU
(utime + stime from ``/proc/<pid>/stat``) is read by the child right before and after its clock,
so it is what that scenario's requests cost the server. Each scenario's libraries are imported
before the clock starts (``_WARM``). ``--repeat N`` runs the scenarios in
alternating rounds (A B C A B C …); the table shows medians with the range, then the ratios.
Scenarios over the same rows (the whole base, or the first N events by date for the memory curve):

- ``onec-csv`` / ``onec-jsonl`` / ``onec-xlsx`` — ``onec_history.export.export_events`` to a file;
- ``models`` — the model path: ``History.events`` (pydantic ``Event`` per row, names per page)
  → dict → JSONL, i.e. what the export would cost without its fast row mapping;
- ``naive`` — a plain ``requests`` loop paging the same ``$select``/``$orderby`` with
  ``$top``/``$skip``, ``resp.json()`` and ``csv.writer`` (no names, no checks);
- ``fetch`` — the same requests, bytes only (the server-bound floor of wall time); the pages
  are saved so that ``parse-json`` / ``parse-orjson`` time parsing those very bytes with no
  client logic at all (the CPU floor); ``limit`` — ``json.loads`` of those pages and a
  ``json.dumps`` JSONL line per row (the stdlib-json limit issue 19 compares with; run ``fetch``
  first);
- ``peer`` — python-1c-odata (PyPI, ``pip install python-1c-odata``): ``EntitySet.iterate``
  (``$top``/``$skip`` pages, ``json.loads`` by its client) over the same set, ``$filter``,
  ``$select``, ``$orderby`` and page size, a ``json.dumps`` JSONL line per row;
- ``incremental`` — a run with ``--state-file`` after 1% of the events got a new
  ``DataVersion``: spread (every 100th row over the whole period, the worst case for fetching
  by key), then again with nothing changed, then the newest 1% (how edits cluster in practice).

``--replicate NAME`` measures a built-in demo (``ut10``, ``unf`` or ``ut11``) copied until it
holds ``--events`` events: every event document and its tabular sections again and again under
new ``Ref_Key``s, the catalogues as they are (few clients, so names and a contact person's
partner are read once). The generator makes families A and B only; this is how family C's six
interaction documents are measured, and ``--replicate ut10`` gives family A the same recipe for
a like-for-like CPU comparison. On family C the naive loops read one document only, so run the
``onec-*``, ``models`` and ``incremental`` scenarios there.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/onec-bench-export")

_SERVER = """
import sys
from onec_history.demo.server import Faults, start_demo
server = start_demo(sys.argv[1], persist=True, faults=Faults(latency=float(sys.argv[2])))
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""


# -- child scenarios (run in a fresh interpreter) -----------------------------------------------------
def _history(url: str, page_size: int) -> Any:
    from onec_history.client import Client
    from onec_history.history import History
    from onec_history.transport import Transport

    return History(Client(Transport(url, read_timeout=600), page_size=page_size))


def _flt(args: argparse.Namespace) -> Any:
    from datetime import datetime

    from onec_history.history import EventFilter

    return EventFilter(since=datetime.fromisoformat(args.since) if args.since else None,
                       until=datetime.fromisoformat(args.until) if args.until else None)


def _query_string(h: Any, args: argparse.Namespace) -> tuple[str, str]:
    """The export's own query (same $filter, $select, $orderby) for the naive loops."""
    from onec_history import query as q

    mapper = h.event_mapper()
    base = h.event_filter(_flt(args))
    return h.profile.event_set, q.Query(filter=base, select=mapper.select(), orderby=("Date", "Ref_Key")).render()


# Imported before the clock: a scenario is timed for its work, not for loading its libraries.
_WARM = {"onec": ("onec_history.export",), "models": ("orjson",), "naive": ("requests", "csv"),
         "fetch": ("requests",), "parse": ("orjson",), "peer": ("asyncio", "aiohttp", "python_1c_odata")}


def child(args: argparse.Namespace) -> dict[str, Any]:
    import importlib

    h = _history(args.url, args.page_size)
    _ = h.profile  # metadata and profile before the clock starts: a real run has them cached
    for module in _WARM.get(args.scenario.split("-")[0], ()):
        importlib.import_module(module)
    out = WORK / f"out.{args.scenario}"
    stats = h.client.transport.stats
    requests0, bytes0 = stats.requests, stats.bytes_received  # the metadata and profile requests above
    server0 = _server_cpu(args.server_pid)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    rows, received, requests = _SCENARIOS[args.scenario](h, args, out)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    result = {"scenario": args.scenario, "rows": rows, "wall_s": wall, "cpu_s": cpu,
              "server_cpu_s": _server_cpu(args.server_pid) - server0,
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "requests": requests if requests is not None else stats.requests - requests0,
              "bytes": received if received is not None else stats.bytes_received - bytes0}
    if out.exists() and args.scenario != "fetch":
        out.unlink()
    return result


def _export(fmt: str, state: bool = False) -> Any:
    def run(h: Any, args: argparse.Namespace, out: Path) -> tuple[int, None, None]:
        from onec_history.export import AtomicOutput, ExportOptions, StateFile, export_events

        meta = {"base": "bench", "event_set": ",".join(h.profile.event_sets()), "scope": "{}"}
        state_run = StateFile(WORK / "state.db").begin(meta) if state else None
        atomic = AtomicOutput(out)
        with atomic as stream:
            result = export_events(h, _flt(args), stream, options=ExportOptions(fmt=fmt), state=state_run)
            atomic.commit()
        if state_run is not None:
            state_run.commit()
        return result.exported, None, None
    return run


def _models(h: Any, args: argparse.Namespace, out: Path) -> tuple[int, None, None]:
    import orjson

    n = 0
    with open(out, "wb") as f:
        for e in h.events(_flt(args), newest_first=False):
            row = e.model_dump(mode="json")
            row["who"] = e.who
            f.write(orjson.dumps(row) + b"\n")
            n += 1
    return n, None, None


def _naive_pages(h: Any, args: argparse.Namespace) -> Any:
    import requests

    event_set, qs = _query_string(h, args)
    from urllib.parse import quote

    session = requests.Session()
    url = h.client.transport.base_url + quote(event_set)
    skip = 0
    while True:
        resp = session.get(f"{url}?{qs}&$top={args.page_size}&$skip={skip}")
        resp.raise_for_status()
        yield resp
        skip += args.page_size
        if resp.content.count(b'"DataVersion"') < args.page_size:
            return


def _naive(h: Any, args: argparse.Namespace, out: Path) -> tuple[int, int, int]:
    import csv

    n = received = requests = 0
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        header: list[str] | None = None
        for resp in _naive_pages(h, args):
            received += len(resp.content)
            requests += 1
            rows = resp.json()["value"]
            if header is None and rows:
                header = [k for k in rows[0] if not isinstance(rows[0][k], list)]
                writer.writerow(header)
            for row in rows:
                writer.writerow([row.get(k) for k in header or ()])
            n += len(rows)
    return n, received, requests


def _fetch(h: Any, args: argparse.Namespace, out: Path) -> tuple[int, int, int]:
    n = received = requests = 0
    with open(out, "wb") as f:
        for resp in _naive_pages(h, args):
            body = resp.content
            f.write(len(body).to_bytes(8, "little") + body)
            received += len(body)
            requests += 1
            n += body.count(b'"DataVersion"')
    return n, received, requests


def _saved_pages() -> Any:
    """The page bodies the ``fetch`` scenario saved, one ``bytes`` each."""
    with open(WORK / "out.fetch", "rb") as f:
        while size := int.from_bytes(f.read(8) or b"\0" * 8, "little"):
            yield f.read(size)


def _limit(h: Any, args: argparse.Namespace, out: Path) -> tuple[int, int, int]:
    """The stdlib-json limit: ``json.loads`` of the saved pages, every row ``json.dumps``-ed as a JSONL line."""
    n = received = 0
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    with open(out, "w", encoding="utf-8") as f:
        for body in _saved_pages():
            received += len(body)
            rows = json.loads(body)["value"]
            f.write("".join(dumps(row) + "\n" for row in rows))
            n += len(rows)
    return n, received, 0


def _peer(h: Any, args: argparse.Namespace, out: Path) -> tuple[int, int, int]:
    """python-1c-odata (PyPI) ``EntitySet.iterate`` over the same set, $filter, $select, $orderby and page size;
    each row ``json.dumps``-ed as a JSONL line (its client decodes the pages with ``json.loads``)."""
    import asyncio

    from python_1c_odata import Document, Infobase

    from onec_history import query as q

    mapper = h.event_mapper()
    params = dict(q.Query(filter=h.event_filter(_flt(args)), select=mapper.select(),
                          orderby=("Date", "Ref_Key")).params())
    kind, name = h.profile.event_set.split("_", 1)
    assert kind == "Document", h.profile.event_set
    root = h.client.transport.base_url.rstrip("/").removesuffix("/odata/standard.odata")
    server, base = root.rsplit("/", 1)
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    requests = 0

    async def run() -> int:
        nonlocal requests
        n = 0
        async with Infobase(server, base, "", "", timeout=600) as ib:
            send = ib.request

            async def counted(*a: Any, **kw: Any) -> Any:
                nonlocal requests
                requests += 1
                return await send(*a, **kw)

            ib.request = counted  # type: ignore[method-assign]
            with open(out, "w", encoding="utf-8") as f:
                async for row in Document(ib, name).iterate(page_size=args.page_size, select=params["$select"],
                                                            odata_filter=params.get("$filter"),
                                                            orderby=params["$orderby"]):
                    f.write(dumps(row) + "\n")
                    n += 1
        return n

    return asyncio.run(run()), 0, requests  # bytes: not counted (its client keeps no tally), shown as n/a


def _parse(loads_name: str) -> Any:
    def run(h: Any, args: argparse.Namespace, out: Path) -> tuple[int, int, int]:
        import orjson

        loads = orjson.loads if loads_name == "orjson" else json.loads
        n = received = 0
        for body in _saved_pages():
            received += len(body)
            n += len(loads(body)["value"])
        return n, received, 0
    return run


_SCENARIOS = {
    "onec-csv": _export("csv"), "onec-jsonl": _export("jsonl"), "onec-xlsx": _export("xlsx"),
    "onec-state": _export("csv", state=True), "incremental": _export("csv", state=True),
    "models": _models, "naive": _naive, "fetch": _fetch, "parse-json": _parse("json"),
    "parse-orjson": _parse("orjson"), "limit": _limit, "peer": _peer,
}


# -- the driver -----------------------------------------------------------------------------------------
def _server_cpu(pid: int) -> float:
    """utime + stime of process ``pid`` in seconds (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_child(url: str, scenario: str, since: str | None, until: str | None, page_size: int,
               server_pid: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", scenario, "--url", url, "--page-size", str(page_size),
           "--server-pid", str(server_pid)]
    cmd += ["--since", since] if since else []
    cmd += ["--until", until] if until else []
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{scenario} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _event_tables(path: Path) -> list[str]:
    """The event documents of a demo base: Document_Событие (A, B) or the interactions (C)."""
    from onec_history.family_c import INTERACTIONS

    with sqlite3.connect(path) as db:
        present = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return [t for t in ("Document_Событие", *INTERACTIONS) if t in present]


def replicate(name: str, events: int, path: Path) -> Path:
    """The built-in demo ``name`` with its event documents copied until it holds ``events`` events."""
    import uuid

    from onec_history.demo.datasets import build_dataset

    if path.exists():
        return path
    tmp = path.with_suffix(".partial")
    build_dataset(name, tmp).close()
    tables = _event_tables(tmp)
    with sqlite3.connect(tmp) as db:
        db.execute("PRAGMA synchronous = OFF")
        have = sum(db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables)
        copies = -(-events // have)
        schema = json.loads(db.execute("SELECT value FROM _demo_meta WHERE key = 'schema'").fetchone()[0])
        for table in tables:
            sections = list(schema["tables"][table]["tabular"].values())
            for set_name in (table, *sections):
                cols = [r[1] for r in db.execute(f'PRAGMA table_info("{set_name}")')]
                key, version = cols.index("Ref_Key"), cols.index("DataVersion") if "DataVersion" in cols else -1
                rows = db.execute(f'SELECT * FROM "{set_name}"').fetchall()
                marks = ", ".join("?" * len(cols))
                for k in range(1, copies):
                    out = []
                    for row in rows:
                        values = list(row)
                        values[key] = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{row[key]}/{k}"))
                        if version >= 0:
                            values[version] = f"{row[version]}{k}"
                        out.append(values)
                    db.executemany(f'INSERT INTO "{set_name}" VALUES ({marks})', out)
        db.commit()
    tmp.replace(path)
    return path


def _window(path: Path, n: int) -> tuple[str | None, str | None]:
    """(since, until) covering the first ``n`` events by date; (None, None) for the whole base."""
    if _event_tables(path) != ["Document_Событие"]:
        return None, None  # family C: the whole base (its events are in six documents)
    with sqlite3.connect(path) as db:
        total = db.execute('SELECT count(*) FROM "Document_Событие"').fetchone()[0]
        if n >= total:
            return None, None
        first = db.execute('SELECT min("Date") FROM "Document_Событие"').fetchone()[0]
        last = db.execute('SELECT "Date" FROM "Document_Событие" ORDER BY "Date" LIMIT 1 OFFSET ?',
                          (n - 1,)).fetchone()[0]
    return first, last


def _touch_one_percent(path: Path, *, recent: bool = False) -> int:
    """Give 1% of the events a new DataVersion and comment, as if edited in 1C.

    Spread (every 100th row over the whole period: the worst case for fetching by key) or
    ``recent`` (the newest 1% by date: what edits look like in a working base).
    """
    touched = 0
    with sqlite3.connect(path) as db:
        for table in _event_tables(path):
            where = (f'rowid IN (SELECT rowid FROM "{table}" ORDER BY "Date" DESC LIMIT '
                     f'(SELECT count(*) / 100 FROM "{table}"))') if recent else "rowid % 100 = 7"
            cur = db.execute(f'UPDATE "{table}" SET "DataVersion" = "DataVersion" || \'1\', '
                             f'"Комментарий" = \'изменено\' WHERE {where}')
            touched += cur.rowcount
    return touched


def driver(args: argparse.Namespace) -> dict[str, Any]:
    WORK.mkdir(parents=True, exist_ok=True)
    if args.reuse:
        path = Path(args.reuse)
    elif args.replicate:
        path = replicate(args.replicate, args.events, WORK / f"{args.replicate}-x{args.events}.sqlite")
    else:
        path = WORK / f"{args.family}-{args.events}.sqlite"
        if not path.exists():
            subprocess.run([sys.executable, "-m", "onec_history.demo.generator", "--family", args.family, "--events",
                            str(args.events), "--counterparties", str(max(args.events // 10, 100)), "--seed", "1",
                            "--out", str(path), "--quiet"], cwd=ROOT, check=True)
    results: dict[str, Any] = {"base": str(path), "latency_s": args.latency, "repeat": args.repeat, "runs": []}
    server = subprocess.Popen([sys.executable, "-c", _SERVER, str(path), str(args.latency)], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    pid = server.pid

    def run(scenario: str, since: str | None, until: str | None) -> dict[str, Any]:
        return _run_child(url, scenario, since, until, args.page_size, pid)

    def attempt(scenario: str) -> dict[str, Any]:
        """An incremental step, or its error (the last line of the child's traceback): one failed step
        does not hide the others."""
        try:
            return run(scenario, None, None)
        except SystemExit as failed:
            error = str(failed).strip().splitlines()[-1]
            print(f"{scenario} failed: {error}", file=sys.stderr, flush=True)
            return {"error": error}

    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        windows = [int(w) for w in args.windows.split(",")] if args.windows else [args.events]
        if args.replicate:  # the whole replicated base: a few events more than asked
            windows = [10**12]
        for n in windows:
            since, until = _window(path, n)
            for rep in range(args.repeat):  # alternating: every scenario once, then again
                for scenario in args.scenarios.split(","):
                    if scenario in ("incremental", "onec-state"):
                        continue
                    r = run(scenario, since, until)
                    r["window"], r["rep"] = min(n, r["rows"]), rep
                    results["runs"].append(r)
                    print(json.dumps(r), file=sys.stderr, flush=True)
        if "incremental" in args.scenarios:
            (WORK / "state.db").unlink(missing_ok=True)
            inc: dict[str, Any] = {"full": run("onec-state", None, None)}
            inc["touched"] = _touch_one_percent(path)  # edits the base: use a copy (--reuse) if it is shared
            inc["incremental"] = attempt("incremental")
            inc["nothing"] = attempt("incremental")
            inc["touched_recent"] = _touch_one_percent(path, recent=True)
            inc["incremental_recent"] = attempt("incremental")
            results["incremental"] = inc
            print(json.dumps(inc), file=sys.stderr, flush=True)
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=120)
        (WORK / "out.fetch").unlink(missing_ok=True)
    return results


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _per_k(r: dict[str, Any], key: str = "cpu_s") -> float:
    """Milliseconds of ``key`` per 1000 rows."""
    return 1e6 * float(r[key]) / max(int(r["rows"]), 1)


def _groups(results: dict[str, Any]) -> dict[tuple[int, str], list[dict[str, Any]]]:
    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for r in results["runs"]:
        groups.setdefault((r["window"], r["scenario"]), []).append(r)
    return groups


def _span(values: list[float], fmt: str) -> str:
    """The median, and the range when there are several runs: ``22.1 (20.7–23.9)``."""
    med = format(_median(values), fmt)
    if len(values) < 2:
        return med
    return f"{med} ({format(min(values), fmt)}–{format(max(values), fmt)})"


def ratios(results: dict[str, Any]) -> list[str]:
    """The comparisons the issue asks for, on medians: client CPU per row ours / limit and ours / peer,
    server CPU ours / naive ($skip paging) and peer ($skip paging as well)."""
    groups = _groups(results)
    lines = []
    for window in sorted({w for w, _ in groups}):
        def med(scenario: str, key: str, window: int = window) -> float | None:
            runs = groups.get((window, scenario))
            return _median([_per_k(r, key) for r in runs]) if runs else None

        for ours in ("onec-jsonl", "onec-csv"):
            cpu, srv = med(ours, "cpu_s"), med(ours, "server_cpu_s")
            if cpu is None or srv is None:
                continue
            parts = [f"{window:,} rows, {ours}: client CPU {cpu:.1f} ms/1k rows"]
            for other in ("limit", "peer", "naive"):
                o = med(other, "cpu_s")
                if o:
                    parts.append(f"{cpu / o:.2f}× {other}")
            for other in ("naive", "peer"):
                o = med(other, "server_cpu_s")
                if o:
                    parts.append(f"server CPU {srv:.1f} ms/1k rows = {srv / o:.2f}× {other}'s")
            lines.append("; ".join(parts))
    return lines


def table(results: dict[str, Any]) -> str:
    runs = max((len(g) for g in _groups(results).values()), default=0)
    lines = [f"latency {1000 * results.get('latency_s', 0.0):.0f} ms; median of {runs} alternating run(s), "
             "range in brackets", "",
             "| window | scenario | rows | wall s | client CPU ms / 1k rows | server CPU ms / 1k rows | "
             "peak RSS MB | requests | MB |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    if not results["runs"]:
        lines = []
    for (window, scenario), group in _groups(results).items():
        r = group[0]
        rows = f"{r['rows']:,}" if all(g["rows"] == r["rows"] for g in group) else "varies"
        mb = f"{r['bytes'] / 2**20:.0f}" if r.get("bytes") else "n/a"
        lines.append(f"| {window:,} | {scenario} | {rows} | {_span([g['wall_s'] for g in group], '.2f')} | "
                     f"{_span([_per_k(g) for g in group], '.1f')} | "
                     f"{_span([_per_k(g, 'server_cpu_s') for g in group], '.1f')} | "
                     f"{_median([g['peak_rss_mb'] for g in group]):.0f} | {r['requests']:,} | {mb} |")
    summary = ratios(results)
    if summary:
        lines += ["", *summary]
    inc = results.get("incremental")
    if inc:
        full_bytes = max(inc["full"]["bytes"], 1)
        lines.append("")
        lines.append(f"incremental: {inc['touched']:,} events edited (spread), then {inc['touched_recent']:,} "
                     "(the newest)")
        lines.append("| run | rows | wall s | client CPU s | server CPU s | requests | MB | bytes vs full |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for key in ("full", "incremental", "nothing", "incremental_recent"):
            r = inc[key]
            if "error" in r:
                lines.append(f"| {key} | failed: {r['error']} | | | | | | |")
                continue
            lines.append(f"| {key} | {r['rows']:,} | {r['wall_s']:.1f} | {r['cpu_s']:.2f} | "
                         f"{r['server_cpu_s']:.2f} | {r['requests']:,} | {r['bytes'] / 2**20:.1f} | "
                         f"{100 * r['bytes'] / full_bytes:.1f} % |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--family", choices=("ut10", "unf", "ut11"), default="ut10",
                        help="The generated base's family (ut11: family C, --events interactions, partners "
                             "a tenth of them).")
    parser.add_argument("--reuse", help="An existing generated base (SQLite).")
    parser.add_argument("--replicate", choices=("ut10", "unf", "ut11"),
                        help="A built-in demo copied up to --events events instead of a generated base "
                             "(family C: ut11).")
    parser.add_argument("--windows", help="Comma-separated event counts for the memory curve (first N by date).")
    parser.add_argument("--scenarios", default="onec-csv,onec-jsonl,models,naive,fetch,parse-json,parse-orjson,"
                                               "incremental")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.0, help="Seconds the demo server adds to every request.")
    parser.add_argument("--repeat", type=int, default=1,
                        help="Rounds of the scenarios, alternating (A B C A B C …); the table shows medians.")
    parser.add_argument("--json", help="Write the raw results here.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--since", help=argparse.SUPPRESS)
    parser.add_argument("--until", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.scenario = args.child
        print(json.dumps(child(args)))
        return 0
    results = driver(args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(table(results))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("XDG_CACHE_HOME", str(WORK / "cache"))
    sys.exit(main())
