"""The agenda: planned events by their start, per responsible, with the client and its phone.

>>> day = day_period(date(2026, 4, 15))                              # doctest: +SKIP
>>> for who, items in by_responsible(agenda(history, start=day[0], end=day[1])):  # doctest: +SKIP
...     print(who, [(i.start, i.client, i.phone) for i in items])

An event is on the agenda of a period when its state is planned (family A's enum Запланировано,
family B's catalogue items whose state is planned), it is not marked for deletion and its
**start** (НачалоСобытия, not the document date) lies in ``[start, end)``: a call entered on the
10th for the 15th is on the 15th's agenda. An event with no start at all (1C's empty date) counts
by its document date, the rule of every period in onec-history. All of it is one ``$filter`` in 1C
(:func:`period_condition` and the state filter of ``events list --state planned``); the names of
the clients and responsibles come in bulk, the phones in a few requests per page of clients
(:func:`~onec_history.counterparties.contacts.phones_of`).

``overdue`` narrows the period to what started before ``now`` — with no ``start``, every planned
event whose start has passed (``report overdue``). 1C keeps naive server-local times: ``now`` is
the base's local time (:func:`base_now`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import query as q
from .counterparties.contacts import phones_of
from .errors import PeriodError
from .events.read import EMPTY_START
from .history import EventFilter, History
from .models import Event, EventKind, EventState
from .profiles import AttrKind

__all__ = ["NOBODY", "AgendaItem", "agenda", "base_now", "by_responsible", "day_period", "kind_label",
           "period_condition", "week_period"]

NOBODY = "(без ответственного)"
"""The group of planned events that name no responsible."""

_KIND_LABELS = {EventKind.CALL: "звонок", EventKind.MEETING: "встреча", EventKind.EMAIL: "e-mail",
                EventKind.LETTER: "письмо", EventKind.SMS: "SMS", EventKind.RECORD: "запись",
                EventKind.PLANNED: "взаимодействие"}

_FIELDS = ("number", "date", "start", "end", "kind", "state", "counterparty", "subject", "responsible")


@dataclass(frozen=True)
class AgendaItem:
    """One planned event as the agenda shows it."""

    ref: str
    number: str | None
    start: datetime | None  # the start; the document date for an event without one
    end: datetime | None
    responsible: str | None  # a reference
    responsible_name: str
    client_ref: str | None  # the counterparty (header in family A, first participant in family B)
    client: str  # its name, or the caller typed as text; "" when the event names nobody
    phones: tuple[str, ...]  # the client's phones as 1C shows them, in 1C's order
    kind: str | None  # call, meeting, …
    kind_raw: str | None  # as 1C spells it
    subject: str | None
    overdue: bool  # its start is before ``now``

    @property
    def phone(self) -> str:
        """The first phone, or ""."""
        return self.phones[0] if self.phones else ""


def base_now(server_timezone: str | None = None) -> datetime:
    """Now as 1C's naive server-local time: in ``server_timezone`` when it is set, else this
    machine's local time; to the second (1C keeps seconds)."""
    if server_timezone:
        return datetime.now(ZoneInfo(server_timezone)).replace(tzinfo=None, microsecond=0)
    return datetime.now().replace(microsecond=0)


def day_period(day: date) -> tuple[datetime, datetime]:
    """``[day 00:00, next day 00:00)``."""
    begin = datetime.combine(day, time())
    return begin, begin + timedelta(days=1)


def week_period(day: date) -> tuple[datetime, datetime]:
    """The ISO week holding ``day``: ``[Monday 00:00, next Monday 00:00)``."""
    monday = datetime.combine(day - timedelta(days=day.weekday()), time())
    return monday, monday + timedelta(days=7)


def kind_label(item: AgendaItem) -> str:
    """A short word for the kind (звонок, встреча…); a kind of the base's own, as 1C spells it."""
    try:
        return _KIND_LABELS[EventKind(item.kind)]
    except (KeyError, ValueError):
        return item.kind_raw or ""


