"""Counterparties (Справочник «Контрагенты»): ИНН/КПП rules, legal forms, and the import from files.

``CounterpartyImport`` matches file rows to the catalogue and plans creates and field-by-field
updates; :mod:`.inn` holds the checksum rules; :mod:`.file` reads the input files.
"""

from __future__ import annotations

from .file import read_records
from .importer import CounterpartyImport, RowResult
from .inn import inn_problem, is_valid_inn, kpp_problem, normalize_inn, normalize_kpp
from .plan import Change, ImportPlan

__all__ = [
    "Change",
    "CounterpartyImport",
    "ImportPlan",
    "RowResult",
    "inn_problem",
    "is_valid_inn",
    "kpp_problem",
    "normalize_inn",
    "normalize_kpp",
    "read_records",
]
