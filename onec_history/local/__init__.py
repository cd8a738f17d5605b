"""What onec-history keeps on the local disk: input files, the write ledger, run locks.

Nothing here talks to 1C: :mod:`.inputs` reads CSV/JSONL rows, :mod:`.ledger` records every write
intent before it is sent, :mod:`.lock` keeps two runs of one job apart.
"""

from __future__ import annotations

from .inputs import COLUMNS, InputRow, read_rows
from .ledger import Entry, Ledger, LedgerLocked, default_ledger_path
from .lock import RunLock, lock_path_for

__all__ = ["COLUMNS", "Entry", "InputRow", "Ledger", "LedgerLocked", "RunLock", "default_ledger_path",
           "lock_path_for", "read_rows"]
