"""Paging a set without deep ``$skip``: what the client asks 1C for a long pass.

1C has no server paging (odata-1c.md §1): a client pages with ``$top`` and ``$skip``, and 1C
answers ``$skip=K`` by reading K rows and throwing them away — on a million events the last
pages cost the server twenty times the first, and a row inserted or deleted between two pages
shifts the rest (a row read twice, or one never read). A pass ordered by a date first therefore
walks the set by that date, with comparisons 1C's ``$filter`` takes on ``Edm.DateTime``
(``ge``/``gt``/``lt``/``le`` against ``datetime'…'``); references are never compared with
``gt`` (1C's query language orders references by their internal number, which a client cannot
see), only by equality:

- **seek** — the date is among the selected properties (an export, a mirror's copy): each
  request asks ``Date ge <the last date given>`` with ``$top`` = a page plus the rows already
  given at that date, which are dropped by key. One request a page at any depth, and every row
  given exactly once whatever is inserted or deleted between the pages.
- **windows** — the date is not selected (a scan of ``Ref_Key, DataVersion``: 29 bytes a row more
  would be a third more to read): a one-row probe (``$select=Date&$top=1&$skip=<page>``, a
  shallow skip) finds where the next page ends, then the rows of ``[this date, that date)`` come
  in one request. Windows do not overlap and cover the set, so nothing is read twice or lost.
- **ties** — more than a page of rows at one moment (a data migration stamped them all
  ``01.01.2020 00:00:00``): those rows are paged apart with ``$filter=Date eq …`` and a
  ``$skip`` that only counts rows of that moment, re-reading a tenth of a page before each page
  so that deletions in between lose nothing (the rows given are remembered by key); the walk
  then goes on with ``Date gt …``.

Other orders (catalogues by ``Ref_Key`` or by name) page with ``$skip`` as before.
:func:`ahead` reads the next page while the caller works on the current one.
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from .metadata import EntitySet
from .query import Filter, Query, eq, ge, gt, le, lt

__all__ = ["Seek", "ahead", "date_order", "seek_of", "seek_pages", "window_pages"]

Rows = list[dict[str, Any]]
Fetch = Callable[[Query], Rows]

_DATE = "Edm.DateTime"


@dataclass(frozen=True, slots=True)
class Seek:
    """The date a pass is ordered by first, its direction, and the key that tells rows apart."""

    field: str
    descending: bool = False
    key: str = "Ref_Key"

    def after(self, value: str, *, strict: bool) -> Filter:
        """Rows from ``value`` on in the pass's direction (past it when ``strict``)."""
        moment = datetime.fromisoformat(value)
        if self.descending:
            return lt(self.field, moment) if strict else le(self.field, moment)
        return gt(self.field, moment) if strict else ge(self.field, moment)

    def before(self, value: str) -> Filter:
        """Rows short of ``value`` in the pass's direction."""
        moment = datetime.fromisoformat(value)
        return gt(self.field, moment) if self.descending else lt(self.field, moment)


def date_order(es: EntitySet) -> tuple[str, ...] | None:
    """The order a document set is walked in when the caller names none: by its date (1C keeps an
    index on a document's date and reference), or ``None`` for sets without one."""
    prop = es.properties.get("Date")
    if es.kind.value == "Document" and prop is not None and prop.edm_type == _DATE:
        return ("Date",)
    return None


def seek_of(es: EntitySet, q: Query) -> Seek | None:
    """How ``q`` (its order already ending with the key) can be walked by date, or ``None``:
    ordered by something else, asked for a given ``$skip``, or a set keyed by more than a reference."""
    if q.skip or not q.orderby or tuple(es.key) not in ((), ("Ref_Key",)):
        return None
    first = q.orderby[0].split()
    prop = es.properties.get(first[0])
    if prop is None or prop.edm_type != _DATE:
        return None
    return Seek(first[0], descending=len(first) > 1 and first[1].lower() == "desc")


def _selected(q: Query, name: str) -> bool:
    return not q.select or name in q.select or any(s in ("*", "**") for s in q.select)


def pages_by_date(fetch: Fetch, q: Query, seek: Seek, size: int) -> Iterator[Rows]:
    """Seek when the date comes back with the rows, windows when it does not."""
    if _selected(q, seek.field):
        return seek_pages(fetch, q, seek, size)
    return window_pages(fetch, q, seek, size)


def _limited(rows: Rows, taken: int, limit: int | None) -> Rows:
    return rows if limit is None else rows[: max(limit - taken, 0)]


def seek_pages(fetch: Fetch, q: Query, seek: Seek, size: int) -> Iterator[Rows]:
    """Pages of ``q`` walked by ``seek.field`` (which ``q`` selects); ``q.top`` bounds the rows."""
    limit, taken = q.top, 0
    field, key = seek.field, seek.key
    bound: str | None = None  # the date of the last row given
    given: set[Any] = set()  # the keys of the rows given at that date
    strict = False
    while limit is None or taken < limit:
        if bound is not None and len(given) >= size:
            for rows in _ties_within(fetch, q, seek, bound, size, given, taken):
                taken += len(rows)
                yield rows
            if limit is not None and taken >= limit:
                return
            strict, given = True, set()
            continue
        want = (size if limit is None else min(size, limit - taken)) + len(given)
        cond = None if bound is None else seek.after(bound, strict=strict)
        rows = fetch(replace(q.where(cond), top=want, skip=None))
        fresh = [r for r in rows if r.get(key) not in given] if given else rows
        out = _limited(fresh, taken, limit)
        if out:
            taken += len(out)
            yield out
        if len(rows) < want:
            return
        last = rows[-1].get(field)
        if not isinstance(last, str):
            raise ValueError(f"{field} missing from a row ordered by it")
        if last != bound or strict:
            bound, strict = last, False
            given = {r.get(key) for r in rows if r.get(field) == last}
        else:
            given.update(r.get(key) for r in fresh)


