"""Reading events: a filter in the family's own values, a client's events, one event's card.

"This client's events" are two streams merged by date: events whose header names the client
(family A) and events where it is a participant row (both families; the only way in УНФ) —
see :meth:`Profile.client_condition <onec_history.profiles.Profile.client_condition>`. Display
names are resolved a page at a time in bulk.
"""

from __future__ import annotations

import heapq
import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import query as q
from ..base import Base
from ..documents import DocAddress, Documents
from ..errors import BadQueryError, BusinessError, ConfigError, NoMatchError, QueryError, UnsupportedError, check_period
from ..mapping import EventMapper
from ..models import Direction, Event, EventKind, EventState
from ..profiles import AttrKind, Profile

__all__ = ["EventFilter", "EventReader"]

log = logging.getLogger("onec_history.events")

EMPTY_START = datetime(1, 1, 1)  # 1C's empty date: an event entered without a start


@dataclass(frozen=True)
class EventFilter:
    counterparty: str | None = None  # a reference
    since: datetime | None = None
    until: datetime | None = None
    kind: EventKind | None = None
    state: EventState | None = None
    direction: Direction | None = None
    responsible: str | None = None  # a reference
    include_deleted: bool = True
    # (reference, catalog) pairs standing for the client; family C: its partner and the partner's
    # contact persons (filled by the reader from ``counterparty``)
    client_targets: tuple[tuple[str, str], ...] | None = None

    def targets(self, counterparty_set: str) -> list[tuple[str, str]]:
        if self.client_targets is not None:
            return list(self.client_targets)
        return [(self.counterparty, counterparty_set)] if self.counterparty else []


