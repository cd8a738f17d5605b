"""What every part of the synthetic generator shares: the seed, GUIDs, DataVersions and event timing.

Nothing here remembers generated rows: a reference is computed from the index of the object it
points at, so the catalog and document parts (generator_catalogs.py, generator_documents.py) stay
independent of each other.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from onec_history.demo.families import SCHEMAS
from onec_history.demo.rows import DATASET_NOW, DATASET_START
from onec_history.demo.store import data_version

Rows = Iterator[dict[str, Any]]
_MASK = (1 << 64) - 1
_SPAN = (DATASET_NOW - DATASET_START).total_seconds()
EVENT_STATES = ("Запланировано", "Завершено", "Отменено")  # family B's catalog, in its order


class Ids:
    """GUIDs from (set, index): a bijective mix of the index, so distinct, stable and unordered."""

    def __init__(self, seed: int) -> None:
        self.seed = seed & 0xFFFFFFFFFFFF
        self.salts: dict[str, int] = {}

    def __call__(self, set_name: str, index: int) -> str:
        salt = self.salts.setdefault(set_name, len(self.salts) + 1)
        x = ((index + 1) * 0x9E3779B97F4A7C15 + salt * 0xD1B54A32D192ED03) & _MASK
        return f"{x >> 32:08x}-{x >> 16 & 0xFFFF:04x}-{x & 0xFFFF:04x}-{0x8000 | salt:04x}-{self.seed:012x}"


class GeneratorState:
    """The parameters of one generated base and the counters its rows are drawn from."""

    def __init__(self, family: str, events: int, counterparties: int, seed: int) -> None:
        if family not in SCHEMAS:
            raise ValueError(f"unknown family {family!r}; known: {', '.join(SCHEMAS)}")
        self.family = family
        self.a = family == "ut10"
        self.events = events
        self.partners = max(1, counterparties)
        self.orders = events // 10
        self.seed = seed
        self.rng = random.Random(seed)
        self.ids = Ids(seed)
        self.version = 0
        self.staff_set = "Catalog_Пользователи" if self.a else "Catalog_Сотрудники"
        self.contacts_set = "Catalog_КонтактныеЛицаКонтрагентов" if self.a else "Catalog_КонтактныеЛица"

    def dv(self) -> str:
        self.version += 1
        return data_version(self.version)

    def partner_of(self, event: int) -> int:
        """The client of event ``event``: a fixed scramble of the index, so orders can find it again."""
        return (event * 2654435761 + self.seed * 97) % self.partners

    def event_time(self, event: int) -> Any:
        # Events spread evenly over the two years (plus 3 % planned ahead), a few minutes of jitter.
        base = DATASET_START + timedelta(seconds=_SPAN * 1.03 * event / max(1, self.events))
        return (base + timedelta(seconds=self.rng.randrange(600))).replace(microsecond=0)
