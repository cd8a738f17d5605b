"""Finding in 1C the events earlier runs created: by the deterministic key, or by the marker.

The ledger remembers what a run created, but a ledger can be fresh (another machine, a deleted
file, ``--ledger`` pointing elsewhere) and some bases ignore a client-chosen ``Ref_Key``. So before
anything is sent, the rows the ledger does not know as done are looked up in 1C itself, in bulk:

- by ``Ref_Key`` where the base keeps client keys (one ``Ref_Key eq … or …`` request per few dozen
  rows), and
- by the ``[onec-history:<key>]`` marker the tool writes into the comment (or body) when the base
  may not keep them: the candidates are the events with the rows' start times, and the marker is
  matched here — 1C cannot compare unlimited strings in a filter.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from .. import query as q
from ..client import Client
from .prepare import Prepared
from .shape import Shaper
from .spec import MARKER_PREFIX, ONCE_PREFIX

__all__ = ["Found", "by_keys", "by_markers", "number_of", "one"]

_MARKER = re.compile(re.escape(MARKER_PREFIX) + r"([0-9a-fA-F-]{36})\]")


@dataclass(frozen=True)
class Found:
    """An event 1C already has for a row; ``key_kept`` tells whether it carries the row's own key."""

    ref: str
    number: str | None
    key_kept: bool


def number_of(row: dict[str, Any]) -> str | None:
    value = row.get("Number")
    return str(value).strip() or None if value is not None else None


def by_keys(client: Client, event_set: str, items: Iterable[Prepared]) -> dict[str, Found]:
    """identity → the event that has the row's deterministic ``Ref_Key``."""
    wanted = {p.ref_key: p.identity for p in items}
    found: dict[str, Found] = {}
    for page in client.iter_by(event_set, "Ref_Key", list(wanted), select=("Ref_Key", "Number")):
        for row in page:
            identity = wanted.get(uuid.UUID(str(row["Ref_Key"])))
            if identity is not None:
                found[identity] = Found(str(row["Ref_Key"]), number_of(row), True)
    return found


def by_markers(client: Client, event_set: str, shaper: Shaper, items: Iterable[Prepared]) -> dict[str, Found]:
    """identity → the event whose comment (or body) carries the row's marker; empty when the base's
    events have nowhere to keep a marker or nothing to look them up by."""
    marker_attr = shaper.marker_attr
    rows = list(items)
    if marker_attr is None or not rows:
        return {}
    wanted = {str(p.ref_key): p for p in rows}
    found: dict[str, Found] = {}
    select = ("Ref_Key", "Number", marker_attr.prop)
    for page in _candidates(client, event_set, shaper, rows, select):
        for row in page:
            for key in _MARKER.findall(str(row.get(marker_attr.prop) or "")):
                p = wanted.get(key.lower())
                if p is not None and p.identity not in found:
                    ref = str(row["Ref_Key"])
                    found[p.identity] = Found(ref, number_of(row), ref.lower() == key.lower())
    return found


def _candidates(client: Client, event_set: str, shaper: Shaper, rows: list[Prepared],
                select: tuple[str, ...]) -> Iterable[list[dict[str, Any]]]:
    """Pages of the events that may be ``rows``': those starting when they start (the start's
    day for an event typed without a start: a repeat has another start, the same day), or what
    the shaper looks them up by (family C's planned interaction: its participants)."""
    custom = shaper.candidate_pages(client, rows, select)
    if custom is not None:
        return list(custom)
    start_attr = shaper.lookup_attr
    if start_attr is None:
        return []
    days = sorted({p.event.start.date() for p in rows if (p.event.external_id or "").startswith(ONCE_PREFIX)})
    starts = sorted({p.event.start for p in rows if p.event.start.date() not in days})
    pages = list(client.iter_by(event_set, start_attr.prop, starts, select=select)) if starts else []
    for day in days:
        since = datetime.combine(day, time())
        window = q.and_(q.ge(start_attr.prop, since), q.lt(start_attr.prop, since + timedelta(days=1)))
        pages.extend(client.pages(event_set, q.Query(filter=window, select=select)))
    return pages


def one(client: Client, event_set: str, shaper: Shaper, p: Prepared, *, by_key: bool,
        by_marker: bool) -> Found | None:
    """The event of one row, if 1C has it (after a write whose outcome is unknown)."""
    if by_key:
        row = client.find(event_set, p.ref_key, select=("Ref_Key", "Number"))
        if row is not None:
            return Found(str(row["Ref_Key"]), number_of(row), True)
    if not by_marker:
        return None
    marker_attr = shaper.marker_attr
    if marker_attr is None:
        return None
    select = ("Ref_Key", "Number", marker_attr.prop)
    custom = shaper.candidate_pages(client, [p], select)
    start_attr = shaper.lookup_attr
    if custom is not None:
        rows: Iterable[dict[str, Any]] = (row for page in custom for row in page)
    elif start_attr is not None:
        rows = client.iterate(event_set, q.Query(filter=q.eq(start_attr.prop, p.event.start), select=select))
    else:
        return None
    for row in rows:
        if p.marker in str(row.get(marker_attr.prop) or ""):
            ref = str(row["Ref_Key"])
            return Found(ref, number_of(row), ref.lower() == str(p.ref_key))
    return None
