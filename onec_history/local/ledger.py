"""The local ledger that makes imports exactly-once: intent before a write, result after.

One SQLite file (default ``$XDG_DATA_HOME/onec-history/ledger.sqlite``) holds, per base and per
row identity, the deterministic key, whether a create was *attempted* (``pending``: the outcome
is unknown until the base has been asked) or *finished* (``done`` with 1C's reference, or
``failed`` when 1C definitely refused), and whether the event was posted. It also remembers per
base whether 1C honoured a client-chosen ``Ref_Key``.

Every intent is committed and synced (``synchronous=FULL``) before the request leaves, so a
``kill -9`` or a power cut at any moment leaves either no trace (nothing was sent) or a
``pending`` row that the next run resolves by looking the key up in 1C before sending again.
Results are committed without a sync of their own: a result lost to a power cut only costs
that look-up.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import paths
from ..errors import ConfigError, LockedError
from ..transport import base_key
from .lock import RunLock
from .sqlite import owned_by

__all__ = ["Entry", "Ledger", "LedgerLocked", "base_key", "default_ledger_path"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bases (
    base TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    honours_keys INTEGER,          -- NULL: not known yet; 1 / 0 learnt from a real create
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rows (
    base TEXT NOT NULL,
    identity TEXT NOT NULL,
    ref_key TEXT NOT NULL,         -- the deterministic key we send
    state TEXT NOT NULL,           -- pending | done | failed
    created_ref TEXT,              -- the key 1C gave the event (= ref_key where keys are honoured)
    how TEXT,                      -- created | present
    marker INTEGER NOT NULL DEFAULT 0,  -- the sent body carried the [onec-history:…] marker
    posted INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    content TEXT,                  -- content hash, to notice an external_id reused for other content
    source TEXT,
    line INTEGER,
    message TEXT,
    first_seen TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (base, identity)
);
"""


LedgerLocked = LockedError
"""Another run holds the ledger's lock for this base (the one :class:`~onec_history.errors.LockedError`)."""


@dataclass(frozen=True)
class Entry:
    identity: str
    ref_key: str
    state: str
    created_ref: str | None
    how: str | None
    marker: bool
    posted: bool
    attempts: int
    content: str | None
    source: str | None
    line: int | None
    message: str | None
    updated: str


def default_ledger_path() -> Path:
    """``$XDG_DATA_HOME/onec-history/ledger.sqlite`` (``~/.local/share/…``); the platform's data
    folder elsewhere (paths.py). A ledger an earlier version kept in ``%LOCALAPPDATA%\\onec-history\\data``
    is still used there: a ledger moved silently would forget what was already created."""
    new = paths.data_dir() / "ledger.sqlite"
    if paths.on_windows():
        local = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return paths.legacy_or(new, Path(local) / paths.APP / "data" / "ledger.sqlite")
    return new


