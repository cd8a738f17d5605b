"""Dataset "unf": family B (УНФ 3.0). The same story as "ut10", told in УНФ's shape.

Differences that matter to a client: Событие cannot be posted; its state is a catalog reference
(Состояние_Key → Catalog_СостоянияСобытий); the client is a row of the Участники section
(composite Контакт); documents created from an event point back through Событие_Key; a
shipment (РасходнаяНакладная) points at its order through the composite Заказ.
"""

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
    digits_only,
    partner_contacts,
    person_contacts,
)
from onec_history.demo.rows import CALL_TOPICS, EVENT_KINDS_B, MANAGERS, ROMASHKA, Link, composite, dt
from onec_history.demo.schema import EMPTY_REF

STAFF = "Catalog_Сотрудники"
USERS = "Catalog_Пользователи"
STATES = "Catalog_СостоянияСобытий"
TOPICS = "Catalog_ТемыСобытий"
CONTACTS = "Catalog_КонтактныеЛица"
INVOICE = "Document_СчетНаОплату"
SHIPMENT = "Document_РасходнаяНакладная"


class _Unf(FamilyData):
    KINDS = EVENT_KINDS_B
    UNKNOWN_CALLER: ClassVar[dict[str, Any]] = {"caller": "+7 (916) 555-12-34"}
    EMPTY_ORDER_COMMENT = "Без запасов: не проводится"

    def __init__(self, b: Builder) -> None:
        super().__init__(b)
        self.staff: list[str] = []
        self.author = ""
        self.states: dict[str, str] = {}
        self.topics: list[str] = []
        self.kinds: dict[str, tuple[str, str]] = {}

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
        self.add_goods()
        self.kinds = {key: (b.add(CI_KINDS, key, Description=name, Тип=typ), typ) for key, name, typ in CONTACT_KINDS}
        self.add_partners()

    def add_partner(self, index: int, spec: dict[str, object], folder: str) -> str:
        return self.b.add(
            PARTNERS,
            index,
            Description=spec["name"],
            НаименованиеПолное=spec["full"],
            ИНН=spec["inn"],
            КПП=spec["kpp"],
            Покупатель=int(bool(spec["buyer"])),
            Поставщик=int(bool(spec["supplier"])),
            Ответственный_Key=self.staff[int(str(spec["manager"]))],
            Комментарий=spec["comment"],
            ЮридическоеФизическоеЛицо="ЮридическоеЛицо" if spec["legal"] else "ФизическоеЛицо",
            Parent_Key=folder,
            DeletionMark=int(index == 39),
            КонтактнаяИнформация=self.contact_rows(partner_contacts(index)),
        )

    def contact_rows(self, items: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """Rows of a КонтактнаяИнформация section as the БСП fills them: the search columns too."""
        rows: list[dict[str, Any]] = []
        for kind, text in items:
            kind_ref, typ = self.kinds[kind]
            row: dict[str, Any] = {"Тип": typ, "Вид_Key": kind_ref, "Представление": text}
            if typ == "Телефон":
                digits = digits_only(text)
                row.update(НомерТелефона=digits, НомерТелефонаБезКодов=digits[-7:], Страна="Россия")
            elif typ == "АдресЭлектроннойПочты":
                row.update(АдресЭП=text, ДоменноеИмяСервера=text.partition("@")[2])
            rows.append(row)
        return rows

    def add_contact(self, index: int, partner: str, name: tuple[str, str, str], job: str) -> str:
        return self.b.add(CONTACTS, index, Description=" ".join(name), Должность=job, Owner_Key=partner,
                          КонтактнаяИнформация=self.contact_rows(person_contacts(index)))

    def event(
        self,
        key: object,
        when: datetime,
        kind: str,
        direction: str,
        subject: str | int,
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
        # A topic is a catalog item (given by its index) or free text: Тема is composite.
        topic: Link | str = (TOPICS, self.topics[subject]) if isinstance(subject, int) else subject
        return self.b.add(
            EVENT,
            key,
            Date=dt(created or when),
            DeletionMark=int(deleted),
            ТипСобытия=kind,
            ВходящееИсходящееСобытие=direction,
            Состояние_Key=self.states[state],
            **composite("Тема", topic),
            Содержание=body,
            НачалоСобытия=dt(when),
            ОкончаниеСобытия=dt(when + timedelta(minutes=minutes)),
            Ответственный_Key=self.staff[manager],
            Автор_Key=self.author,
            **composite("ДокументОснование", basis),
            Участники=members,
        )

    def document(
        self,
        set_name: str,
        key: object,
        when: datetime,
        partner: str,
        picks: Picks,
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
        return self.document(
            ORDER,
            key,
            when,
            partner,
            picks,
            manager=manager,
            posted=posted,
            deleted=deleted,
            Событие_Key=event or EMPTY_REF,
            Комментарий=comment,
        )

    def invoice(
        self,
        key: object,
        when: datetime,
        partner: str,
        order: str | None,
        picks: Picks,
        *,
        event: str | None = None,
        manager: int = 0,
    ) -> str:
        basis: dict[str, Any] = {"ДокументОснование": (ORDER, order)} if order else {}
        return self.document(
            INVOICE, key, when, partner, picks, manager=manager, Событие_Key=event or EMPTY_REF, **basis
        )

    def shipment(
        self, key: object, when: datetime, partner: str, order: str, picks: Picks, *, manager: int, posted: bool
    ) -> str:
        return self.document(SHIPMENT, key, when, partner, picks, manager=manager, posted=posted, Заказ=(ORDER, order))

    def scenario(self) -> None:
        romashka = self.partners[0][0]
        assert self.partners[0][1]["name"] == ROMASHKA
        call, call2 = self.story_calls(romashka)
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
        self.invoice("romashka-invoice", datetime(2026, 3, 5, 12, 0, 0), romashka, order, [(0, 5), (7, 1)], event=call2)
        shipment = self.document(
            SHIPMENT,
            "romashka-shipment",
            datetime(2026, 3, 12, 14, 0, 0),
            romashka,
            [(0, 5), (7, 1)],
            Заказ=(ORDER, order),
            ДокументОснование=(ORDER, order),
        )
        self.story_visit(romashka, call, (SHIPMENT, shipment))

    def edge_events(self, partner: str) -> None:
        """A meeting moved by the client: its state is a user's item of the states catalog."""
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

    def ordinary_event(
        self, n: int, when: datetime, *, partner: str, basis: Link | None, state: str, manager: int
    ) -> str:
        rng = self.rng
        topic: str | int = rng.randrange(len(self.topics)) if rng.random() < 0.5 else rng.choice(CALL_TOPICS)
        return self.event(
            n,
            when,
            rng.choice(self.KINDS),
            rng.choice(("Входящее", "Исходящее")),
            topic,
            partner=partner,
            basis=basis,
            state=state,
            manager=manager,
            minutes=rng.choice((5, 10, 15, 30, 60)),
        )


def build(b: Builder) -> None:
    b.formats.update({f"{s}.Number": "0000-%06d" for s in (EVENT, ORDER, INVOICE, SHIPMENT)})
    b.formats[f"{GOODS_SET}.Code"] = "%011d"
    data = _Unf(b)
    data.catalogs()
    data.scenario()
    data.edge_cases()
    data.traffic()
