"""Exports of events for cron: streaming CSV/JSONL/XLSX, atomic output, incremental state, run lock."""

from __future__ import annotations

from ..local.lock import LockedError, RunLock, lock_path_for
from .export import ExportOptions, ExportResult, export_events
from .rows import EVENT_COLUMNS, EventRowMapper
from .state import DiffCounts, StateFile, StateRun, scope_key
from .writers import FORMATS, AtomicOutput, Column, CsvOptions, cleanup_stale_partials, open_writer

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
    "RunLock",
    "StateFile",
    "StateRun",
    "cleanup_stale_partials",
    "export_events",
    "lock_path_for",
    "open_writer",
    "scope_key",
]
