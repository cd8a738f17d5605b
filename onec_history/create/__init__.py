"""Creating events: one at a time or in batches from CSV/JSONL files, exactly once per row.

>>> ledger = Ledger(default_ledger_path(), client.transport.safe_base_url)  # doctest: +SKIP
>>> writer = EventWriter(History(client), ledger, jobs=4)  # doctest: +SKIP
>>> writer.create(NewEvent(kind="call", start=datetime(2024, 5, 6, 10), counterparty="7701000001"))  # doctest: +SKIP
>>> summary = writer.import_rows(read_rows("calls.csv"), source="calls.csv")  # doctest: +SKIP
"""

from __future__ import annotations

from ..local.inputs import COLUMNS, InputRow, read_rows
from ..local.ledger import Entry, Ledger, LedgerLocked, default_ledger_path
from .batch import EventWriter, Outcome, Summary, outcome_of
from .prepare import Prepared, RowResult, Status
from .spec import NewEvent, RowError, Vocabulary, parse_row, ref_key_for

__all__ = [
    "COLUMNS",
    "Entry",
    "EventWriter",
    "InputRow",
    "Ledger",
    "LedgerLocked",
    "NewEvent",
    "Outcome",
    "Prepared",
    "RowError",
    "RowResult",
    "Status",
    "Summary",
    "Vocabulary",
    "default_ledger_path",
    "outcome_of",
    "parse_row",
    "read_rows",
    "ref_key_for",
]
