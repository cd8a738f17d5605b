"""Document rows of a synthetic base: events, and the orders, invoices and shipments entered from them.

An event may follow up an earlier one; every tenth event gets an order, every second order an
invoice and two orders of three a shipment, all found again from the indexes alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from onec_history.demo.generator_state import EVENT_STATES, GeneratorState
from onec_history.demo.rows import (
    CALL_TOPICS,
    DATASET_NOW,
    EVENT_KINDS_A,
    EVENT_KINDS_B,
    GOODS,
    MANAGERS,
    Link,
    composite,
    dt,
)

Lines = list[dict[str, Any]]
Event = tuple[dict[str, Any], Lines]
Document = tuple[str, str, dict[str, Any], Lines]  # (set, tabular section, header, section rows)
_EVENTS = "Document_Событие"
_PARTNERS = "Catalog_Контрагенты"
_ORDERS = "Document_ЗаказПокупателя"


class DocumentRows(GeneratorState):
    """Events (header, participants) and the order chains around them, produced as they are read."""

    # events
    def event_rows(self) -> Iterator[Event]:
        for i in range(self.events):
            yield self._event(i)

    def _event(self, i: int) -> Event:
        ids, rng = self.ids, self.rng
        when = self.event_time(i)
        partner = self.partner_of(i)
        partner_ref = ids(_PARTNERS, partner + 3)
        roll = rng.random()
        state = "Запланировано" if when > DATASET_NOW or roll < 0.03 else "Отменено" if roll < 0.08 else "Завершено"
        basis = composite("Основание" if self.a else "ДокументОснование", self._earlier_event(i))
        kind = rng.choice(EVENT_KINDS_A if self.a else EVENT_KINDS_B)
        end = when + timedelta(minutes=rng.choice((5, 10, 15, 30, 60)))
        row: dict[str, Any] = {
            "Ref_Key": ids(_EVENTS, i),
            "DataVersion": self.dv(),
            "Number": f"{i + 1:011d}" if self.a else f"0000-{i + 1:06d}",
            "Date": dt(when),
            "НачалоСобытия": dt(when),
            "ОкончаниеСобытия": dt(end),
            **basis,
            "Ответственный_Key": ids(self.staff_set, partner % len(MANAGERS)),
        }
        topic = rng.choice(CALL_TOPICS)
        if self.a:
            return row, self._event_a(row, kind, state, topic, partner, partner_ref)
        return row, self._event_b(row, kind, state, topic, partner_ref)

    def _earlier_event(self, i: int) -> Link | None:
        """The event that event ``i`` follows up (three of ten do), at most 50 events back."""
        if i and self.rng.random() < 0.3:
            return (_EVENTS, self.ids(_EVENTS, i - self.rng.randint(1, min(i, 50))))
        return None

    def _event_a(self, row: dict[str, Any], kind: str, state: str, topic: str, partner: int, partner_ref: str) -> Lines:
        """Family A's fields of an event; a meeting lists the partner's contact among the third parties."""
        contacts = self.contacts_set
        row.update(
            ВидСобытия=kind,
            ТипСобытия=self.rng.choice(("Входящее", "Исходящее")),
            СостояниеСобытия=state,
            ВидОбъекта="Контрагент",
            ОписаниеСобытия=topic,
            Важность="Средняя",
            Posted=1,
            **composite("Контрагент", (_PARTNERS, partner_ref)),
            **composite("КонтактноеЛицо", (contacts, self.ids(contacts, partner))),
        )
        if kind == "ЛичнаяВстреча":
            return [{"Контрагент_Key": partner_ref, **composite("Лицо", (contacts, self.ids(contacts, partner)))}]
        return []

    def _event_b(self, row: dict[str, Any], kind: str, state: str, topic: str, partner_ref: str) -> Lines:
        """Family B's fields of an event; the partner is always its one participant."""
        row.update(
            ТипСобытия=kind,
            ВходящееИсходящееСобытие=self.rng.choice(("Входящее", "Исходящее")),
            Состояние_Key=self.ids("Catalog_СостоянияСобытий", EVENT_STATES.index(state)),
            Тема=topic,
            Тема_Type="Edm.String",
            Автор_Key=self.ids("Catalog_Пользователи", 0),
        )
        return [{**composite("Контакт", (_PARTNERS, partner_ref)), "КакСвязаться": ""}]

    # orders, invoices, shipments
    def goods_rows(self, link: dict[str, str] | None = None) -> tuple[Lines, float]:
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

    def documents(self) -> Iterator[Document]:
        """(set, section, header, rows) for orders, invoices and shipments, each entered from an event."""
        for k in range(self.orders):
            yield from self._order_chain(k)

    def _order_chain(self, k: int) -> Iterator[Document]:
        """Order ``k`` (from event 10k+9), its invoice for every second order, its shipment for two of three."""
        event = k * 10 + 9
        when = self.event_time(event) + timedelta(minutes=30)
        order_ref = self.ids(_ORDERS, k)
        head = self._document_head(k, event)
        yield self._order(event, when, head, order_ref)
        if k % 2 == 0:
            yield self._invoice(k, when, head, order_ref)
        if k % 3 != 2:
            yield self._sale(k, when, head, order_ref)

    def _document_head(self, k: int, event: int) -> dict[str, Any]:
        """The fields an order shares with its invoice and shipment (one DataVersion for the three)."""
        return {
            "DataVersion": self.dv(),
            "Number": f"ТД{k + 1:09d}" if self.a else f"0000-{k + 1:06d}",
            "Posted": 1,
            "Контрагент_Key": self.ids(_PARTNERS, self.partner_of(event) + 3),
            "ВалютаДокумента_Key": self.ids("Catalog_Валюты", 0),
            "Ответственный_Key": self.ids(self.staff_set, self.partner_of(event) % len(MANAGERS)),
        }

    @property
    def _goods_section(self) -> str:
        return "Товары" if self.a else "Запасы"

    def _order_rows(self, order_ref: str) -> tuple[Lines, float]:
        """Goods of an invoice or a shipment: in family A each row names the order."""
        return self.goods_rows({"ЗаказПокупателя_Key": order_ref} if self.a else None)

    def _order(self, event: int, when: Any, head: dict[str, Any], order_ref: str) -> Document:
        rows, total = self.goods_rows()
        link = composite("ДокументОснование", (_EVENTS, self.ids(_EVENTS, event)))
        if not self.a:
            link["Событие_Key"] = self.ids(_EVENTS, event)
        header = {**head, "Ref_Key": order_ref, "Date": dt(when), "СуммаДокумента": total, **link}
        return _ORDERS, self._goods_section, header, rows

    def _invoice(self, k: int, when: Any, head: dict[str, Any], order_ref: str) -> Document:
        invoice_set = "Document_СчетНаОплатуПокупателю" if self.a else "Document_СчетНаОплату"
        back = {"ЗаказПокупателя_Key": order_ref} if self.a else composite("ДокументОснование", (_ORDERS, order_ref))
        rows, total = self._order_rows(order_ref)
        header = {
            **head,
            "Ref_Key": self.ids(invoice_set, k),
            "Date": dt(when + timedelta(hours=1)),
            "СуммаДокумента": total,
            **back,
        }
        return invoice_set, self._goods_section, header, rows

    def _sale(self, k: int, when: Any, head: dict[str, Any], order_ref: str) -> Document:
        sale_set = "Document_РеализацияТоваровУслуг" if self.a else "Document_РасходнаяНакладная"
        deal = composite("Сделка" if self.a else "Заказ", (_ORDERS, order_ref))
        rows, total = self._order_rows(order_ref)
        header = {
            **head,
            "Ref_Key": self.ids(sale_set, k),
            "Date": dt(when + timedelta(days=2)),
            "СуммаДокумента": total,
            **deal,
        }
        return sale_set, self._goods_section, header, rows
