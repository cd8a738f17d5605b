"""Rows as 1C sends them → domain models, through a profile resolved once per base."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .events.shape import EventShape
from .models import (
    Counterparty,
    DocumentRef,
    Event,
    EventState,
    Participant,
    parse_datetime,
    parse_ref,
    strip,
)
from .profiles import Profile

__all__ = ["CounterpartyMapper", "EventMapper"]

_CP_FIELDS = ("code", "name", "full_name", "inn", "kpp", "parent", "is_folder", "manager", "buyer", "supplier",
              "deleted", "comment", "data_version", "partner")


class EventMapper:
    """Turns ``Document_Событие`` rows of one base into :class:`Event` objects, through the
    base's :class:`~onec_history.events.shape.EventShape`."""

    def __init__(self, profile: Profile, *, state_lookup: Mapping[str, tuple[str, EventState]] | None = None,
                 shape: EventShape | None = None):
        self.shape = shape or EventShape(profile, state_lookup=state_lookup)
        self.profile = profile
        self.attrs = self.shape.attrs
        self.section = self.shape.section
        self.participant_attr = self.shape.participant_attr

    def select(self, *, with_participants: bool = True) -> tuple[str, ...]:
        return self.shape.select(with_participants=with_participants)

    def participants(self, row: Mapping[str, Any]) -> tuple[Participant, ...]:
        return tuple(Participant(line=int(line) if line not in (None, "") else None, ref=ref, entity_set=target,
                                 text=text) for line, (ref, target, text) in self.shape.participants(row))

    def map(self, row: Mapping[str, Any]) -> Event:
        shape = self.shape
        participants = self.participants(row)
        cp_ref, cp_set, cp_text = shape.client(row, [(p.ref, p.entity_set, p.text) for p in participants])
        kind, kind_raw = shape.kind(row)
        direction, dir_raw = shape.direction(row)
        state, state_raw = shape.state(row)
        b_ref, b_set, _ = shape.who(row, "basis")
        return Event(
            ref=str(row.get("Ref_Key")),
            number=strip(shape.get(row, "number")),
            date=parse_datetime(shape.get(row, "date")),
            posted=shape.get(row, "posted") if shape.postable else None,
            deleted=bool(shape.get(row, "deleted")),
            kind=kind,
            kind_raw=kind_raw,
            direction=direction,
            direction_raw=dir_raw,
            state=state,
            state_raw=state_raw,
            counterparty=cp_ref,
            counterparty_set=cp_set,
            counterparty_text=cp_text,
            participants=participants,
            contact=shape.who(row, "contact")[0],
            responsible=shape.who(row, "responsible")[0],
            start=parse_datetime(shape.get(row, "start")),
            end=parse_datetime(shape.get(row, "end")),
            subject=shape.text(row, "subject"),
            body=shape.text(row, "body"),
            comment=shape.text(row, "comment"),
            basis=DocumentRef(entity_set=b_set, ref=b_ref) if b_ref and b_set else None,
            data_version=shape.get(row, "data_version"),
            document_set=shape.document_set,
            contact_text=shape.text(row, "contact_text"),
            topic=_topic(shape.who(row, "topic")),
            reviewed=_flag(shape.get(row, "reviewed")),
            review_after=parse_datetime(shape.get(row, "review_after")),
            raw=dict(row),
        )


def _topic(who: tuple[str | None, str | None, str | None]) -> DocumentRef | None:
    ref, target, _ = who
    return DocumentRef(entity_set=target, ref=ref) if ref and target else None


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


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
            partner=parse_ref(self._get(row, "partner")),
            raw=dict(row),
        )
