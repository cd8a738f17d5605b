"""Changing events: complete, cancel, reschedule, reassign, mark for deletion — one or in bulk.

>>> ledger = ChangeLedger(default_ledger_path(), client.transport.safe_base_url)  # doctest: +SKIP
>>> updater = Updater(History(client), ledger)  # doctest: +SKIP
>>> updater.run([Target("Событие 270", Change(state=EventState.COMPLETED))])  # doctest: +SKIP
"""

from __future__ import annotations

from ..local.change_ledger import ChangeEntry, ChangeLedger
from .change import FIELDS, KEY_COLUMNS, Change, parse_change, parse_set
from .plan import Diff, Plan, Status, Target, Updater, UpdateResult

__all__ = ["FIELDS", "KEY_COLUMNS", "Change", "ChangeEntry", "ChangeLedger", "Diff", "Plan", "Status", "Target",
           "UpdateResult", "Updater", "parse_change", "parse_set"]
