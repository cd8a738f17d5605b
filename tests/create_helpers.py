"""Helpers of the create/import tests (fixtures are in conftest.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from onec_history.client import Client
from onec_history.create import EventWriter, Ledger
from onec_history.history import History
from onec_history.transport import RetryPolicy, Transport

HEADER = ["external_id", "counterparty", "kind", "direction", "state", "start", "subject"]


def make_history(url: str) -> History:
    transport = Transport(url, retry=RetryPolicy(attempts=6, backoff=0.005, max_backoff=0.02, deadline=30))
    return History(Client(transport, page_size=500))


def make_writer(url: str, ledger: str | Path = ":memory:", **kw: Any) -> EventWriter:
    kw.setdefault("backoff", 0.005)
    kw.setdefault("max_backoff", 0.02)
    return EventWriter(make_history(url), Ledger(ledger, url), **kw)


def calls_csv(n: int, *, counterparty: str = "7701000001", delimiter: str = ";", first: int = 0) -> str:
    """``n`` distinct incoming calls of one client, each with an external_id."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(HEADER)
    for i in range(first, first + n):
        w.writerow([f"call-{i}", counterparty, "call", "incoming", "completed",
                    f"2024-03-{1 + i % 28:02d} {8 + i % 10:02d}:{i % 60:02d}:{(i // 60) % 60:02d}", f"Импорт {i}"])
    return buf.getvalue()
