"""Counterparties (Справочник «Контрагенты»): ИНН/КПП rules, legal forms, and the import from files.

``CounterpartyImport`` matches file rows to the catalogue and plans creates and field-by-field
updates; :mod:`.inn` holds the checksum rules; :mod:`.file` reads the input files.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .file import read_records
from .inn import inn_problem, is_valid_inn, kpp_problem, looks_like_inn, normalize_inn, normalize_kpp
from .plan import Change, ImportPlan

if TYPE_CHECKING:
    from .importer import CounterpartyImport, RowResult

# The import works on a History, and History reads counterparties with this package's rules
# (ИНН shapes): the importer is loaded on first use so that the two do not import each other.
_LAZY = {"CounterpartyImport": ".importer", "RowResult": ".importer"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "Change",
    "CounterpartyImport",
    "ImportPlan",
    "RowResult",
    "inn_problem",
    "is_valid_inn",
    "kpp_problem",
    "looks_like_inn",
    "normalize_inn",
    "normalize_kpp",
    "read_records",
]
