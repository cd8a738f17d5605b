"""The fast row mapping agrees with the model mapping (records.EventMapper + History names)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime

from onec_history import query as q
from onec_history.demo.server import DemoServer
from onec_history.export import EVENT_COLUMNS, ExportOptions, export_events
from onec_history.export.rows import EventRowMapper
from onec_history.history import EventFilter, History


def iso(d: datetime | None) -> str | None:
    return d.isoformat() if d else None


def expected_row(e: object) -> dict[str, object]:
    """The export columns computed from a pydantic Event, independently of EventRowMapper."""
    from onec_history.models import Event

    assert isinstance(e, Event)
    parts = "; ".join(p.name or p.text or p.ref or "" for p in e.participants) or None
    return {
        "ref": e.ref, "number": e.number or None, "date": iso(e.date),
        "kind": e.kind_raw, "kind_code": e.kind.value if e.kind else None,
        "direction": e.direction_raw, "direction_code": e.direction.value if e.direction else None,
        "state": e.state_raw, "state_code": e.state.value if e.state else None,
        "client": e.who or None, "client_ref": e.counterparty, "contact_ref": e.contact,
        "responsible": e.responsible_name, "responsible_ref": e.responsible,
        "start": iso(e.start), "end": iso(e.end),
        "duration_min": round(e.duration_minutes, 2) if e.duration_minutes is not None else None,
        "subject": e.subject, "body": e.body, "comment": e.comment,
        "basis_type": e.basis.entity_set if e.basis else None, "basis_ref": e.basis.ref if e.basis else None,
        "participants": parts, "posted": e.posted, "deleted": e.deleted, "data_version": e.data_version,
        "document_type": e.document_set,
    }


def test_fast_rows_match_models_on_every_demo_event(demo: DemoServer, history_for: Callable[..., History]) -> None:
    h = history_for(demo.url)
    events = list(h.events(EventFilter(), newest_first=False))
    names = h.names
    for e in events:  # participant names, as the export shows them
        names.prefetch([(p.entity_set, p.ref) for p in e.participants])
    events = [e.model_copy(update={"participants": tuple(
        p.model_copy(update={"name": names.name(p.entity_set, p.ref)}) for p in e.participants)}) for e in events]
    mapper = EventRowMapper(h.event_mapper().shape, names, users_set=h.profile.users_set)
    raw = {r["Ref_Key"]: r for r in h.client.iterate(h.profile.event_set, q.Query(select=h.event_mapper().select()))}
    assert len(raw) == len(events) > 300
    keys = [c.key for c in EVENT_COLUMNS]
    for e in events:
        got = dict(zip(keys, mapper.map(raw[e.ref]), strict=True))
        assert got == expected_row(e), e.ref


def test_export_jsonl_is_the_same_set_oldest_first(demo: DemoServer, history_for: Callable[..., History]) -> None:
    h = history_for(demo.url)
    buf = io.BytesIO()
    result = export_events(h, EventFilter(), buf, options=ExportOptions(fmt="jsonl"))
    rows = [json.loads(line) for line in buf.getvalue().decode("utf-8").splitlines()]
    assert result.exported == len(rows) == len({r["ref"] for r in rows})
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert any(r["client"] == "ООО Ромашка" for r in rows)
    assert all(r["client_ref"] for r in rows if r["client"] and r["client"].startswith("ООО «"))
