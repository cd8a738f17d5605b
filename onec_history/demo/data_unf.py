"""Dataset "unf": family B (УНФ 3.0). The same story as "ut10", told in УНФ's shape.

Differences that matter to a client: Событие cannot be posted; its state is a catalog reference
(Состояние_Key → Catalog_СостоянияСобытий); the client is a row of the Участники section
(composite Контакт); documents created from an event point back through Событие_Key; a
shipment (РасходнаяНакладная) points at its order through the composite Заказ.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from onec_history.demo.builder import Builder
from onec_history.demo.rows import (
    CALL_TOPICS,
    DATASET_NOW,
    DATASET_START,
    GOODS,
    MANAGERS,
    ROMASHKA,
    Link,
    composite,
    dt,
    partner_specs,
    person_name,
    position,
    working_time,
)
from onec_history.demo.schema import EMPTY_REF

STAFF = "Catalog_Сотрудники"
USERS = "Catalog_Пользователи"
STATES = "Catalog_СостоянияСобытий"
TOPICS = "Catalog_ТемыСобытий"
PARTNERS = "Catalog_Контрагенты"
CONTACTS = "Catalog_КонтактныеЛица"
GOODS_SET = "Catalog_Номенклатура"
EVENT = "Document_Событие"
ORDER = "Document_ЗаказПокупателя"
INVOICE = "Document_СчетНаОплату"
SHIPMENT = "Document_РасходнаяНакладная"


class _Unf:
    def __init__(self, b: Builder) -> None:
        self.b = b
        self.rng = b.rng
        self.staff: list[str] = []
        self.author = ""
        self.states: dict[str, str] = {}
        self.topics: list[str] = []
        self.goods: list[tuple[str, float]] = []
        self.partners: list[tuple[str, dict[str, object]]] = []
        self.contacts: dict[str, str] = {}
        self.rub = ""

    def catalogs(self) -> None:
        b = self.b
        self.staff = [b.add(STAFF, i, Description=name) for i, name in enumerate(MANAGERS)]
        self.author = b.add(USERS, "admin", Description="Администратор")
        for i, name in enumerate(MANAGERS):
            b.add(USERS, i, Description=name)
        for order, name in enumerate(("Запланировано", "Завершено", "Отменено"), start=1):
            self.states[name] = b.add(
                STATES, name, Description=name, Predefined=1, PredefinedDataName=name, РеквизитДопУпорядочивания=order
            )
        self.states["Перенесено"] = b.add(
            STATES, "user-state", Description="Перенесено клиентом", РеквизитДопУпорядочивания=4
        )
        self.topics = [b.add(TOPICS, i, Description=t) for i, t in enumerate(CALL_TOPICS[:6])]
        self.rub = b.add("Catalog_Валюты", "RUB", Code="643", Description="руб.", НаименованиеПолное="Российский рубль")
        folder = b.add(GOODS_SET, "folder", Description=GOODS[0][0], IsFolder=1)
        for i, (name, article, price) in enumerate(GOODS[1:]):
            ref = b.add(
                GOODS_SET,
                i,
                Description=name,
                Артикул=article or "",
                НаименованиеПолное=name,
                Parent_Key=folder if "Монитор" in name else EMPTY_REF,
                Услуга=int(not article),
            )
            self.goods.append((ref, price))
        buyers = b.add(PARTNERS, "buyers", Description="Покупатели", IsFolder=1)
        folders = {
            "buyers": buyers,
            "suppliers": b.add(PARTNERS, "suppliers", Description="Поставщики", IsFolder=1),
            "moscow": b.add(PARTNERS, "moscow", Description="Москва", IsFolder=1, Parent_Key=buyers),
        }
        for i, spec in enumerate(partner_specs()):
            phone = f"+7 (495) {100 + i:03d}-{i * 7 % 100:02d}-{i * 13 % 100:02d}"
            ref = b.add(
                PARTNERS,
                i,
                Description=spec["name"],
                НаименованиеПолное=spec["full"],
                ИНН=spec["inn"],
                КПП=spec["kpp"],
                Покупатель=int(bool(spec["buyer"])),
                Поставщик=int(bool(spec["supplier"])),
                Ответственный_Key=self.staff[int(str(spec["manager"]))],
                Комментарий=spec["comment"],
                ЮридическоеФизическоеЛицо="ЮридическоеЛицо" if spec["legal"] else "ФизическоеЛицо",
                Parent_Key=folders[str(spec["folder"])],
                DeletionMark=int(i == 39),
                КонтактнаяИнформация=[
                    {"Тип": "Телефон", "Представление": phone},
                    {"Тип": "АдресЭлектроннойПочты", "Представление": f"info{i}@example.ru"},
                ],
            )
            self.partners.append((ref, spec))
            surname, first, middle = ("Сидоров", "Павел", "Петрович") if i == 0 else person_name(self.rng)
            self.contacts[ref] = b.add(
                CONTACTS,
                i,
                Description=f"{surname} {first} {middle}",
                Должность="Директор по закупкам" if i == 0 else position(self.rng),
            )

    def event(
        self,
        key: object,
        when: datetime,
        kind: str,
        direction: str,
        topic: str | int,
        *,
        partner: str | None = None,
        caller: str | None = None,
        basis: Link | None = None,
        state: str = "Завершено",
        manager: int = 0,
        body: str = "",
        minutes: int = 15,
        created: datetime | None = None,
        deleted: bool = False,
    ) -> str:
        members: list[dict[str, Any]] = []
        if partner:
            members.append({**composite("Контакт", (PARTNERS, partner)), "КакСвязаться": ""})
            if partner in self.contacts:
                members.append({**composite("Контакт", (CONTACTS, self.contacts[partner])), "КакСвязаться": ""})
        elif caller:
            members.append({**composite("Контакт", caller), "КакСвязаться": caller})
        subject: Link | str = (TOPICS, self.topics[topic]) if isinstance(topic, int) else topic
        return self.b.add(
            EVENT,
            key,
            Date=dt(created or when),
            DeletionMark=int(deleted),
            ТипСобытия=kind,
            ВходящееИсходящееСобытие=direction,
            Состояние_Key=self.states[state],
            **composite("Тема", subject),
            Содержание=body,
            НачалоСобытия=dt(when),
            ОкончаниеСобытия=dt(when + timedelta(minutes=minutes)),
            Ответственный_Key=self.staff[manager],
            Автор_Key=self.author,
            **composite("ДокументОснование", basis),
            Участники=members,
        )

    def lines(self, picks: list[tuple[int, float]]) -> tuple[list[dict[str, Any]], float]:
        rows = [
            {
                "Номенклатура_Key": self.goods[g][0],
                "Количество": q,
                "Цена": self.goods[g][1],
                "Сумма": self.goods[g][1] * q,
            }
            for g, q in picks
        ]
        return rows, sum(self.goods[g][1] * q for g, q in picks)

    def document(
        self,
        set_name: str,
        key: object,
        when: datetime,
        partner: str,
        picks: list[tuple[int, float]],
        *,
        manager: int = 0,
        posted: bool = True,
        deleted: bool = False,
        **links: Any,
    ) -> str:
        rows, total = self.lines(picks)
        values: dict[str, Any] = {}
        for name, value in links.items():
            values.update(composite(name, value) if name in ("ДокументОснование", "Заказ") else {name: value})
        return self.b.add(
            set_name,
            key,
            Date=dt(when),
            Posted=int(posted),
            DeletionMark=int(deleted),
            Контрагент_Key=partner,
            ВалютаДокумента_Key=self.rub,
            СуммаДокумента=total,
            Ответственный_Key=self.staff[manager],
            Запасы=rows,
            **values,
        )

    def scenario(self) -> None:
        romashka = self.partners[0][0]
        assert self.partners[0][1]["name"] == ROMASHKA
        call = self.event(
            "romashka-call-1",
            datetime(2026, 3, 2, 10, 15, 4),
            "ТелефонныйЗвонок",
            "Входящее",
            "Интересуются покупкой 5 мониторов",
            partner=romashka,
            body='Звонил Сидоров П.П.: для нового офиса нужно 5 мониторов 24".\n'
            "Просит коммерческое предложение с доставкой.",
        )
        offer = self.event(
            "romashka-offer",
            datetime(2026, 3, 2, 15, 40, 0),
            "ЭлектронноеПисьмо",
            "Исходящее",
            "Коммерческое предложение: мониторы 5 шт.",
            partner=romashka,
            basis=(EVENT, call),
            body='Отправлено КП: Монитор Samsung 24" S24F350, 5 шт. по 15 500 руб.',
        )
        call2 = self.event(
            "romashka-call-2",
            datetime(2026, 3, 5, 11, 0, 12),
            "ТелефонныйЗвонок",
            "Входящее",
            "Согласны с предложением, просят счет",
            partner=romashka,
            basis=(EVENT, offer),
        )
        order = self.document(
            ORDER,
            "romashka-order",
            datetime(2026, 3, 5, 11, 30, 0),
            romashka,
            [(0, 5), (7, 1)],
            Событие_Key=call2,
            Автор_Key=self.author,
            Комментарий="Заказ по звонку: 5 мониторов",
        )
        self.document(
            INVOICE,
            "romashka-invoice",
            datetime(2026, 3, 5, 12, 0, 0),
            romashka,
            [(0, 5), (7, 1)],
            Событие_Key=call2,
            ДокументОснование=(ORDER, order),
        )
        shipment = self.document(
            SHIPMENT,
            "romashka-shipment",
            datetime(2026, 3, 12, 14, 0, 0),
            romashka,
            [(0, 5), (7, 1)],
            Заказ=(ORDER, order),
            ДокументОснование=(ORDER, order),
        )
        self.event(
            "romashka-meeting",
            datetime(2026, 3, 12, 14, 30, 0),
            "ЛичнаяВстреча",
            "Исходящее",
            "Доставка и установка мониторов",
            partner=romashka,
            basis=(SHIPMENT, shipment),
            minutes=90,
        )
        self.event(
            "romashka-follow-up",
            datetime(2026, 4, 15, 10, 0, 0),
            "ТелефонныйЗвонок",
            "Исходящее",
            "Узнать, как работают мониторы",
            partner=romashka,
            state="Запланировано",
            created=datetime(2026, 3, 12, 16, 0, 0),
            basis=(EVENT, call),
        )

    def edge_cases(self) -> None:
        self.event(
            "unknown-caller",
            datetime(2026, 5, 20, 16, 5, 31),
            "ТелефонныйЗвонок",
            "Входящее",
            "Звонок с незнакомого номера",
            caller="+7 (916) 555-12-34",
            manager=1,
        )
        partner = self.partners[3][0]
        self.event(
            "deleted",
            datetime(2025, 2, 3, 9, 30, 0),
            "Прочее",
            "Исходящее",
            "Ошибочно введенное событие",
            partner=partner,
            deleted=True,
            manager=2,
        )
        self.event(
            "moved",
            datetime(2026, 6, 1, 11, 0, 0),
            "ЛичнаяВстреча",
            "Исходящее",
            2,
            partner=partner,
            state="Перенесено",
            manager=2,
        )
        self.document(
            ORDER,
            "deleted-order",
            datetime(2025, 2, 3, 10, 0, 0),
            partner,
            [(2, 1)],
            deleted=True,
            posted=False,
            manager=2,
        )
        self.document(
            ORDER, "unposted-order", datetime(2026, 6, 29, 17, 10, 0), partner, [(4, 2)], posted=False, manager=2
        )
        self.document(
            ORDER,
            "empty-order",
            datetime(2026, 6, 30, 9, 0, 0),
            partner,
            [],
            posted=False,
            manager=2,
            Комментарий="Без запасов: не проводится",
        )

    def filler(self) -> None:
        rng = self.rng
        items = [(ref, spec) for ref, spec in self.partners[1:] if spec["name"] != "ООО Ромашкa"]
        last_event: dict[str, str] = {}
        kinds = (
            ["ТелефонныйЗвонок"] * 10 + ["ЭлектронноеПисьмо"] * 5 + ["ЛичнаяВстреча"] * 3 + ["СообщениеSMS", "Прочее"]
        )
        for n in range(320):
            ref, spec = rng.choice(items)
            when = working_time(rng, DATASET_START, DATASET_NOW)
            roll = rng.random()
            state = "Отменено" if roll < 0.06 else "Запланировано" if roll < 0.1 else "Завершено"
            basis = (EVENT, last_event[ref]) if ref in last_event and rng.random() < 0.3 else None
            topic: str | int = rng.randrange(len(self.topics)) if rng.random() < 0.5 else rng.choice(CALL_TOPICS)
            last_event[ref] = self.event(
                n,
                when,
                rng.choice(kinds),
                rng.choice(("Входящее", "Исходящее")),
                topic,
                partner=ref,
                basis=basis,
                state=state,
                manager=int(str(spec["manager"])),
                minutes=rng.choice((5, 10, 15, 30, 60)),
            )
        for n in range(24):
            ref, spec = rng.choice(items)
            when = working_time(rng, DATASET_NOW, datetime(2026, 12, 20))
            self.event(
                f"planned-{n}",
                when,
                rng.choice(kinds[:15]),
                "Исходящее",
                rng.choice(CALL_TOPICS),
                partner=ref,
                state="Запланировано",
                created=DATASET_NOW - timedelta(days=n),
                manager=int(str(spec["manager"])),
            )
        buyers = [(ref, spec) for ref, spec in items if spec["buyer"]]
        for n in range(36):
            ref, spec = rng.choice(buyers)
            when = working_time(rng, DATASET_START, DATASET_NOW - timedelta(days=10))
            picks = [(rng.randrange(len(self.goods)), float(rng.randint(1, 10))) for _ in range(rng.randint(1, 3))]
            event = last_event.get(ref, EMPTY_REF) if n % 2 == 0 else EMPTY_REF
            manager = int(str(spec["manager"]))
            order = self.document(ORDER, f"o{n}", when, ref, picks, manager=manager, Событие_Key=event)
            if n % 3 != 2:
                self.document(
                    INVOICE,
                    f"i{n}",
                    when + timedelta(hours=2),
                    ref,
                    picks,
                    manager=manager,
                    Событие_Key=event,
                    ДокументОснование=(ORDER, order),
                )
            if n % 2 == 0:
                self.document(
                    SHIPMENT,
                    f"s{n}",
                    when + timedelta(days=rng.randint(1, 9)),
                    ref,
                    picks,
                    manager=manager,
                    posted=n % 10 != 4,
                    Заказ=(ORDER, order),
                )


def build(b: Builder) -> None:
    b.formats.update({f"{s}.Number": "0000-%06d" for s in (EVENT, ORDER, INVOICE, SHIPMENT)})
    b.formats[f"{GOODS_SET}.Code"] = "%011d"
    data = _Unf(b)
    data.catalogs()
    data.scenario()
    data.edge_cases()
    data.filler()
