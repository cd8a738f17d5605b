"""Exactly once through 503s, dropped connections (also after the write), crashes and re-runs."""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from create_helpers import calls_csv, make_history

from onec_history import query as q
from onec_history.cli.exitcodes import ExitCode, exit_code_of
from onec_history.client import Client
from onec_history.create import EventWriter, Ledger, Status, read_rows
from onec_history.create.batch import Summary
from onec_history.demo.server import DemoServer, Faults, start_demo
from onec_history.errors import BadQueryError, BusinessError

SET = "Document_Событие"


def run(writer: EventWriter, text: str, **kw: Any) -> Summary:
    return writer.import_rows(read_rows("calls.csv", stream=io.BytesIO(text.encode())), **kw)


def our_events(client: Client) -> list[dict[str, Any]]:
    """Events carrying the import's subjects («Импорт N»), with their keys and comments."""
    rows = client.iterate(SET, q.Query(filter=q.startswith("ОписаниеСобытия", "Импорт "),
                                       select=("Ref_Key", "ОписаниеСобытия", "Комментарий")))
    return list(rows)


def faulty(srv: DemoServer) -> None:
    srv.faults.error_rate, srv.faults.drop_rate, srv.faults.drop_after, srv.faults.latency = 0.15, 0.1, 0.6, 0.001


def calm(srv: DemoServer) -> None:
    srv.faults.error_rate = srv.faults.drop_rate = 0.0


@pytest.mark.parametrize("seed", [3])
def test_faults_never_lose_or_duplicate(writer_for: Callable[..., EventWriter], seed: int) -> None:
    n = 200
    with start_demo("ut10", faults=Faults(seed=seed)) as srv:
        writer = writer_for(srv.url, jobs=4)
        writer.preparer.parse([])  # $metadata and the profile before the faults start
        faulty(srv)
        summary = run(writer, calls_csv(n))
        calm(srv)
        assert summary.counts()["created"] == n, [r.message for r in summary.results if not r.ok][:3]
        events = our_events(writer.client)
        assert len(events) == n
        # 1C honoured our keys: every event carries the deterministic key of its row.
        assert {e["Ref_Key"] for e in events} == {r.ref for r in summary.results}
        assert writer.ledger.honours_keys() is True
        faulty(srv)
        again = run(writer, calls_csv(n))
        calm(srv)
        assert again.counts()["created"] == 0 and again.counts()["already_present"] == n
        assert exit_code_of(again.outcome) is ExitCode.OK
        assert len(our_events(writer.client)) == n


class KeylessClient(Client):
    """A base that ignores client-chosen keys: 1C assigns its own (the unsure case, odata-1c.md §4)."""

    def create(self, entity_set: str, body: Mapping[str, Any], *, idempotent: bool = False) -> dict[str, Any]:
        return super().create(entity_set, {k: v for k, v in body.items() if k != "Ref_Key"}, idempotent=idempotent)


class RefusingClient(Client):
    """A base that refuses a client-chosen key outright (code 16, property cannot be set)."""

    def create(self, entity_set: str, body: Mapping[str, Any], *, idempotent: bool = False) -> dict[str, Any]:
        if "Ref_Key" in body:
            raise BadQueryError("Свойство Ref_Key не может быть установлено", status=400, code="16")
        return super().create(entity_set, body, idempotent=idempotent)


def writer_with(client_cls: type[Client], url: str, ledger: str | Path = ":memory:", **kw: Any) -> EventWriter:
    history = make_history(url)
    history.client.__class__ = client_cls
    return EventWriter(history, Ledger(ledger, url), backoff=0.005, max_backoff=0.02, **kw)


def test_base_ignoring_keys_is_deduplicated_by_the_marker(tmp_path: Path) -> None:
    n = 120
    with start_demo("ut10", faults=Faults(seed=5)) as srv:
        writer = writer_with(KeylessClient, srv.url, tmp_path / "l.sqlite", jobs=3)
        writer.preparer.parse([])
        faulty(srv)
        summary = run(writer, calls_csv(n))
        calm(srv)
        assert summary.counts()["created"] == n
        assert writer.ledger.honours_keys() is False
        events = our_events(writer.client)
        assert len(events) == n
        assert {e["Ref_Key"] for e in events} == {r.ref for r in summary.results}
        assert all("[onec-history:" in e["Комментарий"] for e in events)
        # A fresh writer on the same ledger (a re-run) sends nothing.
        writer.ledger.close()
        rerun = writer_with(KeylessClient, srv.url, tmp_path / "l.sqlite", jobs=3)
        assert run(rerun, calls_csv(n)).counts()["already_present"] == n
        assert len(our_events(rerun.client)) == n


def test_base_refusing_keys_is_learnt_from_the_first_row(ut10: DemoServer) -> None:
    writer = writer_with(RefusingClient, ut10.url)
    summary = run(writer, calls_csv(5))
    assert summary.counts()["created"] == 5 and writer.ledger.honours_keys() is False
    assert len(our_events(writer.client)) == 5


class CrashingLedger(Ledger):
    """Dies between 1C's answer and the ledger write — the window kill -9 can hit."""

    crash_at = 7

    def done(self, identity: str, created_ref: str, how: str, **kw: Any) -> None:
        self.crash_at -= 1
        if self.crash_at == 0:
            raise KeyboardInterrupt
        super().done(identity, created_ref, how, **kw)


