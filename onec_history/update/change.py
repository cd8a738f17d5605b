"""What to change in an event, in logical terms, and how a row of text (``--set``, a file) says it.

Nothing here talks to 1C. A :class:`Change` holds only absolute values — "the state becomes
completed", "the start becomes 16.04.2026 10:00" — never relative ones ("a day later"), so that
applying it twice is applying it once: a re-run of the same file finds every change already
holding and writes nothing.

A text given as the empty string clears the attribute (``--set comment=``); in a file an empty
cell means "leave as it is".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime, tzinfo
from typing import Any

from ..create.spec import RowError, Vocabulary, parse_basis, parse_bool, put_enum, put_state
from ..dates import parse_datetime_text
from ..models import Direction, DocumentRef, EventKind, EventState

__all__ = ["FIELDS", "KEY_COLUMNS", "Change", "parse_change", "parse_set"]

FIELDS = ("kind", "direction", "state", "start", "end", "subject", "body", "comment", "importance",
          "contact", "responsible", "basis", "basis_type", "deleted")
"""The logical fields ``--set`` and a bulk file's columns may change."""

KEY_COLUMNS = ("event", "ref", "number")
"""A bulk file names its event in one of these: any address (``event``), a reference, a number."""

_TEXTS = ("subject", "body", "comment", "importance", "contact")


@dataclass(frozen=True)
class Change:
    """The new values; ``None`` leaves a field as it is, ``""`` clears a text."""

    kind: EventKind | None = None
    direction: Direction | None = None
    state: EventState | None = None
    state_name: str | None = None  # a state the base added itself (family B's catalog)
    start: datetime | None = None
    end: datetime | None = None
    keep_duration: bool = False  # a reschedule without an end moves the end with the start
    subject: str | None = None
    body: str | None = None
    comment: str | None = None
    importance: str | None = None
    contact: str | None = None  # family A: the contact person as text (КонтактноеЛицо)
    responsible: str | None = None  # a name (prefix) or a reference, resolved against the base
    basis: DocumentRef | None = None
    deleted: bool | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self) if f.name != "keep_duration")

    def merged(self, other: Change) -> Change:
        """This change with ``other``'s values on top (a verb plus ``--set``)."""
        mine = asdict(self)
        mine.update({k: v for k, v in asdict(other).items() if v is not None and (k != "keep_duration" or v)})
        if isinstance(mine.get("basis"), dict):
            mine["basis"] = DocumentRef(**mine["basis"])
        return Change(**mine)

    def identity(self, ref: str) -> str:
        """What a ledger knows this change of this event by: the event and the new values."""
        data = {k: (v.isoformat() if isinstance(v, datetime) else v)
                for k, v in asdict(self).items() if v is not None and (k != "keep_duration" or v)}
        if self.basis is not None:
            data["basis"] = f"{self.basis.entity_set}({self.basis.ref})"
        text = json.dumps({"ref": ref, "change": data}, ensure_ascii=False, sort_keys=True, default=str)
        return "update:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_set(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``FIELD=VALUE`` pairs → {field: value}; an unknown field or a pair without ``=`` is a RowError."""
    out: dict[str, str] = {}
    for item in items:
        name, eq, value = item.partition("=")
        key = name.strip().lower().replace("-", "_")
        if not eq or key not in FIELDS:
            raise ValueError(f"--set {item!r}: expected FIELD=VALUE with FIELD one of {', '.join(FIELDS)}")
        out[key] = value
    return out


def parse_change(values: Mapping[str, Any], vocab: Vocabulary, *, server_tz: tzinfo | None = None,
                 clear_empty: bool = False) -> tuple[Change | None, list[RowError]]:
    """Documented field names → a :class:`Change`, or every problem found.

    ``clear_empty``: an empty text clears the attribute (``--set``); otherwise (a file's cell) an
    empty value leaves it as it is.
    """
    errors: list[RowError] = []
    out: dict[str, Any] = {}
    given = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items() if k in FIELDS}
    for name in _TEXTS:
        raw = values.get(name)
        if raw is None or (raw == "" and not clear_empty):
            continue
        if not isinstance(raw, str):
            errors.append(RowError(name, f"expected a text, got {type(raw).__name__}"))
            continue
        # 1C ignores trailing blanks of a string (it pads fixed-length ones): a cell "Перезвонить "
        # from a spreadsheet is the text 1C already holds, not a change every run.
        if raw.rstrip() == "" and raw and not clear_empty:
            continue
        out[name] = raw.rstrip()
    for name, table in (("kind", vocab.kinds), ("direction", vocab.directions)):
        put_enum(str(given.get(name) or ""), name, table, vocab, out, errors)
    put_state(str(given.get("state") or ""), vocab, out, errors)
    for name in ("start", "end"):
        if given.get(name):
            try:
                out[name] = parse_datetime_text(str(given[name]), server_tz=server_tz)
            except ValueError as exc:
                errors.append(RowError(name, str(exc)))
    if out.get("start") and not out.get("end"):
        out["keep_duration"] = True  # a new start alone moves the end with it, as reschedule does
    if out.get("start") and out.get("end") and out["end"] < out["start"]:
        errors.append(RowError("end", f"{out['end']:%d.%m.%Y %H:%M:%S} is before the start"))
    if given.get("responsible"):
        out["responsible"] = str(given["responsible"])
    if given.get("basis"):
        try:
            out["basis"] = parse_basis(str(given["basis"]), str(given.get("basis_type") or "") or None)
        except ValueError as exc:
            errors.append(RowError("basis", str(exc)))
    if given.get("deleted") not in (None, ""):
        try:
            out["deleted"] = parse_bool(given["deleted"])
        except ValueError as exc:
            errors.append(RowError("deleted", str(exc)))
    if errors:
        return None, errors
    return Change(**out), []
