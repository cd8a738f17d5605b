"""The state file (diff on disk, atomic commit) and the run lock."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from onec_history.errors import ConfigError
from onec_history.export import DiffCounts, LockedError, RunLock, StateFile
from onec_history.export.state import FORMAT, FORMAT_1

META = {"base": "http://x/odata/standard.odata/", "event_set": "Document_Событие", "scope": "{}"}


def first_state(path: Path, rows: list[tuple[str, str, bool]]) -> None:
    with StateFile(path).begin(META) as run:
        run.record(rows)
        run.commit()


def test_diff_finds_new_changed_and_gone(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first_state(path, [("a", "v1", False), ("b", "v1", False), ("c", "v1", True), ("d", "v1", False)])
    with StateFile(path).begin(META) as run:
        run.add_scan([("b", "v2"), ("a", "v1"), ("c", "v2"), ("e", "v1")])
        diff = run.diff()
        assert (diff.scanned, diff.new, diff.changed, diff.gone) == (4, 1, 2, 1)
        todo = [pair for chunk in run.todo_chunks(2) for pair in chunk]
        assert todo == [("b", "changed"), ("c", "changed:marked"), ("e", "new")]  # in scan order
        assert list(run.todo_buckets(2)) == [(0, [("b", "changed")]), (1, [("c", "changed:marked"), ("e", "new")])]
        assert [r for chunk in run.gone_chunks(10) for r in chunk] == ["d"]
        assert run.changes_of(["a", "b", "zzz"]) == {"b": "changed"}
        run.record([("b", "v2", False), ("c", "v2", True), ("e", "v1", False)])
        run.commit()
    assert StateFile(path).versions() == {"a": "v1", "b": "v2", "c": "v2", "e": "v1"}
    assert StateFile(path).read_meta()["events"] == "4"


def test_aborted_run_leaves_the_old_state_untouched(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first_state(path, [("a", "v1", False)])
    before = path.read_bytes()
    with pytest.raises(RuntimeError), StateFile(path).begin(META) as run:
        run.add_scan([("a", "v2")])
        run.diff()
        run.record([("a", "v2", False)])
        raise RuntimeError("killed midway")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["state.db"]


def test_state_of_other_filters_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first_state(path, [])
    with pytest.raises(ConfigError, match="another scope"):
        StateFile(path).begin({**META, "scope": '{"kind": "call"}'})


def test_a_file_that_is_not_a_state_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_text("hello")
    with pytest.raises(ConfigError, match="not an onec-history export state"):
        StateFile(path).begin(META)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t(x)").connection.close()
    with pytest.raises(ConfigError):
        StateFile(other).read_meta()


def test_second_run_is_locked_out(tmp_path: Path) -> None:
    lock = tmp_path / "state.db.lock"
    with RunLock(lock), pytest.raises(LockedError, match=r"pid \d+"):
        RunLock(lock).acquire()
    with RunLock(lock):  # released on exit
        pass


def test_lock_of_a_killed_process_is_free(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    code = (f"from onec_history.export import RunLock; l = RunLock({str(lock)!r}); l.acquire(); "
            "print('held', flush=True); import time; time.sleep(60)")
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
            with pytest.raises(LockedError):
                RunLock(lock).acquire()
        finally:
            proc.kill()
            proc.wait()
    time.sleep(0.05)
    with RunLock(lock):
        pass


def test_each_document_set_is_diffed_on_its_own(tmp_path: Path) -> None:
    """Family C: six sets in one state; positions, changes and gone events are per set."""
    path = tmp_path / "state.db"
    meta = {**META, "event_set": "Document_A,Document_B"}
    with StateFile(path).begin(meta) as run:
        run.record([("a", "v1", False), ("b", "v1", False)], "Document_A")
        run.record([("a", "v1", False), ("c", "v1", False)], "Document_B")  # the same key in another set
        run.commit()
    assert StateFile(path).sets() == {"Document_A": 2, "Document_B": 2}
    with StateFile(path).begin(meta) as run:
        run.add_scan([("a", "v1"), ("b", "v2")], "Document_A")
        run.add_scan([("a", "v2"), ("d", "v1")], "Document_B")
        diff = run.diff()
        assert (diff.scanned, diff.new, diff.changed, diff.gone) == (4, 1, 2, 1)
        assert run.diff_of("Document_A") == DiffCounts(scanned=2, new=0, changed=1, gone=0)
        assert run.diff_of("Document_B") == DiffCounts(scanned=2, new=1, changed=1, gone=1)
        assert list(run.todo_buckets(1, "Document_A")) == [(1, [("b", "changed")])]  # position 2 of its own scan
        assert list(run.todo_buckets(1, "Document_B")) == [(0, [("a", "changed")]), (1, [("d", "new")])]
        assert run.changes_of(["a", "b"], "Document_A") == {"b": "changed"}
        assert run.gone_sets() == ["Document_B"]
        assert list(run.gone_chunks(10, "Document_B")) == [["c"]] and list(run.gone_chunks(10, "Document_A")) == []
        run.record([("b", "v2", False)], "Document_A")
        run.record([("a", "v2", True), ("d", "v1", False)], "Document_B")
        run.commit()
    assert StateFile(path).sets() == {"Document_A": 2, "Document_B": 2}


def test_a_state_of_the_first_format_goes_on(tmp_path: Path) -> None:
    """A state written before events were kept per set (format 1) is read as the set its meta names."""
    path = tmp_path / "state.db"
    with sqlite3.connect(path) as db:
        db.executescript("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
                         "CREATE TABLE events(ref TEXT PRIMARY KEY, version TEXT NOT NULL, deleted INTEGER NOT NULL);")
        db.executemany("INSERT INTO meta VALUES (?, ?)", [*META.items(), ("format", FORMAT_1)])
        db.executemany("INSERT INTO events VALUES (?, ?, ?)", [("a", "v1", 0), ("b", "v1", 1), ("c", "v1", 0)])
    db.close()
    assert StateFile(path).sets() == {"Document_Событие": 3}
    with StateFile(path).begin(META) as run:
        run.add_scan([("a", "v1"), ("b", "v2")])
        diff = run.diff()
        assert (diff.new, diff.changed, diff.gone) == (0, 1, 1)
        assert run.changes_of(["a", "b"]) == {"b": "changed:marked"}
        run.record([("b", "v2", False)])
        run.forget(["c"])
        run.commit()
    assert StateFile(path).read_meta()["format"] == FORMAT
    assert StateFile(path).versions() == {"a": "v1", "b": "v2"}
