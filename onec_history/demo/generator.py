"""Big synthetic demo bases for benchmarks: any family, deterministic from a seed, streamed to SQLite.

Nothing is held in memory but the current batch: every reference is computed from the index of
the object it points at (GUIDs, the client of an event, the event an order was entered from), so
a chain can point backwards without remembering anything.

    python -m onec_history.demo.generator --family ut10 --events 1000000 --counterparties 100000 \
        --seed 1 --out base.sqlite

Families A (ut10) and B (unf): ``--events`` Document_Событие with their participants, one order
in ten events with its invoice and shipment; ``--counterparties`` counterparties in three folders.

Family C (ut11, generator_ut11*.py, in the shapes of the built-in dataset data_ut11.py):
``--events`` is the number of *interactions* (the six documents together: calls about half,
e-mails in and out, meetings, SMS, planned ones — everything ahead of the dataset's "today" is
planned; outside deals 2 % deletion-marked and 5 % of the calls from an unregistered caller), and
``--counterparties`` the number of *partners* (Catalog_Партнеры). Each partner has its
counterparty, every tenth a second one (so there are about 10 % more counterparties than
partners), and one contact person, every other partner two. Three interactions in ten belong
to a deal (Catalog_СделкиСКлиентами, one per five of them) whose offer → order → sale chain
carries Сделка_Key; the three interaction registers agree with the documents.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from onec_history.demo.families import SCHEMAS
from onec_history.demo.family_ut11 import INTERACTIONS, STATES_REGISTER
from onec_history.demo.generator_catalogs import CatalogRows
from onec_history.demo.generator_documents import DocumentRows
from onec_history.demo.generator_state import GeneratorState
from onec_history.demo.generator_ut11 import Ut11Rows, states_sql
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
        if self.family == "ut11":
            return Ut11Generator(self.family, self.events, self.partners, self.seed).write(
                path, batch=batch, progress=progress)
        store = _create(self, path)
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
        formats = {
            f"{set_name}.Number": "%011d" if self.a and set_name == "Document_Событие" else "ТД%09d" if self.a
            else "0000-%06d"
            for set_name in ("Document_Событие", "Document_ЗаказПокупателя")
        }
        _finish(store, self, formats, progress)
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


class Ut11Generator(Ut11Rows):
    """One synthetic family-C base: every set's rows from one stream (generator_ut11.py), buffered
    together and written whenever ``batch`` rows are waiting; the contacts' states last, by SQL."""

    def write(
        self, path: str | Path, *, batch: int = 20000, progress: Callable[[str], None] | None = None
    ) -> dict[str, int]:
        store = _create(self, path)
        counts: dict[str, int] = {}
        buffers: dict[str, list[dict[str, Any]]] = {}
        waiting = 0
        for set_name, row in self.rows():
            buffers.setdefault(set_name, []).append(row)
            waiting += 1
            if waiting >= batch:
                _flush(store, buffers, counts, batch)
                waiting = 0
                if progress:
                    progress(f"interactions: {sum(counts.get(s, 0) for s in INTERACTIONS)} of {self.events}")
        _flush(store, buffers, counts, batch)
        if progress:
            progress("contacts' states")
        counts[STATES_REGISTER] = store.conn.execute(states_sql()).rowcount
        _finish(store, self, self.formats(), progress)
        return counts


def _create(state: GeneratorState, path: str | Path) -> Store:
    store = Store.create(SCHEMAS[state.family](), path, dataset=f"generated-{state.family}", now=dt(DATASET_NOW))
    store.set_meta(
        "generator", f"family={state.family} events={state.events} counterparties={state.partners} seed={state.seed}"
    )
    return store


def _flush(store: Store, buffers: dict[str, list[dict[str, Any]]], counts: dict[str, int], batch: int) -> None:
    for set_name, rows in buffers.items():
        counts[set_name] = counts.get(set_name, 0) + store.insert(set_name, rows, batch=batch)
    buffers.clear()


def _finish(
    store: Store, state: GeneratorState, formats: dict[str, str], progress: Callable[[str], None] | None
) -> None:
    """DataVersions taken, the numbering new documents continue (``format:`` meta), indexes, statistics."""
    store.reserve_data_versions(state.version)
    for key, fmt in formats.items():
        store.set_meta(f"format:{key}", fmt)
    if progress:
        progress("indexes")
    store.create_indexes()
    store.commit()
    store.conn.execute("ANALYZE")
    store.close()


def generate(
    path: str | Path,
    *,
    family: str = "ut10",
    events: int = 1000,
    counterparties: int = 100,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write a synthetic base to ``path`` (replacing it); returns the number of rows per set.

    ``events``: events (ut10, unf) or interactions (ut11); ``counterparties``: counterparties (ut10,
    unf) or partners (ut11, each with one or two counterparties).
    """
    generator = Ut11Generator if family == "ut11" else Generator
    return generator(family, events, counterparties, seed).write(path, progress=progress)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onec_history.demo.generator", description=__doc__.split("\n")[0])
    parser.add_argument("--family", choices=sorted(SCHEMAS), default="ut10")
    parser.add_argument("--events", type=int, default=1_000_000, help="events (ut11: interactions)")
    parser.add_argument("--counterparties", type=int, default=100_000, help="counterparties (ut11: partners)")
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
