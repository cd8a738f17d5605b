"""The library's front door: counterparties and events of one base, in the family's own shape.

>>> base = History(client)                              # doctest: +SKIP
>>> romashka = base.find_counterparty("ООО Ромашка")    # doctest: +SKIP
>>> for event in base.events(EventFilter(counterparty=romashka.ref), limit=10):  # doctest: +SKIP
...     print(event.date, event.subject)
"""

from __future__ import annotations

import heapq
import itertools
import logging
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import query as q
from .base import Base
from .client import Client
from .counterparties.inn import looks_like_inn
from .errors import (
    AmbiguousError,
    BadQueryError,
    ConfigError,
    NoMatchError,
    OnecError,
    QueryError,
    UnsupportedError,
)
from .mapping import CounterpartyMapper, EventMapper
from .models import Counterparty, Direction, DocKey, Event, EventKind, EventState, is_guid, parse_ref
from .names import NameResolver
from .profiles import AttrKind, Profile

__all__ = ["AmbiguousError", "EventFilter", "History"]

log = logging.getLogger("onec_history.history")

_SEARCH_ORDER = ("startswith", "like", "substringof")




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


class History:
    """Reads counterparties and events of one base through its detected profile.

    A thin façade over :class:`~onec_history.base.Base`: the base (and its profile) is opened on
    first use, so building a History sends no request.
    """

    def __init__(self, client: Client, *, profile_overrides: Mapping[str, Any] | None = None,
                 key: str | None = None) -> None:
        self.client = client
        self._overrides = dict(profile_overrides or {})
        self._key = key
        self._base: Base | None = None

    @property
    def base(self) -> Base:
        if self._base is None:
            self._base = Base.open(self.client, self._overrides, key=self._key)
        return self._base

    @property
    def profile(self) -> Profile:
        return self.base.profile

    @property
    def names(self) -> NameResolver:
        return self.base.names

    def event_mapper(self) -> EventMapper:
        return self.base.event_mapper()

    def counterparty_mapper(self) -> CounterpartyMapper:
        return self.base.counterparty_mapper()

    def state_lookup(self) -> dict[str, tuple[str, EventState]]:
        """Family B: the Состояние catalog, read once (it is small), by ref → (name, state)."""
        return self.base.state_lookup()

    # -- counterparties -------------------------------------------------------------------------
    def _prefix_filter(self, fn: str, name: str, text: str) -> q.Filter:
        if fn == "startswith":
            return q.startswith(name, text)
        if fn == "like":
            return q.like(name, q.like_escape(text) + "%")
        return q.substringof(text, name)

    def _prefix_rows(self, base: q.Filter | None, name: str, text: str) -> Iterator[dict[str, Any]]:
        """Names beginning with ``text``, with the platform's fallbacks: startswith → like → substringof."""
        order = list(_SEARCH_ORDER)
        remembered = self.base.remembered_search()
        if remembered in order:
            order.remove(remembered)
            order.insert(0, remembered)
        last_exc: OnecError | None = None
        select = self.counterparty_mapper().select()
        for fn in order:
            query = q.Query(filter=q.and_(base, self._prefix_filter(fn, name, text)), select=select, orderby=(name,))
            rows = self.client.iterate(self.profile.counterparty_set, query)
            try:
                first = next(rows, None)
            except (BadQueryError, UnsupportedError) as exc:
                log.info("the platform rejected %s(): %s; falling back", fn, exc.message)
                last_exc = exc
                continue
            if fn != remembered:
                self.base.remember_search(fn)
            if first is None:
                return
            for row in itertools.chain((first,), rows):
                # substringof (the last fallback) also matches inside the name: keep true prefixes only
                if fn != "substringof" or str(row.get(name) or "").casefold().startswith(text.casefold()):
                    yield row
            return
        assert last_exc is not None
        raise last_exc

    def _search(self, base: q.Filter | None, name: str, text: str, limit: int | None) -> Iterator[Counterparty]:
        """1C's quick search: names beginning with ``text`` first, then names with a word beginning with it.

        Real names carry a legal form in front («ООО Ромашка»), so "Ром" must find them too.
        """
        mapper = self.counterparty_mapper()
        seen: set[str] = set()
        for row in self._prefix_rows(base, name, text):
            seen.add(str(row["Ref_Key"]))
            yield mapper.map(row)
            if limit is not None and len(seen) >= limit:
                return
        query = q.Query(filter=q.and_(base, q.substringof(text, name)), select=mapper.select(), orderby=(name,))
        try:
            for row in self.client.iterate(self.profile.counterparty_set, query):
                cp = mapper.map(row)
                if cp.ref in seen or not _word_starts(cp.name, text):
                    continue
                seen.add(cp.ref)
                yield cp
                if limit is not None and len(seen) >= limit:
                    return
        except (BadQueryError, UnsupportedError) as exc:
            log.info("the platform rejected substringof(): %s; only name prefixes were searched", exc.message)

    def search_counterparties(
        self,
        text: str | None = None,
        *,
        substring: bool = False,
        inn: str | None = None,
        code: str | None = None,
        group: str | None = None,
        buyers_only: bool = False,
        folders: bool = False,
        limit: int | None = None,
    ) -> Iterator[Counterparty]:
        """Counterparties by the beginning of the name (the 1C way), a substring, ИНН or code.

        At most ``limit`` of them (``None``: all), however many folders ``group`` spans.
        """
        found = self._search_counterparties(text, substring=substring, inn=inn, code=code, group=group,
                                            buyers_only=buyers_only, folders=folders, limit=limit)
        return found if limit is None else itertools.islice(found, max(limit, 0))

    def _search_counterparties(self, text: str | None, *, substring: bool, inn: str | None, code: str | None,
                               group: str | None, buyers_only: bool, folders: bool,
                               limit: int | None) -> Iterator[Counterparty]:
        p = self.profile
        fields = p.counterparty_fields()
        conds: list[q.Filter | None] = []
        if not folders and "IsFolder" in p.counterparty_es().properties:
            conds.append(q.eq("IsFolder", False))
        if inn:
            conds.append(q.eq(self._cp_prop("inn"), inn.strip()))
        if code:
            conds.append(q.eq(self._cp_prop("code"), code.strip()))
        if buyers_only and p.counterparty_attr("buyer") is not None:
            conds.append(q.eq(self._cp_prop("buyer"), True))
        base = q.and_(*conds) if any(conds) else None
        groups: list[q.Filter | None] = [None]
        if group:
            folder_refs = self.group_with_subfolders(group)
            terms = [q.eq("Parent_Key", r) for r in sorted(folder_refs)]
            groups = list(q.split_or(terms, budget=900))
        name = fields["name"] or "Description"
        mapper = self.counterparty_mapper()
        for gfilter in groups:
            flt = q.and_(base, gfilter) if (base or gfilter) else None
            if text and not substring:
                yield from self._search(flt, name, text, limit)
            else:
                if text:
                    flt = q.and_(flt, q.substringof(text, name))
                query = q.Query(filter=flt, select=mapper.select(), orderby=(name,), top=limit)
                yield from (mapper.map(r) for r in self.client.iterate(p.counterparty_set, query))

    def _cp_prop(self, logical: str) -> str:
        a = self.profile.counterparty_attr(logical)
        if a is None:
            raise ConfigError(f"This base has no counterparty attribute for '{logical}'",
                              hint="Map it in the config file's [profile.counterparty] table.")
        return a.prop

    def group_with_subfolders(self, group: str) -> set[str]:
        """The folder named (or referenced by) ``group`` and every folder below it, in one pass."""
        p = self.profile
        folders = {
            str(r["Ref_Key"]): (parse_ref(r.get("Parent_Key")), str(r.get("Description") or "").strip())
            for r in self.client.iterate(
                p.counterparty_set,
                q.Query(filter=q.eq("IsFolder", True), select=("Ref_Key", "Parent_Key", "Description")),
            )
        }
        roots = {ref for ref, (_, name) in folders.items() if name.casefold() == group.strip().casefold()}
        if not roots and group in folders:
            roots = {group}
        if not roots:
            raise NoMatchError(
                f"No group of counterparties is named '{group}'",
                hint="Folder names are matched whole; list them with 'counterparties search --folders'.",
            )
        children: dict[str | None, list[str]] = {}
        for ref, (parent, _) in folders.items():
            children.setdefault(parent, []).append(ref)
        out, stack = set(), list(roots)
        while stack:
            ref = stack.pop()
            if ref not in out:
                out.add(ref)
                stack.extend(children.get(ref, ()))
        return out

    def get_counterparty(self, ref: str) -> Counterparty:
        mapper = self.counterparty_mapper()
        return mapper.map(self.client.get(self.profile.counterparty_set, ref, select=mapper.select()))

    def find_counterparty(self, spec: str) -> Counterparty:
        """One counterparty from a reference, code, ИНН or name prefix; ambiguity is an error."""
        spec = spec.strip()
        if is_guid(spec):
            return self.get_counterparty(spec)
        if looks_like_inn(spec):
            found = list(self.search_counterparties(inn=spec, limit=20))
            if found:
                return _one(spec, found)
        found = list(self.search_counterparties(code=spec, limit=20)) if _looks_like_code(spec) else []
        if found:
            return _one(spec, found)
        found = list(self.search_counterparties(spec, limit=50))
        exact = [c for c in found if c.name.casefold() == spec.casefold()]
        if not found:
            raise NoMatchError(f"No counterparty matches '{spec}'",
                               hint="Search with 'onec-history counterparties search TEXT'.")
        return _one(spec, exact or found)

    def find_user(self, spec: str) -> str:
        """The reference of a responsible user/employee from a reference or a name (see users.py)."""
        return self.base.users.find(spec)

    # -- events ---------------------------------------------------------------------------------
    def event_filter(self, f: EventFilter) -> q.Filter | None:
        p = self.profile
        conds: list[q.Filter | None] = []
        date = p.event_fields()["date"] or "Date"
        if f.since:
            conds.append(q.ge(date, f.since))
        if f.until:
            conds.append(q.le(date, f.until))
        if not f.include_deleted:
            conds.append(q.eq("DeletionMark", False))
        kind_attr, dir_attr = p.event_attr("kind"), p.event_attr("direction")
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

    def _state_filter(self, state: EventState) -> q.Filter:
        a = self.profile.event_attr("state")
        if a is None:
            raise ConfigError("This base's events have no state attribute",
                              hint="Map it in the config file's [profile.event] table (state = \"…\").")
        if a.kind is AttrKind.REF:
            refs = [ref for ref, (_, st) in self.state_lookup().items() if st is state]
            if not refs:
                return q.eq("Ref_Key", uuid.UUID(int=0))  # no such state in this base: nothing matches
            return q.or_(*(q.eq(a.prop, uuid.UUID(r)) for r in refs))
        return q.eq(a.prop, self.profile.states[state])

    def events(self, f: EventFilter | None = None, *, newest_first: bool = True,
               limit: int | None = None, resolve_names: bool = True) -> Iterator[Event]:
        """Events by counterparty (header or participant), period, kind, state, direction, responsible."""
        f = f or EventFilter()
        mapper = self.event_mapper()
        base = self.event_filter(f)
        date = self.profile.event_fields()["date"] or "Date"
        order = (f"{date} desc",) if newest_first else (date,)
        if f.counterparty is None:
            query = q.Query(filter=base, select=mapper.select(), orderby=order, top=limit)
            rows: Iterable[dict[str, Any]] = self.client.iterate(self.profile.event_set, query)
            yield from self._named(mapper, rows, resolve_names)
            return
        header = self.profile.client_condition(f.counterparty)
        streams = [] if header is None else [self.client.iterate(
            self.profile.event_set, q.Query(filter=q.and_(base, header), select=mapper.select(), orderby=order))]
        streams.append(self._events_by_participant(mapper, f.counterparty, base, newest_first))
        merged = heapq.merge(*streams, key=lambda r: (str(r.get(date) or ""), str(r["Ref_Key"])),
                             reverse=newest_first)
        yield from self._named(mapper, _dedupe(merged, limit), resolve_names)

    def _events_by_participant(self, mapper: EventMapper, cp: str, base: q.Filter | None,
                               newest_first: bool) -> Iterator[dict[str, Any]]:
        """Events where the client is a participant row: refs from the rows set, then events by key."""
        ts_set, cond = self.profile.participants_set(), self.profile.participant_condition(cp)
        if ts_set is None or cond is None:
            if self.profile.participants_section and cond is not None:
                log.warning("%s_%s is not published: events where the client is only a participant are "
                            "skipped", self.profile.event_set, self.profile.participants_section)
            return iter(())
        refs = sorted({str(r["Ref_Key"]) for r in self.client.iterate(
            ts_set, q.Query(filter=cond, select=("Ref_Key", "LineNumber")))})
        rows = [row for page in self.client.iter_by(self.profile.event_set, "Ref_Key", map(uuid.UUID, refs),
                                                    select=mapper.select(), where=base) for row in page]
        date = self.profile.event_fields()["date"] or "Date"
        rows.sort(key=lambda r: (str(r.get(date) or ""), str(r["Ref_Key"])), reverse=newest_first)
        return iter(rows)

    def _named(self, mapper: EventMapper, rows: Iterable[dict[str, Any]], resolve: bool) -> Iterator[Event]:
        """Map rows page by page, resolving display names for a whole batch in a few requests."""
        batch: list[Event] = []
        for row in rows:
            batch.append(mapper.map(row))
            if len(batch) >= self.client.page_size:
                yield from self._with_names(batch, resolve)
                batch = []
        if batch:
            yield from self._with_names(batch, resolve)

    def _with_names(self, events: list[Event], resolve: bool) -> list[Event]:
        if not resolve:
            return events
        users = self.profile.users_set
        self.names.prefetch([(e.counterparty_set, e.counterparty) for e in events]
                            + [(users, e.responsible) for e in events])
        return [
            e.model_copy(update={
                "counterparty_name": self.names.name(e.counterparty_set, e.counterparty),
                "responsible_name": self.names.name(users, e.responsible),
            })
            for e in events
        ]

    def get_event(self, ref: str) -> Event:
        """One event by its reference: a GUID, or ``Document_Событие(guid'…')`` as chains print it."""
        event_set = self.profile.event_set
        key = ref.strip()
        addressed = DocKey.parse(key)
        if addressed is not None:
            if addressed.entity_set != event_set:
                raise QueryError(f"{key} is not an event ({event_set})",
                                 hint="Show other documents with 'onec-history chain'.")
            key = addressed.ref
        if not is_guid(key):
            raise QueryError(f"{ref!r} is not a reference",
                             hint=f"Give the GUID from the list's Ссылка column, or {event_set}(guid'…').")
        mapper = self.event_mapper()
        row = self.client.find(event_set, key, select=mapper.select())
        if row is None:
            raise NoMatchError(f"No event in {event_set} has the reference {key}",
                               hint="Find events with 'onec-history events list'.")
        event = self._with_names([mapper.map(row)], True)[0]
        # Participants (family B's Участники, family A's СторонниеЛица) by name and the basis by its
        # number: one request per set, as for lists.
        basis = event.basis
        self.names.prefetch([(p.entity_set, p.ref) for p in event.participants]
                            + ([(basis.entity_set, basis.ref)] if basis and not basis.number else []))
        named = tuple(p.model_copy(update={"name": self.names.name(p.entity_set, p.ref)}) if p.ref else p
                      for p in event.participants)
        if basis is not None and not basis.number:
            basis = basis.model_copy(update={"number": self.names.name(basis.entity_set, basis.ref)})
        return event.model_copy(update={"participants": named, "basis": basis})


def _looks_like_code(spec: str) -> bool:
    return len(spec) <= 11 and " " not in spec and any(ch.isdigit() for ch in spec)


def _one(spec: str, found: list[Counterparty]) -> Counterparty:
    if len(found) == 1:
        return found[0]
    raise AmbiguousError(f"'{spec}' matches {len(found)} counterparties", candidates=found,
                         choices=[f"{c.name} (код {c.code}, ИНН {c.inn or '—'})" for c in found],
                         hint="Give more of the name, the code, the ИНН or the reference.")


_WORD_SPLIT = re.compile(r"[\s\"'«»“”„()\-.,]+")


def _word_starts(name: str, text: str) -> bool:
    """Does a word of ``name`` (after a legal form or a quote) begin with ``text``?"""
    needle = text.casefold()
    folded = name.casefold()
    return folded.startswith(needle) or any(folded[m.end():].startswith(needle) for m in _WORD_SPLIT.finditer(folded))


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

