"""Dataset "ut10": family A (УТ 10.3 / КА 1.1), the configurations of the 1C article."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from onec_history.demo.builder import Builder
from onec_history.demo.data_common import (
    CI_KINDS,
    CONTACT_KINDS,
    EVENT,
    GOODS_SET,
    ORDER,
    PARTNERS,
    FamilyData,
    Picks,
    partner_contacts,
    person_contacts,
)
from onec_history.demo.rows import CALL_TOPICS, EVENT_KINDS_A, MANAGERS, ROMASHKA, Link, composite, dt
from onec_history.demo.schema import EMPTY_REF

USERS = "Catalog_Пользователи"
CONTACTS = "Catalog_КонтактныеЛицаКонтрагентов"
INVOICE = "Document_СчетНаОплатуПокупателю"
SALE = "Document_РеализацияТоваровУслуг"
CONTACT_INFO = "InformationRegister_КонтактнаяИнформация"


class _Ut10(FamilyData):
    KINDS = EVENT_KINDS_A
    UNKNOWN_CALLER: ClassVar[dict[str, Any]] = {
        "caller": "+7 (916) 555-12-34, не представился",
        "contact": "Мужчина, спрашивал про ноутбуки",
        "posted": False,
    }
    UNPOSTED: ClassVar[dict[str, Any]] = {"posted": False}
    DELETED_ORDER_COMMENT = "Помечен на удаление"
    EMPTY_ORDER_COMMENT = "Без товаров: не проводится"

    def __init__(self, b: Builder) -> None:
        super().__init__(b)
        self.users: list[str] = []

    # catalogs
    def catalogs(self) -> None:
        b = self.b
        self.users = [b.add(USERS, i, Description=name[:50]) for i, name in enumerate(MANAGERS)]
        b.add(USERS, "admin", Description="Администратор", Комментарий="Служебный пользователь OData")
        self.rub = b.add("Catalog_Валюты", "RUB", Code="643", Description="руб.", НаименованиеПолное="Российский рубль")
        b.add("Catalog_Валюты", "USD", Code="840", Description="USD", НаименованиеПолное="Доллар США")
        self.add_goods()
        kinds = {key: (b.add(CI_KINDS, key, Description=name, Тип=typ), typ) for key, name, typ in CONTACT_KINDS}
        self.add_partners()
        self.contact_information(kinds)
        # ОсновноеКонтактноеЛицо points back at the contact created above.
        for row in b.rows[PARTNERS]:
            if row["Ref_Key"] in self.contacts:
                row["ОсновноеКонтактноеЛицо_Key"] = self.contacts[row["Ref_Key"]]
        # A branch of Ромашка: ГоловнойКонтрагент is a self-reference.
        b.rows[PARTNERS][-2]["ГоловнойКонтрагент_Key"] = self.partners[0][0]

    def contact_information(self, kinds: dict[str, tuple[str, str]]) -> None:
        """The register's records: the counterparties' and their contact persons' phones and e-mails.

        One record per (Объект, Тип, Вид), as the register's dimensions allow; stored in key order.
        """
        records: list[dict[str, Any]] = []
        for index, (ref, _spec) in enumerate(self.partners):
            owners = [(PARTNERS, ref, partner_contacts(index)), (CONTACTS, self.contacts[ref], person_contacts(index))]
            for set_name, obj, items in owners:
                for kind, text in items:
                    kind_ref, typ = kinds[kind]
                    records.append({"Объект": obj, "Объект_Type": f"StandardODATA.{set_name}", "Тип": typ,
                                    "Вид_Key": kind_ref, "Представление": text,
                                    "Комментарий": "основной" if kind == "work-phone" else ""})
        records.sort(key=lambda r: (r["Объект"], r["Тип"], r["Вид_Key"], r["Объект_Type"]))
        self.b.rows.setdefault(CONTACT_INFO, []).extend(records)

    def add_partner(self, index: int, spec: dict[str, object], folder: str) -> str:
        manager = self.users[int(str(spec["manager"]))]
        return self.b.add(
            PARTNERS,
            index,
            Description=spec["name"],
            НаименованиеПолное=spec["full"],
            ИНН=spec["inn"],
            КПП=spec["kpp"],
            ЮрФизЛицо="ЮрЛицо" if spec["legal"] else "ФизЛицо",
            Покупатель=int(bool(spec["buyer"])),
            Поставщик=int(bool(spec["supplier"])),
            Parent_Key=folder,
            Комментарий=spec["comment"],
            ОсновнойМенеджерПокупателя_Key=manager if spec["buyer"] else EMPTY_REF,
            МенеджерыПокупателя=[{"Менеджер_Key": manager}] if spec["buyer"] else [],
            DeletionMark=int(index == 39),
        )

    def add_contact(self, index: int, partner: str, name: tuple[str, str, str], job: str) -> str:
        surname, first, middle = name
        return self.b.add(
            CONTACTS,
            index,
            Description=f"{surname} {first} {middle}",
            Owner_Key=partner,
            Фамилия=surname,
            Имя=first,
            Отчество=middle,
            Должность=job,
        )

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

    def order(
        self,
        key: object,
        when: datetime,
        partner: str,
        picks: Picks,
        *,
        event: str | None = None,
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
            **composite("ДокументОснование", (EVENT, event) if event else None),
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
        picks: Picks,
        *,
        event: str | None = None,  # family A's invoice does not record the event it came from
        manager: int = 0,
    ) -> str:
        link = {"ЗаказПокупателя_Key": order or EMPTY_REF}
        return self.goods_document(INVOICE, key, when, partner, order, picks, manager=manager, link=link)

    def sale(
        self,
        key: object,
        when: datetime,
        partner: str,
        deal: Link | None,
        picks: Picks,
        *,
        manager: int = 0,
        posted: bool = True,
    ) -> str:
        order = deal[1] if deal and deal[0] == ORDER else None
        link = composite("Сделка", deal)
        return self.goods_document(SALE, key, when, partner, order, picks, manager=manager, posted=posted, link=link)

    def shipment(
        self, key: object, when: datetime, partner: str, order: str, picks: Picks, *, manager: int, posted: bool
    ) -> str:
        return self.sale(key, when, partner, (ORDER, order), picks, manager=manager, posted=posted)

    def goods_document(
        self,
        set_name: str,
        key: object,
        when: datetime,
        partner: str,
        order: str | None,
        picks: Picks,
        *,
        manager: int,
        posted: bool = True,
        link: dict[str, str],
    ) -> str:
        """An invoice or a sale: its goods lines name the order they are against, when there is one."""
        rows, total = self.lines(picks) if order is None else self.lines(picks, ЗаказПокупателя_Key=order)
        return self.b.add(
            set_name,
            key,
            Date=dt(when),
            Posted=int(posted),
            Контрагент_Key=partner,
            **link,
            ВалютаДокумента_Key=self.rub,
            СуммаДокумента=total,
            Ответственный_Key=self.users[manager],
            Товары=rows,
        )

    def scenario(self) -> None:
        """The article: «ООО Ромашка» wants 5 monitors, and everything that follows."""
        romashka = self.partners[0][0]
        assert self.partners[0][1]["name"] == ROMASHKA
        call, call2 = self.story_calls(romashka, importance="Высокая")
        order = self.order(
            "romashka-order",
            datetime(2026, 3, 5, 11, 30, 0),
            romashka,
            [(0, 5), (7, 1)],
            event=call2,
            comment="Заказ по звонку: 5 мониторов",
        )
        self.invoice("romashka-invoice", datetime(2026, 3, 5, 12, 0, 0), romashka, order, [(0, 5), (7, 1)])
        sale = self.sale("romashka-sale", datetime(2026, 3, 12, 14, 0, 0), romashka, (ORDER, order), [(0, 5), (7, 1)])
        self.story_visit(romashka, call, (SALE, sale))

    def ordinary_event(
        self, n: int, when: datetime, *, partner: str, basis: Link | None, state: str, manager: int
    ) -> str:
        rng = self.rng
        return self.event(
            n,
            when,
            rng.choice(self.KINDS),
            rng.choice(("Входящее", "Исходящее")),
            rng.choice(CALL_TOPICS),
            partner=partner,
            basis=basis,
            state=state,
            manager=manager,
            minutes=rng.choice((5, 10, 15, 30, 60)),
            posted=rng.random() > 0.03,
            importance=rng.choice(("Высокая", "Средняя", "Средняя", "Низкая")),
        )

    def filler(self) -> None:
        """Ordinary traffic, and an invoice issued without an order that a sale was made by."""
        buyers = self.traffic()
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
