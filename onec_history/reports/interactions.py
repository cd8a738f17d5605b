"""Family C's report passes (УТ 11, КА 2, ERP): six interaction documents, tied to partners.

:class:`InteractionPasses` answers what :class:`~onec_history.reports.sources.OneCSource` asks for
families A and B, for a base whose events are the interaction documents (one *view* of the
profile per published document, :meth:`Profile.views <onec_history.profiles.Profile.views>`):

- **events** — one narrow paged pass per document that can hold the asked state, merged by the
  moment (the start where the document has one, else its date). The state comes from the
  document type (:meth:`EventShape._doc_state <onec_history.events.shape.EventShape>`): a planned
  interaction is planned, an e-mail's or SMS's status says planned/completed/cancelled, a meeting
  is planned while its start is ahead of the report's moment. A *planned interaction* has no
  planned date: its ``Date`` is when it was created, so its moment is ``РассмотретьПосле`` from
  ``ПредметыПапкиВзаимодействий`` and one already reviewed (``Рассмотрено``) is no longer pending.
- **clients** — an interaction names a partner, one of its contact persons (mapped to the partner
  in bulk, :meth:`Partners.owners <onec_history.counterparties.partners.Partners.owners>`) or an
  unregistered caller. The reports list counterparties: each counterparty of the partner counts
  the interaction (a partner with two legal entities gives both the same contacts).
- **buyers** — counterparties (not deletion-marked) whose partner is a client (``Клиент``), with the
  partner's main manager (``ОсновнойМенеджер``): one pass over partners, one over counterparties.
- **touched_since** — ``СостоянияКонтактовВзаимодействий`` holds, per contact, the journal date of
  its latest interaction *including planned and deletion-marked ones*, with a row for the partner
  and one for each contact person. It cannot say who had a *completed* contact; it only proves
  who had no interaction at all since a moment (see :meth:`InteractionPasses.touched_since`).
- **graph** — the funnel's chain: interactions meet sales documents through the **deal**, not by
  basis: interaction → (its subject) deal → customer order (``Сделка``) → sale (``ЗаказКлиента``,
  or the deal), with the interactions' own basis links.
"""

from __future__ import annotations

import heapq
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .. import family_c
from .. import query as q
from ..chains.model import DocKey
from ..chains.nodes import run_parallel
from ..errors import NotPublishedError, ODataError
from ..events.read import EventFilter, EventReader
from ..events.shape import EventShape, Who
from ..models import Direction, EventState, parse_datetime, parse_ref, set_of_type, strip
from ..profiles import Attr, AttrKind, Profile, ProfileError, resolve_attr
from .sources import OPS, Bound, Buyer, Graph, ReportEvent, holds_bound

if TYPE_CHECKING:
    from ..base import Base
    from ..history import History

__all__ = ["InteractionPasses"]

log = logging.getLogger("onec_history.reports")

_SCAN_PAGE = 5000

# --------------------------------------------------------------------------- family data
# The funnel's documents and the attributes that join them to a deal (УТ 11.5 dump:
# Documents/ЗаказКлиента.xml, Documents/РеализацияТоваровУслуг.xml, Catalogs/СделкиСКлиентами.xml).
ORDER_SET = "Document_ЗаказКлиента"
SALE_SET = "Document_РеализацияТоваровУслуг"
DEALS_SET = family_c.DEALS
DEAL_ATTR = family_c.DEAL_ATTR  # ЗаказКлиента.Сделка, РеализацияТоваровУслуг.Сделка
SALE_ORDER_ATTR = "ЗаказКлиента"  # РеализацияТоваровУслуг.ЗаказКлиента (composite)
ORDER_BASIS_ATTR = "ДокументОснование"  # ЗаказКлиента.ДокументОснование (an offer, composite)
# ------------------------------------------------------------------------- end family data


