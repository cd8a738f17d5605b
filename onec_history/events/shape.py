"""How one base keeps an event in a row: compiled once per profile, read by every row→event path.

A :class:`EventShape` resolves the profile's logical fields against ``$metadata`` once and
flattens each into a :class:`Slot` (which properties hold it, whether it is a composite pair),
so that the per-row code does no lookups. Four paths read rows through it and so cannot
disagree: the model mapper (:class:`onec_history.mapping.EventMapper`), the export's flat
tuples (:class:`onec_history.export.rows.EventRowMapper`), the reports' narrow passes
(:class:`onec_history.reports.sources.OneCSource`) and, through :func:`clients_of`, the mirror's
report source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from .. import family_c
from ..models import EMPTY_REF, Direction, EventKind, EventState, parse_datetime, set_of_type
from ..profiles import Attr, AttrKind, Profile

__all__ = ["EVENT_FIELDS", "EventShape", "Slot", "Who", "clients_of", "ref_of"]

EVENT_FIELDS = ("number", "date", "posted", "deleted", "data_version", "kind", "direction", "state",
                "counterparty", "contact", "responsible", "start", "end", "subject", "body", "comment", "basis",
                "contact_text", "topic", "reviewed", "review_after")

Who = tuple["str | None", "str | None", "str | None"]
"""(reference, entity set, text) of a reference attribute: a text when a composite holds a string."""

_NOBODY: Who = (None, None, None)


def ref_of(value: Any) -> str | None:
    """A reference as 1C sent it, ``None`` for nothing or the empty reference."""
    return None if not value or value == EMPTY_REF else str(value)



class Slot:
    """One attribute as it lies in a row: the value property, the ``_Type`` property of a
    composite, the target set of a single-type reference."""

    __slots__ = ("composite", "prop", "ref", "target", "type_prop")

    def __init__(self, attr: Attr) -> None:
        self.prop = attr.prop
        self.type_prop = attr.type_prop or ""
        self.composite = attr.kind is AttrKind.COMPOSITE
        self.ref = attr.kind is AttrKind.REF
        self.target = attr.target_set

    def who(self, row: Mapping[str, Any]) -> Who:
        """What the attribute points at: a document or catalog item, a typed-in text, or nothing."""
        value = row.get(self.prop)
        if self.composite:
            type_name = row.get(self.type_prop)
            target = set_of_type(type_name)
            if target is not None:
                return ref_of(value), target, None
            if type_name == "Edm.String" and value not in (None, ""):
                return None, None, str(value)
            return _NOBODY
        if self.ref:
            return ref_of(value), self.target, None
        return None, None, None if value is None else str(value).strip() or None

    def text(self, row: Mapping[str, Any]) -> str | None:
        """A text attribute without 1C's padding; a composite holding a reference is no text
        (УНФ's Тема is a string or a ТемыСобытий item)."""
        if self.composite and row.get(self.type_prop) not in ("Edm.String", None):
            return None
        value = row.get(self.prop)
        return None if value is None else str(value).rstrip() or None


def clients_of(header: Who, participants: Iterable[Who], counterparty_set: str) -> tuple[tuple[str, ...], str | None]:
    """Every counterparty an event is about (the header's first, then participants', once each)
    and the client typed as text when one is."""
    clients: list[str] = []
    ref, target, text = header
    if ref and target == counterparty_set:
        clients.append(ref)
    for p_ref, p_set, p_text in participants:
        if p_ref and p_set == counterparty_set:
            if p_ref not in clients:
                clients.append(p_ref)
        elif text is None and p_text:
            text = p_text
    return tuple(clients), text


class EventShape:
    """The event fields of one base, resolved against its ``$metadata`` (see the module doc)."""

    def __init__(self, profile: Profile, *, state_lookup: Mapping[str, tuple[str, EventState]] | None = None):
        self.profile = profile
        self.counterparty_set = profile.counterparty_set
        self.attrs = profile.event_attrs(EVENT_FIELDS)
        es = profile.event_es()
        self.section = profile.participants_section if profile.participants_section in es.tabular_sections else None
        self.sections = profile.participant_sections() if self.section else []
        self.participant_attr = profile.participant_attr() if self.section else None
        self.participant = Slot(self.participant_attr) if self.participant_attr is not None else None
        self.slots = {logical: Slot(a) for logical, a in self.attrs.items()}
        client = self.slots.get("counterparty")
        if profile.doc is not None and client is not None and client.ref and client.target is None:
            client.target = profile.counterparty_set  # a customised АбонентКонтакт_Key without a navigation: a partner
        self.props: dict[str, str | None] = {k: a.prop if (a := self.attrs.get(k)) else None for k in EVENT_FIELDS}
        self.kinds = {v: k for k, v in profile.kinds.items()}
        self.directions = {v: k for k, v in profile.directions.items()}
        self.states = {v: k for k, v in profile.states.items()}
        self.state_lookup = dict(state_lookup or {})
        # family C: the document type is the kind; the client is a partner or a contact person
        self.doc = profile.doc
        self.client_sets = profile.client_sets()
        self.document_set = profile.event_set
        self.postable = profile.can_post_events or profile.doc is None
        doc = profile.doc
        self.doc_states = {raw: EventState(st) for raw, st in doc.state_values} if doc is not None else {}

    def select(self, logicals: Sequence[str] | None = None, *, with_participants: bool = True) -> tuple[str, ...]:
        """``Ref_Key`` and the properties of ``logicals`` (all fields by default), the participants
        section when asked and present."""
        out = ["Ref_Key"]
        for name in self.attrs if logicals is None else logicals:
            a = self.attrs.get(name)
            if a is not None:
                out.extend(p for p in a.select if p not in out)
        if with_participants and self.section:
            out.extend(self.sections)
        return tuple(out)

    # -- per row ----------------------------------------------------------------------------------
    def get(self, row: Mapping[str, Any], logical: str) -> Any:
        prop = self.props.get(logical)
        return None if prop is None else row.get(prop)

    def who(self, row: Mapping[str, Any], logical: str) -> Who:
        slot = self.slots.get(logical)
        return _NOBODY if slot is None else slot.who(row)

    def text(self, row: Mapping[str, Any], logical: str) -> str | None:
        slot = self.slots.get(logical)
        return None if slot is None else slot.text(row)

    def participants(self, row: Mapping[str, Any]) -> list[tuple[Any, Who]]:
        """(LineNumber as 1C sent it, who) of each participant row that names someone."""
        slot = self.participant
        if slot is None:
            return []
        out = []
        for section in self.sections:
            for prow in row.get(section) or ():
                who = slot.who(prow)
                if who[0] is not None or who[2] is not None:
                    out.append((prow.get("LineNumber"), who))
        return out

    def client(self, row: Mapping[str, Any], parts: Sequence[Who]) -> Who:
        """The event's client: the header's, else (family B keeps it among the participants) the
        first counterparty participant, else the first participant typed as text."""
        ref, target, text = self.who(row, "counterparty")
        if ref is not None or text is not None:
            return ref, target, text
        for wanted in self.client_sets:
            for p_ref, p_set, _ in parts:
                if p_set == wanted:
                    return p_ref, p_set, None
        texts = [t for _, _, t in parts if t]
        if not texts and self.doc is not None:  # family C: an unregistered contact is a catalog item
            return next(((r, s, None) for r, s, _ in parts if r), (None, None, None))
        return None, None, texts[0] if texts else None

    def kind(self, row: Mapping[str, Any]) -> tuple[EventKind | None, str | None]:
        if self.doc is not None:  # family C: the document type is the kind
            return EventKind(self.doc.kind), self.document_set.removeprefix("Document_")
        raw = _stripped(self.get(row, "kind"))
        return self.kinds.get(raw or "", EventKind.OTHER if raw else None), raw

    def direction(self, row: Mapping[str, Any]) -> tuple[Direction | None, str | None]:
        if self.doc is not None:
            if self.doc.direction is not None:
                direction = Direction(self.doc.direction)
                return direction, _DIRECTION_WORDS[direction]
            value = self.get(row, "direction")  # Входящий, a Boolean
            if value is None:
                return None, None
            direction = Direction.INCOMING if value else Direction.OUTGOING
            return direction, _DIRECTION_WORDS[direction]
        raw = _stripped(self.get(row, "direction"))
        return self.directions.get(raw or ""), raw

    def state(self, row: Mapping[str, Any]) -> tuple[EventState | None, str | None]:
        """The state and its name as 1C shows it (a catalog item's name in УНФ, via ``state_lookup``)."""
        if self.doc is not None:
            return self._doc_state(row)
        slot = self.slots.get("state")
        if slot is None:
            return None, None
        raw = row.get(slot.prop)
        if slot.ref:
            ref = ref_of(raw)
            if ref is None:
                return None, None
            name, state = self.state_lookup.get(ref, (ref, EventState.OTHER))
            return state, name
        text = _stripped(raw)
        if text is None:
            return None, None
        return self.states.get(text, EventState.OTHER), text


    def _doc_state(self, row: Mapping[str, Any]) -> tuple[EventState | None, str | None]:
        """Family C has no state attribute: the type says it (ЗапланированноеВзаимодействие is
        planned), an e-mail's or SMS's status refines it, a meeting ahead of now is planned."""
        doc = self.doc
        assert doc is not None
        raw = _stripped(self.get(row, "state"))
        if raw is not None and raw in self.doc_states:
            return self.doc_states[raw], raw
        if doc.planned_when_future:
            start = parse_datetime(self.get(row, "start"))
            if start is not None and start > datetime.now():
                return EventState.PLANNED, _STATE_WORDS[EventState.PLANNED.value]
        return EventState(doc.state), raw or _STATE_WORDS.get(doc.state)


_DIRECTION_WORDS = {Direction.INCOMING: "Входящее", Direction.OUTGOING: "Исходящее"}
_STATE_WORDS = family_c.STATE_WORDS


def _stripped(value: Any) -> str | None:
    return None if value is None else str(value).strip() or None
