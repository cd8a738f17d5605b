"""Connections an object owns are closed when the object is dropped without close().

Python 3.13 reports every SQLite connection the garbage collector finds open; a script that drops a
ledger, an export state or a mirror engine must not leave one behind.
"""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.pool import QueuePool

from onec_history.local.change_ledger import ChangeLedger
from onec_history.local.ledger import Ledger
from onec_history.mirror.sync import EngineOwner, engine_for

URL = "http://1c.local/base/odata/standard.odata/"


@pytest.mark.parametrize("owner", [Ledger, ChangeLedger])
def test_a_dropped_ledger_closes_its_database(tmp_path: Path, owner: type[Ledger] | type[ChangeLedger]) -> None:
    ledger = owner(tmp_path / "ledger.sqlite", URL)
    db = ledger._db
    db.execute("SELECT 1")
    del ledger
    gc.collect()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        db.execute("SELECT 1")


def test_a_closed_ledger_can_be_dropped(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite", URL)
    ledger.close()
    del ledger
    gc.collect()  # the finalizer closes an already closed connection: nothing to report


class _Owner(EngineOwner):
    def __init__(self, url: str) -> None:
        self.engine = self._own(engine_for(url))  # as Mirror and MirrorReader take theirs


def test_a_dropped_engine_owner_closes_its_pooled_connections(tmp_path: Path) -> None:
    owner = _Owner(f"sqlite:///{tmp_path / 'mirror.sqlite'}")
    with owner.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    pool = owner.engine.pool
    assert isinstance(pool, QueuePool)  # a file database's pool
    assert pool.checkedin() == 1
    del owner, conn
    gc.collect()
    assert pool.checkedin() == 0