def window_pages(fetch: Fetch, q: Query, seek: Seek, size: int) -> Iterator[Rows]:
    """Pages of ``q`` by windows of ``seek.field`` that ``q`` need not select; ``q.top`` bounds the rows.

    The first request asks for a page and one row more: a set that fits one page costs one request,
    as with ``$skip``. Otherwise the date of that last row, asked by its key, is where the windows
    start (the rows given at that date are dropped by key from the first window)."""
    limit = q.top
    first = fetch(replace(q, top=size + 1 if limit is None else min(size + 1, limit), skip=None))
    if len(first) <= size or (limit is not None and len(first) >= limit):
        if first:
            yield first
        return
    start = _date_of(fetch, q, seek, first)
    yield first
    # start None: the rows of the first page are all gone already, so walk from the beginning again,
    # dropping the rows given from every window (sticky)
    yield from _windows(fetch, q, seek, size, start, {r.get(seek.key) for r in first}, len(first),
                        sticky=start is None)


def _date_of(fetch: Fetch, q: Query, seek: Seek, rows: Rows) -> str | None:
    """The ``seek.field`` of the last of ``rows`` that 1C still has (asked by key), or ``None``."""
    for row in reversed(rows[-5:]):
        found = fetch(Query(filter=eq(seek.key, uuid.UUID(str(row.get(seek.key)))), select=(seek.field,), top=1,
                            allowed_only=q.allowed_only))
        value = found[0].get(seek.field) if found else None
        if isinstance(value, str):
            return value
    return None


def _windows(fetch: Fetch, q: Query, seek: Seek, size: int, bound: str | None, given: set[Any],
             taken: int, *, sticky: bool = False) -> Iterator[Rows]:
    """The windows from ``bound`` on; rows of ``given`` are dropped from the first (from all when
    ``sticky``: a walk that starts again from the beginning)."""
    limit = q.top
    strict = False
    probe_q = replace(q, select=(seek.field,), top=1, skip=size)
    while limit is None or taken < limit:
        cond = None if bound is None else seek.after(bound, strict=strict)
        probe = fetch(probe_q.where(cond))
        end = probe[0].get(seek.field) if probe else None
        if probe and not isinstance(end, str):
            raise ValueError(f"{seek.field} missing from the probe's row")
        if isinstance(end, str) and end == bound and not strict:  # more than a page of rows at this moment
            for rows in _ties_within(fetch, q, seek, end, size, given, taken):
                taken += len(rows)
                yield rows
            if limit is not None and taken >= limit:
                return
            strict = True
            if not sticky:
                given = set()
            continue
        window = q.where(cond) if end is None else q.where(cond).where(seek.before(end))
        rows = fetch(replace(window, top=None, skip=None))
        if given:
            rows = [r for r in rows if r.get(seek.key) not in given]
            if not sticky:
                given = set()  # only the first window can hold rows given before it
        rows = _limited(rows, taken, limit)
        if rows:
            taken += len(rows)
            yield rows
        if end is None:  # a page or less was left: it came whole
            return
        bound, strict = end, False


def _ties_within(fetch: Fetch, q: Query, seek: Seek, moment: str, size: int, given: set[Any],
                 taken: int) -> Iterator[Rows]:
    """:func:`_ties`, cut to the rows ``q.top`` leaves after the ``taken`` ones (no empty page)."""
    for rows in _ties(fetch, q, seek, moment, size, given):
        rows = _limited(rows, taken, q.top)
        if rows:
            taken += len(rows)
            yield rows
        if q.top is not None and taken >= q.top:
            return


def _ties(fetch: Fetch, q: Query, seek: Seek, moment: str, size: int, given: set[Any]) -> Iterator[Rows]:
    """The rows at one ``moment`` not yet ``given``, paged by ``$skip`` among that moment's rows only."""
    at = replace(q.where(eq(seek.field, datetime.fromisoformat(moment))),
                 orderby=tuple(o for o in q.orderby if o.split()[0] != seek.field) or (seek.key,))
    overlap = max(size // 10, 1)
    offset = 0
    while True:
        start = max(offset - overlap, 0)
        rows = fetch(replace(at, top=size + (offset - start), skip=start or None))
        fresh = [r for r in rows if r.get(seek.key) not in given]
        given.update(r.get(seek.key) for r in fresh)
        if fresh:
            yield fresh
        if len(rows) < size + (offset - start):
            return
        offset = start + len(rows)


_DONE = object()


def ahead(pages: Iterator[Rows], depth: int = 1) -> Iterator[Rows]:
    """``pages``, with up to ``depth`` pages read ahead in a thread while the caller works on the one
    it holds: the wall time of a pass comes near the larger of 1C's time and the caller's rather
    than their sum. An error of the reader is raised in the caller at the page it would have been;
    a caller that stops early stops the reader after the page in flight."""
    box: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for page in pages:
                if not put(page):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the caller, who decides
            put(exc)

    reader = threading.Thread(target=read, name="onec-history-pages", daemon=True)
    reader.start()
    try:
        while True:
            item = box.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        close = getattr(pages, "close", None)
        reader.join(timeout=2)  # a request in flight ends by itself; the thread dies with the process
        if close is not None and not reader.is_alive():
            close()
