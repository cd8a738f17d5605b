"""One rule for the SQLite connections that objects of onec-history own.

An owner (a ledger, the demo base's store, an export state under construction) closes its
connection in ``close()``; when a script drops the owner without closing it, the connection is
closed as the owner is collected, as a file object closes its descriptor — never left for the
garbage collector to find open (Python 3.13 reports that as an unclosed database).
"""

from __future__ import annotations

import contextlib
import sqlite3
import weakref

__all__ = ["owned_by"]


def _close(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):  # a connection another thread still uses: nothing left to do
        conn.close()


def owned_by(owner: object, conn: sqlite3.Connection) -> sqlite3.Connection:
    """Tie ``conn`` to ``owner``: closed when the owner is collected or at exit; returns ``conn``."""
    weakref.finalize(owner, _close, conn)
    return conn