@dataclass(frozen=True)
class _View:
    """One interaction document as the reports read it."""

    profile: Profile
    shape: EventShape
    reader: EventReader
    doc: family_c.EventDoc
    date_prop: str
    start_prop: str  # the document's start where it has one (ДатаНачала, ДатаПолучения…), else its date

    @property
    def set_name(self) -> str:
        return self.profile.event_set

    @property
    def has_start(self) -> bool:
        return self.start_prop != self.date_prop

    @property
    def due_by_register(self) -> bool:
        """A planned interaction: planned by its type, no start of its own (its Date is its creation)."""
        return self.doc.state == EventState.PLANNED.value and not self.doc.state_values and not self.has_start


@dataclass
class _Row:
    """A row with the partners it names (a contact person stands for its partner)."""

    row: dict[str, Any]
    partners: list[str]
    strings: list[str]  # unregistered callers (СтроковыеКонтактыВзаимодействий)
    when: datetime | None = None  # a moment known otherwise (a planned interaction's due date)


class InteractionPasses:
    """The report passes over a family-C base (see the module doc)."""

    def __init__(self, history: History, *, now: datetime, jobs: int = 4) -> None:
        base = history.base
        self.base = base
        self.client = history.client
        p = history.profile
        self.p = p
        self.now = now.replace(microsecond=0)
        self.jobs = jobs
        self.partners = base.partners
        self.partner_set = p.partner_set or ""
        self.person_set = p.person_set or ""
        self.string_set = p.string_contact_set or ""
        self.views = [self._view(base, v) for v in p.views()]
        self._cps_of: dict[str, list[str]] = {}  # partner → its counterparties (not deletion-marked)
        self._all_cps = False  # every counterparty has been read (buyers)
        self._warned: set[str] = set()
        manager = self._partner_attr("manager", family_c.PARTNER_MANAGER)
        self.manager_set = (manager.target_set if manager is not None and manager.target_set else None) \
            or p.users_set

    @staticmethod
    def _view(base: Base, view: Profile) -> _View:
        shape = EventShape(view)
        date = shape.attrs["date"].prop if "date" in shape.attrs else "Date"
        start = shape.attrs["start"].prop if "start" in shape.attrs else date
        assert view.doc is not None
        return _View(view, shape, EventReader(base, view), view.doc, date, start)

    def _partner_attr(self, logical: str, name: str) -> Attr | None:
        md = self.client.metadata()
        if self.partner_set not in md:
            return None
        return resolve_attr(md.get(self.partner_set), logical, name)

    def _warn(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            log.warning("%s", message)

    # -- events -----------------------------------------------------------------------------------
    def holds(self, view: _View, state: EventState) -> bool:
        """Can this document hold events in ``state``? (The type fixes it, or a status or the start refines it.)"""
        doc, attrs = view.doc, view.shape.attrs
        if doc.state_values and "state" in attrs:
            return state.value in {st for _, st in doc.state_values} | {doc.state}
        if doc.planned_when_future and "start" in attrs:
            return state in (EventState.PLANNED, EventState(doc.state))
        return state.value == doc.state

    def _ahead_only(self, view: _View, state: EventState, bounds: Sequence[Bound]) -> bool:
        """A meeting planned (ahead of the report's moment) yet started before it: none can be."""
        return (view.doc.planned_when_future and state is EventState.PLANNED and "start" in view.shape.attrs
                and any(op in ("le", "lt") and value <= self.now for op, value in bounds))

    def _state_condition(self, view: _View, state: EventState, bounds: Sequence[Bound] = ()) -> q.Filter | None:
        """A meeting is planned while its start is ahead of the report's moment, held once it is not
        (nothing to add where the bounds already say it)."""
        if not view.doc.planned_when_future or "start" not in view.shape.attrs:
            return None
        if state is EventState.PLANNED:
            return q.gt(view.start_prop, self.now)
        if any(op in ("le", "lt") and value <= self.now for op, value in bounds):
            return None
        return q.le(view.start_prop, self.now)

    def events(self, state: EventState, bounds: Sequence[Bound], *, newest_first: bool,
               fields: tuple[str, ...], responsible: str | None = None) -> Iterator[ReportEvent]:
        f = EventFilter(state=state, include_deleted=False, responsible=responsible)
        with_clients = "counterparty" in fields
        streams: list[Iterator[ReportEvent]] = []
        for v in self.views:
            if not self.holds(v, state) or self._ahead_only(v, state, bounds):
                continue
            if responsible and "responsible" not in v.shape.attrs:
                continue  # a document without Ответственный holds nobody's events
            if v.due_by_register:
                streams.append(self._planned(v, f, bounds, newest_first, fields))
                continue
            own = replace(f, state=None) if v.doc.planned_when_future else f
            flt = q.and_(v.reader.condition(own), self._state_condition(v, state, bounds),
                         *[OPS[op](v.start_prop, value) for op, value in bounds])
            order = f"{v.start_prop} desc" if newest_first else v.start_prop
            query = q.Query(filter=flt, select=self._select(v, fields), orderby=(order,))
            streams.append(self._scan(v, query, with_clients))
        return heapq.merge(*streams, key=_moment, reverse=newest_first)

    def _select(self, v: _View, fields: Iterable[str]) -> tuple[str, ...]:
        with_clients = "counterparty" in fields
        logicals = ("date", "start", *fields, *(("contact_text",) if with_clients else ()))
        return v.shape.select(logicals, with_participants=with_clients)

    def _scan(self, v: _View, query: q.Query, with_clients: bool) -> Iterator[ReportEvent]:
        for page in self.client.pages(v.set_name, query, page_size=_SCAN_PAGE):
            yield from self._events(v, page, with_clients)

    def _planned(self, v: _View, f: EventFilter, bounds: Sequence[Bound], newest_first: bool,
                 fields: tuple[str, ...]) -> Iterator[ReportEvent]:
        """Planned interactions by their due date: every pending one is read (their Date is their
        creation, so 1C cannot bound them), dated from the register — or from the document itself,
        where a customised base keeps РассмотретьПосле and Рассмотрено on it — bounded and ordered here."""
        select = self._select(v, (*fields, "review_after", "reviewed"))
        query = q.Query(filter=v.reader.condition(f), select=select, orderby=(v.date_prop,))
        rows = [row for page in self.client.pages(v.set_name, query, page_size=_SCAN_PAGE) for row in page]
        due = self.due_dates(v, [str(r["Ref_Key"]) for r in rows])
        kept: list[tuple[dict[str, Any], datetime | None]] = []
        for row in rows:
            own = (parse_datetime(v.shape.get(row, "review_after")), _flag(v.shape.get(row, "reviewed")))
            after, reviewed = due.get(str(row["Ref_Key"]), own)  # the register wins where it is published
            if reviewed:
                continue  # dealt with: no longer pending
            when = after or parse_datetime(row.get(v.date_prop))
            if when is not None and all(holds_bound(op, when, value) for op, value in bounds):
                kept.append((row, when))
        events = self._events(v, [r for r, _ in kept], "counterparty" in fields, [w for _, w in kept])
        events.sort(key=_moment, reverse=newest_first)
        return iter(events)

    def due_dates(self, v: _View, refs: Sequence[str]) -> dict[str, tuple[datetime | None, bool | None]]:
        """РассмотретьПосле and Рассмотрено of these interactions (ПредметыПапкиВзаимодействий): the
        register's rows of the document type in one paged pass (``isof``), or by reference when they
        are few (a cast per reference is long: a handful fit in one request)."""
        register = family_c.SUBJECTS_REGISTER
        dim, after, reviewed = family_c.REGISTER_DOCUMENT, family_c.REGISTER_REVIEW_AFTER, family_c.REGISTER_REVIEWED
        es = self.client.metadata().sets.get(register)
        if es is None or dim not in es.composites or after not in es.properties:
            if "review_after" not in v.shape.attrs:
                self._warn(f"{register} is not published: planned interactions ({v.set_name}) are dated by "
                           "their creation, not by when they are due (РассмотретьПосле)")
            return {}
        if not refs:
            return {}
        columns = tuple(c for c in (dim, after, reviewed) if c in es.properties)
        terms = [q.cast_eq(dim, ref, v.set_name) for ref in refs]
        query = q.Query(select=columns)
        wanted = set(refs)
        out: dict[str, tuple[datetime | None, bool | None]] = {}
        pages: Iterable[list[dict[str, Any]]]
        if self.client.requests_for(register, terms, query) > 1:
            pages = self.client.pages(register, replace(query, filter=q.isof(dim, v.set_name)), page_size=_SCAN_PAGE)
        else:
            pages = self.client.iter_any(register, terms, query)
        try:
            for page in pages:
                for row in page:
                    flag, ref = row.get(reviewed), str(row.get(dim))
                    if ref in wanted:
                        out[ref] = (parse_datetime(row.get(after)), bool(flag) if flag is not None else None)
        except ODataError as exc:
            self._warn(f"{register}: {exc.message} — planned interactions are dated by their creation")
            return {}
        return out

    # -- rows → report events ---------------------------------------------------------------------
    def _contacts(self, v: _View, row: Mapping[str, Any]) -> list[Who]:
        return [v.shape.who(row, "counterparty"), *(who for _, who in v.shape.participants(row))]

    def _resolve(self, v: _View, rows: Sequence[dict[str, Any]]) -> list[_Row]:
        """The partners each row names: contact persons mapped to their partner in bulk."""
        named = [self._contacts(v, row) for row in rows]
        persons = [ref for whos in named for ref, target, _ in whos if ref and target == self.person_set]
        if persons and self.person_set not in self.client.metadata():
            self._warn(f"{self.person_set} is not published: an interaction with a partner's contact person "
                       "is not counted for the partner")
        owners = self.partners.owners(persons)
        out = []
        for row, whos in zip(rows, named, strict=True):
            partners: list[str] = []
            strings: list[str] = []
            for ref, target, _ in whos:
                partner = ref if target == self.partner_set else owners.get(ref or "") \
                    if target == self.person_set else None
                if partner and partner not in partners:
                    partners.append(partner)
                elif ref and target == self.string_set and ref not in strings:
                    strings.append(ref)
            out.append(_Row(row, partners, strings))
        return out

    def _events(self, v: _View, rows: Sequence[dict[str, Any]], with_clients: bool,
                moments: Sequence[datetime | None] | None = None) -> list[ReportEvent]:
        if with_clients:
            resolved = self._resolve(v, rows)
            cps = self.counterparties_of(p for r in resolved for p in r.partners)
        else:
            resolved, cps = [_Row(row, [], []) for row in rows], {}
        if moments is not None:
            for r, when in zip(resolved, moments, strict=True):
                r.when = when
        return [self._event(v, r, cps) for r in resolved]

    def _event(self, v: _View, r: _Row, cps: Mapping[str, list[str]]) -> ReportEvent:
        shape, row = v.shape, r.row
        clients = tuple(dict.fromkeys(c for p in r.partners for c in cps.get(p, ())))
        shown = (self.partner_set, r.partners[0]) if r.partners else \
            (self.string_set, r.strings[0]) if r.strings else None
        subject = shape.text(row, "subject")
        kind, kind_raw = shape.kind(row)
        start = parse_datetime(row.get(v.start_prop)) if v.has_start else None
        return ReportEvent(
            ref=str(row["Ref_Key"]),
            number=strip(shape.get(row, "number")),
            when=r.when or start or parse_datetime(row.get(v.date_prop)),
            end=parse_datetime(shape.get(row, "end")),
            kind=kind_raw,
            kind_code=kind.value if kind is not None else None,
            subject=subject.strip() or None if subject else None,
            responsible=shape.who(row, "responsible")[0],
            clients=clients,
            text_client=None if r.partners else (shape.text(row, "contact_text") or "").strip() or None,
            shown=shown,
        )

    # -- counterparties -------------------------------------------------------------------------
    def _partner_prop(self) -> str:
        prop = self.partners.partner_attr
        if prop is None:
            raise ProfileError(
                f"{self.p.counterparty_set} has no Партнер in this base's $metadata, so no counterparty can be "
                "tied to its interactions (they name partners and contact persons)",
                hint="Publish the attribute Партнер of Контрагенты, or map it in the config file's "
                     "[profile.counterparty] table (partner = \"…\"); then run 'onec-history metadata --refresh'.")
        return prop

    def counterparties_of(self, partners: Iterable[str]) -> dict[str, list[str]]:
        """Each partner's counterparties (not deletion-marked), read in bulk once per partner."""
        wanted = sorted({p for p in partners if p})
        unknown = [p for p in wanted if p not in self._cps_of] if not self._all_cps else []
        if unknown:
            prop = self._partner_prop()
            where = q.eq("DeletionMark", False) if "DeletionMark" in self.p.counterparty_es().properties else None
            for page in self.client.iter_by(self.p.counterparty_set, prop, map(uuid.UUID, unknown),
                                            select=("Ref_Key", prop), where=where):
                for row in page:
                    partner = parse_ref(row.get(prop))
                    if partner:
                        self._cps_of.setdefault(partner, []).append(str(row["Ref_Key"]))
            for p in unknown:
                self._cps_of.setdefault(p, [])
        return {p: self._cps_of.get(p, []) for p in wanted}

    def buyers(self, manager: str | None) -> dict[str, Buyer]:
        """Counterparties whose partner is a client, with the partner's main manager: a pass over the
        partners (narrowed to the manager's), one over their counterparties."""
        md = self.client.metadata()
        if self.partner_set not in md:
            raise NotPublishedError(self.partner_set)
        pes = md.get(self.partner_set)
        mgr = self._partner_attr("manager", family_c.PARTNER_MANAGER)
        conds: list[q.Filter | None] = [q.eq(c, False) for c in ("IsFolder", "DeletionMark") if c in pes.properties]
        if family_c.PARTNER_IS_CLIENT in pes.properties:
            conds.append(q.eq(family_c.PARTNER_IS_CLIENT, True))
        if manager and mgr is not None:
            conds.append(q.eq(mgr.prop, uuid.UUID(manager)))
        select = ("Ref_Key", *((mgr.prop,) if mgr is not None else ()))
        managers = {str(row["Ref_Key"]): parse_ref(row.get(mgr.prop)) if mgr is not None else None
                    for row in self.client.iterate(self.partner_set, q.Query(filter=q.and_(*conds), select=select))}
        if manager and mgr is None:
            managers = {}
        prop = self._partner_prop()
        es = self.p.counterparty_es()
        inn = self.p.counterparty_attr("inn")
        where = q.eq("DeletionMark", False) if "DeletionMark" in es.properties else None
        columns = ("Ref_Key", "Description", prop, *((inn.prop,) if inn is not None else ()))
        if manager:  # a manager's partners are few: their counterparties by partner
            rows: Iterable[dict[str, Any]] = (row for page in self.client.iter_by(
                self.p.counterparty_set, prop, map(uuid.UUID, sorted(managers)), select=columns, where=where)
                for row in page)
        else:
            rows = self.client.iterate(self.p.counterparty_set, q.Query(filter=where, select=columns))
        out: dict[str, Buyer] = {}
        seen: dict[str, list[str]] = {}
        for row in rows:
            ref, partner = str(row["Ref_Key"]), parse_ref(row.get(prop))
            if partner is None:
                continue
            seen.setdefault(partner, []).append(ref)
            self.partners.remember_partner(ref, partner)
            if partner in managers:
                out[ref] = (str(row.get("Description") or "").strip(),
                            strip(row.get(inn.prop)) or None if inn is not None else None, managers[partner])
        if manager:
            seen.update({p: seen.get(p, []) for p in managers})
        self._cps_of.update(seen)
        self._all_cps = self._all_cps or not manager
        return out

    # -- СостоянияКонтактовВзаимодействий ------------------------------------------------------------
    def touched_since(self, moment: datetime) -> set[str] | None:
        """Counterparties whose partner, or one of its contact persons, had *any* interaction dated on or
        after ``moment`` — a superset of those with a completed one; ``None``: the register cannot tell.

        The rule: ``ДатаПоследнегоВзаимодействия`` is the journal date of the contact's latest
        interaction, planned and deletion-marked ones included, one row per contact. A partner is
        *touched* when its own row or a row of one of its contact persons is dated on or after
        ``moment``. Nobody else had an interaction since then, so nobody else had a completed one —
        except where a document's start runs later than its journal date (a meeting entered before it
        is held, an e-mail written before it is sent): those few documents (journal date before
        ``moment``, start on or after it) are read from each such document type and their partners
        count as touched too. A register that holds no row at all is not trusted (``None``).
        """
        register = family_c.STATES_REGISTER
        contact, last = family_c.REGISTER_CONTACT, family_c.REGISTER_LAST
        es = self.client.metadata().sets.get(register)
        if es is None or contact not in es.composites or last not in es.properties:
            return None
        try:
            query = q.Query(filter=q.ge(last, moment), select=(contact, f"{contact}_Type"))
            rows = list(self.client.iterate(register, query, page_size=_SCAN_PAGE))
            if not rows and self.client.count(register) == 0:
                self._warn(f"{register} holds no row: the report reads every interaction of the period")
                return None
        except ODataError as exc:
            self._warn(f"{register}: {exc.message} — the report reads every interaction of the period")
            return None
        partners = {ref for row in rows if (ref := parse_ref(row.get(contact)))
                    and set_of_type(row.get(f"{contact}_Type")) == self.partner_set}
        persons = [ref for row in rows if (ref := parse_ref(row.get(contact)))
                   and set_of_type(row.get(f"{contact}_Type")) == self.person_set]
        partners.update(p for p in self.partners.owners(persons).values() if p)
        partners.update(self._started_later(moment))
        cps = self.counterparties_of(partners)
        return {c for p in partners for c in cps[p]}

    def _started_later(self, moment: datetime) -> set[str]:
        """Partners of documents dated before ``moment`` whose start is on or after it."""
        found: set[str] = set()
        for v in self.views:
            if not v.has_start or not self.holds(v, EventState.COMPLETED):
                continue
            flt = q.and_(q.lt(v.date_prop, moment), q.ge(v.start_prop, moment), q.eq("DeletionMark", False))
            query = q.Query(filter=flt, select=self._select(v, ("counterparty",)))
            for page in self.client.pages(v.set_name, query, page_size=_SCAN_PAGE):
                found.update(p for r in self._resolve(v, page) for p in r.partners)
        return found

    # -- the funnel -----------------------------------------------------------------------------
    def incoming(self, since: datetime, until: datetime) -> dict[str, datetime | None]:
        """Incoming interactions of the period: calls with Входящий, incoming e-mails (the type)."""
        f = EventFilter(since=since, until=until, direction=Direction.INCOMING, include_deleted=False)
        out: dict[str, datetime | None] = {}
        for v in self.views:
            if v.doc.direction is not None:
                if v.doc.direction != Direction.INCOMING.value:
                    continue
            elif "direction" not in v.shape.attrs:
                continue  # a meeting, a planned interaction: no direction
            select = v.shape.select(("date", "start"), with_participants=False)
            query = q.Query(filter=v.reader.condition(f), select=select, orderby=(v.date_prop,))
            for row in self.client.iterate(v.set_name, query, page_size=_SCAN_PAGE):
                start = parse_datetime(row.get(v.start_prop)) if v.has_start else None
                out[str(row["Ref_Key"])] = start or parse_datetime(row.get(v.date_prop))
        return out

    def graph(self, since: datetime, until: datetime) -> Graph:
        """The funnel's chain of the period: interactions (with their basis links), customer orders
        and sales dated in it, and their deals (see the module doc). Edges run interaction → deal →
        order → sale, so an order "descends" from every interaction about its deal; the deal is a
        node of its own (``Catalog_СделкиСКлиентами``)."""
        md = self.client.metadata()
        dates: dict[DocKey, datetime | None] = {}
        edges: list[tuple[DocKey, DocKey]] = []
        period = q.and_(q.ge("Date", since), q.le("Date", until))
        tasks: list[Callable[[], list[tuple[DocKey, datetime | None, list[DocKey], list[DocKey]]]]] = []
        for v in self.views:
            basis = v.shape.attrs.get("basis")
            tasks.append(_pass(self.client, v.set_name, period, [basis] if basis else [], []))
        for set_name, parent_attrs in ((ORDER_SET, (ORDER_BASIS_ATTR,)), (SALE_SET, (SALE_ORDER_ATTR,))):
            if set_name not in md:
                if set_name == ORDER_SET:
                    raise NotPublishedError(set_name, message=f"The funnel counts customer orders ({set_name}), "
                                                              "which this base does not publish over OData")
                self._warn(f"{set_name} is not published: the funnel counts no sale")
                continue
            es = md.get(set_name)
            deal = resolve_attr(es, "deal", DEAL_ATTR)
            links = [a for name in parent_attrs if (a := resolve_attr(es, name, name)) is not None]
            tasks.append(_pass(self.client, set_name, period, links, [deal] if deal is not None else []))
        deals: set[str] = set()
        for results in run_parallel(tasks, self.jobs):
            for key, date, parents, bridges in results:
                dates[key] = date
                edges.extend((parent, key) for parent in parents)
                for d in bridges:
                    deals.add(d.ref)
                    edges.append((d, key))
        edges.extend(self._subjects(sorted(deals)))
        return dates, list(dict.fromkeys(edges))

    def _subjects(self, deals: Sequence[str]) -> list[tuple[DocKey, DocKey]]:
        """(interaction, deal) for every interaction whose subject is one of ``deals``."""
        register = family_c.SUBJECTS_REGISTER
        dim, subject = family_c.REGISTER_DOCUMENT, family_c.REGISTER_SUBJECT
        es = self.client.metadata().sets.get(register)
        if not deals:
            return []
        if es is None or dim not in es.composites or subject not in es.composites:
            self._warn(f"{register} is not published: no interaction can be tied to a deal, the funnel "
                       "counts no order")
            return []
        terms = [q.cast_eq(subject, d, DEALS_SET) for d in deals]
        out: list[tuple[DocKey, DocKey]] = []
        try:
            for page in self.client.iter_any(register, terms, q.Query(select=(dim, f"{dim}_Type", subject))):
                for row in page:
                    target, ref, deal = set_of_type(row.get(f"{dim}_Type")), parse_ref(row.get(dim)), \
                        parse_ref(row.get(subject))
                    if target and ref and deal:
                        out.append((DocKey(target, ref), DocKey(DEALS_SET, deal)))
        except ODataError as exc:
            self._warn(f"{register}: {exc.message} — no interaction can be tied to a deal")
        return out


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _moment(e: ReportEvent) -> datetime:
    return e.when or datetime.min


def _pass(client: Any, set_name: str, period: q.Filter, parents: Sequence[Attr],
          bridges: Sequence[Attr]) -> Callable[[], list[tuple[DocKey, datetime | None, list[DocKey], list[DocKey]]]]:
    """One paged pass over a set for the period: each document, its date, the documents its ``parents``
    attributes point at and the deals its ``bridges`` point at."""
    select = ("Ref_Key", "Date", *(p for a in (*parents, *bridges) for p in a.select))

    def run() -> list[tuple[DocKey, datetime | None, list[DocKey], list[DocKey]]]:
        out = []
        query = q.Query(filter=period, select=tuple(dict.fromkeys(select)))
        for row in client.iterate(set_name, query, page_size=_SCAN_PAGE):
            ups = [k for a in parents if (k := _points_at(a, row)) is not None]
            deals = [k for a in bridges if (k := _points_at(a, row, DEALS_SET)) is not None]
            out.append((DocKey(set_name, str(row["Ref_Key"])), parse_datetime(row.get("Date")), ups, deals))
        return out

    return run


def _points_at(a: Attr, row: Mapping[str, Any], target: str | None = None) -> DocKey | None:
    ref = parse_ref(row.get(a.prop))
    if ref is None:
        return None
    if a.kind is AttrKind.COMPOSITE:
        found = set_of_type(row.get(a.type_prop or ""))
        return DocKey(found, ref) if found else None
    found = a.target_set or target
    return DocKey(found, ref) if found else None