@pytest.mark.parametrize("keyless", [False, True])
def test_crash_after_the_write_before_the_ledger(ut10: DemoServer, tmp_path: Path, keyless: bool) -> None:
    n, path = 15, tmp_path / "l.sqlite"
    history = make_history(ut10.url)
    if keyless:
        history.client.__class__ = KeylessClient
    crashing = EventWriter(history, CrashingLedger(path, ut10.url), jobs=1, backoff=0.005)
    with pytest.raises(KeyboardInterrupt):
        run(crashing, calls_csv(n))
    crashing.ledger.close()
    assert len(our_events(history.client)) == 7  # the 7th was written, the ledger never heard
    rerun = writer_with(KeylessClient if keyless else Client, ut10.url, path)
    summary = run(rerun, calls_csv(n))
    assert summary.counts()["created"] == n - 7 and summary.counts()["already_present"] == 7
    assert len(our_events(rerun.client)) == n


def test_concurrency_is_bounded_and_the_first_row_goes_alone(ut10: DemoServer) -> None:
    lock = threading.Lock()
    state = {"now": 0, "max": 0, "first_done": False, "overlap_first": False}

    class Watching(Client):
        def create(self, entity_set: str, body: Mapping[str, Any], *, idempotent: bool = False) -> dict[str, Any]:
            with lock:
                state["now"] += 1
                state["max"] = max(state["max"], state["now"])
                if state["now"] > 1 and not state["first_done"]:
                    state["overlap_first"] = True
            try:
                time.sleep(0.01)
                return super().create(entity_set, body, idempotent=idempotent)
            finally:
                with lock:
                    state["now"] -= 1
                    state["first_done"] = True

    writer = writer_with(Watching, ut10.url, jobs=3)
    assert run(writer, calls_csv(30)).counts()["created"] == 30
    assert state["max"] == 3 and not state["overlap_first"]


def test_a_dead_base_stops_the_run_and_leaves_rows_pending(tmp_path: Path) -> None:
    with start_demo("ut10") as srv:
        writer = EventWriter(make_history(srv.url), Ledger(tmp_path / "l.sqlite", srv.url), jobs=1,
                             max_attempts=2, backoff=0.001, unreachable_after=2)
        parsed, _ = writer.preparer.parse(read_rows("c.csv", stream=io.BytesIO(calls_csv(10).encode())))
        prepared, _ = writer.preparer.prepare(parsed)
        srv.faults.error_rate = 1.0  # the base dies after validation, before the first write
        summary = Summary(writer.deliver(prepared))
        srv.faults.error_rate = 0.0
        counts = summary.counts()
        assert counts["failed"] == 2 and counts["skipped"] == 8, summary.describe()
        # 1C could not even be asked whether the rows exist: nothing is sent blind, nothing is pending.
        assert all("not sent: 1C could not be asked" in r.message for r in summary.results
                   if r.status is Status.FAILED)
        assert writer.ledger.counts() == {}
        assert exit_code_of(summary.outcome) is ExitCode.PARTIAL
        again = run(writer, calls_csv(10))
        assert again.counts()["created"] == 10 and len(our_events(writer.client)) == 10


def test_keys_do_not_depend_on_the_base_url(tmp_path: Path) -> None:
    with start_demo("ut10") as srv:
        a = run(EventWriter(make_history(srv.url), Ledger(":memory:", srv.url)), calls_csv(3))
        alias = srv.url.replace("127.0.0.1", "localhost")
        b = run(EventWriter(make_history(alias), Ledger(":memory:", alias)), calls_csv(3))
        assert [r.ref for r in a.results] == [r.ref for r in b.results]
        assert b.counts()["already_present"] == 3
        assert all(uuid.UUID(r.ref or "").version == 5 for r in a.results)


class PickyClient(Client):
    """1C's own code refuses one document (ОбработкаПроверкиЗаполнения and friends: 500, code -1)."""

    def create(self, entity_set: str, body: Mapping[str, Any], *, idempotent: bool = False) -> dict[str, Any]:
        if body.get("ОписаниеСобытия") == "Импорт 3":
            raise BusinessError("Не заполнено поле \"Ответственный\"", status=500, code="-1")
        return super().create(entity_set, body, idempotent=idempotent)


@pytest.mark.parametrize("fail_fast", [False, True])
def test_a_refused_row_is_reported_verbatim_and_fail_fast_stops(ut10: DemoServer, fail_fast: bool) -> None:
    writer = writer_with(PickyClient, ut10.url)
    results = run(writer, calls_csv(6), fail_fast=fail_fast).results
    refused = results[3]
    assert refused.status is Status.FAILED and refused.error == "refused"
    assert refused.message == "1C refused: Не заполнено поле \"Ответственный\""
    after = [r.status for r in results[4:]]
    assert after == ([Status.SKIPPED] * 2 if fail_fast else [Status.CREATED] * 2)
    entry = writer.ledger.get("ext::call-3")
    assert entry is not None and entry.state == "failed"  # definitely not created: a re-run simply sends it
