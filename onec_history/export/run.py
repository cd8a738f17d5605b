"""One export run as cron needs it: the run lock, stale partials, the state, the output, in order.

>>> result = run_export(history, EventFilter(since=datetime(2026, 1, 1)), "events.csv",  # doctest: +SKIP
...                     state_path="events.state")
>>> result.summary()  # doctest: +SKIP

A run holds the lock (``--lock``; by default ``STATE.lock``, else ``OUTPUT.lock``), removes what a
killed run left beside the output and the state, writes the rows to a temporary file beside the
output and commits the output first, the state second: a crash between the two exports the same
changes again next time (at least once) instead of losing them. A stream target (stdout) gets
the rows as they come; a format that seeks (XLSX) is built in a temporary file and then copied.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path
from typing import BinaryIO

from ..history import EventFilter, History
from ..local.lock import RunLock, lock_path_for
from .export import ExportOptions, ExportResult, export_events
from .state import StateFile, scope_key
from .writers import AtomicOutput, cleanup_stale_partials, needs_seek

__all__ = ["Target", "default_lock_path", "run_export", "state_meta"]

#: A file to replace atomically, or an open binary stream (``sys.stdout.buffer``) to write to.
Target = str | os.PathLike[str] | BinaryIO


def run_export(history: History, flt: EventFilter, target: Target, *, options: ExportOptions | None = None,
               state_path: str | Path | None = None, lock_path: str | Path | None = None,
               progress: Callable[[int], None] | None = None) -> ExportResult:
    """Export the events of ``flt`` to ``target``: incremental against ``state_path`` when given.

    Raises :class:`~onec_history.errors.LockedError` when another run holds the lock; the output
    and the state are then untouched. Any failure leaves the old output and the old state as
    they were. ``progress`` is called with the number of rows written after each page.
    """
    opts = options or ExportOptions()
    path = Path(target) if isinstance(target, str | os.PathLike) else None
    state = Path(state_path) if state_path is not None else None
    lock = Path(lock_path) if lock_path is not None else default_lock_path(path, state)
    with RunLock(lock) if lock is not None else nullcontext():
        # Under the lock no other run can be writing them: partial files now are a killed run's.
        if path is not None:
            cleanup_stale_partials(path)
        if state is not None:
            cleanup_stale_partials(state)
        return _export(history, flt, target, opts, state, progress)


def default_lock_path(output: Path | None, state_path: Path | None) -> Path | None:
    """``STATE.lock`` for an incremental run, else ``OUTPUT.lock``; none for a stream without state."""
    if state_path is not None:
        return lock_path_for(state_path)
    return lock_path_for(output) if output is not None else None


def state_meta(history: History, flt: EventFilter) -> dict[str, str]:
    """What a state file belongs to: the base, the event set(s), the filters and the period.

    Family C names its six interaction documents, published or not: publishing one more later
    keeps the state (its events come as new), instead of refusing it as another base's.
    """
    scope = scope_key({"counterparty": flt.counterparty, "kind": flt.kind, "state": flt.state,
                       "direction": flt.direction, "responsible": flt.responsible})
    return {"base": history.base.key, "event_set": ",".join(history.profile.event_sets()), "scope": scope,
            "since": flt.since.isoformat() if flt.since else "", "until": flt.until.isoformat() if flt.until else ""}


def _export(history: History, flt: EventFilter, target: Target, options: ExportOptions, state_path: Path | None,
            progress: Callable[[int], None] | None) -> ExportResult:
    # This opens the base (detects its profile) first: the result counts the export's own requests.
    meta = state_meta(history, flt)
    with ExitStack() as stack:
        run = stack.enter_context(StateFile(state_path).begin(meta)) if state_path is not None else None
        stream, commit = stack.enter_context(_sink(target, seek=needs_seek(options.fmt)))
        result = export_events(history, flt, stream, options=options, state=run, progress=progress)
        # Output first, state second: a crash between the two re-exports the same changes next
        # time (at least once) instead of losing them.
        commit()
        if run is not None:
            run.commit()
    return result


@contextmanager
def _sink(target: Target, *, seek: bool) -> Iterator[tuple[BinaryIO, Callable[[], None]]]:
    """The stream the writer gets and what completes the output; leaving without it discards."""
    if isinstance(target, str | os.PathLike):
        atomic = AtomicOutput(Path(target))
        with atomic as stream:
            yield stream, atomic.commit
        return
    out = target
    if not seek:
        yield out, out.flush
        return
    # An XLSX file is a zip archive, written with seeks: build it in a temporary file, then copy
    # it to the stream (``… --format xlsx > out.xlsx`` or ``| ssh …``).
    with tempfile.TemporaryFile() as tmp:

        def copy() -> None:
            tmp.seek(0)
            shutil.copyfileobj(tmp, out)
            out.flush()

        yield tmp, copy
