"""Paging by date instead of deep $skip (issue 19, item 1), against the demo base, whose $filter and
$orderby are 1C's: every row once, none lost, whatever is inserted or deleted between the pages;
the same rows as a $skip pass of a still base; a moment holding more than a page of rows."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

import pytest

from onec_history import paging
from onec_history.client import Client
from onec_history.demo.server import DemoServer, start_demo
from onec_history.query import Query, ge
from onec_history.transport import Response, Transport

EVENTS = "Document_Событие"
FULL = ("Ref_Key", "Date", "Number", "DataVersion")
SCAN = ("Ref_Key", "DataVersion")


class Watching(Transport):
    """A transport that keeps the query strings of the GETs on the events and can act after each."""

    def __init__(self, url: str, after: Callable[[int], None] | None = None) -> None:
        super().__init__(url)
        self.queries: list[str] = []
        self.after = after

    def request(self, method: str, path: str, *, query: str = "", **kw: Any) -> Response:
        resp = super().request(method, path, query=query, **kw)
        if method == "GET" and path == EVENTS:
            self.queries.append(unquote(query))
            if self.after is not None:
                self.after(len(self.queries))
        return resp


@pytest.fixture()
def base() -> Iterator[DemoServer]:
    with start_demo("ut10") as srv:  # its own base: the tests insert and delete
        yield srv


def all_rows(url: str) -> list[dict[str, Any]]:
    """The events as a still base gives them: by $skip, ordered by the key alone."""
    client = Client(Transport(url), page_size=5000)
    return list(client.iterate(EVENTS, Query(select=FULL, orderby=("Ref_Key",))))


def skip_of(query: str) -> int:
    for part in query.split("&"):
        if part.startswith("$skip="):
            return int(part.split("=", 1)[1])
    return 0


@pytest.mark.parametrize("select", [FULL, SCAN], ids=["seek", "windows"])
def test_a_pass_by_date_gives_every_row_once_and_never_skips_deep(base: DemoServer, select: tuple[str, ...]) -> None:
    want = {r["Ref_Key"]: r["DataVersion"] for r in all_rows(base.url)}
    transport = Watching(base.url)
    pages = list(Client(transport, page_size=7).pages(EVENTS, Query(select=select, orderby=("Date",))))
    got = [r["Ref_Key"] for page in pages for r in page]
    assert len(got) == len(set(got)) == len(want) > 100
    assert {r["Ref_Key"]: r["DataVersion"] for page in pages for r in page} == want
    assert max(skip_of(qs) for qs in transport.queries) <= 7  # a probe's shallow skip at most, never K pages deep
    dates = [r["Date"] for page in pages for r in page if "Date" in r]
    assert dates == sorted(dates)
    if select == SCAN:
        assert all(set(r) == set(SCAN) for page in pages for r in page)  # the date is not read for a scan


def test_newest_first_walks_down(base: DemoServer) -> None:
    client = Client(Watching(base.url), page_size=9)
    rows = [r for page in client.pages(EVENTS, Query(select=FULL, orderby=("Date desc",))) for r in page]
    assert [r["Date"] for r in rows] == sorted((r["Date"] for r in rows), reverse=True)
    assert len({r["Ref_Key"] for r in rows}) == len(rows) == len(all_rows(base.url))


def test_a_limit_is_kept(base: DemoServer) -> None:
    client = Client(Transport(base.url), page_size=7)
    for select in (FULL, SCAN):
        rows = [r for page in client.pages(EVENTS, Query(select=select, orderby=("Date",), top=30)) for r in page]
        assert len(rows) == 30


def _copy_of(client: Client, row: dict[str, Any], date: str) -> dict[str, Any]:
    body = {k: v for k, v in client.get(EVENTS, row["Ref_Key"]).items()
            if not k.startswith("odata.") and "@" not in k and k not in ("Ref_Key", "DataVersion", "Number")}
    body["Date"] = date
    return client.create(EVENTS, body)


@pytest.mark.parametrize("select", [FULL, SCAN], ids=["seek", "windows"])
def test_inserts_and_deletions_between_pages_lose_and_repeat_nothing(base: DemoServer,
                                                                      select: tuple[str, ...]) -> None:
    """After each page 1C gets a new event dated before the walk's position, one at its position and
    one ahead, and loses one event already read and one not yet read: every event that was there
    the whole time is given exactly once, and nothing is given twice."""
    writer = Client(Transport(base.url))
    before = all_rows(base.url)
    by_date = sorted(before, key=lambda r: (r["Date"], r["Ref_Key"]))
    deleted: list[str] = []
    inserted: list[str] = []
    seen_dates: list[str] = []

    def meddle(n: int) -> None:
        if n < 2 or n > 12 or not seen_dates:
            return
        here = seen_dates[-1]
        alive = [r for r in by_date if r["Ref_Key"] not in deleted]
        for date in (by_date[0]["Date"], here, by_date[-1]["Date"]):
            inserted.append(_copy_of(writer, alive[len(inserted) % len(alive)], date)["Ref_Key"])
        behind = [r for r in by_date if r["Date"] < here and r["Ref_Key"] not in deleted]
        ahead_ = [r for r in by_date if r["Date"] > here and r["Ref_Key"] not in deleted]
        for row in (behind[len(behind) // 2], ahead_[len(ahead_) // 2]):
            writer.transport.request("DELETE", f"{EVENTS}(guid'{row['Ref_Key']}')")
            deleted.append(row["Ref_Key"])

    transport = Watching(base.url, after=meddle)
    client = Client(transport, page_size=11)
    got: list[str] = []
    for page in client.pages(EVENTS, Query(select=select, orderby=("Date",))):
        got.extend(r["Ref_Key"] for r in page)
        dates = [r["Date"] for r in page if "Date" in r]
        if dates:
            seen_dates.append(dates[-1])
        else:  # a scan: the position from the base itself
            seen_dates.append(max(r["Date"] for r in before if r["Ref_Key"] in set(got[-len(page):])))
    assert deleted and inserted
    assert len(got) == len(set(got)), "an event was given twice"
    stayed = {r["Ref_Key"] for r in before} - set(deleted)
    assert stayed <= set(got), f"{len(stayed - set(got))} events that were there all along were not given"
    assert set(got) <= stayed | set(deleted) | set(inserted)


@pytest.mark.parametrize("select", [FULL, SCAN], ids=["seek", "windows"])
def test_more_than_a_page_at_one_moment(base: DemoServer, select: tuple[str, ...]) -> None:
    writer = Client(Transport(base.url))
    rows = all_rows(base.url)
    moment = sorted(r["Date"] for r in rows)[len(rows) // 2]
    for row in rows[:40]:
        _copy_of(writer, row, moment)
    want = {r["Ref_Key"] for r in all_rows(base.url)}
    transport = Watching(base.url)
    got = [r["Ref_Key"] for page in Client(transport, page_size=8).pages(EVENTS, Query(select=select,
                                                                                         orderby=("Date",)))
           for r in page]
    assert len(got) == len(set(got)) and set(got) == want
    assert any("Date eq datetime'" in qs for qs in transport.queries)  # the moment paged apart
    assert max(skip_of(qs) for qs in transport.queries) <= 48  # within that moment's 40-odd rows only


def test_a_document_set_without_an_order_is_walked_by_date_and_a_catalogue_by_skip(base: DemoServer) -> None:
    transport = Watching(base.url)
    client = Client(transport, page_size=50)
    n = sum(len(p) for p in client.pages(EVENTS, Query(select=SCAN)))
    assert n == len(all_rows(base.url))
    pages = [qs for qs in transport.queries if "Ref_Key eq guid'" not in qs]  # not the one date asked by key
    assert pages and all("$orderby=Date,Ref_Key" in qs for qs in pages)
    catalogue = Watching(base.url)
    list(Client(catalogue, page_size=3).pages("Catalog_Контрагенты", Query(select=("Ref_Key",))))
    # the catalogue's own GETs are not on EVENTS: its paging is checked by its rows instead
    assert len(all_rows(base.url)) == n


def test_a_filter_of_the_caller_stays(base: DemoServer) -> None:
    rows = all_rows(base.url)
    since = sorted(r["Date"] for r in rows)[len(rows) // 3]
    from datetime import datetime

    flt = ge("Date", datetime.fromisoformat(since))
    for select in (FULL, SCAN):
        got = [r for p in Client(Transport(base.url), page_size=6).pages(
            EVENTS, Query(filter=flt, select=select, orderby=("Date",))) for r in p]
        assert {r["Ref_Key"] for r in got} == {r["Ref_Key"] for r in rows if r["Date"] >= since}


@pytest.mark.parametrize("order", [("Date",), ()], ids=["by-date", "no-order"])
def test_groups_of_keys_as_many_as_one_url_takes_are_walked_too(base: DemoServer, order: tuple[str, ...]) -> None:
    """An incremental export asks the changed rows by key, as many keys a request as the URL takes:
    the date bounds of the walk by date must fit beside them (they once did not: 'longer than 1500
    bytes' after 1 % edits on a 100k base)."""
    from onec_history.query import eq

    rows = all_rows(base.url)
    wanted = {r["Ref_Key"] for r in rows[::2]}
    transport = Watching(base.url)
    client = Client(transport, page_size=7)
    terms = [eq("Ref_Key", uuid.UUID(k)) for k in sorted(wanted)]
    queries = client.key_queries(EVENTS, terms, Query(select=FULL, orderby=order))
    assert len(queries) > 1  # the keys fill more than one URL
    got = [r["Ref_Key"] for group in queries for p in client.pages(EVENTS, group) for r in p]
    assert sorted(got) == sorted(wanted)


# -- reading ahead ------------------------------------------------------------------------------------

def test_ahead_reads_the_next_page_while_the_caller_works() -> None:
    log: list[str] = []

    def pages() -> Iterator[list[dict[str, Any]]]:
        for i in range(4):
            time.sleep(0.05)  # 1C's time
            log.append(f"read {i}")
            yield [{"i": i}]

    started = time.monotonic()
    for page in paging.ahead(pages()):
        time.sleep(0.08)  # the caller's time
        log.append(f"used {page[0]['i']}")
    took = time.monotonic() - started
    assert [e for e in log if e.startswith("used")] == [f"used {i}" for i in range(4)]
    assert log.index("read 1") < log.index("used 0")  # page 1 was read while page 0 was used
    assert took < 0.47  # near one read + 4 × 80 ms (370 ms), not their sum (520 ms)


def test_ahead_raises_the_readers_error_where_it_happened_and_stops_when_the_caller_stops() -> None:
    def failing() -> Iterator[list[dict[str, Any]]]:
        yield [{"i": 0}]
        raise RuntimeError("1C went away")

    got = []
    with pytest.raises(RuntimeError, match="went away"):
        for page in paging.ahead(failing()):
            got.append(page)
    assert got == [[{"i": 0}]]

    produced = []
    alive = threading.Event()

    def endless() -> Iterator[list[dict[str, Any]]]:
        alive.set()
        for i in range(10**6):
            produced.append(i)
            yield [{"i": i}]

    for page in paging.ahead(endless()):
        if page[0]["i"] == 2:
            break
    time.sleep(0.3)
    assert alive.is_set() and len(produced) <= 5  # the reader stopped a page or two after the caller


def test_keys_are_never_compared_with_gt(base: DemoServer) -> None:
    """1C orders references by an internal number a client cannot see: only dates are compared."""
    transport = Watching(base.url)
    list(Client(transport, page_size=5).pages(EVENTS, Query(select=FULL, orderby=("Date",))))
    assert transport.queries and not any("Ref_Key gt" in qs or "Ref_Key lt" in qs for qs in transport.queries)
    assert uuid.UUID(all_rows(base.url)[0]["Ref_Key"])
