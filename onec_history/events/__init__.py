"""Events of one base: how a row holds one (:mod:`.shape`), read by every row→event path."""

from __future__ import annotations

from .shape import EVENT_FIELDS, EventShape, Slot, Who, clients_of

__all__ = ["EVENT_FIELDS", "EventShape", "Slot", "Who", "clients_of"]