class EventReader:
    """Events of one base, through its profile and :class:`~onec_history.events.shape.EventShape`."""

    def __init__(self, base: Base, view: Profile | None = None) -> None:
        self.base = base
        self.client = base.client
        self.profile = view or base.profile  # family C: the view of one interaction document
        self.date = self.profile.event_fields()["date"] or "Date"

    def mapper(self) -> EventMapper:
        if self.profile is self.base.profile:
            return self.base.event_mapper()
        return EventMapper(self.profile)

    def matches(self, f: EventFilter) -> bool:
        """Can this document hold events of ``f``? (Family C: the type fixes the kind, the
        direction of an e-mail, the state of a planned interaction.)"""
        doc = self.profile.doc
        if doc is None:
            return True
        if f.kind is not None and f.kind.value != doc.kind:
            return False
        if f.direction is not None:
            if doc.direction is not None and f.direction.value != doc.direction:
                return False
            if doc.direction is None and self.profile.event_attr("direction") is None:
                return False  # a meeting or a planned interaction has no direction: it is neither
        if f.state is not None and not doc.state_values and not doc.planned_when_future:
            return f.state.value == doc.state
        return True

    def condition(self, f: EventFilter) -> q.Filter | None:
        """The ``$filter`` of ``f`` except its client (which needs two queries, see :meth:`events`)."""
        p = self.profile
        conds: list[q.Filter | None] = [self.period(f.since, f.until)]
        if not f.include_deleted:
            conds.append(q.eq("DeletionMark", False))
        kind_attr, dir_attr = p.event_attr("kind"), p.event_attr("direction")
        if p.doc is not None:
            conds.extend(self._doc_conditions(f))
        else:
            if f.kind is not None and kind_attr is not None:
                conds.append(q.eq(kind_attr.prop, p.kinds.get(f.kind, f.kind.value)))
            if f.direction is not None and dir_attr is not None:
                conds.append(q.eq(dir_attr.prop, p.directions.get(f.direction, f.direction.value)))
            if f.state is not None:
                conds.append(self._state_filter(f.state))
        if f.responsible:
            a = p.event_attr("responsible")
            if a is not None:
                conds.append(q.eq(a.prop, uuid.UUID(f.responsible)))
        present = [c for c in conds if c is not None]
        return q.and_(*present) if present else None

    def period(self, since: datetime | None, until: datetime | None) -> q.Filter | None:
        """Events of the period by their start (НачалоСобытия), where the family keeps one: a call
        planned for the 15th is an event of the 15th whatever day it was entered. An event without
        a start (1C's empty date) counts by its document date."""
        check_period(since, until)
        if since is None and until is None:
            return None

        def within(prop: str) -> q.Filter:
            return q.and_(q.ge(prop, since) if since else None, q.le(prop, until) if until else None)

        start = self.profile.event_attr("start")
        if self.due_in_register:
            # family C's planned interaction is due at РассмотретьПосле, in a register: here only
            # "entered by the period's end"; the reader keeps those due in the period
            return q.le(self.date, until) if until else None
        if start is None or start.kind is not AttrKind.PLAIN:
            return within(self.date)
        return q.or_(within(start.prop), q.and_(q.eq(start.prop, EMPTY_START), within(self.date)))

    @property
    def due_in_register(self) -> bool:
        """Family C's planned interaction: no date of its own, due at the register's РассмотретьПосле
        (unless a customised base keeps that on the document)."""
        doc = self.profile.doc
        return doc is not None and doc.state == "planned" and self.profile.event_attr("start") is None \
            and self.profile.event_attr("review_after") is None

    def _doc_conditions(self, f: EventFilter) -> list[q.Filter]:
        """Family C: the direction of a call is its Boolean Входящий; the state of an e-mail or
        SMS is its status; a meeting is planned while its start is ahead (see :meth:`matches`)."""
        doc, p = self.profile.doc, self.profile
        assert doc is not None
        out: list[q.Filter] = []
        dir_attr = p.event_attr("direction")
        if f.direction is not None and doc.direction is None and dir_attr is not None:
            out.append(q.eq(dir_attr.prop, f.direction is Direction.INCOMING))
        state_attr, start = p.event_attr("state"), p.event_attr("start")
        if f.state is not None and doc.state_values and state_attr is not None:
            values = [raw for raw, st in doc.state_values if st == f.state.value]
            cond = q.or_(*(q.eq(state_attr.prop, v) for v in values)) if values else None
            if f.state.value == doc.state:  # a value the table does not know counts as the type's state
                # "one of its values or none of the known ones" is "none of the other states' values",
                # said in far fewer bytes (an SMS's six statuses, spelled out, passed the URL budget)
                others = [raw for raw, st in doc.state_values if st != f.state.value]
                if not others:
                    return out  # every value is the type's state
                cond = q.not_(q.or_(*(q.eq(state_attr.prop, raw) for raw in others)))
            out.append(cond if cond is not None else q.eq("Ref_Key", uuid.UUID(int=0)))
        elif f.state is not None and doc.planned_when_future and start is not None:
            now = datetime.now().replace(microsecond=0)
            if f.state is EventState.PLANNED:
                out.append(q.gt(start.prop, now))
            elif f.state.value == doc.state:
                out.append(q.le(start.prop, now))
            else:
                out.append(q.eq("Ref_Key", uuid.UUID(int=0)))
        return out

    def _state_filter(self, state: EventState) -> q.Filter:
        a = self.profile.event_attr("state")
        if a is None:
            raise ConfigError("This base's events have no state attribute",
                              hint="Map it in the config file's [profile.event] table (state = \"…\").")
        if a.kind is AttrKind.REF:
            refs = [ref for ref, (_, st) in self.base.state_lookup().items() if st is state]
            if not refs:
                return q.eq("Ref_Key", uuid.UUID(int=0))  # no such state in this base: nothing matches
            return q.or_(*(q.eq(a.prop, uuid.UUID(r)) for r in refs))
        return q.eq(a.prop, self.profile.states[state])

    # -- lists ----------------------------------------------------------------------------------
    def events(self, f: EventFilter | None = None, *, newest_first: bool = True,
               limit: int | None = None, resolve_names: bool = True) -> Iterator[Event]:
        """Events by counterparty (header or participant), period, kind, state, direction, responsible."""
        f = f or EventFilter()
        mapper = self.mapper()
        base = self.condition(f)
        order = (f"{self.date} desc",) if newest_first else (self.date,)
        if f.counterparty is None:
            query = q.Query(filter=base, select=mapper.select(), orderby=order, top=limit)
            rows: Iterable[dict[str, Any]] = self.client.iterate(self.profile.event_set, query)
            yield from self._named(mapper, rows, resolve_names)
            return
        targets = f.targets(self.profile.counterparty_set)
        terms = self.profile.header_terms(targets)
        streams: list[Iterator[dict[str, Any]]] = []
        if len(terms) == 1:
            streams.append(self.client.iterate(self.profile.event_set, q.Query(
                filter=q.and_(base, terms[0]), select=mapper.select(), orderby=order)))
        elif terms:  # a partner and its contact persons: as many requests as the URL budget needs
            found = {str(r["Ref_Key"]): r for page in self.client.iter_any(
                self.profile.event_set, terms, q.Query(filter=base, select=mapper.select())) for r in page}
            streams.append(iter(sorted(found.values(), key=self._sort_key, reverse=newest_first)))
        streams.append(self._by_participant(mapper, targets, base, newest_first))
        merged = heapq.merge(*streams, key=self._sort_key, reverse=newest_first)
        yield from self._named(mapper, _dedupe(merged, limit), resolve_names)

    def _sort_key(self, row: dict[str, Any]) -> tuple[str, str]:
        return str(row.get(self.date) or ""), str(row["Ref_Key"])

    def _by_participant(self, mapper: EventMapper, targets: list[tuple[str, str]], base: q.Filter | None,
                        newest_first: bool) -> Iterator[dict[str, Any]]:
        """Events where the client is a participant row: refs from the rows set, then events by key
        (family C: the documents themselves, by ``Section/any(…)``)."""
        if self.profile.doc is not None:
            found = self._by_any_participant(mapper, targets, base, newest_first)
            if found is not None:
                return found
        ts_set, terms = self.profile.participants_set(), self.profile.participants_terms(targets)
        if ts_set is None or not terms:
            if self.profile.participants_section and terms:
                log.warning("%s_%s is not published: events where the client is only a participant are "
                            "skipped", self.profile.event_set, self.profile.participants_section)
            return iter(())
        refs = sorted({str(r["Ref_Key"]) for page in self.client.iter_any(
            ts_set, terms, q.Query(select=("Ref_Key", "LineNumber"))) for r in page})
        rows = [row for page in self.client.iter_by(self.profile.event_set, "Ref_Key", map(uuid.UUID, refs),
                                                    select=mapper.select(), where=base) for row in page]
        rows.sort(key=self._sort_key, reverse=newest_first)
        return iter(rows)

    def _by_any_participant(self, mapper: EventMapper, targets: list[tuple[str, str]], base: q.Filter | None,
                            newest_first: bool) -> Iterator[dict[str, Any]] | None:
        """The documents whose participants name one of ``targets``, asked of the document with a
        lambda — one paged query whatever their number, where the rows set would need the keys
        fetched again in groups. ``None`` when this base refuses the lambda (then the rows set)."""
        section = self.profile.participants_section
        if not section or section not in self.profile.event_es().tabular_sections:
            if section:
                log.warning("%s has no section %s in this base's $metadata: its documents where the client is "
                            "a participant are not shown", self.profile.event_set, section)
            return iter(())
        terms = self.profile.participant_any_terms(targets)
        if not terms:
            return iter(())
        query = q.Query(filter=base, select=mapper.select())
        try:
            rows = {str(r["Ref_Key"]): r for page in self.client.iter_any(self.profile.event_set, terms, query)
                    for r in page}
        except (BadQueryError, UnsupportedError, BusinessError) as exc:
            log.info("%s: the lambda any() was refused (%s); reading the participants set", self.profile.event_set,
                     exc.message)
            return None
        return iter(sorted(rows.values(), key=self._sort_key, reverse=newest_first))

    def _named(self, mapper: EventMapper, rows: Iterable[dict[str, Any]], resolve: bool) -> Iterator[Event]:
        """Map rows page by page, resolving display names for a whole batch in a few requests."""
        batch: list[Event] = []
        for row in rows:
            batch.append(mapper.map(row))
            if len(batch) >= self.client.page_size:
                yield from self.with_names(batch, resolve)
                batch = []
        if batch:
            yield from self.with_names(batch, resolve)

    def with_names(self, events: list[Event], resolve: bool = True) -> list[Event]:
        if not resolve:
            return events
        names, users = self.base.names, self.profile.users_set
        names.prefetch([(e.counterparty_set, e.counterparty) for e in events]
                       + [(users, e.responsible) for e in events])
        return [
            e.model_copy(update={
                "counterparty_name": names.name(e.counterparty_set, e.counterparty),
                "responsible_name": names.name(users, e.responsible),
            })
            for e in events
        ]

    # -- one ------------------------------------------------------------------------------------
    def get(self, ref: str) -> Event:
        """One event by its reference (a GUID, ``Document_Событие(guid'…')`` as chains print it) or
        its number (``270``, ``Событие 00000000270``), as :mod:`onec_history.documents` reads them."""
        event_set = self.profile.event_set
        try:
            addressed = Documents(self.client).resolve(DocAddress.parse(ref, type_name=event_set),
                                                       default_set=event_set)
        except QueryError:
            raise QueryError(f"{ref!r} is not an event's reference or number",
                             hint=f"Give the GUID from the list's Ссылка column, {event_set}(guid'…') "
                                  "or the number (Событие 270).") from None
        if addressed.entity_set != event_set:
            raise QueryError(f"{ref.strip()} is not an event ({event_set})",
                             hint="Show other documents with 'onec-history chain'.")
        key = addressed.ref
        mapper = self.mapper()
        row = self.client.find(event_set, key, select=mapper.select())
        if row is None:
            raise NoMatchError(f"No event in {event_set} has the reference {key}",
                               hint="Find events with 'onec-history events list'.")
        event = self.with_names([mapper.map(row)])[0]
        # Participants (family B's Участники, family A's СторонниеЛица) by name and the basis by its
        # number: one request per set, as for lists.
        basis = event.basis
        names = self.base.names
        names.prefetch([(p.entity_set, p.ref) for p in event.participants]
                       + ([(basis.entity_set, basis.ref)] if basis and not basis.number else []))
        named = tuple(p.model_copy(update={"name": names.name(p.entity_set, p.ref)}) if p.ref else p
                      for p in event.participants)
        if basis is not None and not basis.number:
            basis = basis.model_copy(update={"number": names.name(basis.entity_set, basis.ref)})
        return event.model_copy(update={"participants": named, "basis": basis})


def _dedupe(rows: Iterable[dict[str, Any]], limit: int | None) -> Iterator[dict[str, Any]]:
    if limit is not None and limit <= 0:
        return
    seen: set[str] = set()
    for row in rows:
        key = str(row["Ref_Key"])
        if key in seen:
            continue
        seen.add(key)
        yield row
        if limit is not None and len(seen) >= limit:
            return
