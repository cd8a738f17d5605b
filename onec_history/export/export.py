"""The streaming export of events: full, or incremental against a state file.

Full export: one paged pass over the period (``$select`` from the profile, stable
``$orderby``), each page parsed, its display names fetched in bulk, mapped to tuples and
written before the next page is requested. Memory holds one page. A family-C base keeps its
events in six interaction documents: each published one is read the same way (its row mapper
built once) and the streams are merged by date, one page of each in memory.

Incremental export (``state`` given, the last state exists):

1. *scan* — a paged pass per document set reading only ``Ref_Key, DataVersion`` of the period
   (about 80 bytes an event, in pages of ``scan_page_size``) into the new state's work table;
2. *diff* — a join on disk against the last state: new and changed (a deletion mark is a write,
   so it changes DataVersion; the fetched row tells whether the event became marked);
3. *fetch* — only those: grouped by page of the scan, a page with many changes is read again
   whole (``$skip``, unchanged rows skipped), a page with few is read by key, ~20 keys a request
   (``split_or`` keeps URLs short); rows that moved since the scan fall back to keys;
4. *gone* — events of the last state missing from the scan are checked by key in their own
   set: ``vanished`` when 1C no longer has them, ``left`` when they exist but fell out of the
   period or filters (or their document is no longer published).

Steps 3 and 4 run per document set, so a change in any of family C's six documents is found.

Every exported row then carries a ``change`` column: ``new``, ``changed``, ``deleted`` (newly
marked for deletion; the row is still exported in full), ``vanished`` or ``left`` (these two
carry only the reference and the document type). The first run (no state yet) is a full export that also records
the state, all rows ``new``.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import operator
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, BinaryIO

from .. import family_c, paging
from .. import query as q
from ..errors import ODataError
from ..events.interactions import InteractionReader
from ..events.read import EventReader
from ..history import EventFilter, History
from ..models import EMPTY_DATE
from .rows import EVENT_COLUMNS, EventRowMapper, NamePreloader, columns, headings, vanished_row
from .state import CHANGE_CHANGED, CHANGE_DELETED, CHANGE_WAS_MARKED, DiffCounts, StateRun
from .writers import CsvOptions, RowWriter, open_writer

__all__ = ["ExportOptions", "ExportResult", "Outcome", "export_events"]

log = logging.getLogger("onec_history.export")

_SCAN_SELECT = ("Ref_Key", "DataVersion")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ExportOptions:
    fmt: str = "csv"
    csv: CsvOptions = field(default_factory=CsvOptions)
    headings: str = "keys"  # keys | ru
    page_size: int | None = None  # default: the client's
    scan_page_size: int = 10_000  # Ref_Key+DataVersion rows are ~90 bytes: big pages, few requests


class Outcome(Enum):
    """What an export came to (the command maps it to its exit code)."""

    OK = "ok"
    PARTIAL = "partial"  # exported, but some names could not be read: their references were exported instead
    NOTHING_NEW = "nothing_new"  # incremental, and nothing changed since the last run


@dataclass
class ExportResult:
    exported: int = 0
    new: int = 0
    changed: int = 0
    deleted: int = 0  # newly marked for deletion + vanished
    left: int = 0  # out of the period/filters since the last run
    incremental: bool = False
    seconds: float = 0.0
    requests: int = 0
    bytes_received: int = 0
    names_unavailable: tuple[str, ...] = ()

    @property
    def nothing_to_do(self) -> bool:
        return self.incremental and self.exported == 0

    @property
    def outcome(self) -> Outcome:
        if self.names_unavailable:
            return Outcome.PARTIAL
        return Outcome.NOTHING_NEW if self.nothing_to_do else Outcome.OK

    def summary(self) -> str:
        text = f"exported {self.exported} events"
        if self.incremental:
            extra = f", {self.left} out of the filter" if self.left else ""
            text += f" ({self.new} new, {self.changed} changed, {self.deleted} deleted{extra})"
        return (f"{text} in {self.seconds:.1f} s, {self.requests} requests, "
                f"{_human_bytes(self.bytes_received)}")


def _human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


class _View:
    """One event document of the export, its query and row mapper built once: ``Document_Событие``
    for families A and B, each published interaction document for family C."""

    def __init__(self, history: History, reader: EventReader, flt: EventFilter, preloader: NamePreloader) -> None:
        self.profile = reader.profile
        self.event_set = self.profile.event_set
        mapper = reader.mapper()
        partners = history.base.partners if self.profile.doc is not None else None
        self.rows = EventRowMapper(mapper.shape, history.names, users_set=self.profile.users_set,
                                   partners=partners, preloader=preloader)
        self.base = reader.condition(flt)
        self.order = (self.profile.event_fields()["date"] or "Date",)
        # Too long a $select for one URL is widened by the client (Client.within_budget).
        self.select = mapper.select()
        # Family C's planned interaction is due at РассмотретьПосле, in a register: read once for
        # the export (one paged pass of that document's register rows), the start column and the
        # period are decided by it.
        self.due_in_register = reader.due_in_register
        self.since, self.until = flt.since, flt.until
        self._due: dict[str, str] | None = None
        self.client = history.client

    def due(self) -> dict[str, str]:
        if self._due is None:
            self._due = {}
            register, dim = family_c.SUBJECTS_REGISTER, family_c.REGISTER_DOCUMENT
            if register in self.client.metadata():
                try:
                    for row in self.client.iterate(register, q.Query(filter=q.isof(dim, self.event_set))):
                        when = row.get(family_c.REGISTER_REVIEW_AFTER)
                        if when and when != EMPTY_DATE:
                            self._due[str(row.get(dim))] = str(when)
                except ODataError as exc:
                    log.warning("%s: %s — planned interactions are exported without their due moment",
                                register, exc.message)
        return self._due

    def finish(self, mapped: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """A planned interaction's start is its due moment; the period picks it by that moment."""
        if not self.due_in_register:
            return mapped
        due = self.due()
        out = []
        for m in mapped:
            start = m[_START] or due.get(m[0])
            when = start or m[_DATE]
            if when and ((self.since and when < self.since.isoformat()) or
                         (self.until and when > self.until.isoformat())):
                continue
            out.append((*m[:_START], start, *m[_START + 1:]))
        return out


