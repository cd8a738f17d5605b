"""Family C: a client's events are the interactions of six documents, tied to its partner.

:class:`InteractionReader` answers what :class:`~onec_history.events.read.EventReader` answers
for families A and B — lists by client, period, kind, state, direction, one event's card — by
running one :class:`EventReader` per interaction document (a *view* of the profile, see
:meth:`Profile.views <onec_history.profiles.Profile.views>`) and merging their streams by date.

A counterparty is asked about through its partner and the partner's contact persons (one
request each, :class:`~onec_history.counterparties.partners.Partners`), so a client's history
costs the same few requests per document type whatever its number of interactions. Each event
comes back with the partner as its client (a contact person's owner), the contact person, an
unregistered caller's text, and — where the register ПредметыПапкиВзаимодействий is
published — its subject (usually a deal) and its to-do flag.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .. import family_c
from .. import query as q
from ..documents import DocAddress, Documents
from ..errors import AmbiguousError, NoMatchError, ODataError, QueryError
from ..models import DocKey, DocumentRef, Event, EventKind, EventState, parse_datetime, parse_ref, set_of_type
from .read import EventFilter, EventReader

if TYPE_CHECKING:
    from ..base import Base

__all__ = ["InteractionReader"]


def _due(e: Event, reviewed: bool | None, after: datetime | None) -> dict[str, Any]:
    """A planned interaction is due at РассмотретьПосле (it has no date of its own); once
    reviewed (Рассмотрено) it is done with, as 1C's list of interactions to do shows it."""
    update: dict[str, Any] = {}
    if e.state is EventState.PLANNED and e.start is None and after is not None:
        update["start"] = after
    if e.state is EventState.PLANNED and reviewed and e.kind is EventKind.PLANNED:
        update["state"] = EventState.COMPLETED
        update["state_raw"] = family_c.STATE_WORDS["completed"]
    return update


def _within(when: datetime | None, since: datetime | None, until: datetime | None) -> bool:
    return when is not None and (since is None or when >= since) and (until is None or when <= until)


def _batched(items: Iterable[Event], n: int) -> Iterator[list[Event]]:
    batch: list[Event] = []
    for item in items:
        batch.append(item)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch

log = logging.getLogger("onec_history.events")

_OLDEST = datetime(1, 1, 1)


