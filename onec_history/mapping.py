"""Rows as 1C sends them → domain models, through a profile resolved once per base."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .models import (
    Counterparty,
    DocumentRef,
    Event,
    EventKind,
    EventState,
    Participant,
    parse_datetime,
    parse_ref,
    set_of_type,
    strip,
)
from .profiles import Attr, AttrKind, Profile

__all__ = ["CounterpartyMapper", "EventMapper", "composite_value"]

_EVENT_FIELDS = ("number", "date", "posted", "deleted", "data_version", "kind", "direction", "state",
                 "counterparty", "contact", "responsible", "start", "end", "subject", "body", "comment", "basis")
_CP_FIELDS = ("code", "name", "full_name", "inn", "kpp", "parent", "is_folder", "manager", "buyer", "supplier",
              "deleted", "comment", "data_version")


def composite_value(row: Mapping[str, Any], attr: Attr) -> tuple[str | None, str | None, str | None]:
    """(ref, entity set, text) of a composite or single-type reference attribute."""
    value = row.get(attr.prop)
    if attr.kind is AttrKind.COMPOSITE:
        type_name = row.get(attr.type_prop or "")
        target = set_of_type(type_name)
        if target is not None:
            return parse_ref(value), target, None
        if type_name == "Edm.String" and value not in (None, ""):
            return None, None, str(value)
        return None, None, None
    if attr.kind is AttrKind.REF:
        return parse_ref(value), attr.target_set, None
    return None, None, strip(value)


class EventMapper:
    """Turns ``Document_Событие`` rows of one base into :class:`Event` objects."""

    def __init__(self, profile: Profile, *, state_lookup: Mapping[str, tuple[str, EventState]] | None = None):
        self.profile = profile
        es = profile.event_es()
        self.attrs = profile.event_attrs(_EVENT_FIELDS)
        self.section = (
            profile.participants_section if profile.participants_section in es.tabular_sections else None
        )
        self.participant_attr = profile.participant_attr() if self.section else None
        self._kinds = {v: k for k, v in profile.kinds.items()}
        self._directions = {v: k for k, v in profile.directions.items()}
        self._states = {v: k for k, v in profile.states.items()}
        self.state_lookup = dict(state_lookup or {})

    def select(self, *, with_participants: bool = True) -> tuple[str, ...]:
        out = ["Ref_Key"]
        for a in self.attrs.values():
            out.extend(p for p in a.select if p not in out)
        if with_participants and self.section:
            out.append(self.section)
        return tuple(out)

    def _get(self, row: Mapping[str, Any], logical: str) -> Any:
        a = self.attrs.get(logical)
        return None if a is None else row.get(a.prop)

    def _state(self, row: Mapping[str, Any]) -> tuple[EventState | None, str | None]:
        a = self.attrs.get("state")
        if a is None:
            return None, None
        raw = row.get(a.prop)
        if a.kind is AttrKind.REF:
            ref = parse_ref(raw)
            if ref is None:
                return None, None
            name, state = self.state_lookup.get(ref, (ref, EventState.OTHER))
            return state, name
        raw_s = strip(raw) or None
        if raw_s is None:
            return None, None
        return self._states.get(raw_s, EventState.OTHER), raw_s

    def participants(self, row: Mapping[str, Any]) -> tuple[Participant, ...]:
        if not self.section or self.participant_attr is None:
            return ()
        out = []
        for prow in row.get(self.section) or ():
            ref, target, text = composite_value(prow, self.participant_attr)
            if ref is None and text is None:
                continue
            line = prow.get("LineNumber")
            out.append(Participant(line=int(line) if line not in (None, "") else None,
                                   ref=ref, entity_set=target, text=text))
        return tuple(out)

    def map(self, row: Mapping[str, Any]) -> Event:
        kind_raw = strip(self._get(row, "kind")) or None
        dir_raw = strip(self._get(row, "direction")) or None
        state, state_raw = self._state(row)
        cp_ref: str | None = None
        cp_set: str | None = None
        cp_text: str | None = None
        if "counterparty" in self.attrs:
            cp_ref, cp_set, cp_text = composite_value(row, self.attrs["counterparty"])
        participants = self.participants(row)
        if cp_ref is None and cp_text is None:
            # Family B keeps the client among the participants: the first counterparty is "the client".
            for p in participants:
                if p.entity_set == self.profile.counterparty_set:
                    cp_ref, cp_set = p.ref, p.entity_set
                    break
            else:
                texts = [p.text for p in participants if p.text]
                cp_text = texts[0] if texts else None
        basis = None
        if "basis" in self.attrs:
            b_ref, b_set, _ = composite_value(row, self.attrs["basis"])
            if b_ref and b_set:
                basis = DocumentRef(entity_set=b_set, ref=b_ref)
        resp = self.attrs.get("responsible")
        contact = self.attrs.get("contact")
        return Event(
            ref=str(row.get("Ref_Key")),
            number=strip(self._get(row, "number")),
            date=parse_datetime(self._get(row, "date")),
            posted=self._get(row, "posted"),
            deleted=bool(self._get(row, "deleted")),
            kind=self._kinds.get(kind_raw or "", EventKind.OTHER if kind_raw else None),
            kind_raw=kind_raw,
            direction=self._directions.get(dir_raw or ""),
            direction_raw=dir_raw,
            state=state,
            state_raw=state_raw,
            counterparty=cp_ref,
            counterparty_set=cp_set,
            counterparty_text=cp_text,
            participants=participants,
            contact=composite_value(row, contact)[0] if contact else None,
            responsible=composite_value(row, resp)[0] if resp else None,
            start=parse_datetime(self._get(row, "start")),
            end=parse_datetime(self._get(row, "end")),
            subject=_text(row, self.attrs.get("subject")),
            body=_text(row, self.attrs.get("body")),
            comment=_text(row, self.attrs.get("comment")),
            basis=basis,
            data_version=self._get(row, "data_version"),
            raw=dict(row),
        )


def _text(row: Mapping[str, Any], a: Attr | None) -> str | None:
    """A text attribute; УНФ's Тема is a composite (string or a ТемыСобытий reference)."""
    if a is None:
        return None
    value = row.get(a.prop)
    if a.kind is AttrKind.COMPOSITE and row.get(a.type_prop or "") not in ("Edm.String", None):
        return None
    return None if value is None else str(value).rstrip() or None


class CounterpartyMapper:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.attrs = profile.counterparty_attrs(_CP_FIELDS)

    def select(self) -> tuple[str, ...]:
        out = ["Ref_Key"]
        for a in self.attrs.values():
            out.extend(p for p in a.select if p not in out)
        return tuple(out)

    def _get(self, row: Mapping[str, Any], logical: str) -> Any:
        a = self.attrs.get(logical)
        return None if a is None else row.get(a.prop)

    def map(self, row: Mapping[str, Any]) -> Counterparty:
        return Counterparty(
            ref=str(row.get("Ref_Key")),
            code=strip(self._get(row, "code")) or None,
            name=strip(self._get(row, "name")) or "",
            full_name=strip(self._get(row, "full_name")) or None,
            inn=strip(self._get(row, "inn")) or None,
            kpp=strip(self._get(row, "kpp")) or None,
            parent=parse_ref(self._get(row, "parent")),
            is_folder=bool(self._get(row, "is_folder")),
            manager=parse_ref(self._get(row, "manager")),
            buyer=self._get(row, "buyer"),
            supplier=self._get(row, "supplier"),
            deleted=bool(self._get(row, "deleted")),
            comment=strip(self._get(row, "comment")) or None,
            data_version=self._get(row, "data_version"),
            raw=dict(row),
        )
