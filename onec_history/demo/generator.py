"""Big synthetic demo bases for benchmarks: either family, deterministic from a seed, streamed to SQLite.

Nothing is held in memory but the current batch: every reference is computed from the index of
the object it points at (GUIDs, the client of an event, the event an order was entered from), so
a chain can point backwards without remembering anything.

    python -m onec_history.demo.generator --family ut10 --events 1000000 --counterparties 100000 \
        --seed 1 --out base.sqlite
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from onec_history.demo.families import SCHEMAS
from onec_history.demo.generator_catalogs import CatalogRows
from onec_history.demo.generator_documents import DocumentRows
from onec_history.demo.rows import DATASET_NOW, dt
from onec_history.demo.store import Store


class Generator(CatalogRows, DocumentRows):
    """One synthetic base, written to SQLite in batches.

    Catalogs come first (generator_catalogs.py), then events and the documents entered from them
    (generator_documents.py); the seed, GUIDs and counters they share are in generator_state.py.
    """

    def write(
        self, path: str | Path, *, batch: int = 20000, progress: Callable[[str], None] | None = None
    ) -> dict[str, int]:
        schema = SCHEMAS[self.family]()
        store = Store.create(schema, path, dataset=f"generated-{self.family}", now=dt(DATASET_NOW))
        store.set_meta(
            "generator", f"family={self.family} events={self.events} counterparties={self.partners} seed={self.seed}"
        )
        counts: dict[str, int] = {}
        for set_name, catalog_rows in self.catalogs():
            counts[set_name] = store.insert(set_name, catalog_rows, batch=batch)
        ts_event = "Document_Событие_СторонниеЛица" if self.a else "Document_Событие_Участники"
        counts.update(self._pairs(store, "Document_Событие", ts_event, self.event_rows(), batch, progress))
        buffers: dict[str, list[dict[str, Any]]] = {}
        for set_name, section, head, rows in self.documents():
            ts_set = f"{set_name}_{section}"
            buffers.setdefault(set_name, []).append(head)
            buffers.setdefault(ts_set, []).extend(
                {**r, "Ref_Key": head["Ref_Key"], "LineNumber": n} for n, r in enumerate(rows, 1)
            )
            if len(buffers[set_name]) >= batch:
                for name in (set_name, ts_set):
                    counts[name] = counts.get(name, 0) + store.insert(name, buffers.pop(name), batch=batch)
        for name, rest in buffers.items():
            counts[name] = counts.get(name, 0) + store.insert(name, rest, batch=batch)
        store.reserve_data_versions(self.version)
        for set_name in ("Document_Событие", "Document_ЗаказПокупателя"):
            store.set_meta(
                f"format:{set_name}.Number",
                "%011d" if self.a and set_name == "Document_Событие" else "ТД%09d" if self.a else "0000-%06d",
            )
        if progress:
            progress("indexes")
        store.create_indexes()
        store.commit()
        store.conn.execute("ANALYZE")
        store.close()
        return counts

    def _pairs(
        self,
        store: Store,
        set_name: str,
        ts_set: str,
        source: Iterator[tuple[dict[str, Any], list[dict[str, Any]]]],
        batch: int,
        progress: Callable[[str], None] | None,
    ) -> dict[str, int]:
        heads: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        counts = {set_name: 0, ts_set: 0}
        for head, rows in source:
            heads.append(head)
            lines.extend({**r, "Ref_Key": head["Ref_Key"], "LineNumber": n} for n, r in enumerate(rows, 1))
            if len(heads) >= batch:
                counts[set_name] += store.insert(set_name, heads, batch=batch)
                counts[ts_set] += store.insert(ts_set, lines, batch=batch)
                heads, lines = [], []
                if progress:
                    progress(f"{set_name}: {counts[set_name]}")
        counts[set_name] += store.insert(set_name, heads, batch=batch)
        counts[ts_set] += store.insert(ts_set, lines, batch=batch)
        return counts


def generate(
    path: str | Path,
    *,
    family: str = "ut10",
    events: int = 1000,
    counterparties: int = 100,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write a synthetic base to ``path`` (replacing it); returns the number of rows per set."""
    return Generator(family, events, counterparties, seed).write(path, progress=progress)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onec_history.demo.generator", description=__doc__.split("\n")[0])
    parser.add_argument("--family", choices=sorted(SCHEMAS), default="ut10")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--counterparties", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def report(text: str) -> None:
        if not args.quiet:
            print(f"{time.perf_counter() - started:7.1f}s {text}", file=sys.stderr)

    counts = generate(
        args.out,
        family=args.family,
        events=args.events,
        counterparties=args.counterparties,
        seed=args.seed,
        progress=report,
    )
    report(f"done: {sum(counts.values())} rows in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
