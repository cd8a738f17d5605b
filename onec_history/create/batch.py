"""The exactly-once engine: each prepared row ends in 1C once — or is reported with the reason.

For every row: if the ledger says it is done, it is *already present* and nothing is sent. If an
earlier attempt's outcome is unknown (a timeout, a dropped connection, a crash between the
request and the ledger), the base is asked first — by the deterministic ``Ref_Key`` where 1C
honours client-chosen keys, else by the ``[onec-history:<key>]`` marker — and only a row that is
not found is sent again. Every send is preceded by a committed intent in the ledger. A POST is
never retried blindly: the transport sends it once, and this module decides what happens next.

Whether a base honours client-chosen keys is learnt from the first real create (the returned
``Ref_Key`` is compared with the one sent) and remembered in the ledger; until then rows go one at
a time, with both the key and the marker, so that either way of looking them up works.

The ledger is an accelerator, never the only guard: before sending, the rows it does not know as
done are looked up in 1C in bulk (:mod:`.found`), so a fresh or lost ledger re-running a file finds
what the earlier run created — also on a base that ignores client keys — and reports it as already
present. Two runs importing the same rows into one base at once are kept apart by a lock on the
base and the rows' identities, whatever ledgers they use.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import Enum
from pathlib import Path
from typing import Any

from ..errors import BusinessError, KeyExistsError, ODataError, OnecError, ResponseError, TransportError
from ..errors import ServerUnavailable as _Unavailable
from ..history import History
from ..local.inputs import InputRow
from ..local.ledger import Entry, Ledger, default_ledger_path
from ..local.lock import RunLock, rows_lock
from . import found as in_1c
from .found import Found
from .prepare import Prepared, Preparer, RowResult, Status
from .spec import NewEvent

__all__ = ["EventWriter", "Outcome", "Summary", "outcome_of"]

log = logging.getLogger("onec_history.create")

# Failures after which nobody knows whether 1C applied the write.
_UNKNOWN = (TransportError, _Unavailable, ResponseError)


class Outcome(Enum):
    """What a write came to — one row, or a whole import (the command maps it to its exit code)."""

    OK = "ok"  # every row is in 1C: created now, or already present
    PARTIAL = "partial"  # some rows failed (or an event was created but could not be posted)
    NOTHING_TO_DO = "nothing_to_do"  # no rows at all
    INVALID = "invalid"  # no row was valid: nothing could be sent
    AMBIGUOUS = "ambiguous"  # a name matched several objects
    NOT_FOUND = "not_found"  # a name, code or reference matched nothing in the base
    FAILED = "failed"  # 1C or the connection failed: ``RowResult.exc`` says how


@dataclass
class Summary:
    """Per-row results of an import, in input order, and what they add up to."""

    results: list[RowResult] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for r in self.results:
            out[r.status.value] += 1
        return out

    @property
    def outcome(self) -> Outcome:
        """OK when every row succeeded; INVALID when no row was valid; NOTHING_TO_DO for no rows at all."""
        if not self.results:
            return Outcome.NOTHING_TO_DO
        if all(r.ok for r in self.results):
            return Outcome.OK
        if not any(r.ok for r in self.results) and all(r.error in ("invalid", "ambiguous", "not_found", "skipped")
                                                       for r in self.results):
            return Outcome.INVALID
        return Outcome.PARTIAL

    def describe(self) -> str:
        c = self.counts()
        parts = [f"{len(self.results)} rows: {c['created']} created", f"{c['already_present']} already present",
                 f"{c['failed']} failed"]
        for key, label in (("post_failed", "created but not posted"), ("would_create", "would be created"),
                           ("skipped", "skipped")):
            if c[key]:
                parts.append(f"{c[key]} {label}")
        return ", ".join(parts)


class EventWriter:
    """Creates events in one base, one at a time or in batches, exactly once per row identity."""

    def __init__(
        self,
        history: History,
        ledger: Ledger,
        *,
        jobs: int = 1,
        id_namespace: str = "",
        server_tz: tzinfo | None = None,
        defaults: dict[str, Any] | None = None,
        max_attempts: int = 10,
        backoff: float = 0.25,
        max_backoff: float = 10.0,
        unreachable_after: int = 3,
        clock: Callable[[], datetime] = datetime.now,
        sleep: Callable[[float], None] = time.sleep,
        lock_dir: Path | None = None,
    ) -> None:
        """``lock_dir`` holds the locks that keep two imports of the same rows apart (default: a
        ``locks`` folder beside the default ledger, so runs with different ledgers meet there)."""
        self.history = history
        self.client = history.client
        self.ledger = ledger
        self.jobs = max(1, jobs)
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.unreachable_after = max(1, unreachable_after)
        self.sleep = sleep
        self._prep_args: dict[str, Any] = {"id_namespace": id_namespace, "server_tz": server_tz,
                                           "defaults": defaults, "clock": clock}
        self._preparer: Preparer | None = None
        self._mode: bool | None = ledger.honours_keys()
        self._mode_lock = threading.Lock()
        self.lock_dir = lock_dir

    @property
    def preparer(self) -> Preparer:
        if self._preparer is None:
            self._preparer = Preparer(self.history, **self._prep_args)
        return self._preparer

    @property
    def event_set(self) -> str:
        """The event set (families A, B; family C writes each row to the interaction of its kind)."""
        return self.history.profile.event_set

    # -- public entry points ----------------------------------------------------------------------
    def create(self, event: NewEvent, *, dry_run: bool = False) -> RowResult:
        """Create one event (exactly once for its identity); the result carries 1C's reference."""
        prepared, bad = self.preparer.prepare([(None, event)])
        if bad:
            return bad[0]
        return self.deliver(prepared, dry_run=dry_run)[0]

    def import_rows(self, rows: Iterable[InputRow], *, source: str | None = None, dry_run: bool = False,
                    fail_fast: bool = False, on_result: Callable[[RowResult], None] | None = None,
                    on_prepared: Callable[[int], None] | None = None) -> Summary:
        """Validate every row first, then write the valid ones; bad rows never stop good ones
        unless ``fail_fast`` (then nothing is sent when any row is invalid)."""
        parsed, bad = self.preparer.parse(rows)
        prepared, more_bad = self.preparer.prepare(parsed, source=source)
        bad.extend(more_bad)
        failed_early = [r for r in bad if not r.ok]
        if on_prepared is not None:
            on_prepared(len(prepared))
        if fail_fast and failed_early:
            first = min(failed_early, key=lambda r: r.line or 0)
            done = [RowResult(p.line, Status.SKIPPED, external_id=p.event.external_id, error="skipped",
                              message=f"not sent: --fail-fast, and line {first.line} is invalid") for p in prepared]
        else:
            done = self.deliver(prepared, dry_run=dry_run, fail_fast=fail_fast, on_result=on_result)
        by_identity = {p.identity: r for p, r in zip(prepared, done, strict=True)}
        for r in bad:
            twin = by_identity.get(r.twin_of or "")
            if twin is not None:
                r.ref, r.number = twin.ref, twin.number
                if not twin.ok:
                    r.status, r.error = twin.status, twin.error
                    r.message = f"{r.message}, which was not written: {twin.message}"
        results = sorted([*done, *bad], key=lambda r: (r.line is None, r.line or 0))
        return Summary(results)

    # -- delivery ---------------------------------------------------------------------------------
    def deliver(self, items: list[Prepared], *, dry_run: bool = False, fail_fast: bool = False,
                on_result: Callable[[RowResult], None] | None = None) -> list[RowResult]:
        """Write prepared rows with at most ``jobs`` requests in flight; results in ``items`` order."""
        with ExitStack() as held:
            if not dry_run:  # a dry run only reads: it may look while another run writes
                held.enter_context(self.ledger.exclusive())
                held.enter_context(self._rows_lock(items))
            entries = self.ledger.get_many(p.identity for p in items)
            found, unsure = self._earlier(items, entries)
            results: list[RowResult | None] = [None] * len(items)
            todo: list[int] = []
            for i, p in enumerate(items):
                e = entries.get(p.identity)
                there = found.get(p.identity)
                if e is not None and e.state == "done" and (dry_run or not self._follows(p) or e.posted):
                    results[i] = self._known(p, e)
                elif dry_run and there is not None:
                    results[i] = RowResult(p.line, Status.PRESENT, ref=there.ref, number=there.number,
                                           external_id=p.event.external_id, message=_FOUND,
                                           entity_set=self._set_of(p))
                elif dry_run:
                    results[i] = self._dry(p, e)
                else:
                    todo.append(i)
                if results[i] is not None and on_result is not None:
                    on_result(results[i])  # type: ignore[arg-type]
            for i, r in self._run(items, todo, entries, fail_fast, found, unsure):
                results[i] = r
                if on_result is not None:
                    on_result(r)
        return [r for r in results if r is not None]

    def _rows_lock(self, items: list[Prepared]) -> RunLock:
        """A second import of the same rows (with any ledger) cannot run alongside this one."""
        return rows_lock(self.ledger.base, self.ledger.url, (p.identity for p in items),
                         self.lock_dir or default_ledger_path().parent / "locks")

    def _earlier(self, items: list[Prepared], entries: dict[str, Entry]) -> tuple[dict[str, Found], bool]:
        """The rows 1C already has though the ledger does not know them as done, found in bulk;
        and whether that could not be asked (then each row is looked up before it is sent)."""
        rows = [p for p in items if not ((e := entries.get(p.identity)) is not None and e.state == "done")]
        if not rows:
            return {}, False
        mode = self._mode
        by_set: dict[str, list[Prepared]] = {}
        for p in rows:
            by_set.setdefault(self._set_of(p), []).append(p)
        found: dict[str, Found] = {}
        try:
            for event_set, group in by_set.items():
                found.update(in_1c.by_keys(self.client, event_set, group) if mode is not False else {})
            if found:
                self._learn(True)
            elif mode is not True:
                for event_set, group in by_set.items():
                    shaper = self.preparer.shaper_of(group[0])
                    found.update(in_1c.by_markers(self.client, event_set, shaper, group))
                if any(not f.key_kept for f in found.values()):
                    self._learn(False)
        except OnecError as exc:
            log.warning("could not look up earlier creations in bulk (%s); each row is looked up before "
                        "it is sent", exc.message)
            return {}, True
        if found:
            log.info("%d of %d rows are already in 1C though the ledger did not know them", len(found), len(rows))
        return found, False

    def _run(self, items: list[Prepared], todo: list[int], entries: dict[str, Entry], fail_fast: bool,
             found: dict[str, Found], unsure: bool) -> Iterator[tuple[int, RowResult]]:
        pending = iter(todo)
        stop: str | None = None
        consecutive = 0
        with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="onec-create") as pool:
            inflight: dict[Future[RowResult], int] = {}
            while True:
                # One at a time until the base has shown whether it keeps our keys.
                limit = self.jobs if self._mode is not None else 1
                while stop is None and len(inflight) < limit:
                    i = next(pending, None)
                    if i is None:
                        break
                    p = items[i]
                    inflight[pool.submit(self._one, p, entries.get(p.identity), found.get(p.identity),
                                         unsure)] = i
                if not inflight:
                    break
                finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in finished:
                    i = inflight.pop(fut)
                    r = fut.result()
                    yield i, r
                    if r.ok:
                        consecutive = 0
                        continue
                    if fail_fast and stop is None:
                        stop = f"not sent: --fail-fast, and line {r.line} failed"
                    if r.error in ("unreachable", "unknown_outcome"):
                        consecutive += 1
                        if consecutive >= self.unreachable_after and stop is None:
                            stop = f"not sent: the base stopped answering ({r.message})"
        for i in pending:
            p = items[i]
            yield i, RowResult(p.line, Status.SKIPPED, external_id=p.event.external_id, error="skipped",
                               message=stop or "not sent")

    def _known(self, p: Prepared, e: Entry) -> RowResult:
        note = "" if e.content in (None, p.content) else (
            "; the ledger holds other content for this external_id (events are never updated by import)")
        return RowResult(p.line, Status.PRESENT, ref=e.created_ref, external_id=p.event.external_id,
                         message=f"{e.how or 'written'} {e.updated[:10]}{note}", entity_set=self._set_of(p))

    def _dry(self, p: Prepared, e: Entry | None) -> RowResult:
        note = "an earlier attempt's outcome is unknown: it would be looked up first" if e is not None \
            and e.state == "pending" else ""
        after = self.preparer.shaper_of(p).after_write_note(p.event)
        note = "; ".join(n for n in (note, f"then {after}" if after else "") if n)
        return RowResult(p.line, Status.WOULD_CREATE, ref=str(p.ref_key) if self._mode is not False else None,
                         external_id=p.event.external_id, message=note, body=self.body(p),
                         entity_set=self._set_of(p))

    def _set_of(self, p: Prepared) -> str:
        """The document ``p`` is written to (family C: the interaction of its kind)."""
        return p.event_set or self.event_set

    def _follows(self, p: Prepared) -> bool:
        """Whether something is written after the event: posting it, a planned interaction's due date."""
        return p.event.post or self.preparer.shaper_of(p).needs_after_write(p.event)

    def body(self, p: Prepared) -> dict[str, Any]:
        """The exact body this row is sent with, under what is known about the base now."""
        mode = self._mode
        return self.preparer.shaper_of(p).body(
            p.event, p.resolved, ref_key=None if mode is False else p.ref_key,
            marker=None if mode is True else p.marker, now=self.preparer.clock())

    def _learn(self, honours: bool) -> None:
        with self._mode_lock:
            if self._mode is honours:
                return
            if self._mode is not None:
                log.warning("the base %s client-chosen keys now", "honours" if honours else "ignores")
            self._mode = honours
        self.ledger.set_honours_keys(honours)

    def _pause(self, attempt: int) -> None:
        # Jittered exponential: a dropped connection is usually one-off, a busy 1C needs air.
        self.sleep(random.uniform(0.5, 1.0) * min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))

    def _one(self, p: Prepared, entry: Entry | None, there: Found | None = None, unsure: bool = False) -> RowResult:
        """Resolve and (re)send one row until its outcome is known or the attempts run out."""
        if entry is not None and entry.state == "done" and entry.created_ref:
            return self._posted(p, entry.created_ref, None, Status.PRESENT)
        if there is not None:  # created by an earlier run whose ledger this one does not have
            self.ledger.done(p.identity, there.ref, "present", ref_key=str(p.ref_key), content=p.content)
            return self._posted(p, there.ref, there.number, Status.PRESENT, note=_FOUND)
        check = unsure or (entry is not None and entry.state == "pending")
        marked = entry.marker if entry is not None else False
        last: OnecError | None = None
        sent = False  # by this call: what is then found in 1C was created by this run
        for attempt in range(self.max_attempts):
            if attempt:
                self._pause(attempt)
            if check:
                try:
                    confirmed = self._confirmed(p, marked, sent, last)
                except OnecError as exc:  # any failure to look: ask again later, never send blind
                    last = exc
                    continue
                if confirmed is not None:
                    return confirmed
            mode = self._mode
            body = self.body(p)
            self.ledger.intend(p.identity, str(p.ref_key), content=p.content, source=p.source, line=p.line,
                               marker=mode is not True)
            marked = marked or mode is not True
            earlier, sent = sent, True
            try:
                created = self.client.create(self._set_of(p), body)
            except KeyExistsError:
                # Our key is already taken: the event exists from an earlier attempt (code 15).
                self._learn(True)
                self.ledger.done(p.identity, str(p.ref_key), "created" if earlier else "present", content=p.content)
                return self._posted(p, str(p.ref_key), None, Status.CREATED if earlier else Status.PRESENT)
            except _UNKNOWN as exc:
                last, check = exc, True
                self.ledger.note(p.identity, f"outcome unknown: {exc.message}")
                log.info("line %s: %s; will look it up before sending again", p.line, exc.message)
                continue
            except ODataError as exc:
                if exc.code is None:
                    # No 1C error code: a proxy or web server answered, not 1C. Whether the request
                    # reached 1C is unknown, so it is looked up like a dropped connection.
                    last, check = exc, True
                    self.ledger.note(p.identity, f"outcome unknown: HTTP {exc.status} {exc.message}")
                    continue
                if mode is None and "Ref_Key" in body and (exc.code == "16" or "Ref_Key" in exc.message):
                    self._learn(False)  # the base refuses client-chosen keys outright: nothing was created
                    self.ledger.note(p.identity, exc.message)
                    continue
                self.ledger.failed(p.identity, exc.message)
                return RowResult(p.line, Status.FAILED, external_id=p.event.external_id, error="refused",
                                 message=f"1C refused: {exc.message}", exc=exc)
            ref = str(created.get("Ref_Key") or "")
            if "Ref_Key" in body:
                self._learn(ref.lower() == str(p.ref_key))
            self.ledger.done(p.identity, ref, "created", ref_key=str(p.ref_key), content=p.content)
            return self._posted(p, ref, in_1c.number_of(created), Status.CREATED)
        return self._gave_up(p, last, sent or check)

    def _confirmed(self, p: Prepared, marked: bool, sent: bool, last: OnecError | None) -> RowResult | None:
        """The row's result when 1C already has its event, else None (a failure to look raises)."""
        found = self._lookup(p, marked)
        if found is None:
            return None
        ref, number = found
        self.ledger.done(p.identity, ref, "created" if sent else "present", ref_key=str(p.ref_key),
                         content=p.content)
        return self._posted(p, ref, number, Status.CREATED if sent else Status.PRESENT,
                            note=f"confirmed by looking it up after: {last.message}" if sent and last else "")

    def _gave_up(self, p: Prepared, last: OnecError | None, pending: bool) -> RowResult:
        """After the last attempt: ``pending`` when the row may be in 1C (sent, or an earlier outcome unknown)."""
        kind = "unreachable" if isinstance(last, TransportError | _Unavailable) else "unknown_outcome"
        why = last.message if last else "unknown"
        if pending and self.ledger.get(p.identity) is not None:
            message = (f"no definite answer after {self.max_attempts} attempts ({why}); the ledger keeps it "
                       "pending: a re-run looks it up before sending again")
        else:
            message = (f"not sent: 1C could not be asked whether an earlier run created it, "
                       f"{self.max_attempts} attempts ({why}); nothing was written")
        return RowResult(p.line, Status.FAILED, external_id=p.event.external_id, error=kind, exc=last,
                         message=message)

    def _lookup(self, p: Prepared, marked: bool) -> tuple[str, str | None] | None:
        """(ref, number) of this row's event if 1C already has it."""
        mode = self._mode
        there = in_1c.one(self.client, self._set_of(p), self.preparer.shaper_of(p), p, by_key=mode is not False,
                          by_marker=mode is not True or marked)
        if there is None:
            return None
        if there.key_kept:
            self._learn(True)
        elif mode is None:
            self._learn(False)
        return there.ref, there.number

    def _posted(self, p: Prepared, ref: str, number: str | None, status: Status, *, note: str = "") -> RowResult:
        """Post the event when asked, and write what follows it (family C: a planned interaction's
        due date); a failure leaves it created and says so with 1C's message."""
        result = RowResult(p.line, status, ref=ref, number=number, external_id=p.event.external_id, message=note,
                           entity_set=self._set_of(p))
        shaper = self.preparer.shaper_of(p)
        if shaper.needs_after_write(p.event):
            try:
                shaper.after_write(self.client, p, ref)
            except OnecError as exc:
                what = "created" if status is Status.CREATED else "already present"
                result.status, result.error, result.exc = Status.POST_FAILED, "after_write", exc
                result.message = (f"{what}, but {shaper.after_write_note(p.event) or 'what follows it'} failed: "
                                  f"{exc.message}; a re-run writes it")
                return result
            if not p.event.post:
                self.ledger.posted(p.identity)  # nothing else follows: the row is complete
                return result
        if not p.event.post:
            return result
        why = ""
        for attempt in range(3):
            try:
                self.client.post_document(self._set_of(p), ref)
            except BusinessError as exc:
                why = f"1C refused to post it: {exc.message}"
                break
            except OnecError as exc:
                why = f"posting failed: {exc.message}"
                if isinstance(exc, ODataError) and exc.code is not None:
                    break  # 1C's own refusal; an answer without a 1C code came from in front of it
                self._pause(attempt + 1)  # posting is idempotent: asking again is safe
            else:
                self.ledger.posted(p.identity)
                return result
        what = "created" if status is Status.CREATED else "already present"
        result.status, result.error, result.message = Status.POST_FAILED, "post", f"{what}, but {why}"
        return result


_FOUND = ("found in 1C by its key or marker: created by an earlier run whose ledger this run "
          "does not have")


def outcome_of(result: RowResult) -> Outcome:
    """What a single create came to; FAILED carries its cause in ``result.exc``."""
    if result.ok:
        return Outcome.OK
    if result.error == "ambiguous":
        return Outcome.AMBIGUOUS
    if result.error == "not_found":
        return Outcome.NOT_FOUND
    if result.error in ("post", "after_write"):
        return Outcome.PARTIAL
    if result.exc is not None:
        return Outcome.FAILED
    return Outcome.INVALID
