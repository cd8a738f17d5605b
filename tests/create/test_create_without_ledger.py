"""Exactly once when the ledger is fresh or lost, also on a base that ignores client keys (issue 13.5, 13.6).

The ledger only accelerates: each count is checked against what the base really holds.
"""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from create_helpers import calls_csv, make_history

from onec_history import query as q
from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.create import EventWriter, Ledger, read_rows
from onec_history.create.batch import Summary
from onec_history.demo.server import DemoServer, Faults, start_demo
from onec_history.errors import LockedError
from onec_history.exitcodes import ExitCode

SET = "Document_Событие"


def server_count(client: Client) -> int:
    """Events carrying the import's subjects («Импорт N») as the base holds them (both families)."""
    subject = make_history(client.transport.base_url).profile.event_attr("subject")
    assert subject is not None
    return sum(1 for _ in client.iterate(SET, q.Query(filter=q.startswith(subject.prop, "Импорт "),
                                                      select=("Ref_Key",))))


def writer(url: str, ledger: Path, tmp_path: Path, **kw: Any) -> EventWriter:
    return EventWriter(make_history(url), Ledger(ledger, url), backoff=0.005, max_backoff=0.02,
                       lock_dir=tmp_path / "locks", **kw)


def run(w: EventWriter, text: str) -> Summary:
    return w.import_rows(read_rows("calls.csv", stream=io.BytesIO(text.encode())))


@pytest.mark.parametrize(("dataset", "ignore_keys"), [("ut10", 1.0), ("ut10", 0.0), ("unf", 1.0)],
                         ids=["ut10-base-ignores-keys", "ut10-base-keeps-keys", "unf-base-ignores-keys"])
def test_a_rerun_with_a_fresh_ledger_creates_nothing_and_says_so(tmp_path: Path, dataset: str,
                                                                  ignore_keys: float) -> None:
    n = 300
    with start_demo(dataset, faults=Faults(ignore_keys=ignore_keys, seed=11)) as srv:
        first = writer(srv.url, tmp_path / "a.sqlite", tmp_path, jobs=3)
        assert run(first, calls_csv(n)).counts()["created"] == n
        assert first.ledger.honours_keys() is (ignore_keys == 0.0)
        assert server_count(first.client) == n
        # The ledger is lost: a new one (another machine, a deleted file) re-runs the same file.
        again = writer(srv.url, tmp_path / "b.sqlite", tmp_path, jobs=3)
        summary = run(again, calls_csv(n))
        counts = summary.counts()
        assert counts["created"] == 0 and counts["already_present"] == n, summary.describe()
        assert server_count(again.client) == n
        # What the first run created is what the second reports, row by row.
        assert sorted(r.ref or "" for r in summary.results) == sorted(
            r.ref or "" for r in run(first, calls_csv(n)).results)
        # The new ledger learnt them: a third run on it asks 1C nothing about them one by one.
        assert again.ledger.counts() == {"done": n}


def test_a_fresh_ledger_under_faults_reports_what_really_happened(tmp_path: Path) -> None:
    n, extra = 200, 50
    with start_demo("ut10", faults=Faults(ignore_keys=1.0, seed=4)) as srv:
        assert run(writer(srv.url, tmp_path / "a.sqlite", tmp_path, jobs=2), calls_csv(n)).counts()["created"] == n
        srv.faults.error_rate, srv.faults.drop_rate, srv.faults.drop_after = 0.1, 0.1, 0.6
        # A longer file: the first n rows exist, the last `extra` are new.
        summary = run(writer(srv.url, tmp_path / "b.sqlite", tmp_path, jobs=2), calls_csv(n + extra))
        srv.faults.error_rate = srv.faults.drop_rate = 0.0
        counts = summary.counts()
        assert counts["already_present"] == n and counts["created"] == extra, summary.describe()
        assert server_count(make_history(srv.url).client) == n + extra


def test_a_dry_run_with_a_fresh_ledger_counts_what_1c_already_has(tmp_path: Path, ut10: DemoServer) -> None:
    ut10.faults.ignore_keys = 1.0
    try:
        run(writer(ut10.url, tmp_path / "a.sqlite", tmp_path), calls_csv(20))
        dry = writer(ut10.url, tmp_path / "b.sqlite", tmp_path).import_rows(
            read_rows("calls.csv", stream=io.BytesIO(calls_csv(25).encode())), dry_run=True)
    finally:
        ut10.faults.ignore_keys = 0.0
    counts = dry.counts()
    assert counts["already_present"] == 20 and counts["would_create"] == 5, dry.describe()


def test_two_imports_of_one_file_with_different_ledgers_at_once_do_not_duplicate(tmp_path: Path) -> None:
    n = 150
    with start_demo("ut10", faults=Faults(ignore_keys=1.0, latency=0.002, seed=2)) as srv:
        outcomes: list[Summary | LockedError] = []
        gate = threading.Barrier(2)

        def one(name: str) -> None:
            w = writer(srv.url, tmp_path / f"{name}.sqlite", tmp_path, jobs=2)
            w.preparer.parse([])
            gate.wait()
            try:
                outcomes.append(run(w, calls_csv(n)))
            except LockedError as exc:
                outcomes.append(exc)

        threads = [threading.Thread(target=one, args=(name,)) for name in ("x", "y")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        created = sum(o.counts()["created"] for o in outcomes if isinstance(o, Summary))
        assert created == n and server_count(make_history(srv.url).client) == n
        # The one that came second either waited out nothing (it was refused) or found every row.
        for o in outcomes:
            if isinstance(o, LockedError):
                assert "importing the same rows" in o.message
            elif o.counts()["created"] == 0:
                assert o.counts()["already_present"] == n


def test_the_cli_rerun_with_another_ledger_reports_already_present(
        capsys: pytest.CaptureFixture[str], ut10: DemoServer, tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(calls_csv(40), encoding="utf-8")
    ut10.faults.ignore_keys = 1.0
    try:
        code = main(["--url", ut10.url, "events", "import", str(path), "--ledger", str(tmp_path / "one.sqlite"),
                     "--format", "json"])
        assert code == ExitCode.OK, capsys.readouterr().err
        capsys.readouterr()
        code = main(["--url", ut10.url, "events", "import", str(path), "--ledger", str(tmp_path / "two.sqlite")])
        out, err = capsys.readouterr()
    finally:
        ut10.faults.ignore_keys = 0.0
    assert code == ExitCode.OK, err
    assert "0 created" in out + err and "40 already present" in out + err
    assert server_count(make_history(ut10.url).client) == 40


def test_a_repeated_create_without_start_is_found_on_a_base_that_ignores_keys(
        capsys: pytest.CaptureFixture[str], ut10: DemoServer, tmp_path: Path) -> None:
    # The start is "now" each time: the marker is looked for over the whole day, not at one instant.
    args = ["--url", ut10.url, "events", "create", "--counterparty", "7701000001", "--kind", "call",
            "--subject", "Импорт без начала"]
    ut10.faults.ignore_keys = 1.0
    try:
        assert main([*args, "--ledger", str(tmp_path / "one.sqlite")]) == ExitCode.OK
        first = capsys.readouterr().out.strip()
        time.sleep(1.1)  # another second: another start
        assert main([*args, "--ledger", str(tmp_path / "two.sqlite")]) == ExitCode.OK
        out, err = capsys.readouterr()
    finally:
        ut10.faults.ignore_keys = 0.0
    assert out.strip() == first and "Already present" in err
    assert server_count(make_history(ut10.url).client) == 1
