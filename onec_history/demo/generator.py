"""Big synthetic demo bases for benchmarks: either family, deterministic from a seed, streamed to SQLite.

Nothing is held in memory but the current batch: every reference is computed from the index of
the object it points at (GUIDs, the client of an event, the event an order was entered from), so
a chain can point backwards without remembering anything.

    python -m onec_history.demo.generator --family ut10 --events 1000000 --counterparties 100000 \
        --seed 1 --out base.sqlite
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from onec_history.demo.families import SCHEMAS
from onec_history.demo.rows import (
    CALL_TOPICS,
    DATASET_NOW,
    DATASET_START,
    EVENT_KINDS_A,
    EVENT_KINDS_B,
    GOODS,
    MANAGERS,
    ROMASHKA,
    ROMASHKA_INN,
    Link,
    company_name,
    composite,
    dt,
    inn,
)
from onec_history.demo.schema import EMPTY_REF
from onec_history.demo.store import Store, data_version

Rows = Iterator[dict[str, Any]]
_MASK = (1 << 64) - 1
_SPAN = (DATASET_NOW - DATASET_START).total_seconds()


class _Ids:
    """GUIDs from (set, index): a bijective mix of the index, so distinct, stable and unordered."""

    def __init__(self, seed: int) -> None:
        self.seed = seed & 0xFFFFFFFFFFFF
        self.salts: dict[str, int] = {}

    def __call__(self, set_name: str, index: int) -> str:
        salt = self.salts.setdefault(set_name, len(self.salts) + 1)
        x = ((index + 1) * 0x9E3779B97F4A7C15 + salt * 0xD1B54A32D192ED03) & _MASK
        return f"{x >> 32:08x}-{x >> 16 & 0xFFFF:04x}-{x & 0xFFFF:04x}-{0x8000 | salt:04x}-{self.seed:012x}"


class Generator:
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
        self.ids = _Ids(seed)
        self.version = 0
        self.staff_set = "Catalog_Пользователи" if self.a else "Catalog_Сотрудники"

    # helpers
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

    # catalogs
    def catalogs(self) -> Iterator[tuple[str, Rows]]:
        ids = self.ids
        yield (
            self.staff_set,
            (
                {
                    "Ref_Key": ids(self.staff_set, i),
                    "DataVersion": self.dv(),
                    "Code": f"{i + 1:09d}",
                    "Description": name,
                }
                for i, name in enumerate(MANAGERS)
            ),
        )
        if not self.a:
            yield (
                "Catalog_Пользователи",
                iter(
                    [
                        {
                            "Ref_Key": ids("Catalog_Пользователи", 0),
                            "DataVersion": self.dv(),
                            "Description": "Администратор",
                        }
                    ]
                ),
            )
            yield (
                "Catalog_СостоянияСобытий",
                (
                    {
                        "Ref_Key": ids("Catalog_СостоянияСобытий", i),
                        "DataVersion": self.dv(),
                        "Description": name,
                        "Predefined": 1,
                        "PredefinedDataName": name,
                        "РеквизитДопУпорядочивания": i + 1,
                    }
                    for i, name in enumerate(("Запланировано", "Завершено", "Отменено"))
                ),
            )
        yield (
            "Catalog_Валюты",
            iter(
                [{"Ref_Key": ids("Catalog_Валюты", 0), "DataVersion": self.dv(), "Code": "643", "Description": "руб."}]
            ),
        )
        yield (
            "Catalog_Номенклатура",
            (
                {
                    "Ref_Key": ids("Catalog_Номенклатура", i),
                    "DataVersion": self.dv(),
                    "Code": f"{i + 1:011d}",
                    "Description": name,
                    "Артикул": article or "",
                    "IsFolder": int(article is None),
                }
                for i, (name, article, _price) in enumerate(GOODS)
            ),
        )
        yield "Catalog_Контрагенты", self.counterparties()
        contacts = "Catalog_КонтактныеЛицаКонтрагентов" if self.a else "Catalog_КонтактныеЛица"
        yield (
            contacts,
            (
                {
                    "Ref_Key": ids(contacts, i),
                    "DataVersion": self.dv(),
                    "Code": f"{i + 1:09d}",
                    "Description": f"Контакт {i + 1}",
                    **({"Owner_Key": ids("Catalog_Контрагенты", i + 3)} if self.a else {}),
                }
                for i in range(self.partners)
            ),
        )

    def counterparties(self) -> Rows:
        ids, set_name = self.ids, "Catalog_Контрагенты"
        for i, name in enumerate(("Покупатели", "Поставщики", "Москва")):
            yield {
                "Ref_Key": ids(set_name, i),
                "DataVersion": self.dv(),
                "Code": f"{i + 1:09d}",
                "Description": name,
                "IsFolder": 1,
                "Parent_Key": ids(set_name, 0) if i == 2 else EMPTY_REF,
            }
        manager = "ОсновнойМенеджерПокупателя_Key" if self.a else "Ответственный_Key"
        for p in range(self.partners):
            name, tax_id = (ROMASHKA, ROMASHKA_INN) if p == 0 else (company_name(p), inn(p))
            yield {
                "Ref_Key": ids(set_name, p + 3),
                "DataVersion": self.dv(),
                "Code": f"{p + 4:09d}",
                "Description": name,
                "НаименованиеПолное": name,
                "ИНН": tax_id,
                "КПП": tax_id[:4] + "01001",
                "Parent_Key": ids(set_name, (0, 1, 2)[p % 3]),
                "Покупатель": int(p % 3 != 1),
                "Поставщик": int(p % 3 == 1),
                manager: ids(self.staff_set, p % len(MANAGERS)),
                ("ЮрФизЛицо" if self.a else "ЮридическоеФизическоеЛицо"): "ЮрЛицо" if self.a else "ЮридическоеЛицо",
            }

    # documents
    def event_rows(self) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        ids, rng = self.ids, self.rng
        partners, contacts = (
            "Catalog_Контрагенты",
            "Catalog_КонтактныеЛицаКонтрагентов" if self.a else "Catalog_КонтактныеЛица",
        )
        for i in range(self.events):
            when = self.event_time(i)
            partner = self.partner_of(i)
            partner_ref = ids(partners, partner + 3)
            roll = rng.random()
            state = "Запланировано" if when > DATASET_NOW or roll < 0.03 else "Отменено" if roll < 0.08 else "Завершено"
            earlier: Link | None = None
            if i and rng.random() < 0.3:  # a follow-up of an earlier event
                earlier = ("Document_Событие", ids("Document_Событие", i - rng.randint(1, min(i, 50))))
            basis = composite("Основание" if self.a else "ДокументОснование", earlier)
            kind = rng.choice(EVENT_KINDS_A if self.a else EVENT_KINDS_B)
            end = when + timedelta(minutes=rng.choice((5, 10, 15, 30, 60)))
            row: dict[str, Any] = {
                "Ref_Key": ids("Document_Событие", i),
                "DataVersion": self.dv(),
                "Number": f"{i + 1:011d}" if self.a else f"0000-{i + 1:06d}",
                "Date": dt(when),
                "НачалоСобытия": dt(when),
                "ОкончаниеСобытия": dt(end),
                **basis,
                "Ответственный_Key": ids(self.staff_set, partner % len(MANAGERS)),
            }
            topic = rng.choice(CALL_TOPICS)
            section: list[dict[str, Any]] = []
            if self.a:
                row.update(
                    ВидСобытия=kind,
                    ТипСобытия=rng.choice(("Входящее", "Исходящее")),
                    СостояниеСобытия=state,
                    ВидОбъекта="Контрагент",
                    ОписаниеСобытия=topic,
                    Важность="Средняя",
                    Posted=1,
                    **composite("Контрагент", (partners, partner_ref)),
                    **composite("КонтактноеЛицо", (contacts, ids(contacts, partner))),
                )
                if kind == "ЛичнаяВстреча":
                    section.append(
                        {"Контрагент_Key": partner_ref, **composite("Лицо", (contacts, ids(contacts, partner)))}
                    )
            else:
                states = ("Запланировано", "Завершено", "Отменено")
                row.update(
                    ТипСобытия=kind,
                    ВходящееИсходящееСобытие=rng.choice(("Входящее", "Исходящее")),
                    Состояние_Key=ids("Catalog_СостоянияСобытий", states.index(state)),
                    Тема=topic,
                    Тема_Type="Edm.String",
                    Автор_Key=ids("Catalog_Пользователи", 0),
                )
                section.append({**composite("Контакт", (partners, partner_ref)), "КакСвязаться": ""})
            yield row, section

    def goods_rows(self, link: dict[str, str] | None = None) -> tuple[list[dict[str, Any]], float]:
        rows, total = [], 0.0
        for _ in range(self.rng.randint(1, 3)):
            g = self.rng.randrange(1, len(GOODS))
            quantity, price = float(self.rng.randint(1, 10)), GOODS[g][2]
            rows.append(
                {
                    "Номенклатура_Key": self.ids("Catalog_Номенклатура", g),
                    "Количество": quantity,
                    "Цена": price,
                    "Сумма": quantity * price,
                    **(link or {}),
                }
            )
            total += quantity * price
        return rows, total

    def documents(self) -> Iterator[tuple[str, str, dict[str, Any], list[dict[str, Any]]]]:
        """(set, section, header, rows) for orders, invoices and shipments, each entered from an event."""
        ids = self.ids
        order_set = "Document_ЗаказПокупателя"
        invoice_set = "Document_СчетНаОплатуПокупателю" if self.a else "Document_СчетНаОплату"
        sale_set = "Document_РеализацияТоваровУслуг" if self.a else "Document_РасходнаяНакладная"
        section = "Товары" if self.a else "Запасы"
        for k in range(self.orders):
            event = k * 10 + 9
            when = self.event_time(event) + timedelta(minutes=30)
            partner_ref = ids("Catalog_Контрагенты", self.partner_of(event) + 3)
            order_ref = ids(order_set, k)
            number = f"ТД{k + 1:09d}" if self.a else f"0000-{k + 1:06d}"
            head = {
                "DataVersion": self.dv(),
                "Number": number,
                "Posted": 1,
                "Контрагент_Key": partner_ref,
                "ВалютаДокумента_Key": ids("Catalog_Валюты", 0),
                "Ответственный_Key": ids(self.staff_set, self.partner_of(event) % len(MANAGERS)),
            }
            rows, total = self.goods_rows()
            link = composite("ДокументОснование", ("Document_Событие", ids("Document_Событие", event)))
            if not self.a:
                link["Событие_Key"] = ids("Document_Событие", event)
            yield (
                order_set,
                section,
                {**head, "Ref_Key": order_ref, "Date": dt(when), "СуммаДокумента": total, **link},
                rows,
            )
            if k % 2 == 0:
                back = (
                    {"ЗаказПокупателя_Key": order_ref}
                    if self.a
                    else composite("ДокументОснование", (order_set, order_ref))
                )
                rows, total = self.goods_rows({"ЗаказПокупателя_Key": order_ref} if self.a else None)
                yield (
                    invoice_set,
                    section,
                    {
                        **head,
                        "Ref_Key": ids(invoice_set, k),
                        "Date": dt(when + timedelta(hours=1)),
                        "СуммаДокумента": total,
                        **back,
                    },
                    rows,
                )
            if k % 3 != 2:
                deal = composite("Сделка" if self.a else "Заказ", (order_set, order_ref))
                rows, total = self.goods_rows({"ЗаказПокупателя_Key": order_ref} if self.a else None)
                yield (
                    sale_set,
                    section,
                    {
                        **head,
                        "Ref_Key": ids(sale_set, k),
                        "Date": dt(when + timedelta(days=2)),
                        "СуммаДокумента": total,
                        **deal,
                    },
                    rows,
                )

    # writing
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
