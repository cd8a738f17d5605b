"""Incremental exports on a demo base: exactly the changed events, deletions listed, state kept safe."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from onec_history import query as q
from onec_history.client import entity_path
from onec_history.demo.server import DemoServer
from onec_history.export import ExportOptions, StateFile, export_events
from onec_history.export.export import ExportResult
from onec_history.history import EventFilter, History

META = {"base": "demo", "event_set": "Document_Событие", "scope": "{}"}


def run(h: History, path: Path, flt: EventFilter | None = None) -> tuple[ExportResult, list[dict[str, object]]]:
    buf = io.BytesIO()
    with StateFile(path).begin(META) as state:
        result = export_events(h, flt or EventFilter(), buf, options=ExportOptions(fmt="jsonl"), state=state)
        state.commit()
    return result, [json.loads(x) for x in buf.getvalue().decode("utf-8").splitlines()]


def refs(h: History, n: int) -> list[str]:
    rows = h.client.iterate(h.profile.event_set, q.Query(select=("Ref_Key",), orderby=("Date",), top=n))
    return [str(r["Ref_Key"]) for r in rows]


def test_second_run_exports_exactly_the_edits(fresh_ut10: DemoServer, history_for: Callable[..., History],
                                              tmp_path: Path) -> None:
    h = history_for(fresh_ut10.url)
    state = tmp_path / "state.db"
    first, rows = run(h, state)
    assert first.exported == first.new == len(rows) > 300 and {r["change"] for r in rows} == {"new"}
    requests_full = first.requests

    again, rows = run(h, state)
    assert (again.exported, again.nothing_to_do, rows) == (0, True, [])

    edited, marked, removed = refs(h, 6)[:3], refs(h, 6)[3], refs(h, 6)[4]
    for ref in edited:
        h.client.patch(h.profile.event_set, ref, {"ОписаниеСобытия": f"правка {ref[:4]}"})
    h.client.mark_deleted(h.profile.event_set, marked)
    h.client.transport.request("DELETE", entity_path(h.profile.event_set, removed))
    result, rows = run(h, state)
    by_ref = {r["ref"]: r for r in rows}
    assert {r: by_ref[r]["change"] for r in by_ref} == {
        **{r: "changed" for r in edited}, marked: "deleted", removed: "vanished"}
    assert all(by_ref[r]["subject"] == f"правка {r[:4]}" for r in edited)
    assert by_ref[marked]["deleted"] is True and by_ref[removed]["client"] is None
    assert (result.new, result.changed, result.deleted) == (0, 3, 2)
    assert result.requests < requests_full / 2
    versions = StateFile(state).versions()
    assert removed not in versions and len(versions) == first.exported - 1

    _, rows = run(h, state)
    assert rows == []


def test_events_leaving_the_period_are_listed_as_left(fresh_ut10: DemoServer, history_for: Callable[..., History],
                                                      tmp_path: Path) -> None:
    from datetime import datetime

    h = history_for(fresh_ut10.url)
    state = tmp_path / "state.db"
    first, _ = run(h, state, EventFilter(since=datetime(2026, 1, 1)))
    later, rows = run(h, state, EventFilter(since=datetime(2026, 3, 1)))
    assert later.left == len(rows) > 0 and {r["change"] for r in rows} == {"left"}
    assert len(StateFile(state).versions()) == first.exported - later.left


def test_interrupted_run_keeps_the_last_state(fresh_ut10: DemoServer, history_for: Callable[..., History],
                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    h = history_for(fresh_ut10.url)
    state = tmp_path / "state.db"
    run(h, state)
    before = state.read_bytes()
    for ref in refs(h, 40):
        h.client.patch(h.profile.event_set, ref, {"Комментарий": "x"})
    from onec_history.export import rows as rows_mod

    calls = {"n": 0}
    real_map = rows_mod.EventRowMapper.map_page

    def failing(self: rows_mod.EventRowMapper, rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
        calls["n"] += len(rows)
        if calls["n"] > 30:
            raise KeyboardInterrupt  # as Ctrl-C or SIGTERM would, in the middle of the fetch
        return real_map(self, rows)

    monkeypatch.setattr(rows_mod.EventRowMapper, "map_page", failing)
    with pytest.raises(KeyboardInterrupt):
        run(h, state)
    assert state.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.db"]
    monkeypatch.undo()
    result, rows = run(h, state)
    assert result.changed == len(rows) == 40


def test_client_filter_covers_header_and_participants(demo: DemoServer, history_for: Callable[..., History]) -> None:
    h = history_for(demo.url)
    cp = h.find_counterparty("7701000001")  # ООО Ромашка
    expected = {e.ref for e in h.events(EventFilter(counterparty=cp.ref))}
    buf = io.BytesIO()
    export_events(h, EventFilter(counterparty=cp.ref), buf, options=ExportOptions(fmt="jsonl"))
    got = [json.loads(x)["ref"] for x in buf.getvalue().decode("utf-8").splitlines()]
    assert len(got) == len(set(got)) and set(got) == expected and expected


def _edit_first(h: History, n: int) -> list[str]:
    edited = refs(h, n)
    for ref in edited:
        h.client.patch(h.profile.event_set, ref, {"Комментарий": "пакетная правка"})
    return edited


def test_clustered_changes_are_read_by_page(fresh_ut10: DemoServer, history_for: Callable[..., History],
                                            tmp_path: Path) -> None:
    h = history_for(fresh_ut10.url, page_size=50)
    state = tmp_path / "state.db"
    run(h, state)
    edited = _edit_first(h, 45)  # the 45 oldest: one page of the scan
    result, rows = run(h, state)
    assert sorted(str(r["ref"]) for r in rows) == sorted(edited) and {r["change"] for r in rows} == {"changed"}
    assert result.requests <= 3  # the scan and one page — by key it would take three requests


def test_rows_that_moved_since_the_scan_are_fetched_by_key(fresh_ut10: DemoServer,
                                                           history_for: Callable[..., History], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from onec_history.export import export as export_mod

    h = history_for(fresh_ut10.url, page_size=50)
    state = tmp_path / "state.db"
    run(h, state)
    edited = _edit_first(h, 45)
    real = export_mod._Exporter._fetch_window

    def shifted(self: export_mod._Exporter, view: export_mod._View, skip: int, top: int,
                labels: dict[str, str]) -> set[str]:
        return real(self, view, skip + 20, top, labels)  # as if 20 older events had been inserted meanwhile

    monkeypatch.setattr(export_mod._Exporter, "_fetch_window", shifted)
    result, rows = run(h, state)
    assert sorted(str(r["ref"]) for r in rows) == sorted(edited) and result.changed == 45
