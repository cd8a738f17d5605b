"""A logical :class:`NewEvent` → the JSON body of ``POST Document_Событие`` in the base's own shape.

Every attribute name comes from the profile (``profile.event_attr``), never from this module:
family A gets the client in the header (composite: a counterparty reference, or an unregistered
caller as ``Edm.String``) plus the object kind; family B gets a participant row whose composite
column points at the counterparty, and its state as a reference to the state catalog.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import ValidationError
from ..models import EventState
from ..profiles import Attr, AttrKind, Family, Profile
from .spec import NewEvent, RowError

__all__ = ["Resolved", "Shaper"]

_DATETIME = "%Y-%m-%dT%H:%M:%S"
_TEXT_TYPE = "Edm.String"
_LOGICAL = ("kind", "direction", "state", "counterparty", "object_kind", "responsible", "start", "end",
            "subject", "body", "comment", "basis", "date")

# ---- per-family known string lengths the built-in profiles do not carry (by LOGICAL field) ------
# 1C's $metadata has no MaxLength (odata-1c.md §4), and 1C truncates silently.
# Family A: the composite Контрагент holds Строка(200) for a typed-in caller (configurations.md).
# Family B: Тема Строка(150) and Участники.Контакт Строка(100) as the demo's УНФ 3.0 schema has
# them — unverified against a real УНФ; a config file's [lengths] table wins over these.
_EXTRA_LENGTHS: dict[Family, dict[str, int]] = {
    Family.A: {"counterparty": 200},
    Family.B: {"subject": 150, "participant": 100},
}


@dataclass(frozen=True)
class Resolved:
    """References a :class:`NewEvent` resolved to in this base."""

    counterparty: str | None = None
    responsible: str | None = None
    state_ref: str | None = None  # family B: the state catalog item
    # family C: the catalog of ``counterparty`` (the partner's), the contact person, the client's
    # name as the document shows it, the user who writes it (Автор)
    client_set: str | None = None
    contact: str | None = None
    presentation: str | None = None
    author: str | None = None


@dataclass
class Shaper:
    """Builds bodies for one base; attribute lookups are done once."""

    profile: Profile
    state_refs: Mapping[EventState, str] = field(default_factory=dict)
    state_names: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        p = self.profile
        self.event_set = p.event_set
        self.attrs = p.event_attrs(_LOGICAL)
        self.participant = p.participant_attr()
        self.section = p.participants_section if self.participant is not None else None
        header = self.attrs.get("counterparty")
        self.client_in_header = p.counterparty_on_event and header is not None
        # Where the identity marker goes when the base ignores client-chosen keys: the comment,
        # or the body where the family has no comment (УНФ).
        self.marker_attr = self.attrs.get("comment") or self.attrs.get("body")

    # -- what this base can hold ------------------------------------------------------------------
    def problems(self, ev: NewEvent, *, now: datetime | None = None) -> list[RowError]:
        """Fields of ``ev`` this base cannot store (checked before any reference is resolved)."""
        p = self.profile
        out: list[RowError] = []
        if "kind" not in self.attrs:
            out.append(RowError("kind", "this base's events have no kind attribute (map it in [profile.event])"))
        elif ev.kind not in p.kinds:
            out.append(RowError("kind", f"{ev.kind.value!r} does not exist in this base; it has "
                                        + ", ".join(p.kinds.values())))
        for name in ("direction", "end", "subject", "body", "comment", "responsible", "basis"):
            if getattr(ev, name) is not None and name not in self.attrs:
                out.append(RowError(name, f"this base's events have no attribute for {name!r}"))
        if (ev.state is not None or ev.state_name is not None) and "state" not in self.attrs:
            out.append(RowError("state", "this base's events have no state attribute"))
        if "start" not in self.attrs:
            out.append(RowError("start", "this base's events have no start attribute (map it in [profile.event])"))
        if ev.counterparty and not (self.client_in_header or self.participant is not None):
            out.append(RowError("counterparty", "this base's events have no place for a counterparty"))
        if ev.caller and not self._caller_possible():
            out.append(RowError("caller", "this base cannot keep an unregistered caller as text"))
        if ev.basis is not None and "basis" in self.attrs:
            a = self.attrs["basis"]
            if a.kind is AttrKind.REF and a.target_set and a.target_set != ev.basis.entity_set:
                out.append(RowError("basis", f"the basis must be a {a.target_set} in this base"))
        if ev.post and not p.can_post_events:
            out.append(RowError("post", "events cannot be posted in this configuration"))
        if ev.contact is not None:
            out.append(RowError("contact", "a contact person is named when creating in family C only; here set it "
                                           "afterwards with 'events update EVENT --set contact=NAME'"))
        return out

    def resolved_problems(self, ev: NewEvent, res: Resolved) -> list[RowError]:
        """What the base cannot hold of what ``ev``'s references resolved to (none in families A, B)."""
        return []

    # -- finding what earlier runs wrote, and what follows the write (family C overrides) ----------
    @property
    def lookup_attr(self) -> Attr | None:
        """The attribute holding a row's start: earlier runs' events are looked up by it."""
        return self.attrs.get("start")

    def candidate_pages(self, client: Any, rows: Any, select: tuple[str, ...]) -> Any:
        """Pages of the events that may carry ``rows``' markers when they are not found by
        :attr:`lookup_attr`; ``None``: look them up by it."""
        return None

    def needs_after_write(self, ev: NewEvent) -> bool:
        """Whether something is written after the event itself (family C: a planned interaction's due date)."""
        return False

    def after_write(self, client: Any, p: Any, ref: str) -> None:
        """Write what follows the event (raises what 1C answered)."""

    def after_write_note(self, ev: NewEvent) -> str:
        return ""

    def _caller_possible(self) -> bool:
        if self.client_in_header:
            return self.attrs["counterparty"].kind is AttrKind.COMPOSITE
        return self.participant is not None and self.participant.kind is AttrKind.COMPOSITE

    def state_ref(self, ev: NewEvent) -> tuple[str | None, RowError | None]:
        """Family B: the catalog reference of the event's state."""
        a = self.attrs.get("state")
        if a is None or a.kind is not AttrKind.REF:
            return None, None
        if ev.state is not None:
            ref = self.state_refs.get(ev.state)
            if ref is None:
                return None, RowError("state", f"the base's state catalog has no {ev.state.value!r} state")
            return ref, None
        if ev.state_name is not None:
            return self.state_names.get(ev.state_name), None
        return None, None

    # -- the body ---------------------------------------------------------------------------------
    def body(self, ev: NewEvent, res: Resolved, *, ref_key: uuid.UUID | None, marker: str | None,
             now: datetime) -> dict[str, Any]:
        """The JSON-ready body; ``marker`` is appended to the comment (or body) when given."""
        p = self.profile
        out: dict[str, Any] = {}
        if ref_key is not None:
            out["Ref_Key"] = str(ref_key)
        a = self.attrs
        if "date" in a and ev.start <= now:
            # A historical record is dated when it happened, so listings by date place it right;
            # a planned one keeps 1C's default (the moment it is written).
            out[a["date"].prop] = ev.start.strftime(_DATETIME)
        out[a["kind"].prop] = p.kinds[ev.kind]
        if ev.direction is not None:
            out[a["direction"].prop] = p.directions[ev.direction]
        if "state" in a and (ev.state is not None or ev.state_name is not None):
            if a["state"].kind is AttrKind.REF:
                if res.state_ref:
                    out[a["state"].prop] = res.state_ref
            elif ev.state is not None:
                out[a["state"].prop] = p.states[ev.state]
            else:
                out[a["state"].prop] = ev.state_name
        self._client(out, ev, res)
        if res.responsible:
            out[a["responsible"].prop] = res.responsible
        out[a["start"].prop] = ev.start.strftime(_DATETIME)
        if ev.end is not None:
            out[a["end"].prop] = ev.end.strftime(_DATETIME)
        put_texts(out, a, ev, marker, self.marker_attr)
        return out

    def _client(self, out: dict[str, Any], ev: NewEvent, res: Resolved) -> None:
        p = self.profile
        if not (res.counterparty or ev.caller):
            return
        value, target = (res.counterparty, p.counterparty_set) if res.counterparty else (ev.caller, None)
        assert value is not None
        if self.client_in_header:
            _put(out, self.attrs["counterparty"], value, target)
            if "object_kind" in self.attrs and p.object_kind_value:
                out[self.attrs["object_kind"].prop] = p.object_kind_value
            return
        assert self.section is not None and self.participant is not None
        row: dict[str, Any] = {"LineNumber": "1"}
        _put(row, self.participant, value, target)
        out[self.section] = [row]

    # -- mapping 1C's names back to columns -------------------------------------------------------
    def column_of(self, exc: ValidationError) -> str:
        """The documented column a validation error of the body is about."""
        where = f"{exc.field or ''} {exc.message}"
        best, best_len = "row", 0
        for logical, a in self.attrs.items():
            for prop in a.select:
                if prop in where and len(prop) > best_len:
                    best, best_len = ("start" if logical == "date" else logical), len(prop)
        if self.participant is not None and self.participant.name in where and best == "row":
            best = "counterparty"
        return {"object_kind": "counterparty"}.get(best, best)

    def known_lengths(self) -> dict[str, dict[str, int]]:
        """The extra lengths of this family as {entity set: {property: length}}."""
        extra = _EXTRA_LENGTHS.get(self.profile.family, {})
        out: dict[str, dict[str, int]] = {}
        for logical, length in extra.items():
            if logical == "participant":
                if self.participant is not None and self.section is not None:
                    ts_set = self.profile.event_es().tabular_sections[self.section].set_name
                    out.setdefault(ts_set or f"{self.event_set}_{self.section}", {})[self.participant.prop] = length
            elif logical in self.attrs:
                out.setdefault(self.event_set, {})[self.attrs[logical].prop] = length
        return out


def put_texts(out: dict[str, Any], a: Mapping[str, Attr], ev: NewEvent, marker: str | None,
              marker_attr: Attr | None) -> None:
    """The event's subject, body and comment (the marker appended to the attribute that carries
    it) and its basis — the same for an A/B Событие and a family-C interaction."""
    for logical in ("subject", "body", "comment"):
        text = getattr(ev, logical)
        if marker and marker_attr is a.get(logical):
            text = f"{text}\n{marker}" if text else marker
        if text is not None:
            _put(out, a[logical], text, None)
    if ev.basis is not None:
        _put(out, a["basis"], ev.basis.ref, ev.basis.entity_set)


def _put(out: dict[str, Any], a: Attr, value: str, target_set: str | None) -> None:
    """Write a value into a plain, single-type reference or composite attribute."""
    out[a.prop] = value
    if a.kind is AttrKind.COMPOSITE and a.type_prop:
        out[a.type_prop] = f"StandardODATA.{target_set}" if target_set else _TEXT_TYPE