class _Exporter:
    def __init__(self, history: History, flt: EventFilter, sink: BinaryIO, options: ExportOptions,
                 state: StateRun | None, progress: Callable[[int], None] | None,
                 on_stage: Callable[[str, int | None], None] | None = None, scan_total: bool = True) -> None:
        self.history = history
        self.client = history.client
        self.profile = history.profile
        self.flt = flt
        self.options = options
        self.state = state
        self.progress = progress
        self.on_stage = on_stage
        self.scan_total = scan_total and on_stage is not None
        self.preloader = NamePreloader(history.names)  # one for every set: they name the same clients
        reader = history.event_reader
        readers = reader.readers if isinstance(reader, InteractionReader) else [reader]
        self.views = [_View(history, r, flt, self.preloader) for r in readers if r.matches(flt)]
        self.targets = self._client_targets()
        self.cols = columns(with_change=state is not None)
        self.writer: RowWriter = open_writer(options.fmt, sink, self.cols,
                                             headings=headings(self.cols, options.headings),
                                             csv_options=options.csv)
        self.result = ExportResult(incremental=state is not None)

    def _client_targets(self) -> list[tuple[str, str]] | None:
        """What stands for the filter's client in an event: the counterparty (A, B); its partner
        and the partner's contact persons (C; none when it has no partner). ``None``: no client."""
        flt = self.flt
        if not flt.counterparty:
            return None
        if flt.client_targets is None and self.profile.documents:
            return self.history.base.partners.targets(flt.counterparty)
        return flt.targets(self.profile.counterparty_set)

    # -- writing ----------------------------------------------------------------------------------
    def _emit(self, view: _View, page: list[dict[str, Any]], labels: dict[str, str] | None) -> None:
        """Map and write one page; ``labels`` (incremental) picks the rows and their change."""
        if labels is not None:
            page = [r for r in page if str(r.get("Ref_Key")) in labels]
            if not page:
                return
        mapped = view.finish(view.rows.map_page(page))
        if labels is not None:
            mapped = [(*m, _final_change(labels[m[0]], m[_DELETED])) for m in mapped]
            for m in mapped:
                self._count(m[-1])
        self._write(self._labelled(mapped) if labels is None else mapped, view.event_set)

    def _labelled(self, mapped: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """A full run with a state labels every row ``new``; without one, rows have no change column."""
        if self.state is None:
            return mapped
        self.result.new += len(mapped)
        return [(*m, "new") for m in mapped]

    def _write(self, mapped: list[tuple[Any, ...]], entity_set: str | None) -> None:
        """Write final rows (of ``entity_set``; ``None``: of the sets their document type names)
        and record them in the state."""
        self.writer.write_rows(mapped)
        self.result.exported += len(mapped)
        state = self.state
        if state is not None:
            if entity_set is not None:
                state.record(((m[0], str(m[_VERSION] or ""), bool(m[_DELETED])) for m in mapped), entity_set)
            else:
                for name, group in itertools.groupby(mapped, key=operator.itemgetter(_DOCUMENT)):
                    state.record(((m[0], str(m[_VERSION] or ""), bool(m[_DELETED])) for m in group), name)
        self._advance(len(mapped))

    def _advance(self, n: int) -> None:
        if self.progress is not None and n:
            self.progress(n)

    def _stage(self, label: str, total: int | None) -> None:
        if self.on_stage is not None:
            self.on_stage(label, total)

    def _total(self) -> int | None:
        """The events of the period, one ``$count`` per document set; unknown (``None``) for one
        client's events, whose participants would need a request of their own."""
        if self.targets is not None:
            return None
        return sum(self.client.count(v.event_set, v.base) for v in self.views)

    def _count(self, change: str) -> None:
        if change == "new":
            self.result.new += 1
        elif change == "changed":
            self.result.changed += 1
        else:
            self.result.deleted += 1

    # -- passes -----------------------------------------------------------------------------------
    def _pages(self, view: _View, select: tuple[str, ...], page_size: int | None) -> Iterator[list[dict[str, Any]]]:
        """:meth:`_pages_of` with the next page read while this one is mapped and written (paging.ahead)."""
        return paging.ahead(self._pages_of(view, select, page_size))

    def _pages_of(self, view: _View, select: tuple[str, ...],
                  page_size: int | None) -> Iterator[list[dict[str, Any]]]:
        """Pages of one set's events in scope: the period and filters, and the client if one is given.

        A client's events are those with the client in the header (family A, family C's call and
        incoming e-mail) and those listing it among the participants; the latter are found
        through the participants' set (a client has few), then fetched by key — never merged in
        memory.
        """
        es = view.event_set
        if self.targets is None:
            yield from self.client.pages(es, q.Query(filter=view.base, select=select, orderby=view.order),
                                         page_size=page_size)
            return
        if not self.targets:
            return  # family C: a counterparty without a partner has no interactions
        extra = self._participant_refs(view)
        terms = view.profile.header_terms(self.targets)
        if len(terms) == 1:
            query = q.Query(filter=q.and_(view.base, terms[0]), select=select, orderby=view.order)
            for page in self.client.pages(es, query, page_size=page_size):
                extra.difference_update(str(r.get("Ref_Key")) for r in page)
                yield page
        elif terms:  # a partner and its contact persons: as many requests as the URL budget needs
            seen: set[str] = set()
            for page in self.client.iter_any(es, terms, q.Query(filter=view.base, select=select),
                                             page_size=page_size):
                fresh = [r for r in page if str(r.get("Ref_Key")) not in seen]
                seen.update(str(r.get("Ref_Key")) for r in fresh)
                extra.difference_update(str(r.get("Ref_Key")) for r in fresh)
                if fresh:
                    yield sorted(fresh, key=lambda r: (str(r.get(view.order[0]) or ""), str(r.get("Ref_Key"))))
        if not extra:
            return
        yield from self.client.iter_by(es, "Ref_Key", map(uuid.UUID, sorted(extra)), select=select,
                                       where=view.base, orderby=view.order, page_size=page_size)

    def _participant_refs(self, view: _View) -> set[str]:
        ts_set = view.profile.participants_set()
        terms = view.profile.participants_terms(self.targets or ())
        if ts_set is None or not terms:
            return set()
        # one term per target: a partner with many contact persons needs several requests
        query = q.Query(select=("Ref_Key", "LineNumber"))
        return {str(r["Ref_Key"]) for page in self.client.iter_any(ts_set, terms, query) for r in page}

    def full(self) -> None:
        total = self._total()
        if total is not None:
            # The same $count per set lets the name preloader decide on the first page (see NamePreloader).
            self.preloader.expected_rows = total
        self._stage("exporting", total)
        if len(self.views) == 1:
            view = self.views[0]
            for page in self._pages(view, view.select, self.options.page_size):
                self._emit(view, page, None)
            return
        # Family C: the documents' streams merged by date, oldest first, one page of each in memory.
        for batch in _merged([self._mapped(v) for v in self.views]):
            self._write(self._labelled(batch), None)

    def _mapped(self, view: _View) -> Iterator[list[tuple[Any, ...]]]:
        for page in self._pages(view, view.select, self.options.page_size):
            mapped = view.finish(view.rows.map_page(page))
            if mapped:
                yield mapped

    def incremental(self) -> None:
        state = self.state
        assert state is not None
        # The scan's total costs one $count per set: asked only when someone shows it.
        self._stage("scanning", self._total() if self.scan_total else None)
        for view in self.views:
            for page in self._pages(view, _SCAN_SELECT, self.options.scan_page_size):
                self._advance(state.add_scan(((str(r["Ref_Key"]), str(r.get("DataVersion") or "")) for r in page),
                                             view.event_set))
        diff = state.diff()
        log.info("incremental: %d scanned, %d new, %d changed, %d gone", diff.scanned, diff.new, diff.changed,
                 diff.gone)
        self._stage("exporting", diff.todo + diff.gone)
        # The names the changed rows need, projected from the to-do count (see NamePreloader).
        self.preloader.expected_rows = diff.todo
        for view in self.views:
            counts = state.diff_of(view.event_set)
            if not counts.todo:
                continue
            if self._paging_is_cheaper(view, counts):
                self._fetch_by_paging(view, state)
            else:
                self._fetch_changed(view, state)
        by_set = {v.event_set: v for v in self.views}
        for entity_set in state.gone_sets():
            self._gone(state, entity_set, by_set.get(entity_set))

    def _keys_per_request(self, view: _View) -> int:
        """How many ``Ref_Key eq guid'…'`` terms share one request by key (Client.key_queries)."""
        sample = q.eq("Ref_Key", uuid.UUID(int=0))
        return self.client.keys_per_request(view.event_set, sample,
                                            q.Query(select=view.select, orderby=view.order))

    def _paging_is_cheaper(self, view: _View, diff: DiffCounts) -> bool:
        per_key = self._keys_per_request(view)
        page = self.options.page_size or self.client.page_size
        return diff.todo / per_key > diff.scanned / page

    def _fetch_by_paging(self, view: _View, state: StateRun) -> None:
        for page in self._pages(view, view.select, self.options.page_size):
            labels = state.changes_of((str(r.get("Ref_Key")) for r in page), view.event_set)
            self._emit(view, page, labels)

    def _fetch_changed(self, view: _View, state: StateRun) -> None:
        """Fetch one set's to-do list page by page of the scan: a dense page whole, a sparse one by key.

        Changes cluster in practice (this week's events get edited), and ~20 keys fill a URL,
        so a scan page holding many changed events is cheaper to read again whole with
        ``$skip``; one holding a few is cheaper by key. Rows that moved since the scan (an
        insert shifts the pages) are simply not found in the page and go by key too.
        """
        per_key = self._keys_per_request(view)
        page = self.options.page_size or self.client.page_size
        positional = self.targets is None  # positions are those of one query only
        pending: dict[str, str] = {}
        for bucket, items in state.todo_buckets(page, view.event_set):
            if positional and _page_is_cheaper(len(items), per_key, page):
                labels = dict(items)
                seen = self._fetch_window(view, bucket * page, page, labels)
                pending.update((r, c) for r, c in items if r not in seen)
            else:
                pending.update(items)
            if len(pending) >= 500:
                self._fetch_keys(view, pending)
                pending = {}
        if pending:
            self._fetch_keys(view, pending)

    def _fetch_window(self, view: _View, skip: int, top: int, labels: dict[str, str]) -> set[str]:
        query = q.Query(filter=view.base, select=view.select, orderby=view.order, top=top, skip=skip)
        seen: set[str] = set()
        for page in self.client.pages(view.event_set, query, page_size=top):
            seen.update(r for r in (str(row.get("Ref_Key")) for row in page) if r in labels)
            self._emit(view, page, labels)
        return seen

    def _fetch_keys(self, view: _View, labels: dict[str, str]) -> None:
        seen: set[str] = set()
        for page in self.client.iter_by(view.event_set, "Ref_Key", map(uuid.UUID, labels), select=view.select,
                                        orderby=view.order, page_size=self.options.page_size):
            seen.update(str(r.get("Ref_Key")) for r in page)
            self._emit(view, page, labels)
        missing = [ref for ref in labels if ref not in seen]
        if missing:
            # Deleted between the scan and the fetch: report like any vanished event.
            self._write_gone(view.event_set, missing, "vanished")

    def _gone(self, state: StateRun, entity_set: str, view: _View | None) -> None:
        """Old events of one set the scan did not see: ask 1C by key which still exist (``left``)
        and which not. A set no longer exported (no longer published) has all of them ``left``."""
        for refs in state.gone_chunks(500, entity_set):
            if view is None:
                self._write_gone(entity_set, refs, "left")
                continue
            exists: set[str] = set()
            for page in self.client.iter_by(entity_set, "Ref_Key", map(uuid.UUID, refs), select=("Ref_Key",)):
                exists.update(str(r["Ref_Key"]) for r in page)
            self._write_gone(entity_set, [r for r in refs if r in exists], "left")
            self._write_gone(entity_set, [r for r in refs if r not in exists], "vanished")

    def _write_gone(self, entity_set: str, refs: list[str], change: str) -> None:
        if not refs:
            return
        self.writer.write_rows(vanished_row(r, change, entity_set) for r in refs)
        self.result.exported += len(refs)
        self._advance(len(refs))
        if change == "left":
            self.result.left += len(refs)
        else:
            self.result.deleted += len(refs)
        if self.state is not None:
            self.state.forget(refs, entity_set)


_KEYS = [c.key for c in EVENT_COLUMNS]
_N = len(_KEYS)
_DATE, _DELETED, _VERSION, _DOCUMENT, _START = (_KEYS.index(k) for k in ("date", "deleted", "data_version",
                                                                         "document_type", "start"))


def _when(row: tuple[Any, ...]) -> str:
    return row[_DATE] or ""


def _merged(streams: list[Iterator[list[tuple[Any, ...]]]]) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of rows of date-ordered page streams, in date order.

    A batch at a time rather than a row at a time (``heapq.merge`` costs a Python step per row):
    every held row not later than the earliest of the held pages' last dates can go, sorted (the
    runs are already sorted, so the sort is linear). Each round finishes at least one page.
    """
    held: dict[int, tuple[list[tuple[Any, ...]], int]] = {}
    for i, stream in enumerate(streams):
        page = next(stream, None)
        if page is not None:
            held[i] = (page, 0)
    while held:
        bound = min(_when(page[-1]) for page, _ in held.values())
        batch: list[tuple[Any, ...]] = []
        for i, (page, pos) in list(held.items()):
            end = bisect.bisect_right(page, bound, lo=pos, key=_when)
            batch.extend(page[pos:end])
            if end < len(page):
                held[i] = (page, end)
                continue
            following = next(streams[i], None)
            if following is None:
                del held[i]
            else:
                held[i] = (following, 0)
        if batch:
            batch.sort(key=_when)
            yield batch


def _final_change(label: str, marked: bool) -> str:
    """``deleted`` when a changed event became marked for deletion since the last run."""
    if label == CHANGE_CHANGED and marked:
        return CHANGE_DELETED
    return CHANGE_CHANGED if label == CHANGE_WAS_MARKED else label


# 1C's cost of one more request, in rows served (~30 ms against ~15 µs a row, odata-1c.md §5:
# every request opens a session and compiles a query).
_REQUEST_COST_ROWS = 2000


def _page_is_cheaper(changed: int, per_key: int, page: int) -> bool:
    by_key = -(-changed // per_key) * _REQUEST_COST_ROWS + changed
    return _REQUEST_COST_ROWS + page < by_key


def export_events(history: History, flt: EventFilter, sink: BinaryIO, *, options: ExportOptions | None = None,
                  state: StateRun | None = None, progress: Callable[[int], None] | None = None,
                  on_stage: Callable[[str, int | None], None] | None = None,
                  scan_total: bool = True) -> ExportResult:
    """Export the events of ``flt`` to ``sink``, oldest first; incremental when ``state`` has a last run.

    The caller owns ``sink`` (an :class:`~onec_history.export.writers.AtomicOutput` for files)
    and ``state`` (commit it only after the output was committed).

    ``on_stage(label, total)`` says a phase begins: ``"exporting"`` (its total the events of the
    period from one ``$count`` per document set, the number of new, changed and gone events in
    an incremental run, ``None`` for one client's events), preceded in an incremental run by
    ``"scanning"`` (the period's ``Ref_Key, DataVersion``; its total, one more ``$count`` per set,
    asked only with ``on_stage`` and ``scan_total``). ``progress(n)`` says ``n`` more of the
    current phase are done: rows written, or scanned.
    """
    opts = options or ExportOptions()
    stats = history.client.transport.stats
    req0, bytes0, started = stats.requests, stats.bytes_received, time.monotonic()
    exporter = _Exporter(history, flt, sink, opts, state, progress, on_stage, scan_total)
    if state is not None and state.has_old:
        exporter.incremental()
    else:
        exporter.full()
    exporter.writer.close()
    result = exporter.result
    result.seconds = time.monotonic() - started
    result.requests = stats.requests - req0
    result.bytes_received = stats.bytes_received - bytes0
    result.names_unavailable = tuple(sorted(history.names.unavailable))
    return result
