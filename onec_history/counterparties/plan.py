"""What a counterparty import will do, row by row, worked out before anything is written.

The plan is the single source of both ``--dry-run`` and the real run: the dry run prints it, the
real run sends exactly its bodies and changes. Each update carries the ``DataVersion`` read while
planning, so an edit made in 1C after that is refused as a conflict instead of overwritten.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ..models import EMPTY_DATE, EMPTY_REF

__all__ = ["Action", "Change", "FolderPlan", "ImportPlan", "RowPlan", "normalise", "same_value"]


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    MARK = "mark"  # set the deletion mark (absent from a full import)
    FAILED = "failed"


@dataclass(frozen=True)
class Change:
    """One field of one counterparty: the value 1C holds → the value the file brings."""

    field: str  # logical name (inn, full_name …) or the property of a custom column
    prop: str
    old: Any
    new: Any
    target_set: str | None = None  # for references: where the GUIDs point (for display names)

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new}


@dataclass
class FolderPlan:
    """A folder to create (``--create-folders``), parent first; ``ref`` is deterministic."""

    path: tuple[str, ...]
    ref: str
    parent: str | None  # the parent folder's reference (existing or planned)

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def label(self) -> str:
        return "/".join(self.path)


@dataclass
class RowPlan:
    line: int | None  # None for counterparties only 1C knows (mark-missing)
    action: Action
    key: str | None = None  # the match key as text: "inn=… kpp=…", "code=…"
    identity: str | None = None  # the ledger identity (creation only)
    ref: str | None = None  # the existing counterparty, or the key a new one is created with
    name: str | None = None
    data_version: str | None = None
    changes: list[Change] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)  # create: the whole body; update: the changes
    folder: str | None = None  # create: the folder path it goes into
    message: str = ""

    def summary(self) -> str:
        if self.action is Action.FAILED:
            return self.message
        if self.action is Action.CREATE:
            where = f" in {self.folder}" if self.folder else ""
            return f"new counterparty{where}: " + "; ".join(f"{c.field}={c.new!r}" for c in self.changes)
        if self.action is Action.MARK:
            return "absent from the file: mark for deletion"
        return "; ".join(f"{c.field}: {c.old!r} → {c.new!r}" for c in self.changes)


@dataclass
class ImportPlan:
    entity_set: str
    rows: list[RowPlan] = field(default_factory=list)
    folders: list[FolderPlan] = field(default_factory=list)
    missing: list[RowPlan] = field(default_factory=list)  # MARK rows (--mark-missing)
    missing_blocked: str = ""  # why --mark-missing was not planned
    requests: int = 0  # requests spent reading for the plan

    def count(self, action: Action) -> int:
        return sum(1 for r in self.rows if r.action is action) + (
            len(self.missing) if action is Action.MARK else 0)

    @property
    def failed(self) -> list[RowPlan]:
        return [r for r in self.rows if r.action is Action.FAILED]


def normalise(edm_type: str, value: Any) -> Any:
    """A value as 1C sends it or as the file gives it, in one comparable form.

    1C pads fixed-length strings with spaces and sends the all-zero GUID and 0001-01-01 for empty
    references and dates (odata-1c.md §1); all of them compare as "empty" here.
    """
    if value is None:
        return None
    if edm_type == "Edm.Guid":
        text = str(value).strip().lower()
        return None if text in ("", EMPTY_REF) else str(uuid.UUID(text))
    if edm_type == "Edm.Boolean":
        return bool(value)
    if edm_type in ("Edm.Double", "Edm.Decimal", "Edm.Single", "Edm.Int64", "Edm.Int32", "Edm.Int16"):
        try:
            return float(value)
        except (TypeError, ValueError):
            return value
    if edm_type == "Edm.DateTime":
        text = str(value)[:19]
        return None if text in ("", EMPTY_DATE) else text
    text = str(value).rstrip()
    return text or None


def same_value(edm_type: str, old: Any, new: Any) -> bool:
    return bool(normalise(edm_type, old) == normalise(edm_type, new))
