"""``run_export``: one cron run in the library — atomic output, state, lock, stale partials, streams."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from onec_history.demo.server import DemoServer
from onec_history.errors import LockedError
from onec_history.export import (
    ExportOptions,
    ExportResult,
    RunLock,
    StateFile,
    export_events,
    export_locks,
    run_export,
    state_meta,
)
from onec_history.export import run as run_module
from onec_history.history import EventFilter, History

SINCE = EventFilter(since=datetime(2026, 1, 1))


@pytest.fixture()
def history(ut10: DemoServer, history_for: Callable[..., History]) -> History:
    return history_for(ut10.url)


def partials(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".onec-partial-" in p.name)


class Unseekable(io.BytesIO):
    """A pipe as the writer sees it: bytes go in, nothing can be sought."""

    def seekable(self) -> bool:
        return False

    def seek(self, *args: object) -> int:
        raise io.UnsupportedOperation("seek")


def test_the_output_appears_whole_only_when_the_export_is_done(history: History, tmp_path: Path) -> None:
    out = tmp_path / "events.csv"
    seen: list[tuple[bool, list[str]]] = []

    def progress(n: int) -> None:  # while rows are being written: no file yet, a partial one beside it
        seen.append((out.exists(), partials(tmp_path)))

    result = run_export(history, SINCE, out, progress=progress)
    assert seen and all(not exists and len(names) == 1 for exists, names in seen)
    assert result.exported > 0 and not result.incremental
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("ref,number,date,") and text.count("\r\n") == result.exported + 1
    assert partials(tmp_path) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["events.csv"]


def test_a_state_file_makes_the_second_run_export_nothing_new(history: History, tmp_path: Path) -> None:
    out, state = tmp_path / "events.jsonl", tmp_path / "events.state"
    options = ExportOptions(fmt="jsonl")
    first = run_export(history, SINCE, out, options=options, state_path=state)
    assert first.incremental and first.exported == first.new > 0 and not first.nothing_to_do
    assert len(StateFile(state).versions()) == first.exported
    assert StateFile(state).read_meta()["base"] == history.base.key
    again = run_export(history, SINCE, out, options=options, state_path=state)
    assert (again.exported, again.nothing_to_do) == (0, True)
    assert out.read_bytes() == b""  # the output of this run: nothing new
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl", "events.state"]  # no FILE.lock


def test_a_failed_run_leaves_the_old_output_and_the_old_state(history: History, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out, state = tmp_path / "events.csv", tmp_path / "events.state"
    run_export(history, SINCE, out, state_path=state)
    before_out, before_state = out.read_bytes(), state.read_bytes()

    def boom(n: int) -> None:  # Ctrl-C (or SIGTERM, which the command turns into it) midway
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_export(history, EventFilter(since=datetime(2025, 1, 1)), out, state_path=tmp_path / "other.state",
                   progress=boom)

    def written_then_failed(*args: Any, **kwargs: Any) -> ExportResult:
        export_events(*args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(run_module, "export_events", written_then_failed)
    with pytest.raises(OSError, match="disk full"):
        run_export(history, SINCE, out, state_path=state)
    assert out.read_bytes() == before_out and state.read_bytes() == before_state
    assert partials(tmp_path) == [] and not (tmp_path / "other.state").exists()


def test_partials_of_a_killed_run_are_removed_under_the_lock(history: History, tmp_path: Path) -> None:
    out, state = tmp_path / "events.csv", tmp_path / "events.state"
    for stale in (".events.csv.onec-partial-abc123", ".events.state.onec-partial-def456"):
        (tmp_path / stale).write_bytes(b"half")
    run_export(history, SINCE, out, state_path=state)
    assert partials(tmp_path) == []


def test_a_held_lock_refuses_the_run_before_anything_is_touched(history: History, tmp_path: Path) -> None:
    out, state = tmp_path / "events.csv", tmp_path / "events.state"
    stale = tmp_path / ".events.csv.onec-partial-abc123"
    stale.write_bytes(b"half")
    state_lock = export_locks(None, state)[0]
    with state_lock, pytest.raises(LockedError, match="Another onec-history export is updating the state file"):
        run_export(history, SINCE, out, state_path=state)
    with export_locks(out, None)[0], pytest.raises(LockedError, match=f"is writing {out}"):
        run_export(history, SINCE, out)
    with RunLock(tmp_path / "mine.lock"), pytest.raises(LockedError):
        run_export(history, SINCE, out, lock_path=tmp_path / "mine.lock")
    assert not out.exists() and not state.exists() and stale.exists()


def test_locks_live_in_the_users_folder_keyed_by_the_absolute_path(tmp_path: Path, _own_locks: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "sub")
    monkeypatch.chdir(tmp_path)
    spellings = [Path("sub/out.csv"), tmp_path / "sub" / "out.csv", Path("link/../sub/./out.csv"),
                 tmp_path / "link" / "out.csv"]
    paths = {lock.path for p in spellings for lock in export_locks(p, None)}
    assert len(paths) == 1 and next(iter(paths)).parent == _own_locks
    both = export_locks(Path("sub/out.csv"), Path("sub/out.state"))
    assert len({lock.path for lock in both}) == 2
    assert len(export_locks(Path("x"), Path("x"))) == 1  # one file, one lock (else a run would lock itself out)
    assert export_locks(None, None) == []


def test_a_stream_gets_the_rows_and_an_xlsx_through_a_temporary_file(history: History, tmp_path: Path) -> None:
    stream = io.BytesIO()
    result = run_export(history, SINCE, stream, options=ExportOptions(fmt="jsonl"))
    assert stream.getvalue().count(b"\n") == result.exported > 0
    pipe = Unseekable()
    run_export(history, SINCE, pipe, options=ExportOptions(fmt="xlsx", headings="ru"))
    with zipfile.ZipFile(io.BytesIO(pipe.getvalue())) as book:
        assert "Контрагент" in book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert list(tmp_path.iterdir()) == []  # no lock for a stream without a state


def test_the_summary_counts_the_export_not_the_opening_of_the_base(ut10: DemoServer,
                                                                   history_for: Callable[..., History]) -> None:
    fresh, opened = history_for(ut10.url), history_for(ut10.url)
    assert opened.base.key  # its profile detected before the run; the other's is detected by the run
    first, second = (run_export(h, SINCE, io.BytesIO(), options=ExportOptions(fmt="jsonl")) for h in (fresh, opened))
    assert (first.requests, first.bytes_received) == (second.requests, second.bytes_received)


def test_state_meta_names_the_base_the_filters_and_the_period(history: History) -> None:
    meta = state_meta(history, EventFilter(since=datetime(2026, 1, 1), counterparty="abc"))
    assert meta == {"base": history.base.key, "event_set": history.profile.event_set,
                    "scope": '{"counterparty": "abc"}', "since": "2026-01-01T00:00:00", "until": ""}
