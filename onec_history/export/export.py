"""The streaming export of events: full, or incremental against a state file.

Full export: one paged pass over the period (``$select`` from the profile, stable
``$orderby``), each page parsed, its display names fetched in bulk, mapped to tuples and
written before the next page is requested. Memory holds one page.

Incremental export (``state`` given, the last state exists):

1. *scan* — a paged pass reading only ``Ref_Key, DataVersion`` of the period (about 80 bytes
   an event, in pages of ``scan_page_size``) into the new state's work table;
2. *diff* — a join on disk against the last state: new and changed (a deletion mark is a write,
   so it changes DataVersion; the fetched row tells whether the event became marked);
3. *fetch* — only those: grouped by page of the scan, a page with many changes is read again
   whole (``$skip``, unchanged rows skipped), a page with few is read by key, ~20 keys a request
   (``split_or`` keeps URLs short); rows that moved since the scan fall back to keys;
4. *gone* — events of the last state missing from the scan are checked by key: ``vanished``
   when 1C no longer has them, ``left`` when they exist but fell out of the period or filters.

Every exported row then carries a ``change`` column: ``new``, ``changed``, ``deleted`` (newly
marked for deletion; the row is still exported in full), ``vanished`` or ``left`` (these two
carry only the reference). The first run (no state yet) is a full export that also records
the state, all rows ``new``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, BinaryIO

from .. import query as q
from ..history import EventFilter, History
from .rows import EVENT_COLUMNS, EventRowMapper, columns, headings, vanished_row
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


class _Exporter:
    def __init__(self, history: History, flt: EventFilter, sink: BinaryIO, options: ExportOptions,
                 state: StateRun | None, progress: Callable[[int], None] | None) -> None:
        self.history = history
        self.client = history.client
        self.profile = history.profile
        self.flt = flt
        self.options = options
        self.state = state
        self.progress = progress
        mapper = history.event_mapper()
        self.rows = EventRowMapper(mapper.shape, history.names, users_set=self.profile.users_set)
        self.base = history.event_filter(flt)
        self.date = self.profile.event_fields()["date"] or "Date"
        self.order = (self.date,)
        self.cols = columns(with_change=state is not None)
        self.writer: RowWriter = open_writer(options.fmt, sink, self.cols,
                                             headings=headings(self.cols, options.headings),
                                             csv_options=options.csv)
        self.result = ExportResult(incremental=state is not None)
        # Too long a $select for one URL is widened by the client (Client.within_budget).
        self.select = mapper.select()

    # -- writing ----------------------------------------------------------------------------------
    def _emit(self, page: list[dict[str, Any]], labels: dict[str, str] | None) -> None:
        """Map and write one page; ``labels`` (incremental) picks the rows and their change."""
        if labels is not None:
            page = [r for r in page if str(r.get("Ref_Key")) in labels]
            if not page:
                return
        mapped = self.rows.map_page(page)
        if labels is not None:
            mapped = [(*m, _final_change(labels[m[0]], m[_DELETED])) for m in mapped]
            for m in mapped:
                self._count(m[-1])
        elif self.state is not None:
            mapped = [(*m, "new") for m in mapped]
            self.result.new += len(mapped)
        self.writer.write_rows(mapped)
        self.result.exported += len(mapped)
        if self.state is not None:
            self.state.record((str(r["Ref_Key"]), str(r.get("DataVersion") or ""), bool(r.get("DeletionMark")))
                              for r in page)
        if self.progress is not None:
            self.progress(len(mapped))

    def _count(self, change: str) -> None:
        if change == "new":
            self.result.new += 1
        elif change == "changed":
            self.result.changed += 1
        else:
            self.result.deleted += 1

    # -- passes -----------------------------------------------------------------------------------
    def _pages(self, select: tuple[str, ...], page_size: int | None) -> Iterator[list[dict[str, Any]]]:
        """Pages of the events in scope: the period and filters, and the client if one is given.

        A client's events are those with the client in the header (family A) and those listing
        it among the participants; the latter are found through the participants' set (a client
        has few), then fetched by key — never merged in memory.
        """
        es = self.profile.event_set
        if not self.flt.counterparty:
            yield from self.client.pages(es, q.Query(filter=self.base, select=select, orderby=self.order),
                                   page_size=page_size)
            return
        extra = self._participant_refs(self.flt.counterparty)
        header = self.profile.client_condition(self.flt.counterparty)
        if header is not None:
            query = q.Query(filter=q.and_(self.base, header), select=select, orderby=self.order)
            for page in self.client.pages(es, query, page_size=page_size):
                extra.difference_update(str(r.get("Ref_Key")) for r in page)
                yield page
        if not extra:
            return
        yield from self.client.iter_by(es, "Ref_Key", map(uuid.UUID, sorted(extra)), select=select,
                                       where=self.base, orderby=self.order, page_size=page_size)

    def _participant_refs(self, cp: str) -> set[str]:
        ts_set, cond = self.profile.participants_set(), self.profile.participant_condition(cp)
        if ts_set is None or cond is None:
            return set()
        query = q.Query(filter=cond, select=("Ref_Key", "LineNumber"))
        return {str(r["Ref_Key"]) for page in self.client.pages(ts_set, query) for r in page}

    def full(self) -> None:
        if not self.flt.counterparty:
            # One $count lets the name preloader decide on the first page (see NamePreloader).
            self.rows.preloader.expected_rows = self.client.count(self.profile.event_set, self.base)
        for page in self._pages(self.select, self.options.page_size):
            self._emit(page, None)

    def incremental(self) -> None:
        state = self.state
        assert state is not None
        for page in self._pages(_SCAN_SELECT, self.options.scan_page_size):
            state.add_scan((str(r["Ref_Key"]), str(r.get("DataVersion") or "")) for r in page)
        diff = state.diff()
        log.info("incremental: %d scanned, %d new, %d changed, %d gone", diff.scanned, diff.new, diff.changed,
                 diff.gone)
        # The names the changed rows need, projected from the to-do count (see NamePreloader).
        self.rows.preloader.expected_rows = diff.todo
        if diff.todo:
            if self._paging_is_cheaper(diff):
                self._fetch_by_paging(state)
            else:
                self._fetch_changed(state)
        if diff.gone:
            self._gone(state)

    def _keys_per_request(self) -> int:
        """How many ``Ref_Key eq guid'…'`` terms share one request by key (Client.key_queries)."""
        sample = q.eq("Ref_Key", uuid.UUID(int=0))
        return self.client.keys_per_request(self.profile.event_set, sample,
                                            q.Query(select=self.select, orderby=self.order))

    def _paging_is_cheaper(self, diff: DiffCounts) -> bool:
        per_key = self._keys_per_request()
        page = self.options.page_size or self.client.page_size
        return diff.todo / per_key > diff.scanned / page

    def _fetch_by_paging(self, state: StateRun) -> None:
        for page in self._pages(self.select, self.options.page_size):
            labels = state.changes_of(str(r.get("Ref_Key")) for r in page)
            self._emit(page, labels)

    def _fetch_changed(self, state: StateRun) -> None:
        """Fetch the to-do list page by page of the scan: a dense page whole, a sparse one by key.

        Changes cluster in practice (this week's events get edited), and ~20 keys fill a URL,
        so a scan page holding many changed events is cheaper to read again whole with
        ``$skip``; one holding a few is cheaper by key. Rows that moved since the scan (an
        insert shifts the pages) are simply not found in the page and go by key too.
        """
        per_key = self._keys_per_request()
        page = self.options.page_size or self.client.page_size
        positional = not self.flt.counterparty  # positions are those of one query only
        pending: dict[str, str] = {}
        for bucket, items in state.todo_buckets(page):
            if positional and _page_is_cheaper(len(items), per_key, page):
                labels = dict(items)
                seen = self._fetch_window(bucket * page, page, labels)
                pending.update((r, c) for r, c in items if r not in seen)
            else:
                pending.update(items)
            if len(pending) >= 500:
                self._fetch_keys(pending)
                pending = {}
        if pending:
            self._fetch_keys(pending)

    def _fetch_window(self, skip: int, top: int, labels: dict[str, str]) -> set[str]:
        query = q.Query(filter=self.base, select=self.select, orderby=self.order, top=top, skip=skip)
        seen: set[str] = set()
        for page in self.client.pages(self.profile.event_set, query, page_size=top):
            seen.update(r for r in (str(row.get("Ref_Key")) for row in page) if r in labels)
            self._emit(page, labels)
        return seen

    def _fetch_keys(self, labels: dict[str, str]) -> None:
        seen: set[str] = set()
        for page in self.client.iter_by(self.profile.event_set, "Ref_Key", map(uuid.UUID, labels),
                                        select=self.select, orderby=self.order, page_size=self.options.page_size):
            seen.update(str(r.get("Ref_Key")) for r in page)
            self._emit(page, labels)
        missing = [ref for ref in labels if ref not in seen]
        if missing:
            # Deleted between the scan and the fetch: report like any vanished event.
            self._write_gone(missing, "vanished")

    def _gone(self, state: StateRun) -> None:
        """Old events the scan did not see: ask 1C by key which still exist (``left``) and which not."""
        for refs in state.gone_chunks(500):
            exists: set[str] = set()
            for page in self.client.iter_by(self.profile.event_set, "Ref_Key", map(uuid.UUID, refs),
                                            select=("Ref_Key",)):
                exists.update(str(r["Ref_Key"]) for r in page)
            self._write_gone([r for r in refs if r in exists], "left")
            self._write_gone([r for r in refs if r not in exists], "vanished")

    def _write_gone(self, refs: list[str], change: str) -> None:
        if not refs:
            return
        self.writer.write_rows(vanished_row(r, change) for r in refs)
        self.result.exported += len(refs)
        if change == "left":
            self.result.left += len(refs)
        else:
            self.result.deleted += len(refs)
        if self.state is not None:
            self.state.forget(refs)


_DELETED = [c.key for c in EVENT_COLUMNS].index("deleted")


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
                  state: StateRun | None = None, progress: Callable[[int], None] | None = None) -> ExportResult:
    """Export the events of ``flt`` to ``sink``, oldest first; incremental when ``state`` has a last run.

    The caller owns ``sink`` (an :class:`~onec_history.export.writers.AtomicOutput` for files)
    and ``state`` (commit it only after the output was committed). ``progress`` is called with
    the number of rows written after each page.
    """
    opts = options or ExportOptions()
    stats = history.client.transport.stats
    req0, bytes0, started = stats.requests, stats.bytes_received, time.monotonic()
    exporter = _Exporter(history, flt, sink, opts, state, progress)
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
