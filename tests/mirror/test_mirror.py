"""The mirror: a full first copy, incremental runs that fetch only changes, SQLite = PostgreSQL, reading back."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy", reason="the mirror needs SQLAlchemy 2 (pip install 'sqlalchemy>=2')")

import sqlalchemy as sa

from onec_history.client import entity_path
from onec_history.history import EventFilter, History
from onec_history.mirror import schema as ms
from onec_history.mirror.reader import MirrorReader
from onec_history.mirror.sync import Mirror, MirrorReport, engine_for
from onec_history.query import Query, eq


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every mirrored row, sorted, with values in one comparable form."""
    engine = engine_for(url)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in ms.metadata.sorted_tables:
            if table.name in ("mirror_meta", "mirror_sets", "sync_state", "bases"):  # times of the runs
                continue
            rows = conn.execute(sa.select(table)).all()
            out[table.name] = sorted((tuple(_plain(v) for v in r) for r in rows), key=repr)
    engine.dispose()
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, float):
        return round(v, 6)
    return v


def by_set(report: MirrorReport) -> dict[str, Any]:
    return {s.entity_set: s for s in report.sets}


def edit_the_base(history: History) -> dict[str, str]:
    """A 1C user's day: edit a client, add one, delete one physically, mark an event for deletion."""
    client, p = history.client, history.profile
    cps = p.counterparty_set
    items = [r for r in client.iterate(cps, Query(filter=eq("IsFolder", False), select=("Ref_Key",)))]
    edited, removed = items[0]["Ref_Key"], items[-1]["Ref_Key"]
    client.patch(cps, edited, {"Description": "Изменённое имя"})
    new = client.create(cps, {"Description": "Новый контрагент", "IsFolder": False})["Ref_Key"]
    client.transport.request("DELETE", entity_path(cps, removed), idempotent=True)
    event = next(client.iterate(p.event_set, Query(select=("Ref_Key",), top=1)))["Ref_Key"]
    client.mark_deleted(p.event_set, event)
    return {"edited": edited, "new": new, "removed": removed, "event": event}


def test_a_second_run_copies_only_the_changes(history: History, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mirror.db'}"
    mirror = Mirror(history, url)
    full = mirror.sync()
    assert all(s.mode == "full" for s in full.sets)
    p = history.profile
    changed = edit_the_base(history)
    inc = mirror.sync()
    sets = by_set(inc)
    cp, ev = sets[p.counterparty_set], sets[p.event_set]
    assert (cp.mode, cp.changed, cp.deleted) == ("incremental", 2, 1)
    assert (ev.mode, ev.changed, ev.deleted) == ("incremental", 1, 0)
    assert cp.requests == 2 and ev.requests == 2  # the version scan, then one request for the changed rows
    for s in inc.sets:
        if s.entity_set not in (p.counterparty_set, p.event_set):
            assert (s.changed, s.deleted, s.requests) == (0, 0, 1)
    assert inc.bytes < full.bytes / 5
    # The incremental copy holds exactly what a fresh full copy holds.
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    Mirror(history, fresh).sync()
    assert dump(url) == dump(fresh)
    reader = MirrorReader(url)
    assert reader.counterparty(changed["removed"]) is None
    assert reader.counterparty(changed["new"]) is not None
    assert next(e for e in reader.events() if e.ref == changed["event"]).deleted is True


def test_sqlite_and_postgresql_hold_the_same_rows(history: History, tmp_path: Path, pg_url: str) -> None:
    pg_engine = engine_for(pg_url)
    ms.metadata.drop_all(pg_engine)
    pg_engine.dispose()
    lite = f"sqlite:///{tmp_path / 'mirror.db'}"
    for url in (lite, pg_url):
        with Mirror(history, url) as mirror:
            mirror.sync()
    edit_the_base(history)
    for url in (lite, pg_url):
        with Mirror(history, url) as mirror:
            mirror.sync()
    a, b = dump(lite), dump(pg_url)
    assert sum(len(v) for v in a.values()) > 400
    for table in a:
        assert a[table] == b[table], table


def test_the_reader_gives_what_the_library_reads_from_1c(history: History, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mirror.db'}"
    Mirror(history, url).sync()
    reader = MirrorReader(url)
    romashka = history.find_counterparty("7701000001")
    from_1c = list(history.events(EventFilter(counterparty=romashka.ref)))
    from_db = list(reader.events(EventFilter(counterparty=romashka.ref)))
    assert len(from_db) >= 3
    fields = ("ref", "date", "kind", "direction", "state", "state_raw", "subject", "counterparty", "responsible",
              "responsible_name", "start", "end", "participants", "basis")
    assert [[getattr(e, f) for f in fields] for e in from_db] == [[getattr(e, f) for f in fields] for e in from_1c]
    card = reader.counterparty(romashka.ref)
    assert card is not None
    assert card.model_dump(exclude={"parent_name", "manager_name"}) == \
           romashka.model_dump(exclude={"parent_name", "manager_name"})
    # The article's chain is in the links table: the delivery points at the order it was made for.
    kinds = {(child.entity_set, link, parent.entity_set) for child, link, parent in reader.links()}
    assert (p := history.profile).event_set in {c for c, _, _ in kinds}
    assert any(parent.startswith("Document_") and child != p.event_set for child, _, parent in kinds)


def test_objects_deleted_in_1c_while_most_rows_changed_use_one_full_pass(history: History, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mirror.db'}"
    mirror = Mirror(history, url)
    mirror.sync()
    users = history.profile.users_set
    for row in history.client.iterate(users, Query(select=("Ref_Key",))):
        history.client.patch(users, row["Ref_Key"], {"Description": f"Пользователь {uuid.uuid4().hex[:6]}"})
    rep = by_set(mirror.sync())[users]
    assert rep.mode == "full" and rep.requests == 2  # the scan showed most rows moved: re-read the set in one pass
    assert dump(url)["names"] == dump(_fresh(history, tmp_path))["names"]


def _fresh(history: History, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    Mirror(history, url).sync()
    return url
