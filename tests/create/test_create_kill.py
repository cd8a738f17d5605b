"""``kill -9`` in the middle of ``events import``, then a re-run: nothing lost, nothing twice.

The import runs as a real subprocess (the CLI) against a demo base served by this test process;
it is killed once its ledger shows progress, then the same command is run again to the end.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from create_helpers import calls_csv

from onec_history import query as q
from onec_history.client import Client
from onec_history.demo.server import DemoServer, Faults, start_demo
from onec_history.transport import Transport


def cli(url: str, csv_path: Path, ledger: Path, tmp: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "onec_history.cli.main", "--url", url, "--retries", "8", "-q",
            "events", "import", str(csv_path), "--ledger", str(ledger), "--format", "jsonl", *extra]


def env(tmp: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("ONEC_")}
    out.update(XDG_CACHE_HOME=str(tmp / "cache"), XDG_CONFIG_HOME=str(tmp / "config"),
               XDG_DATA_HOME=str(tmp / "data"))
    return out


def ledger_states(path: Path) -> dict[str, int]:
    if not path.exists():
        return {}
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as db:
            return dict(db.execute("SELECT state, COUNT(*) FROM rows GROUP BY state").fetchall())
    except sqlite3.Error:
        return {}


def imported(srv: DemoServer) -> list[str]:
    client = Client(Transport(srv.url))
    rows = client.iterate("Document_Событие", q.Query(filter=q.startswith("ОписаниеСобытия", "Импорт "),
                                                      select=("Ref_Key",)))
    return [r["Ref_Key"] for r in rows]


def kill_midway(cmd: list[str], tmp: Path, ledger: Path, *, after_done: int, timeout: float = 60) -> dict[str, int]:
    with subprocess.Popen(cmd, env=env(tmp), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as proc:
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if ledger_states(ledger).get("done", 0) >= after_done:
                    break
                if proc.poll() is not None:
                    err = proc.stderr.read() if proc.stderr else b""
                    pytest.fail(f"the import ended before it could be killed: {err!r}")
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    return ledger_states(ledger)


def finish(cmd: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env(tmp), capture_output=True, text=True, timeout=300)


def statuses(out: str) -> dict[str, int]:
    import json

    counts: dict[str, int] = {}
    for line in out.splitlines():
        status = json.loads(line)["status"]
        counts[status] = counts.get(status, 0) + 1
    return counts


def run_kill_scenario(tmp_path: Path, n: int, faults: Faults, *, jobs: int, after_done: int) -> None:
    csv_path = tmp_path / "calls.csv"
    csv_path.write_text(calls_csv(n), encoding="utf-8")
    ledger = tmp_path / "ledger.sqlite"
    with start_demo("ut10", faults=faults) as srv:
        cmd = cli(srv.url, csv_path, ledger, tmp_path, "--jobs", str(jobs))
        at_kill = kill_midway(cmd, tmp_path, ledger, after_done=after_done)
        assert 0 < at_kill.get("done", 0) < n, at_kill
        assert len(imported(srv)) < n
        done = finish(cmd, tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        counts = statuses(done.stdout)
        assert sum(counts.values()) == n and counts.get("failed", 0) == 0, counts
        assert counts.get("already_present", 0) >= at_kill.get("done", 0)
        refs = imported(srv)
        assert len(refs) == n and len(set(refs)) == n  # every row exactly once
        again = finish(cmd, tmp_path)
        assert again.returncode == 0 and statuses(again.stdout) == {"already_present": n}
        assert len(imported(srv)) == n


def test_kill_minus_9_then_rerun_fast(tmp_path: Path) -> None:
    # Latency keeps requests in flight, so the kill lands between a send and its ledger entry.
    run_kill_scenario(tmp_path, 60, Faults(latency=0.02, seed=1), jobs=3, after_done=15)


@pytest.mark.slow
def test_kill_minus_9_then_rerun_1000_rows_with_faults(tmp_path: Path) -> None:
    faults = Faults(error_rate=0.05, drop_rate=0.05, drop_after=0.6, latency=0.003, seed=7)
    run_kill_scenario(tmp_path, 1000, faults, jobs=4, after_done=300)
