"""Exports of events for cron: streaming CSV/JSONL/XLSX, atomic output, incremental state, run lock."""

from __future__ import annotations

from ..local.lock import LockedError, RunLock, lock_path_for
from .export import ExportOptions, ExportResult, Outcome, export_events
from .rows import EVENT_COLUMNS, EventRowMapper
from .run import Target, export_locks, lock_folder, run_export, state_meta
from .state import DiffCounts, StateFile, StateRun, scope_key
from .writers import FORMATS, AtomicOutput, Column, CsvOptions, cleanup_stale_partials, needs_seek, open_writer

__all__ = [
    "EVENT_COLUMNS",
    "FORMATS",
    "AtomicOutput",
    "Column",
    "CsvOptions",
    "DiffCounts",
    "EventRowMapper",
    "ExportOptions",
    "ExportResult",
    "LockedError",
    "Outcome",
    "RunLock",
    "StateFile",
    "StateRun",
    "Target",
    "cleanup_stale_partials",
    "export_events",
    "export_locks",
    "lock_folder",
    "lock_path_for",
    "needs_seek",
    "open_writer",
    "run_export",
    "scope_key",
    "state_meta",
]
