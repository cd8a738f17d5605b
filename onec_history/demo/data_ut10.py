"""Dataset "ut10": family A (УТ 10.3 / КА 1.1), the configurations of the 1C article."""

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

USERS = "Catalog_Пользователи"
PARTNERS = "Catalog_Контрагенты"
CONTACTS = "Catalog_КонтактныеЛицаКонтрагентов"
GOODS_SET = "Catalog_Номенклатура"
EVENT = "Document_Событие"
ORDER = "Document_ЗаказПокупателя"
INVOICE = "Document_СчетНаОплатуПокупателю"
SALE = "Document_РеализацияТоваровУслуг"


class _Ut10:
    def __init__(self, b: Builder) -> None:
        self.b = b
        self.rng = b.rng
        self.users: list[str] = []
        self.goods: list[tuple[str, float]] = []
        self.partners: list[tuple[str, dict[str, object]]] = []
        self.contacts: dict[str, str] = {}
        self.rub = ""

    # catalogs
    def catalogs(self) -> None:
        b = self.b
        self.users = [b.add(USERS, i, Description=name[:50]) for i, name in enumerate(MANAGERS)]
        b.add(USERS, "admin", Description="Администратор", Комментарий="Служебный пользователь OData")
        self.rub = b.add("Catalog_Валюты", "RUB", Code="643", Description="руб.", НаименованиеПолное="Российский рубль")
        b.add("Catalog_Валюты", "USD", Code="840", Description="USD", НаименованиеПолное="Доллар США")
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
            manager = self.users[int(str(spec["manager"]))]
            ref = b.add(
                PARTNERS,
                i,
                Description=spec["name"],
                НаименованиеПолное=spec["full"],
                ИНН=spec["inn"],
                КПП=spec["kpp"],
                ЮрФизЛицо="ЮрЛицо" if spec["legal"] else "ФизЛицо",
                Покупатель=int(bool(spec["buyer"])),
                Поставщик=int(bool(spec["supplier"])),
                Parent_Key=folders[str(spec["folder"])],
                Комментарий=spec["comment"],
                ОсновнойМенеджерПокупателя_Key=manager if spec["buyer"] else EMPTY_REF,
                МенеджерыПокупателя=[{"Менеджер_Key": manager}] if spec["buyer"] else [],
                DeletionMark=int(i == 39),
            )
            self.partners.append((ref, spec))
            surname, first, middle = ("Сидоров", "Павел", "Петрович") if i == 0 else person_name(self.rng)
            contact = b.add(
                CONTACTS,
                i,
                Description=f"{surname} {first} {middle}",
                Owner_Key=ref,
                Фамилия=surname,
                Имя=first,
                Отчество=middle,
                Должность="Директор по закупкам" if i == 0 else position(self.rng),
            )
            self.contacts[ref] = contact
        # ОсновноеКонтактноеЛицо points back at the contact created above.
        for row in b.rows[PARTNERS]:
            if row["Ref_Key"] in self.contacts:
                row["ОсновноеКонтактноеЛицо_Key"] = self.contacts[row["Ref_Key"]]
        # A branch of Ромашка: ГоловнойКонтрагент is a self-reference.
        b.rows[PARTNERS][-2]["ГоловнойКонтрагент_Key"] = self.partners[0][0]

    # documents
    def event(
        self,
        key: object,
        when: datetime,
        kind: str,
        direction: str,
        subject: str,
        *,
        partner: str | None = None,
        caller: str | None = None,
        basis: Link | None = None,
        state: str = "Завершено",
        manager: int = 0,
        body: str = "",
        minutes: int = 15,
        created: datetime | None = None,
        posted: bool = True,
        deleted: bool = False,
        importance: str = "Средняя",
        contact: str | None = None,
    ) -> str:
        who: Link | str | None = (PARTNERS, partner) if partner else caller
        person: Link | str | None = (
            (CONTACTS, self.contacts[partner]) if partner and partner in self.contacts else contact
        )
        values: dict[str, Any] = {
            **composite("Контрагент", who),
            **composite("КонтактноеЛицо", person),
            **composite("Основание", basis),
        }
        if kind == "ЛичнаяВстреча" and partner:
            # Meeting participants: the client and its contact person (the «События» tab reads these too).
            values["СторонниеЛица"] = [{"Контрагент_Key": partner, **composite("Лицо", person)}]
        return self.b.add(
            EVENT,
            key,
            Date=dt(created or when),
            Posted=int(posted),
            DeletionMark=int(deleted),
            ВидСобытия=kind,
            ТипСобытия=direction,
            СостояниеСобытия=state,
            ВидОбъекта="Контрагент" if partner else "ПрочиеКонтактныеЛица",
            Ответственный_Key=self.users[manager],
            НачалоСобытия=dt(when),
            ОкончаниеСобытия=dt(when + timedelta(minutes=minutes)),
            ОписаниеСобытия=subject[:200],
            СодержаниеСобытия=body,
            Важность=importance,
            **values,
        )

    def lines(self, picks: list[tuple[int, float]], order: str | None = None) -> tuple[list[dict[str, Any]], float]:
        rows, total = [], 0.0
        for goods_index, quantity in picks:
            ref, price = self.goods[goods_index]
            row: dict[str, Any] = {
                "Номенклатура_Key": ref,
                "Количество": quantity,
                "Цена": price,
                "Сумма": price * quantity,
            }
            if order is not None:
                row["ЗаказПокупателя_Key"] = order
            rows.append(row)
            total += price * quantity
        return rows, total

    def order(
        self,
        key: object,
        when: datetime,
        partner: str,
        picks: list[tuple[int, float]],
        *,
        basis: Link | None = None,
        manager: int = 0,
        posted: bool = True,
        deleted: bool = False,
        comment: str = "",
    ) -> str:
        rows, total = self.lines(picks)
        return self.b.add(
            ORDER,
            key,
            Date=dt(when),
            Posted=int(posted),
            DeletionMark=int(deleted),
            Контрагент_Key=partner,
            **composite("ДокументОснование", basis),
            ВалютаДокумента_Key=self.rub,
            СуммаДокумента=total,
            ДатаОтгрузки=dt((when + timedelta(days=7)).replace(hour=0, minute=0, second=0)),
            Ответственный_Key=self.users[manager],
            Комментарий=comment,
            Товары=rows,
        )

    def invoice(
        self,
        key: object,
        when: datetime,
        partner: str,
        order: str | None,
        picks: list[tuple[int, float]],
        *,
        manager: int = 0,
        posted: bool = True,
    ) -> str:
        rows, total = self.lines(picks, order)
        return self.b.add(
            INVOICE,
            key,
            Date=dt(when),
            Posted=int(posted),
            Контрагент_Key=partner,
            ЗаказПокупателя_Key=order or EMPTY_REF,
            ВалютаДокумента_Key=self.rub,
            СуммаДокумента=total,
            Ответственный_Key=self.users[manager],
            Товары=rows,
        )

    def sale(
        self,
        key: object,
        when: datetime,
        partner: str,
        deal: Link | None,
        picks: list[tuple[int, float]],
        *,
        manager: int = 0,
        posted: bool = True,
    ) -> str:
        order = deal[1] if deal and deal[0] == ORDER else None
        rows, total = self.lines(picks, order)
        return self.b.add(
            SALE,
            key,
            Date=dt(when),
            Posted=int(posted),
            Контрагент_Key=partner,
            **composite("Сделка", deal),
            ВалютаДокумента_Key=self.rub,
            СуммаДокумента=total,
            Ответственный_Key=self.users[manager],
            Товары=rows,
        )

    def scenario(self) -> None:
        """The article: «ООО Ромашка» wants 5 monitors, and everything that follows."""
        romashka = self.partners[0][0]
        assert self.partners[0][1]["name"] == ROMASHKA
        call = self.event(
            "romashka-call-1",
            datetime(2026, 3, 2, 10, 15, 4),
            "ТелефонныйЗвонок",
            "Входящее",
            "Интересуются покупкой 5 мониторов",
            partner=romashka,
            importance="Высокая",
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
        order = self.order(
            "romashka-order",
            datetime(2026, 3, 5, 11, 30, 0),
            romashka,
            [(0, 5), (7, 1)],
            basis=(EVENT, call2),
            comment="Заказ по звонку: 5 мониторов",
        )
        self.invoice("romashka-invoice", datetime(2026, 3, 5, 12, 0, 0), romashka, order, [(0, 5), (7, 1)])
        sale = self.sale("romashka-sale", datetime(2026, 3, 12, 14, 0, 0), romashka, (ORDER, order), [(0, 5), (7, 1)])
        self.event(
            "romashka-meeting",
            datetime(2026, 3, 12, 14, 30, 0),
            "ЛичнаяВстреча",
            "Исходящее",
            "Доставка и установка мониторов",
            partner=romashka,
            basis=(SALE, sale),
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
            caller="+7 (916) 555-12-34, не представился",
            contact="Мужчина, спрашивал про ноутбуки",
            manager=1,
            posted=False,
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
            posted=False,
            manager=2,
        )
        self.order(
            "deleted-order",
            datetime(2025, 2, 3, 10, 0, 0),
            partner,
            [(2, 1)],
            deleted=True,
            posted=False,
            manager=2,
            comment="Помечен на удаление",
        )
        self.order("unposted-order", datetime(2026, 6, 29, 17, 10, 0), partner, [(4, 2)], posted=False, manager=2)
        self.order(
            "empty-order",
            datetime(2026, 6, 30, 9, 0, 0),
            partner,
            [],
            posted=False,
            manager=2,
            comment="Без товаров: не проводится",
        )

    def filler(self) -> None:
        """Ordinary traffic: a few hundred events over two years, some orders and their chains."""
        rng = self.rng
        items = [(ref, spec) for ref, spec in self.partners[1:] if spec["name"] != "ООО Ромашкa"]
        last_event: dict[str, str] = {}
        kinds = (
            ["ТелефонныйЗвонок"] * 10 + ["ЭлектронноеПисьмо"] * 5 + ["ЛичнаяВстреча"] * 3 + ["ПочтовоеПисьмо", "Прочее"]
        )
        for n in range(320):
            ref, spec = rng.choice(items)
            when = working_time(rng, DATASET_START, DATASET_NOW)
            roll = rng.random()
            state = "Отменено" if roll < 0.06 else "Запланировано" if roll < 0.1 else "Завершено"
            basis = (EVENT, last_event[ref]) if ref in last_event and rng.random() < 0.3 else None
            last_event[ref] = self.event(
                n,
                when,
                rng.choice(kinds),
                rng.choice(("Входящее", "Исходящее")),
                rng.choice(CALL_TOPICS),
                partner=ref,
                basis=basis,
                state=state,
                manager=int(str(spec["manager"])),
                minutes=rng.choice((5, 10, 15, 30, 60)),
                posted=rng.random() > 0.03,
                importance=rng.choice(("Высокая", "Средняя", "Средняя", "Низкая")),
            )
        for n in range(24):  # planned for the weeks after the dataset's "today"
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
            basis = (EVENT, last_event[ref]) if ref in last_event and n % 2 == 0 else None
            manager = int(str(spec["manager"]))
            order = self.order(f"o{n}", when, ref, picks, basis=basis, manager=manager)
            if n % 3 != 2:
                self.invoice(f"i{n}", when + timedelta(hours=2), ref, order, picks, manager=manager)
            if n % 2 == 0:
                self.sale(
                    f"s{n}",
                    when + timedelta(days=rng.randint(1, 9)),
                    ref,
                    (ORDER, order),
                    picks,
                    manager=manager,
                    posted=n % 10 != 4,
                )
        ref = buyers[0][0]
        invoice = self.invoice("direct-invoice", datetime(2025, 9, 1, 11, 0, 0), ref, None, [(3, 10)])
        self.sale("sale-by-invoice", datetime(2025, 9, 3, 12, 0, 0), ref, (INVOICE, invoice), [(3, 10)])


def build(b: Builder) -> None:
    b.formats.update(
        {
            f"{EVENT}.Number": "%011d",  # "00000000123"
            f"{ORDER}.Number": "ТД%09d",  # "ТД000000123"
            f"{INVOICE}.Number": "ТД%09d",
            f"{SALE}.Number": "ТД%09d",
            f"{GOODS_SET}.Code": "%011d",
        }
    )
    data = _Ut10(b)
    data.catalogs()
    data.scenario()
    data.edge_cases()
    data.filler()
