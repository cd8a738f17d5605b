"""One export run as cron needs it: the run lock, stale partials, the state, the output, in order.

>>> result = run_export(history, EventFilter(since=datetime(2026, 1, 1)), "events.csv",  # doctest: +SKIP
...                     state_path="events.state")
>>> result.summary()  # doctest: +SKIP

A run holds a lock on each file it replaces — the output and the state — kept in the user's
locks folder (``paths.data_dir()/locks``, beside the imports' locks: nothing is left beside the
output), named by a hash of the file's absolute path, so two runs writing the same file under
different spellings (``./out.csv``, ``/data/out.csv``, a symlink) still meet; ``--lock FILE`` adds
one of the caller's. The lock is the operating system's (``flock``), released when its process
ends, however it ends: a killed run never blocks the next one. Under the locks the run removes
what a killed run left beside the output and the state, writes the rows to a temporary file
beside the output and commits the output first, the state second: a crash between the two
exports the same changes again next time (at least once) instead of losing them. A stream target (stdout) gets
the rows as they come; a format that seeks (XLSX) is built in a temporary file and then copied.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO

from .. import paths
from ..history import EventFilter, History
from ..local.lock import RunLock
from .export import ExportOptions, ExportResult, export_events
from .state import StateFile, scope_key
from .writers import AtomicOutput, cleanup_stale_partials, needs_seek

__all__ = ["Target", "export_locks", "lock_folder", "run_export", "state_meta"]

#: A file to replace atomically, or an open binary stream (``sys.stdout.buffer``) to write to.
Target = str | os.PathLike[str] | BinaryIO


def run_export(history: History, flt: EventFilter, target: Target, *, options: ExportOptions | None = None,
               state_path: str | Path | None = None, lock_path: str | Path | None = None,
               progress: Callable[[int], None] | None = None,
               on_stage: Callable[[str, int | None], None] | None = None, scan_total: bool = True) -> ExportResult:
    """Export the events of ``flt`` to ``target``: incremental against ``state_path`` when given.

    Raises :class:`~onec_history.errors.LockedError` when another run holds a lock on the output
    or the state (or ``lock_path``); the output and the state are then untouched. Any failure
    leaves the old output and the old state as they were. ``progress``, ``on_stage`` and
    ``scan_total`` are those of :func:`~onec_history.export.export_events`.
    """
    opts = options or ExportOptions()
    path = Path(target) if isinstance(target, str | os.PathLike) else None
    state = Path(state_path) if state_path is not None else None
    with ExitStack() as held:
        if lock_path is not None:
            held.enter_context(RunLock(lock_path))
        for lock in export_locks(path, state):
            held.enter_context(lock)
        # Under the locks no other run can be writing them: partial files now are a killed run's.
        if path is not None:
            cleanup_stale_partials(path)
        if state is not None:
            cleanup_stale_partials(state)
        return _export(history, flt, target, opts, state, (progress, on_stage, scan_total))


def lock_folder() -> Path:
    """Where the export's locks live: the user's data folder's ``locks`` (the imports' locks too)."""
    return paths.data_dir() / "locks"


def export_locks(output: Path | None, state_path: Path | None, *, folder: Path | None = None) -> list[RunLock]:
    """One lock per file the run replaces (the output, the state), in ``folder`` (:func:`lock_folder`).

    Keyed by the file's absolute, resolved path (case-folded where the file system ignores case),
    so every spelling of one file takes the same lock. A stream without a state needs none.
    """
    where = folder or lock_folder()
    locks: dict[str, RunLock] = {}
    for file, what in ((output, "writing"), (state_path, "updating the state file")):
        if file is None:
            continue
        absolute = os.path.normcase(str(Path(file).resolve()))
        digest = hashlib.sha256(absolute.encode("utf-8", "surrogatepass")).hexdigest()[:24]
        if digest in locks:
            continue
        where.mkdir(parents=True, exist_ok=True)
        locks[digest] = RunLock(where / f"export-{digest}.lock",
                                message=f"Another onec-history export is {what} {absolute}",
                                hint="Wait for it to finish and run again (cron sees exit 14). A run that was "
                                     "killed releases the lock when its process ends.")
    return list(locks.values())


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
            hooks: tuple[Callable[[int], None] | None, Callable[[str, int | None], None] | None, bool]
            ) -> ExportResult:
    # This opens the base (detects its profile) first: the result counts the export's own requests.
    meta = state_meta(history, flt)
    with ExitStack() as stack:
        run = stack.enter_context(StateFile(state_path).begin(meta)) if state_path is not None else None
        stream, commit = stack.enter_context(_sink(target, seek=needs_seek(options.fmt)))
        progress, on_stage, scan_total = hooks
        result = export_events(history, flt, stream, options=options, state=run, progress=progress,
                               on_stage=on_stage, scan_total=scan_total)
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