def agenda(history: History, *, start: datetime | None = None, end: datetime | None = None,
           responsible: str | None = None, overdue: bool = False, now: datetime | None = None) -> list[AgendaItem]:
    """Planned events whose start is in ``[start, end)``, per responsible (by name), by start.

    ``responsible`` is a reference (:meth:`History.find_user` turns a name into one). ``overdue``
    keeps only what started before ``now`` (default :func:`base_now` of the machine's zone).
    Either bound may be ``None`` (open). Events marked for deletion are left out.
    """
    now = now or base_now()
    if overdue:
        end = now if end is None else min(end, now)
    if start is not None and end is not None and start >= end:
        if overdue:
            return []  # a period that has not begun yet has nothing overdue
        raise PeriodError(f"The period starts ({start:%d.%m.%Y %H:%M:%S}) at or after it ends "
                          f"({end:%d.%m.%Y %H:%M:%S}), so nothing could match")
    p = history.profile
    if p.documents:
        events = _planned_interactions(history, start, end, responsible)
        return _items(history, events, now)
    mapper = history.event_mapper()
    flt = q.and_(history.event_filter(EventFilter(state=EventState.PLANNED, include_deleted=False,
                                                  responsible=responsible)),
                 period_condition(history, start, end))
    start_attr = p.event_attr("start")
    order_prop = start_attr.prop if start_attr is not None else (p.event_fields()["date"] or "Date")
    query = q.Query(filter=flt, select=mapper.shape.select(_FIELDS), orderby=(order_prop, "Ref_Key"))
    events = history.event_reader.with_names([mapper.map(row) for row in history.client.iterate(p.event_set, query)])
    return _items(history, events, now)


def _planned_interactions(history: History, start: datetime | None, end: datetime | None,
                          responsible: str | None) -> list[Event]:
    """Family C: planned interactions (ЗапланированноеВзаимодействие, a meeting ahead, an e-mail or
    SMS not sent yet) not yet reviewed (Рассмотрено), due at their start — for a planned
    interaction the register's РассмотретьПосле. The due moment is not a column of the document,
    so the period is applied here, over the base's planned interactions (few: the open to-dos)."""
    f = EventFilter(state=EventState.PLANNED, include_deleted=False, responsible=responsible)
    out = []
    for e in history.events(f, newest_first=False):
        if e.reviewed:  # Рассмотрено: done with, as 1C's list of interactions to do shows it
            continue
        when = e.start or e.date
        if when is None or (start is not None and when < start) or (end is not None and when >= end):
            continue
        out.append(e)
    return out


def _items(history: History, events: list[Event], now: datetime) -> list[AgendaItem]:
    p = history.profile
    client_set = p.partner_set if p.documents else p.counterparty_set
    clients = [e.counterparty for e in events if e.counterparty and e.counterparty_set == p.counterparty_set]
    phones = phones_of(history, clients) if clients else {}
    items = []
    for e in events:
        when = e.start or e.date
        ours = e.counterparty if e.counterparty_set == client_set else None
        items.append(AgendaItem(
            ref=e.ref, number=e.number, start=when, end=e.end, responsible=e.responsible,
            responsible_name=e.responsible_name or "", client_ref=ours, client=e.who,
            phones=tuple(phones.get(ours, ())) if ours else (),
            kind=e.kind.value if e.kind is not None else None, kind_raw=e.kind_raw, subject=e.subject,
            overdue=when is not None and when < now,
        ))
    items.sort(key=_order)
    return items


def period_condition(history: History, start: datetime | None, end: datetime | None) -> q.Filter | None:
    """``start <= НачалоСобытия < end`` as a ``$filter``; an event with no start (1C's empty date)
    by its document date, as README's rule for every period says. ``None`` bounds are open."""
    p = history.profile
    date_prop = p.event_fields()["date"] or "Date"

    def within(prop: str) -> q.Filter | None:
        parts = [q.ge(prop, start) if start is not None else None, q.lt(prop, end) if end is not None else None]
        present = [c for c in parts if c is not None]
        return q.and_(*present) if present else None

    start_attr = p.event_attr("start")
    if start_attr is None or start_attr.kind is not AttrKind.PLAIN:
        return within(date_prop)
    if start is None and end is None:
        return None
    by_start = within(start_attr.prop)
    if start is None:  # an open beginning: the empty date must not pass as "long ago"
        by_start = q.and_(q.gt(start_attr.prop, EMPTY_START), by_start)
    return q.or_(by_start, q.and_(q.eq(start_attr.prop, EMPTY_START), within(date_prop)))


def _order(item: AgendaItem) -> tuple[bool, str, str, datetime, str]:
    return (item.responsible is None, item.responsible_name.casefold(), item.responsible or "",
            item.start or datetime.min, item.ref)


def by_responsible(items: Iterable[AgendaItem]) -> list[tuple[str, list[AgendaItem]]]:
    """Consecutive items of one responsible together: (their name, or :data:`NOBODY`; the items)."""
    groups: list[tuple[str, list[AgendaItem]]] = []
    last: object = object()
    for item in items:
        if item.responsible != last:
            groups.append((item.responsible_name or (NOBODY if item.responsible is None else item.responsible), []))
            last = item.responsible
        groups[-1][1].append(item)
    return groups
