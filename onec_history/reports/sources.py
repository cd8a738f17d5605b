"""Where the reports read from: the 1C base itself, or a local mirror of it.

The report logic in :mod:`onec_history.reports.compute` asks a :class:`ReportSource` for a few things —
events of one state within bounds, buyers with their manager, display names, incoming events
and the chain graph of a period — and computes the same rows from either implementation:

- :class:`OneCSource` reads 1C in narrow paged passes (a ``$select`` of only the properties a
  report uses, pages of 5000, early stop), names in bulk from the
  :class:`~onec_history.names.NameResolver`;
- :class:`~onec_history.mirror.source.MirrorSource` reads a database made by ``onec-history mirror``
  and never contacts 1C — only when the tables the report needs (:data:`NEEDS`) were completely
  synced by their last run, or with ``allow_partial``.

Family C (УТ 11 / КА 2 / ERP) keeps its events in six interaction documents tied to partners:
:class:`OneCSource` hands its passes to :class:`~onec_history.reports.interactions.InteractionPasses`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .. import query as q
from ..chains.model import DocKey
from ..events.shape import clients_of
from ..history import EventFilter, History
from ..models import Direction, EventState, parse_datetime, parse_ref, strip
from ..profiles import Family

if TYPE_CHECKING:
    from .interactions import InteractionPasses

__all__ = ["NEEDS", "Bound", "Buyer", "Graph", "OneCSource", "RecentContacts", "ReportEvent", "ReportSource"]

#: The mirror tables each report reads, by the role of the sets that fill them (``mirror/reader.py``):
#: a report from a mirror refuses when one of them was not completely synced by its last run.
NEEDS: dict[str, tuple[str, ...]] = {
    "inactive": ("counterparties", "events", "names"),  # buyers, their events, the managers' names
    "overdue": ("counterparties", "events", "names"),  # events, clients' and responsibles' names
    "activity": ("events", "names"),  # events, the managers' names
    "funnel": ("events", "documents"),  # incoming events, the chain graph of documents and links
}

_SCAN_PAGE = 5000  # narrow rows (~300 bytes): fewer, larger pages spare 1C the per-request overhead

Bound = tuple[str, datetime]
"""A bound on an event's start: ("ge" | "le" | "lt", moment)."""
Buyer = tuple[str, "str | None", "str | None"]
"""A buyer's (name, ИНН, manager reference)."""
Graph = tuple[dict[DocKey, "datetime | None"], list[tuple[DocKey, DocKey]]]
"""Documents of a period with their dates, and (parent, child) links whose child is one of them."""


@dataclass(frozen=True)
class ReportEvent:
    """What a report needs of one event."""

    ref: str
    number: str | None
    when: datetime | None  # start, or the document date when there is no start
    end: datetime | None
    kind: str | None  # as 1C spells it (kind_raw)
    kind_code: str | None  # the logical kind: call, meeting, …
    subject: str | None
    responsible: str | None
    clients: tuple[str, ...]  # counterparties: the header's first, then participants'
    text_client: str | None  # a client typed as text, when there is no reference
    # (catalog, ref) a report names as the client; None: the first of ``clients`` (family C: the
    # partner the interaction names, or an unregistered caller's item)
    shown: tuple[str, str] | None = None


class ReportSource(Protocol):
    family: Family
    event_set: str
    counterparty_set: str
    users_set: str
    manager_set: str  # the catalog a counterparty's manager points to

    def events(self, state: EventState, bounds: Sequence[Bound], *, newest_first: bool,
               fields: tuple[str, ...], responsible: str | None = None) -> Iterator[ReportEvent]:
        """Events in ``state`` not marked for deletion, start within ``bounds``, ordered by start.

        ``fields`` names the logical attributes the caller reads (a 1C pass selects only these).
        """

    def incoming(self, since: datetime, until: datetime) -> dict[str, datetime | None]:
        """Incoming events dated in the period, not marked for deletion: ref → start (or date)."""

    def buyers(self, manager: str | None) -> dict[str, Buyer]:
        """Buyers (not folders, not marked for deletion), optionally of one manager: ref → buyer."""

    def prefetch(self, pairs: Iterable[tuple[str, str | None]]) -> None:
        """Make the names of these (set, ref) pairs cheap to ask for."""

    def name(self, entity_set: str, ref: str | None) -> str | None: ...

    def graph(self, since: datetime, until: datetime) -> Graph:
        """Linked documents dated in the period (with dates) and their (parent, child) links."""


@runtime_checkable
class RecentContacts(Protocol):
    """A source that can prove who had no interaction at all since a moment (family C's register)."""

    def touched_since(self, moment: datetime) -> set[str] | None:
        """Counterparties with any interaction dated on or after ``moment`` (a superset of those with a
        completed one); ``None`` when the source cannot tell."""


OPS = {"ge": q.ge, "le": q.le, "lt": q.lt}


def holds_bound(op: str, value: datetime, bound: datetime) -> bool:
    """``value`` within one :data:`Bound` (as 1C's ``$filter`` would have it)."""
    return value >= bound if op == "ge" else value <= bound if op == "le" else value < bound