class InteractionReader:
    """Events of a family-C base: every published interaction document, merged by date."""

    def __init__(self, base: Base) -> None:
        self.base = base
        self.client = base.client
        self.profile = base.profile
        self.readers = [EventReader(base, view) for view in base.profile.views()]
        self.partners = base.partners

    @property
    def event_sets(self) -> list[str]:
        return [r.profile.event_set for r in self.readers]

    def reader_of(self, entity_set: str) -> EventReader | None:
        return next((r for r in self.readers if r.profile.event_set == entity_set), None)

    def condition(self, f: EventFilter) -> q.Filter | None:
        """The filter of the first document type (the call); each type has its own (see :meth:`events`)."""
        return self.readers[0].condition(f) if self.readers else None

    def with_targets(self, f: EventFilter) -> EventFilter:
        """``f`` with the client's partner and contact persons filled in for its counterparty."""
        if f.counterparty is None or f.client_targets is not None:
            return f
        return replace(f, client_targets=tuple(self.partners.targets(f.counterparty)))

    # -- lists ----------------------------------------------------------------------------------
    def events(self, f: EventFilter | None = None, *, newest_first: bool = True,
               limit: int | None = None, resolve_names: bool = True) -> Iterator[Event]:
        f = self.with_targets(f or EventFilter())
        if f.counterparty is not None and not f.client_targets:
            return
        period = f.since is not None or f.until is not None
        due_sets = {r.profile.event_set for r in self.readers if period and r.due_in_register}
        # a document whose rows are picked here (by due moment, by Рассмотрено) is read without $top
        later = bool(due_sets) or f.state is EventState.PLANNED
        streams = [r.events(f, newest_first=newest_first, limit=None if later and (
                   r.profile.event_set in due_sets or r.due_in_register) else limit, resolve_names=False)
                   for r in self.readers if r.matches(f)]
        merged: Iterable[Event] = heapq.merge(*streams, key=lambda e: (e.date or _OLDEST, e.ref),
                                              reverse=newest_first)
        targets = {ref for ref, _ in f.client_targets or ()}
        count = 0
        for batch in _batched(merged, self.client.page_size):
            named = self.with_names(self.prefer(batch, targets), resolve_names, due=later)
            for e in named:
                if e.document_set in due_sets and not _within(e.start or e.date, f.since, f.until):
                    continue
                if f.state is EventState.PLANNED and e.state is not EventState.PLANNED:
                    continue  # reviewed (Рассмотрено): done with
                yield e
                count += 1
                if limit is not None and count >= limit:
                    return

    def prefer(self, events: list[Event], targets: set[str]) -> list[Event]:
        """In a client's list, a meeting with several partners is the client's: its client is the
        participant that named the client (not the first partner of the rows)."""
        if not targets:
            return events
        out = []
        for e in events:
            if e.counterparty not in targets:
                match = next((pt for pt in e.participants if pt.ref in targets), None)
                if match is not None:
                    e = e.model_copy(update={"counterparty": match.ref, "counterparty_set": match.entity_set})
            out.append(e)
        return out

    def with_names(self, events: list[Event], resolve: bool = True, *, every: bool = False,
                   due: bool = False) -> list[Event]:
        """The partner behind each contact person, an unregistered caller's text, names (when
        ``resolve``), and the subject and to-do flag from the register (also when ``due``: the
        planned ones' due moments and Рассмотрено are needed to pick them)."""
        events = self.clients(events)
        if not resolve and not due:
            return events
        p, names = self.profile, self.base.names
        if resolve:
            names.prefetch([(e.counterparty_set, e.counterparty) for e in events]
                           + [(p.person_set, e.contact) for e in events]
                           + [(p.users_set, e.responsible) for e in events]
                           + [(e.topic.entity_set, e.topic.ref) for e in events if e.topic is not None])
        topics = self.topics(events, every=every)
        out = []
        for e in events:
            # the register where it is published, else what the document itself keeps
            topic, reviewed, after = topics.get(e.ref, (e.topic, e.reviewed, e.review_after))
            update: dict[str, Any] = {"reviewed": reviewed, "review_after": after, **_due(e, reviewed, after)}
            if resolve:
                if topic is not None and topic.title is None:
                    topic = topic.model_copy(update={"title": names.name(topic.entity_set, topic.ref)})
                update["counterparty_name"] = names.name(e.counterparty_set, e.counterparty)
                update["responsible_name"] = names.name(p.users_set, e.responsible)
            update["topic"] = topic
            out.append(e.model_copy(update=update))
        return out

    def clients(self, events: list[Event]) -> list[Event]:
        """Contact person → (partner as the client, the person as the contact); a string contact
        (Catalog_СтроковыеКонтактыВзаимодействий) → the caller's text."""
        p = self.profile
        owners = self.partners.owners([e.counterparty for e in events
                                       if e.counterparty and e.counterparty_set == p.person_set])
        strings = [(p.string_contact_set, e.counterparty) for e in events
                   if e.counterparty and e.counterparty_set == p.string_contact_set]
        if strings:
            self.base.names.prefetch(strings)
        out = []
        for e in events:
            if e.counterparty and e.counterparty_set == p.person_set:
                owner = owners.get(e.counterparty)
                e = e.model_copy(update={"contact": e.counterparty, "counterparty": owner,
                                         "counterparty_set": p.partner_set if owner else None})
            elif e.counterparty and e.counterparty_set == p.string_contact_set:
                text = self.base.names.name(p.string_contact_set, e.counterparty) or e.contact_text
                e = e.model_copy(update={"counterparty": None, "counterparty_set": None,
                                         "counterparty_text": text})
            elif e.counterparty_set not in (None, p.partner_set):  # a user, a private person…
                e = e.model_copy(update={"counterparty": None, "counterparty_set": None,
                                         "counterparty_text": e.contact_text})
            elif not e.counterparty and not e.counterparty_text and e.contact_text:
                # an unregistered caller as 1C's code writes one: no contact, the text in АбонентПредставление
                e = e.model_copy(update={"counterparty_text": e.contact_text})
            out.append(e)
        return out

    def topics(self, events: list[Event], *,
               every: bool = False) -> dict[str, tuple[DocumentRef | None, bool | None, datetime | None]]:
        """Subject, Рассмотрено and РассмотретьПосле from ПредметыПапкиВзаимодействий.

        A register row is asked by its interaction only for planned events (their due moment is
        there; they are the open to-dos, few) or for ``every`` event (one event's card): an
        interaction's key in a composite filter costs about 330 bytes of URL, so the keys of a
        long list would cost a request per four events. Lists therefore carry the subject of their
        planned events only; the card, the export and the history (through the deals) carry all.
        """
        register = family_c.SUBJECTS_REGISTER
        if not events or register not in self.client.metadata():
            return {}
        es = self.client.entity_set(register)
        dim, subject = family_c.REGISTER_DOCUMENT, family_c.REGISTER_SUBJECT
        if dim not in es.composites:
            return {}
        # No $select: a register row is a handful of columns, and the Cyrillic names of a select
        # would leave room for one composite key per request instead of four.
        wanted = {e.ref for e in events}
        planned = [e for e in events if e.document_set and (every or e.state is EventState.PLANNED)]
        terms = [q.cast_eq(dim, e.ref, e.document_set) for e in planned if e.document_set]
        if not terms:
            return {}
        out: dict[str, tuple[DocumentRef | None, bool | None, datetime | None]] = {}
        try:
            rows = [r for page in self.client.iter_any(register, terms) for r in page]
        except ODataError as exc:
            log.warning("%s: %s — subjects and to-do flags are not shown", register, exc.message)
            return {}
        names: list[tuple[str | None, str | None]] = []
        for row in rows:
            key = str(row.get(dim))
            if key not in wanted:
                continue
            target = set_of_type(row.get(f"{subject}_Type"))
            ref = parse_ref(row.get(subject))
            # an interaction that is its own subject (1C's default) has no subject to show
            topic = DocumentRef(entity_set=target, ref=ref) if target and ref and ref != key else None
            if topic is not None:
                names.append((target, ref))
            reviewed = row.get(family_c.REGISTER_REVIEWED)
            out[key] = (topic, bool(reviewed) if reviewed is not None else None,
                        parse_datetime(row.get(family_c.REGISTER_REVIEW_AFTER)))
        resolver = self.base.names
        resolver.prefetch(names)
        return {ref: ((t.model_copy(update={"title": resolver.name(t.entity_set, t.ref)}) if t else None), r, a)
                for ref, (t, r, a) in out.items()}

    # -- one ------------------------------------------------------------------------------------
    def get(self, ref: str) -> Event:
        """One interaction by ``Document_X(guid'…')``, a GUID (looked for in each type) or a type
        and a number (``ТелефонныйЗвонок 12``)."""
        sets = self.event_sets
        try:
            address = DocAddress.parse(ref)
            if address.number is not None and address.type_name is None:
                key = self._by_number(address.number)  # «НФ00-000157»: whichever interaction bears it
            else:
                key = Documents(self.client).resolve(address, search_sets=sets)
        except QueryError:
            raise QueryError(f"{ref!r} is not an interaction's reference or number",
                             hint="Give the GUID from the list's Ссылка column, Document_ТелефонныйЗвонок(guid'…') "
                                  "or a type and a number (ТелефонныйЗвонок 12).") from None
        except NoMatchError:
            raise NoMatchError(f"No interaction matches {ref.strip()}",
                               hint="Find events with 'onec-history events list'.") from None
        reader = self.reader_of(key.entity_set)
        if reader is None:
            raise QueryError(f"{ref.strip()} is not an interaction ({', '.join(sets)})",
                             hint="Show other documents with 'onec-history chain'.")
        event = reader.get(f"{key.entity_set}(guid'{key.ref}')")
        event = self.with_names([event], every=True)[0]
        participants = self.participant_names(event)
        return event.model_copy(update={"participants": participants})

    def _by_number(self, number: str) -> DocKey:
        """The interaction numbered ``number`` in any of the six documents; one in several is ambiguous."""
        docs, found = Documents(self.client), []
        for entity_set in self.event_sets:
            try:
                found.append(docs.by_number(entity_set, number))
            except NoMatchError:
                continue
        if len(found) > 1:
            raise AmbiguousError(f"{len(found)} interactions are numbered {number}", candidates=found,
                                 choices=[f"{k.entity_set.removeprefix('Document_')} {number}" for k in found],
                                 hint="Give the type with the number («ТелефонныйЗвонок 157») or the reference.")
        if not found:
            raise NoMatchError(f"No interaction is numbered {number}",
                               hint="Check the number; find events with 'onec-history events list'.")
        return found[0]

    def participant_names(self, event: Event) -> tuple[Any, ...]:
        names = self.base.names
        names.prefetch([(pt.entity_set, pt.ref) for pt in event.participants])
        return tuple(pt.model_copy(update={"name": names.name(pt.entity_set, pt.ref)}) if pt.ref else pt
                     for pt in event.participants)
