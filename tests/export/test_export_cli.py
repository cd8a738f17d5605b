"""``events export`` for cron: exit codes, one summary line, the lock, and being killed midway."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from onec_history.cli.main import main
from onec_history.demo.server import DemoServer, Faults, start_demo
from onec_history.exitcodes import ExitCode
from onec_history.export import export_locks

SUMMARY = re.compile(r"^exported \d+ events( \(\d+ new, \d+ changed, \d+ deleted\))? in [\d.]+ s, \d+ requests, "
                     r"[\d.]+ [KMG]?B$")


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("ONEC_URL", "ONEC_USER", "ONEC_PASSWORD", "ONEC_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def base() -> Iterator[DemoServer]:
    with start_demo("ut10") as srv:
        yield srv


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_incremental_cron_run_codes_and_one_summary_line(capsys: pytest.CaptureFixture[str], base: DemoServer,
                                                         tmp_path: Path) -> None:
    out, state = tmp_path / "events.csv", tmp_path / "state.db"
    args = ("--url", base.url, "events", "export", "--since", "2026-01-01", "--excel", "-o", str(out),
            "--state-file", str(state))
    code, stdout, err = cli(capsys, *args)
    assert code == ExitCode.OK and stdout == ""
    assert len(err.splitlines()) == 1 and SUMMARY.match(err.strip()), err
    text = out.read_bytes().decode("utf-8-sig")
    assert text.startswith("ref;number;date;") and "ООО Ромашка" in text and text.endswith("new\r\n")
    code, _, err = cli(capsys, *args)
    assert code == ExitCode.NOTHING_TO_DO and "exported 0 events (0 new, 0 changed, 0 deleted)" in err
    assert out.read_bytes().decode("utf-8-sig").count("\r\n") == 1  # the heading only
    code, _, err = cli(capsys, *args, "--quiet")
    assert code == ExitCode.NOTHING_TO_DO and err == ""
    assert sorted(p.name for p in tmp_path.iterdir() if not p.is_dir()) == ["events.csv", "state.db"]


def test_overlapping_run_is_locked_out(capsys: pytest.CaptureFixture[str], base: DemoServer, tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with export_locks(None, state)[0]:
        code, _, err = cli(capsys, "--url", base.url, "events", "export", "-o", str(tmp_path / "e.jsonl"),
                           "--format", "jsonl", "--state-file", str(state))
    assert code == ExitCode.LOCKED and f"Another onec-history export is updating the state file {state}" in err
    assert not state.exists() and not (tmp_path / "e.jsonl").exists()


def test_stdout_jsonl_with_filters(capsys: pytest.CaptureFixture[str], base: DemoServer) -> None:
    code, out, err = cli(capsys, "--url", base.url, "events", "export", "--format", "jsonl", "--kind", "meeting",
                         "--state", "completed", "--since", "2025-01-01", "--until", "2025-12-31")
    lines = out.splitlines()
    assert code == ExitCode.OK and lines and SUMMARY.match(err.strip())
    assert all('"kind_code":"meeting"' in ln and '"state_code":"completed"' in ln for ln in lines)
    assert all('"date":"2025-' in ln for ln in lines)


def test_xlsx_file(capsys: pytest.CaptureFixture[str], base: DemoServer, tmp_path: Path) -> None:
    import zipfile

    out = tmp_path / "events.xlsx"
    code, _, _ = cli(capsys, "--url", base.url, "events", "export", "--format", "xlsx", "-o", str(out),
                     "--headings", "ru", "--since", "2026-03-01")
    assert code == ExitCode.OK
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "Контрагент" in xml and "ООО Ромашка" in xml


@pytest.mark.slow
def test_killed_export_leaves_no_partial_output_and_the_old_state(tmp_path: Path) -> None:
    from onec_history import query as q
    from onec_history.client import Client
    from onec_history.transport import Transport

    out, state = tmp_path / "events.csv", tmp_path / "state.db"
    with start_demo("ut10") as srv:
        cmd = [sys.executable, "-m", "onec_history.cli.main", "--url", srv.url, "--page-size", "10",
               "events", "export", "-o", str(out), "--state-file", str(state)]
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
        subprocess.run(cmd, check=True, env=env, capture_output=True)  # first run: the state exists
        before_state, before_out = state.read_bytes(), out.read_bytes()
        client = Client(Transport(srv.url))
        for row in client.iterate("Document_Событие", q.Query(select=("Ref_Key",), top=30)):
            client.patch("Document_Событие", row["Ref_Key"], {"Комментарий": "правка"})
        srv.faults = Faults(latency=0.5)  # the run now takes a few seconds: kill it in the middle
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE) as proc:
                time.sleep(1.2)
                proc.send_signal(sig)
                proc.wait(timeout=30)
            assert proc.returncode != 0
            assert state.read_bytes() == before_state and out.read_bytes() == before_out
            partials = [p.name for p in tmp_path.iterdir() if ".onec-partial-" in p.name]
            if sig == signal.SIGTERM:
                assert partials == []  # cleaned up on the way out
        srv.faults = Faults()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        assert done.returncode == ExitCode.OK, done.stderr
        assert "(0 new, 30 changed, 0 deleted)" in done.stderr
        assert [p.name for p in tmp_path.iterdir() if ".onec-partial-" in p.name] == []  # the killed run's, cleaned


#: The export command with the state's final replace turned into a SIGKILL: the process dies after
#: the new output has replaced the old one and before the new state replaces the old state.
KILLED_BETWEEN_THE_REPLACES = """
import os, signal, sys
from onec_history.export import state
state.StateRun.commit = lambda self: os.kill(os.getpid(), signal.SIGKILL)
from onec_history.cli.main import main
sys.argv[0] = "onec-history"
main()
"""


def test_a_kill_between_replacing_the_output_and_the_state_exports_the_changes_again(
        tmp_path: Path) -> None:
    with start_demo("ut10") as base:  # its own base: the module's stays unchanged for the other tests
        killed_between_the_replaces(base, tmp_path)


def killed_between_the_replaces(base: DemoServer, tmp_path: Path) -> None:
    from onec_history import query as q
    from onec_history.client import Client
    from onec_history.transport import Transport

    out, state = tmp_path / "events.jsonl", tmp_path / "state.db"
    args = ["--url", base.url, "events", "export", "--format", "jsonl", "-o", str(out), "--state-file", str(state)]
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    normal = [sys.executable, "-m", "onec_history.cli.main", *args]
    subprocess.run(normal, check=True, env=env, capture_output=True)
    state_before = state.read_bytes()
    client = Client(Transport(base.url))
    changed = [row["Ref_Key"] for row in client.iterate("Document_Событие", q.Query(select=("Ref_Key",), top=3))]
    for ref in changed:
        client.patch("Document_Событие", ref, {"Комментарий": "правка"})

    killed = subprocess.run([sys.executable, "-c", KILLED_BETWEEN_THE_REPLACES, *args], env=env,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    exported = [json.loads(line)["ref"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(exported) == sorted(changed)  # the output was replaced: these rows went out once
    assert state.read_bytes() == state_before  # the state was not: the run did not count as done

    again = subprocess.run(normal, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == ExitCode.OK, again.stderr
    assert "(0 new, 3 changed, 0 deleted)" in again.stderr  # at least once: the same changes again
    assert sorted(json.loads(line)["ref"] for line in out.read_text(encoding="utf-8").splitlines()) == sorted(changed)
    assert [p.name for p in tmp_path.iterdir() if ".onec-partial-" in p.name] == []  # the killed run's, cleaned
    last = subprocess.run(normal, env=env, capture_output=True, text=True, timeout=120)
    assert last.returncode == ExitCode.NOTHING_TO_DO and out.read_bytes() == b"", last.stderr