class OneCSource:
    """The reports' passes over 1C's OData interface."""

    def __init__(self, history: History, *, jobs: int = 4, now: datetime | None = None) -> None:
        self.h = history
        p = history.profile
        self.p = p
        self.jobs = jobs
        self.family = p.family
        self.event_set, self.counterparty_set, self.users_set = p.event_set, p.counterparty_set, p.users_set
        #: Family C: the interaction documents' passes (``None`` for families A and B).
        self.c: InteractionPasses | None = None
        if p.documents:
            from .interactions import InteractionPasses

            self.c = InteractionPasses(history, now=now or datetime.now(), jobs=jobs)
            self.manager_set = self.c.manager_set
            return
        a = p.counterparty_attr("manager")
        self.manager_set = (a.target_set if a is not None and a.target_set else None) or p.users_set
        self.shape = history.event_mapper().shape
        self.attrs = self.shape.attrs
        self.date_prop = self.attrs["date"].prop if "date" in self.attrs else "Date"
        self.start_prop = self.attrs["start"].prop if "start" in self.attrs else self.date_prop

    def _select(self, *logicals: str) -> tuple[str, ...]:
        return self.shape.select(("date", "start", *logicals), with_participants="counterparty" in logicals)

    def _scan(self, flt: q.Filter | None, select: tuple[str, ...], orderby: tuple[str, ...]) -> Iterator[ReportEvent]:
        query = q.Query(filter=flt, select=select, orderby=orderby)
        for row in self.h.client.iterate(self.p.event_set, query, page_size=_SCAN_PAGE):
            yield self._event(row)

    def events(self, state: EventState, bounds: Sequence[Bound], *, newest_first: bool,
               fields: tuple[str, ...], responsible: str | None = None) -> Iterator[ReportEvent]:
        if self.c is not None:
            return self.c.events(state, bounds, newest_first=newest_first, fields=fields, responsible=responsible)
        # Deleted events are left out: a deleted call is not a contact.
        flt = q.and_(self.h.event_filter(EventFilter(state=state, include_deleted=False)),
                     *[OPS[op](self.start_prop, value) for op, value in bounds],
                     self.h.event_filter(EventFilter(responsible=responsible)) if responsible else None)
        order = f"{self.start_prop} desc" if newest_first else self.start_prop
        return self._scan(flt, self._select(*fields), (order,))

    def incoming(self, since: datetime, until: datetime) -> dict[str, datetime | None]:
        if self.c is not None:
            return self.c.incoming(since, until)
        flt = self.h.event_filter(EventFilter(since=since, until=until, direction=Direction.INCOMING,
                                              include_deleted=False))
        return {ev.ref: ev.when for ev in self._scan(flt, self._select(), (self.date_prop,))}

    def _event(self, row: dict[str, Any]) -> ReportEvent:
        shape = self.shape
        clients, text = clients_of(shape.who(row, "counterparty"), (who for _, who in shape.participants(row)),
                                   self.counterparty_set)
        start = parse_datetime(row.get(self.start_prop))
        subject = shape.text(row, "subject")
        kind, kind_raw = shape.kind(row)
        return ReportEvent(
            ref=str(row["Ref_Key"]),
            number=strip(shape.get(row, "number")),
            when=start or parse_datetime(row.get(self.date_prop)),
            end=parse_datetime(shape.get(row, "end")),
            kind=kind_raw,
            kind_code=kind.value if kind is not None else None,
            subject=subject.strip() or None if subject else None,
            responsible=shape.who(row, "responsible")[0],
            clients=clients,
            text_client=text,
        )

    def buyers(self, manager: str | None) -> dict[str, Buyer]:
        """One narrow pass over the counterparties (family C: the partners, then their counterparties)."""
        if self.c is not None:
            return self.c.buyers(manager)
        p = self.p
        es = p.counterparty_es()
        buyer, mgr, inn = (p.counterparty_attr(x) for x in ("buyer", "manager", "inn"))
        conds: list[q.Filter | None] = []
        if "IsFolder" in es.properties:
            conds.append(q.eq("IsFolder", False))
        if "DeletionMark" in es.properties:
            conds.append(q.eq("DeletionMark", False))
        if buyer is not None:
            conds.append(q.eq(buyer.prop, True))
        if manager and mgr is not None:
            conds.append(q.eq(mgr.prop, uuid.UUID(manager)))
        select = ["Ref_Key", "Description"] + [a.prop for a in (mgr, inn) if a is not None]
        query = q.Query(filter=q.and_(*conds), select=tuple(select))
        out: dict[str, Buyer] = {}
        for row in self.h.client.iterate(p.counterparty_set, query):
            out[str(row["Ref_Key"])] = (str(row.get("Description") or "").strip(),
                                        strip(row.get(inn.prop)) or None if inn else None,
                                        parse_ref(row.get(mgr.prop)) if mgr else None)
        return out

    def prefetch(self, pairs: Iterable[tuple[str, str | None]]) -> None:
        self.h.names.prefetch(list(pairs))

    def name(self, entity_set: str, ref: str | None) -> str | None:
        return self.h.names.name(entity_set, ref)

    def touched_since(self, moment: datetime) -> set[str] | None:
        """Family C: counterparties with any interaction since ``moment`` per 1C's register
        (:meth:`InteractionPasses.touched_since`); families A and B keep no such register (``None``)."""
        return self.c.touched_since(moment) if self.c is not None else None

    def graph(self, since: datetime, until: datetime) -> Graph:
        if self.c is not None:
            return self.c.graph(since, until)
        from ..chains.chains import Chains

        g = Chains(self.h, jobs=self.jobs).graph(since=since, until=until)
        return g.dates, list(g.edges)
