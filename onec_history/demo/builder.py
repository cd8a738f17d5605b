"""Builder of small deterministic datasets: rows collected per set, written to a Store at once."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onec_history.demo.rows import DATASET_NOW, dt, guid
from onec_history.demo.schema import Schema
from onec_history.demo.store import Store, data_version

SEED = 20260630


@dataclass
class Builder:
    """Collects rows per entity set, then writes them into a Store in one go."""

    dataset: str
    schema: Schema
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)

    def ref(self, set_name: str, key: object) -> str:
        return guid(self.dataset, set_name, key)

    def add(self, set_name: str, key: object, **values: Any) -> str:
        """Add an object; Ref_Key comes from ``key``; Number/Code are assigned unless given."""
        ref = self.ref(set_name, key)
        row: dict[str, Any] = {"Ref_Key": ref, **values}
        table = self.schema.tables[set_name]
        if "Code" in table.columns and "Code" not in row:
            row["Code"] = self.next_code(set_name, "Code")
        for section, ts_set in table.tabular.items():
            for line, ts_row in enumerate(row.pop(section, []) or [], start=1):
                self.rows.setdefault(ts_set, []).append({**ts_row, "Ref_Key": ref, "LineNumber": line})
        self.rows.setdefault(set_name, []).append(row)
        return ref

    def next_code(self, set_name: str, column: str) -> str:
        key = f"{set_name}.{column}"
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.formats.get(key, "%09d") % self.counters[key]

    def write(self, path: str | Path | None = None) -> Store:
        store = Store.create(self.schema, path, dataset=self.dataset, now=dt(DATASET_NOW))
        version = 0
        for set_name, rows in self.rows.items():
            if "Number" in self.schema.tables[set_name].columns:
                # Documents are numbered in date order, as 1C numbers them when they are entered.
                rows.sort(key=lambda r: str(r["Date"]))
                for row in rows:
                    if "Number" not in row:
                        row["Number"] = self.next_code(set_name, "Number")
            if self.schema.tables[set_name].owner is None:
                for row in rows:
                    version += 1
                    row.setdefault("DataVersion", data_version(version))
            store.insert(set_name, rows)
        store.reserve_data_versions(version)
        for key, fmt in self.formats.items():
            store.set_meta(f"format:{key}", fmt)
        store.create_indexes()
        return store
