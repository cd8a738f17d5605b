"""Reports for managers, each built from a few narrow paged passes — never one request per client.

- :func:`inactive` — buyers with no completed event for N days, per manager, with the last
  completed event and the next planned one. Passes: buyers (narrow ``$select``), completed
  events newest first (stops as soon as every buyer is placed), planned events soonest first
  (stops likewise).
- :func:`overdue` — planned events whose start has passed, per responsible: one pass.
- :func:`activity` — completed events of a period, counted with durations by manager, kind or
  week: one pass.
- :func:`funnel` — first incoming event → order → delivery (see the function).

Every pass selects only the properties it reads; display names come in bulk from the
:class:`~onec_history.names.NameResolver` for the rows that end up in the report. Each report
takes a :class:`History` (reads 1C) or a :class:`~onec_history.mirror.source.MirrorSource`
(reads a local mirror, the same rows without a request to 1C).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from ..chains.model import DocKey
from ..errors import OnecError, check_period
from ..history import History
from ..models import EventState
from ..profiles import Family
from .layout import activity_period
from .sources import OneCSource, RecentContacts, ReportEvent, ReportSource

__all__ = [
    "ACTIVITY_COLUMNS",
    "FUNNEL_COLUMNS",
    "INACTIVE_COLUMNS",
    "OVERDUE_COLUMNS",
    "activity",
    "funnel",
    "inactive",
    "overdue",
]

INACTIVE_COLUMNS = [("manager", "Менеджер"), ("client", "Покупатель"), ("inn", "ИНН"),
                    ("last_completed", "Последнее завершённое"), ("days_since", "Дней назад"),
                    ("last_kind", "Вид"), ("last_subject", "Описание"),
                    ("next_planned", "Следующее запланированное"), ("next_subject", "Что запланировано"),
                    ("client_ref", "Ссылка")]
OVERDUE_COLUMNS = [("responsible", "Ответственный"), ("start", "Начало"), ("days_overdue", "Просрочено, дней"),
                   ("client", "Контрагент"), ("kind", "Вид"), ("subject", "Описание"), ("number", "Номер"),
                   ("ref", "Ссылка")]
ACTIVITY_COLUMNS = [("group", "Группа"), ("events", "Событий"), ("total_minutes", "Всего, мин"),
                    ("avg_minutes", "В среднем, мин"), ("with_duration", "С длительностью")]
FUNNEL_COLUMNS = [("step", "Шаг"), ("count", "Количество"), ("conversion", "Конверсия от предыдущего"),
                  ("conversion_total", "Конверсия от первого"), ("median_days", "Медиана, дней от первого")]

Source = History | ReportSource
"""A report reads 1C through a :class:`History`, or any :class:`ReportSource` (a mirror)."""


def _source(src: Source, jobs: int = 4, now: datetime | None = None) -> ReportSource:
    """``now`` is the report's moment: family C's meeting is planned while its start is ahead of it."""
    return OneCSource(src, jobs=jobs, now=now) if isinstance(src, History) else src


# -- inactive -------------------------------------------------------------------------------------
def inactive(source: Source, *, days: int, manager: str | None = None, lookback_days: int = 365,
             now: datetime | None = None) -> list[dict[str, Any]]:
    """Buyers with no completed event in the last ``days`` days, sorted by manager, longest silence first.

    ``last_completed`` is looked for up to ``lookback_days`` before the cut-off; older history is
    not read (the row then says nothing about it). Buyers are counterparties whose profile
    attribute "buyer" is true (Покупатель); their manager is the profile's "manager" attribute.

    Family C: buyers are counterparties whose partner is a client, their manager the partner's; a
    counterparty's contacts are the interactions with its partner and the partner's contact persons
    (each counterparty of a partner gets the same ones). The last completed contact is always
    computed from the documents. A source that can prove who had no interaction at all since the
    horizon (family C's register of contacts' last interactions, :class:`RecentContacts`) only
    spares the newest-first pass from waiting for those buyers: their register rows count planned
    and deletion-marked interactions too, so a recent row never makes a buyer active.
    """
    now = now or datetime.now()
    src = _source(source, now=now)
    cutoff = now - timedelta(days=days)
    buyers = src.buyers(manager)
    last: dict[str, ReportEvent] = {}
    horizon = cutoff - timedelta(days=lookback_days)
    touched = src.touched_since(horizon) if buyers and isinstance(src, RecentContacts) else None
    waiting = set(buyers) if touched is None else {c for c in buyers if c in touched}
    if waiting:
        for ev in src.events(EventState.COMPLETED, (("le", now), ("ge", horizon)), newest_first=True,
                             fields=("counterparty", "kind", "subject")):
            for c in ev.clients:
                if c in buyers and c not in last:
                    last[c] = ev
                    waiting.discard(c)
            if not waiting:
                break  # every buyer placed: stop paging
    silent = {c for c in buyers if c not in last or (last[c].when or horizon) < cutoff}
    upcoming: dict[str, ReportEvent] = {}
    if silent:
        for ev in src.events(EventState.PLANNED, (("ge", now),), newest_first=False,
                             fields=("counterparty", "subject")):
            for c in ev.clients:
                if c in silent and c not in upcoming:
                    upcoming[c] = ev
            if len(upcoming) == len(silent):
                break
    users = src.manager_set
    src.prefetch([(users, buyers[c][2]) for c in silent])
    rows = []
    for c in silent:
        name, inn, mgr = buyers[c]
        prev, nxt = last.get(c), upcoming.get(c)
        rows.append({
            "manager": src.name(users, mgr) or "", "manager_ref": mgr, "client": name, "inn": inn,
            "last_completed": prev.when if prev else None,
            "days_since": (now - prev.when).days if prev and prev.when else None,
            "last_kind": prev.kind_code if prev else None, "last_kind_raw": prev.kind if prev else None,
            "last_subject": prev.subject if prev else None,
            "next_planned": nxt.when if nxt else None, "next_subject": nxt.subject if nxt else None,
            "client_ref": c,
        })
    rows.sort(key=_inactive_order)
    return rows


def _inactive_order(row: dict[str, Any]) -> tuple[str, int, str]:
    days = row["days_since"]
    return row["manager"], -(days if days is not None else 10**9), row["client"]


# -- overdue --------------------------------------------------------------------------------------
def overdue(source: Source, *, responsible: str | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """Planned events whose start is before ``now``, sorted by responsible, oldest first.

    Family C: planned interactions by when they are due (РассмотретьПосле; one already reviewed is
    not pending), unsent e-mails and SMS, meetings ahead of ``now`` never; the client is the partner.
    """
    now = now or datetime.now()
    src = _source(source, now=now)
    evs = list(src.events(EventState.PLANNED, (("lt", now),), newest_first=False,
                          fields=("number", "counterparty", "kind", "subject", "responsible"), responsible=responsible))
    users, cps = src.users_set, src.counterparty_set
    shown = [e.shown or ((cps, e.clients[0]) if e.clients else None) for e in evs]
    src.prefetch([(users, e.responsible) for e in evs] + [s for s in shown if s is not None])
    rows = [{
        "responsible": src.name(users, e.responsible) or "", "responsible_ref": e.responsible,
        "start": e.when, "days_overdue": (now - e.when).days if e.when else None,
        "client": (src.name(*who) if who is not None else None) or e.text_client,
        "kind": e.kind_code, "kind_raw": e.kind, "subject": e.subject, "number": e.number, "ref": e.ref,
    } for e, who in zip(evs, shown, strict=True)]
    rows.sort(key=lambda r: (r["responsible"], r["start"] or datetime.max))
    return rows


# -- activity -------------------------------------------------------------------------------------
def activity(source: Source, *, by: str, since: datetime | None = None, until: datetime | None = None,
             now: datetime | None = None) -> list[dict[str, Any]]:
    """Completed events of the period grouped ``by`` manager, kind or week; by default the period is
    the 30 days up to ``until`` (or now), :func:`.layout.activity_period`.

    The kind is 1C's value in families A and B; family C has no kind attribute (the document type
    is the kind), so its events group by the logical kind: call, meeting, email (both e-mail
    documents), sms.
    """
    if by not in ("manager", "kind", "week"):
        raise ValueError(f"by must be manager, kind or week, not {by!r}")
    now = now or datetime.now()
    period = activity_period(since, until, now)
    since, until = period.since or now, period.until or now
    check_period(since, until)
    src = _source(source, now=now)
    logicals = ("end", "kind", "responsible") if by != "kind" else ("end", "kind")
    groups: dict[str, list[float | None]] = {}
    logical_kinds = src.family is Family.C
    for ev in src.events(EventState.COMPLETED, (("ge", since), ("le", until)), newest_first=False, fields=logicals):
        groups.setdefault(_group_key(by, ev, logical_kinds), []).append(_minutes(ev))
    users = src.users_set
    if by == "manager":
        src.prefetch([(users, k) for k in groups if k])
    rows = []
    for key, durations in groups.items():
        label = (src.name(users, key) or key or "—") if by == "manager" else key or "—"
        rows.append(_activity_row(label, durations))
    rows.sort(key=lambda r: r["group"])
    if rows:
        rows.append(_activity_row("итого", [d for ds in groups.values() for d in ds]))
    return rows


def _group_key(by: str, ev: ReportEvent, logical_kinds: bool = False) -> str:
    if by == "manager":
        return ev.responsible or ""
    if by == "kind":
        return (ev.kind_code if logical_kinds else ev.kind) or ""
    if ev.when is None:
        return ""
    year, week, _ = ev.when.isocalendar()
    monday = (ev.when - timedelta(days=ev.when.weekday())).date()
    return f"{year}-W{week:02d} ({monday:%d.%m})"


def _minutes(ev: ReportEvent) -> float | None:
    if ev.when is None or ev.end is None or ev.end < ev.when:
        return None
    return (ev.end - ev.when).total_seconds() / 60


def _activity_row(label: str, durations: list[float | None]) -> dict[str, Any]:
    known = [d for d in durations if d is not None]
    total = sum(known)
    return {"group": label, "events": len(durations), "total_minutes": round(total, 1),
            "avg_minutes": round(total / len(known), 1) if known else None, "with_duration": len(known)}


# -- funnel ---------------------------------------------------------------------------------------
# Family-specific 1C names of the funnel's documents live in this block only (configurations.md).
_FUNNEL_SETS: dict[Family, tuple[str, str]] = {
    Family.A: ("Document_ЗаказПокупателя", "Document_РеализацияТоваровУслуг"),  # order, delivery (УТ 10.3)
    Family.B: ("Document_ЗаказПокупателя", "Document_РасходнаяНакладная"),  # order, delivery (УНФ)
    Family.C: ("Document_ЗаказКлиента", "Document_РеализацияТоваровУслуг"),  # order, sale (УТ 11), by deal
}
# -------------------------------------------------------------------------- end family data


def funnel(source: Source, *, since: datetime, until: datetime, horizon_days: int = 90,
           jobs: int = 4) -> list[dict[str, Any]]:
    """First incoming event → order → delivery, with conversion and median lead time in days.

    A *first incoming event* is an incoming event of the period that starts a chain: it was not
    entered on the basis of another document. An order (delivery) counts when it descends from
    that event in the chain graph — the bulk graph of :mod:`onec_history.chains`, read in one
    paged pass per linked set for the period plus ``horizon_days`` (an order often follows a
    call by weeks). Lead times run from the event's date to the first order (delivery) below it
    dated on or after the event.

    Family C: the first incoming interactions are incoming calls (Входящий) and incoming e-mails not
    entered on the basis of another interaction; they reach orders through the deal that is their
    subject (or the subject of an interaction entered on their basis), and sales through the order.
    """
    check_period(since, until)
    src = _source(source, jobs)
    sets = _FUNNEL_SETS.get(src.family)
    if sets is None:
        what = source.profile.describe() if isinstance(source, History) else f"family {src.family.value}"
        raise OnecError(f"No funnel documents are known for {what}")
    order_set, sale_set = sets
    incoming = src.incoming(since, until)
    dates, edges = src.graph(since, until + timedelta(days=horizon_days))
    children: dict[DocKey, list[DocKey]] = {}
    has_parent: set[DocKey] = set()
    for parent, child in edges:
        children.setdefault(parent, []).append(child)
        has_parent.add(child)
    event_set = src.event_set
    # Family C's incoming events come from several documents: each is known by its own set.
    by_ref = {k.ref: k for pair in edges for k in pair}
    by_ref.update((k.ref, k) for k in dates)
    keys = [by_ref.get(ref) or DocKey(event_set, ref) for ref in incoming]
    roots = [k for k in keys if k not in has_parent]
    to_order: list[float] = []
    to_sale: list[float] = []
    for root in roots:
        # Document dates on both ends: the graph knows orders and deliveries by their Date.
        start = dates.get(root) or incoming[root.ref]
        below = _descendants(root, children)
        order = _first(dates, (k for k in below if k.entity_set == order_set), start)
        sale = _first(dates, (k for k in below if k.entity_set == sale_set), start)
        if order is not None:
            to_order.append(_days(start, order))
        if sale is not None and order is not None:
            to_sale.append(_days(start, sale))
    counts = [len(roots), len(to_order), len(to_sale)]
    steps = [("first incoming event", None, None), ("order", to_order, order_set), ("delivery", to_sale, sale_set)]
    rows = []
    for i, (label, lead, doc) in enumerate(steps):
        rows.append({"step": label, "document_type": doc, "count": counts[i],
                     "conversion": _share(counts[i], counts[i - 1]) if i else None,
                     "conversion_total": _share(counts[i], counts[0]) if i else None,
                     "median_days": median_days([d for d in lead if d == d]) if lead is not None else None})
    return rows


def _descendants(root: DocKey, children: dict[DocKey, list[DocKey]]) -> set[DocKey]:
    seen: set[DocKey] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in seen:  # links can form cycles (an event on the basis of its own order)
                seen.add(child)
                stack.append(child)
    return seen


def _first(dates: dict[DocKey, datetime | None], keys: Iterator[DocKey], start: datetime | None) -> datetime | None:
    """The earliest date among ``keys`` not before ``start``.

    A link to a document dated before the event (an order whose Событие was filled in later
    with an unrelated call) is not a step of this funnel, so it is not counted.
    """
    found = [d for d in (dates.get(k) for k in keys) if d is not None and (start is None or d >= start)]
    return min(found) if found else None


def _days(start: datetime | None, end: datetime) -> float:
    return (end - start).total_seconds() / 86400 if start is not None else float("nan")


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def median_days(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None
