"""A local SQL mirror of a 1C base (SQLite or PostgreSQL): the sync, its schema, and reading it back.

``Mirror`` copies counterparties, events and basis links incrementally; ``MirrorReader`` reads the
same logical rows back without contacting 1C.
"""

from __future__ import annotations

from .reader import MirrorReader
from .sync import Mirror, MirrorReport, SetReport, engine_for

__all__ = ["Mirror", "MirrorReader", "MirrorReport", "SetReport", "engine_for"]
