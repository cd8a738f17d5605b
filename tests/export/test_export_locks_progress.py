"""``events export`` as a person and cron see it: the lock in the user's folder (two runs, one
file), the progress line on a terminal only, and what Ctrl-C says it left."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from onec_history.cli import progress as progress_mod
from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.demo.server import DemoServer, start_demo
from onec_history.errors import LockedError
from onec_history.exitcodes import ExitCode
from onec_history.export import rows as rows_mod
from onec_history.export import run_export
from onec_history.history import EventFilter, History

SINCE = EventFilter(since=datetime(2025, 1, 1))


@pytest.fixture(scope="module")
def base() -> Iterator[DemoServer]:
    with start_demo("ut10") as srv:
        yield srv


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("ONEC_URL", "ONEC_USER", "ONEC_PASSWORD", "ONEC_CONFIG", "ONEC_BASE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TERM", "xterm")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def drawn(raw: str) -> list[str]:
    """Every state the progress line was drawn in (the pieces between carriage returns)."""
    return [piece.strip() for line in raw.split("\n") for piece in line.split("\r") if piece.strip()]


# -- the lock -----------------------------------------------------------------------------------

HOLDER = """
import sys, time
from datetime import datetime
from onec_history.client import Client
from onec_history.export import run_export
from onec_history.history import EventFilter, History
from onec_history.transport import Transport

def held(n):
    print("held", flush=True)
    time.sleep(120)  # killed here

run_export(History(Client(Transport(sys.argv[1]), page_size=5)), EventFilter(since=datetime(2025, 1, 1)),
           sys.argv[2], progress=held)