def open_ledger_db(path: str, schema: str) -> sqlite3.Connection:
    """A ledger's SQLite file (its folder made), in WAL mode, with ``schema`` applied; ConfigError
    when it cannot be opened. Shared by the import ledger and the change ledger (one file, two tables).

    Results need not survive a power cut (a lost result is only a look-up on the next run), so
    commits are not synced by default; an intent syncs, and with it everything before it.
    """
    if path != ":memory:":
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"Cannot create the ledger's folder for {path}: {exc.strerror}") from None
    try:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        if path != ":memory:":
            db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(schema)
    except sqlite3.Error as exc:
        raise ConfigError(f"Cannot open the ledger {path}: {exc}", hint="Choose another file with --ledger.") from None
    return db


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class Ledger:
    """The ledger of one base in one SQLite file; safe to share between threads."""

    def __init__(self, path: str | Path, url: str) -> None:
        """``url`` is the base's service root or its :func:`~onec_history.transport.base_key`."""
        self.path = str(path)
        self.url = url.partition("#")[0]
        self.base = base_key(url)
        self._lock = threading.Lock()
        self._lockfile: RunLock | None = None
        self._db = owned_by(self, open_ledger_db(self.path, _SCHEMA))
        try:
            self._db.execute(
                "INSERT OR IGNORE INTO bases (base, url, honours_keys, updated) VALUES (?, ?, NULL, ?)",
                (self.base, self.url, _now()),
            )
        except sqlite3.Error as exc:
            raise ConfigError(f"Cannot open the ledger {self.path}: {exc}",
                              hint="Choose another file with --ledger.") from None

    # -- run lock ---------------------------------------------------------------------------------
    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the per-base run lock: two runs on one base would each see the other's rows as new."""
        if self.path == ":memory:" or self._lockfile is not None:
            yield  # nothing to lock, or this object already holds it
            return
        digest = hashlib.sha256(self.base.encode("utf-8")).hexdigest()[:16]
        lock = RunLock(f"{self.path}.{digest}.lock",
                       message=f"Another onec-history run is importing into {self.url} with the ledger {self.path}",
                       hint="Wait for it to finish (a crashed run releases the lock when its process ends).")
        lock.acquire()
        self._lockfile = lock
        try:
            yield
        finally:
            self._lockfile = None
            lock.release()

    # -- per-base facts ---------------------------------------------------------------------------
    def honours_keys(self) -> bool | None:
        with self._lock:
            row = self._db.execute("SELECT honours_keys FROM bases WHERE base = ?", (self.base,)).fetchone()
        return None if row is None or row[0] is None else bool(row[0])

    def set_honours_keys(self, value: bool) -> None:
        with self._lock:
            self._db.execute("UPDATE bases SET honours_keys = ?, updated = ? WHERE base = ?",
                             (int(value), _now(), self.base))

    # -- rows -------------------------------------------------------------------------------------
    def get(self, identity: str) -> Entry | None:
        return self.get_many([identity]).get(identity)

    def get_many(self, identities: Iterable[str]) -> dict[str, Entry]:
        wanted = list(dict.fromkeys(identities))
        out: dict[str, Entry] = {}
        with self._lock:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i:i + 500]
                marks = ",".join("?" * len(chunk))
                for row in self._db.execute(
                    "SELECT identity, ref_key, state, created_ref, how, marker, posted, attempts, content, source, "
                    f"line, message, updated FROM rows WHERE base = ? AND identity IN ({marks})",
                    (self.base, *chunk),
                ):
                    out[row[0]] = _entry(row)
        return out

    def intend(self, identity: str, ref_key: str, *, content: str | None, source: str | None,
               line: int | None, marker: bool) -> None:
        """Record that a create is about to be sent (committed before returning)."""
        now = _now()
        with self._lock:
            # FULL: an intent must be on disk before the request that it announces is sent.
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(
                "INSERT INTO rows (base, identity, ref_key, state, marker, attempts, content, source, line, "
                "first_seen, updated) VALUES (?, ?, ?, 'pending', ?, 1, ?, ?, ?, ?, ?) "
                "ON CONFLICT (base, identity) DO UPDATE SET state = 'pending', "
                "marker = MAX(marker, excluded.marker), attempts = attempts + 1, source = excluded.source, "
                "line = excluded.line, message = NULL, updated = excluded.updated",
                (self.base, identity, ref_key, int(marker), content, source, line, now, now),
            )
            self._db.execute("PRAGMA synchronous=NORMAL")

    def done(self, identity: str, created_ref: str, how: str, *, ref_key: str | None = None,
             content: str | None = None) -> None:
        """The event exists in 1C: ``how`` is ``created`` (by this run) or ``present`` (found there)."""
        now = _now()
        with self._lock:
            self._db.execute(
                "INSERT INTO rows (base, identity, ref_key, state, created_ref, how, content, first_seen, updated) "
                "VALUES (?, ?, ?, 'done', ?, ?, ?, ?, ?) ON CONFLICT (base, identity) DO UPDATE SET "
                "state = 'done', created_ref = excluded.created_ref, how = excluded.how, message = NULL, "
                "content = COALESCE(rows.content, excluded.content), updated = excluded.updated",
                (self.base, identity, ref_key or created_ref, created_ref, how, content, now, now),
            )

    def failed(self, identity: str, message: str) -> None:
        """1C definitely refused the create: nothing exists, a later run may simply try again."""
        with self._lock:
            self._db.execute("UPDATE rows SET state = 'failed', message = ?, updated = ? "
                             "WHERE base = ? AND identity = ?", (message, _now(), self.base, identity))

    def note(self, identity: str, message: str) -> None:
        """Keep the last problem of a row whose outcome is still unknown."""
        with self._lock:
            self._db.execute("UPDATE rows SET message = ?, updated = ? WHERE base = ? AND identity = ?",
                             (message, _now(), self.base, identity))

    def posted(self, identity: str) -> None:
        with self._lock:
            self._db.execute("UPDATE rows SET posted = 1, updated = ? WHERE base = ? AND identity = ?",
                             (_now(), self.base, identity))

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {state: n for state, n in self._db.execute(
                "SELECT state, COUNT(*) FROM rows WHERE base = ? GROUP BY state", (self.base,))}

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _entry(row: tuple[Any, ...]) -> Entry:
    return Entry(identity=row[0], ref_key=row[1], state=row[2], created_ref=row[3], how=row[4],
                 marker=bool(row[5]), posted=bool(row[6]), attempts=int(row[7]), content=row[8], source=row[9],
                 line=row[10], message=row[11], updated=row[12])
