"""The local ledger of event changes: a change applied once is not applied again.

Beside the import ledger's table (same SQLite file, its own table): per base and per change
identity (the event and the new values, :meth:`Change.identity`) whether the write was *attempted*
(``pending``, synced before the PATCH leaves), *done* (with the ``DataVersion`` 1C gave the event)
or *failed*. A re-run of the same bulk file skips what is done; a pending change is settled by
reading the event (the values hold, or they are written again with the version just read).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..transport import base_key
from .ledger import open_ledger_db
from .sqlite import owned_by

__all__ = ["ChangeEntry", "ChangeLedger"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS changes (
    base TEXT NOT NULL,
    identity TEXT NOT NULL,
    ref TEXT NOT NULL,
    state TEXT NOT NULL,           -- pending | done | failed
    version_before TEXT,
    version_after TEXT,
    line INTEGER,
    message TEXT,
    updated TEXT NOT NULL,
    PRIMARY KEY (base, identity)
);
"""


@dataclass(frozen=True)
class ChangeEntry:
    identity: str
    ref: str
    state: str
    version_before: str | None
    version_after: str | None
    updated: str


class ChangeLedger:
    """The change ledger of one base in one SQLite file; safe to share between threads."""

    def __init__(self, path: str | Path, url: str) -> None:
        self.path = str(path)
        self.base = base_key(url)
        self._lock = threading.Lock()
        self._db = owned_by(self, open_ledger_db(self.path, _SCHEMA))

    @contextmanager
    def _tx(self, *, sync: bool = False) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if sync:
                self._db.execute("PRAGMA synchronous=FULL")
            try:
                yield self._db
            finally:
                if sync:
                    self._db.execute("PRAGMA synchronous=NORMAL")

    def get(self, identity: str) -> ChangeEntry | None:
        with self._lock:
            row = self._db.execute(
                "SELECT identity, ref, state, version_before, version_after, updated FROM changes "
                "WHERE base = ? AND identity = ?", (self.base, identity)).fetchone()
        return ChangeEntry(*row) if row else None

    def intend(self, identity: str, ref: str, version: str | None, *, line: int | None = None) -> None:
        """Record the attempt (synced) before the write leaves."""
        with self._tx(sync=True) as db:
            db.execute(
                "INSERT INTO changes (base, identity, ref, state, version_before, line, updated) "
                "VALUES (?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (base, identity) DO UPDATE SET "
                "state = 'pending', version_before = excluded.version_before, line = excluded.line, "
                "updated = excluded.updated", (self.base, identity, ref, version, line, _now()))

    def done(self, identity: str, version: str | None) -> None:
        with self._tx() as db:
            db.execute("UPDATE changes SET state = 'done', version_after = ?, message = NULL, updated = ? "
                       "WHERE base = ? AND identity = ?", (version, _now(), self.base, identity))

    def failed(self, identity: str, message: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE changes SET state = 'failed', message = ?, updated = ? WHERE base = ? AND identity = ?",
                       (message, _now(), self.base, identity))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> ChangeLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")