"""


def test_two_processes_on_one_file_meet_at_the_lock_and_a_killed_one_frees_it(
        base: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        _own_locks: Path) -> None:
    (tmp_path / "data").mkdir()
    out = tmp_path / "data" / "events.csv"
    out.write_text("yesterday's export\n", encoding="utf-8")
    with subprocess.Popen([sys.executable, "-c", HOLDER, base.url, str(out)], stdout=subprocess.PIPE, text=True,
                          env=os.environ.copy()) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            monkeypatch.chdir(tmp_path)
            # The same file by another spelling: relative, through '..'.
            code = main(["--url", base.url, "events", "export", "--since", "2025-01-01", "-o",
                         "data/../data/events.csv"])
            err = capsys.readouterr().err
            assert code == ExitCode.LOCKED
            assert f"Another onec-history export is writing {out}" in err and "pid" in err
            assert out.read_text(encoding="utf-8") == "yesterday's export\n"  # untouched by the refused run
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait()
    assert holder.returncode == -signal.SIGKILL
    # The killed holder left its lock file, but the OS released the lock with its process.
    assert [p.name for p in _own_locks.iterdir()] and all(p.name.startswith("export-") for p in _own_locks.iterdir())
    assert main(["--url", base.url, "-q", "events", "export", "--since", "2025-01-01", "-o", str(out)]) == ExitCode.OK
    assert out.read_text(encoding="utf-8").startswith("ref,number,date,")
    # Nothing beside the output but the output (the killed run's partial file is cleaned by the next run).
    assert sorted(p.name for p in out.parent.iterdir()) == ["events.csv"]


def test_two_threads_on_one_file(base: DemoServer, history_for: Callable[..., History], tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    writing, go_on = threading.Event(), threading.Event()
    results: list[object] = []

    def slow(n: int) -> None:
        writing.set()
        go_on.wait(30)

    def first() -> None:
        results.append(run_export(history_for(base.url), SINCE, out, progress=slow))

    worker = threading.Thread(target=first)
    worker.start()
    try:
        assert writing.wait(30)
        with pytest.raises(LockedError, match="is writing"):
            run_export(history_for(base.url), SINCE, tmp_path / "." / "events.jsonl")
    finally:
        go_on.set()
        worker.join(30)
    assert len(results) == 1 and out.exists()
    run_export(history_for(base.url), SINCE, out)  # released: the next run goes


# -- the progress line --------------------------------------------------------------------------

def test_progress_on_a_terminal_shows_the_total_from_count(base: DemoServer, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          history_for: Callable[..., History]) -> None:
    total = sum(1 for _ in history_for(base.url).events(SINCE))
    monkeypatch.setattr(progress_mod, "REDRAW_EVERY", 0.0)  # every page drawn
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    out = tmp_path / "events.csv"
    code = main(["--url", base.url, "--page-size", "7", "events", "export", "--since", "2025-01-01", "-o", str(out)])
    assert code == ExitCode.OK
    states = drawn(term.getvalue())
    lines = [s for s in states if s.startswith("exporting:")]
    assert lines[0].startswith(f"exporting: 0/{total} events  0%")
    assert any(s.startswith(f"exporting: 7/{total} events") for s in lines)
    assert states[-1].startswith(f"exported {total} events in")  # the summary, after the cleared line
    assert "\x1b" not in term.getvalue() and all(len(s) <= 79 for s in states[:-1])


def test_incremental_progress_scans_then_exports_and_cron_asks_no_extra_count(
        base: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out, state = tmp_path / "events.csv", tmp_path / "events.state"
    args = ["--url", base.url, "events", "export", "--since", "2025-01-01", "-o", str(out), "--state-file", str(state)]
    counts: list[str] = []
    real_count = Client.count

    def counting(self: Client, entity_set: str, where: Any = None) -> int:
        counts.append(entity_set)
        return real_count(self, entity_set, where)

    monkeypatch.setattr(Client, "count", counting)
    assert main(args) == ExitCode.OK  # the first run: a full export, its $count as before
    assert counts == ["Document_Событие"]
    counts.clear()
    capsys.readouterr()
    assert main(args) == ExitCode.NOTHING_TO_DO  # not a terminal: no line, no $count for one
    err = capsys.readouterr().err
    assert counts == [] and "\r" not in err and len(err.splitlines()) == 1

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    monkeypatch.setattr(progress_mod, "REDRAW_EVERY", 0.0)
    assert main(args) == ExitCode.NOTHING_TO_DO
    states = drawn(term.getvalue())
    scanned = int(states[[i for i, s in enumerate(states) if s.startswith("scanning:")][-1]].split()[1].split("/")[0])
    assert counts == ["Document_Событие"]  # one $count for the scan's total, said in the README
    assert any(s.startswith(f"scanning: {scanned}/{scanned} events  100%") for s in states) and scanned > 0
    assert any(s.startswith("exporting: 0/0 events") for s in states)


def test_quiet_or_term_dumb_shows_no_line(base: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main(["--url", base.url, "-q", "events", "export", "-o", str(tmp_path / "a.csv")]) == ExitCode.OK
    assert term.getvalue() == ""
    monkeypatch.setenv("TERM", "dumb")
    assert main(["--url", base.url, "events", "export", "-o", str(tmp_path / "b.csv")]) == ExitCode.OK
    assert "\r" not in term.getvalue() and term.getvalue().startswith("exported ")


# -- Ctrl-C -------------------------------------------------------------------------------------

def interrupt_after(monkeypatch: pytest.MonkeyPatch, pages: int) -> None:
    real = rows_mod.EventRowMapper.map_page
    seen = {"n": 0}

    def mapped(self: rows_mod.EventRowMapper, rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
        seen["n"] += 1
        if seen["n"] > pages:
            raise KeyboardInterrupt
        return real(self, rows)

    monkeypatch.setattr(rows_mod.EventRowMapper, "map_page", mapped)


def test_ctrl_c_says_what_the_export_left(base: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "events.csv"
    interrupt_after(monkeypatch, 2)
    code = main(["--url", base.url, "--page-size", "5", "events", "export", "-o", str(out)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 130
    assert (f"Interrupted (Ctrl-C). 10 events had been written to a temporary file, now removed; {out} was not "
            "created. Running the same command again starts this export over.") in err
    assert list(tmp_path.iterdir()) == []

    monkeypatch.undo()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    state = tmp_path / "events.state"
    assert main(["--url", base.url, "-q", "events", "export", "-o", str(out), "--state-file", str(state)]) == 0
    before = out.read_bytes(), state.read_bytes()
    interrupt_after(monkeypatch, 0)
    code = main(["--url", base.url, "events", "export", "-o", str(out), "--state-file", str(tmp_path / "other.state")])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 130 and f"{out} is left as it was" in err
    assert f"The state file {tmp_path / 'other.state'} is unchanged" in err
    assert "exports every change since the last complete run" in err
    assert (out.read_bytes(), state.read_bytes()) == before


def test_ctrl_c_on_stdout_says_the_receiver_holds_an_incomplete_export(
        base: DemoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    interrupt_after(monkeypatch, 1)
    code = main(["--url", base.url, "--page-size", "4", "events", "export", "--format", "jsonl"])
    out, err = capsys.readouterr()
    assert code == 130 and len(out.splitlines()) == 4
    assert "4 events had been written to standard output: what received them holds an incomplete export." \
        in " ".join(err.split())
