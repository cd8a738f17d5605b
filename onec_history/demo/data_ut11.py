"""Dataset "ut11": family C (УТ 11 / КА 2 / ERP). The story of "ut10" and "unf", told in interactions.

The client is a partner (Catalog_Партнеры) with its counterparties (Catalog_Контрагенты.Партнер_Key)
and contact persons (Catalog_КонтактныеЛицаПартнеров); a contact with it is one of six interaction
documents whose contact is the partner, the contact person or an unregistered caller
(Catalog_СтроковыеКонтактыВзаимодействий). The same logical clients as "ut10" (the look-alike
Ромашки, the quotes, the apostrophe…) and the same seeded traffic are drawn through data_common.

The article: an incoming call from Сидоров П.П. of «ООО Ромашка» about 5 monitors → an outgoing
e-mail with the offer (ВзаимодействиеОснование = the call; a КоммерческоеПредложениеКлиенту) → a
meeting → a call → a ЗаказКлиента (ДокументОснование = the offer) → a РеализацияТоваровУслуг
(ЗаказКлиента = the order) → the delivery meeting → a planned follow-up. The deal
(Catalog_СделкиСКлиентами) is the subject of every interaction of the story
(InformationRegister_ПредметыПапкиВзаимодействий) and the Сделка of the offer, the order and the sale.

The three registers are computed from the documents at the end, as the БСП's write handlers keep
them: КонтактыВзаимодействий holds every (interaction, contact) a document names,
СостоянияКонтактовВзаимодействий the latest journal date (planned and deletion-marked included) and
the number of interactions not yet reviewed of every contact.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, ClassVar

from onec_history.demo.builder import Builder
from onec_history.demo.data_common import (
    CONTACT_KINDS,
    GOODS_SET,
    FamilyData,
    Picks,
    digits_only,
    partner_contacts,
    person_contacts,
)
from onec_history.demo.family_ut11 import (
    ALLOWED_TYPES,
    CALL,
    CI_KINDS,
    CONTACTS_REGISTER,
    COUNTERPARTIES,
    CURRENCIES,
    DEALS,
    INTERACTIONS,
    MAIL_ACCOUNTS,
    MAIL_IN,
    MAIL_OUT,
    MEETING,
    OFFER,
    ORDER,
    ORGANISATIONS,
    PARTNERS,
    PERSONS,
    PLANNED,
    SALE,
    SMS,
    STATES_REGISTER,
    STRING_CONTACTS,
    SUBJECTS_REGISTER,
    USERS,
)
from onec_history.demo.rows import (
    CALL_TOPICS,
    DATASET_NOW,
    EVENT_KINDS_B,
    MANAGERS,
    ROMASHKA,
    Link,
    composite,
    dt,
    partner_specs,
    person_name,
    position,
    type_of,
)
from onec_history.demo.schema import EMPTY_DATE, EMPTY_REF, UNDEFINED_TYPE
from onec_history.demo.store import default_value

OUR_ADDRESS = "sales@demo-ut11.ru"
# (header composite, tabular section with a composite Контакт) of each interaction: whom it names
CONTACT_PLACES: dict[str, tuple[str | None, str | None]] = {
    CALL: ("АбонентКонтакт", None),
    MEETING: (None, "Участники"),
    PLANNED: (None, "Участники"),
    MAIL_IN: ("ОтправительКонтакт", "ПолучателиПисьма"),
    MAIL_OUT: (None, "ПолучателиПисьма"),
    SMS: (None, "Адресаты"),
}
SECOND_COUNTERPARTY_OF = 7  # the partner with two counterparties (a generated company)
BRANCH_OF_ROMASHKA = 38  # a partner placed under Ромашка in the partners' hierarchy (ut10: ГоловнойКонтрагент)
_IMPORTANCE = {"Высокая": "Высокая", "Средняя": "Обычная", "Низкая": "Низкая"}


class _Ut11(FamilyData):
    KINDS = EVENT_KINDS_B  # calls, e-mails, meetings, SMS, other: with the planned ones, all six documents
    UNKNOWN_CALLER: ClassVar[dict[str, Any]] = {"caller": "+7 (916) 555-12-34"}
    EMPTY_ORDER_COMMENT = "Без товаров: не проводится"
    DELETED_ORDER_COMMENT = "Помечен на удаление"

    def __init__(self, b: Builder) -> None:
        super().__init__(b)
        self.users: list[str] = []
        self.author = ""
        self.organisation = ""
        self.account = ""
        self.kinds: dict[str, tuple[str, str]] = {}
        self.counterparty: dict[str, str] = {}  # partner -> its (first) counterparty
        self.names: dict[str, str] = {}  # any contact's Ref_Key -> its Description
        self.phones: dict[str, str] = {}
        self.emails: dict[str, str] = {}
        self.set_of: dict[str, str] = {}  # interaction Ref_Key -> its set
        # interaction Ref_Key -> (subject, reviewed, review after)
        self.subjects: dict[str, tuple[Link | None, bool, str]] = {}
        self.deal_of: dict[str, str] = {}  # order -> deal
        self.subject: Link | None = None  # the subject of the interactions being entered
        self.count = 0

    # --- catalogs ----------------------------------------------------------------------------------

    def catalogs(self) -> None:
        b = self.b
        self.users = [b.add(USERS, i, Description=name) for i, name in enumerate(MANAGERS)]
        self.author = b.add(USERS, "admin", Description="Администратор", Комментарий="Служебный пользователь OData")
        self.organisation = b.add(ORGANISATIONS, "org", Description="Торговый дом",
                                  НаименованиеПолное='ООО "Торговый дом"')
        self.account = b.add(MAIL_ACCOUNTS, "sales", Description="Отдел продаж", АдресЭлектроннойПочты=OUR_ADDRESS)
        self.rub = b.add(CURRENCIES, "RUB", Code="643", Description="руб.", НаименованиеПолное="Российский рубль")
        b.add(CURRENCIES, "USD", Code="840", Description="USD", НаименованиеПолное="Доллар США")
        self.add_goods()
        for row in b.rows[GOODS_SET]:
            service = row.pop("Услуга", 0)
            if not row.get("IsFolder"):
                row["ТипНоменклатуры"] = "Услуга" if service else "Товар"
        self.kinds = {key: (b.add(CI_KINDS, key, Description=name, Тип=typ), typ) for key, name, typ in CONTACT_KINDS}
        self.add_partners()

    def contact_rows(self, items: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """Rows of a КонтактнаяИнформация section as the БСП fills them: the search columns too."""
        rows: list[dict[str, Any]] = []
        for kind, text in items:
            kind_ref, typ = self.kinds[kind]
            row: dict[str, Any] = {"Тип": typ, "Вид_Key": kind_ref, "ВидДляСписка_Key": kind_ref, "Представление": text}
            if typ == "Телефон":
                digits = digits_only(text)
                row.update(НомерТелефона=digits, НомерТелефонаБезКодов=digits[-7:], Страна="Россия")
            elif typ == "АдресЭлектроннойПочты":
                row.update(АдресЭП=text, ДоменноеИмяСервера=text.partition("@")[2])
            rows.append(row)
        return rows

    def remember(self, ref: str, name: str, items: list[tuple[str, str]]) -> None:
        self.names[ref] = name
        for kind, text in items:
            if kind in ("work-phone", "mobile"):
                self.phones.setdefault(ref, text)
            elif kind == "email":
                self.emails.setdefault(ref, text)

    def add_partners(self) -> None:
        """Each partner, its counterparty and its contact person, drawn as the other datasets draw them."""
        for i, spec in enumerate(partner_specs()):
            ref = self.add_partner(i, spec, EMPTY_REF)
            self.partners.append((ref, spec))
            name = ("Сидоров", "Павел", "Петрович") if i == 0 else person_name(self.rng)
            job = "Директор по закупкам" if i == 0 else position(self.rng)
            self.contacts[ref] = self.add_contact(i, ref, name, job)
        romashka = self.partners[0][0]
        branch = self.b.rows[PARTNERS][BRANCH_OF_ROMASHKA]
        branch["Parent_Key"] = romashka
        branch_counterparty = self.b.rows[COUNTERPARTIES][BRANCH_OF_ROMASHKA]
        branch_counterparty["ГоловнойКонтрагент_Key"] = self.counterparty[romashka]
        # One partner, two legal entities: both counterparties point at it.
        partner, spec = self.partners[SECOND_COUNTERPARTY_OF]
        self.b.add(
            COUNTERPARTIES,
            "second",
            Description=f"{spec['name']} Северо-Запад",
            НаименованиеПолное=f"{spec['full']} Северо-Запад",
            ИНН="7801000008",
            КПП="780101001",
            ЮридическоеФизическоеЛицо="ЮридическоеЛицо",
            ЮрФизЛицо="ЮрЛицо",
            Партнер_Key=partner,
            ДополнительнаяИнформация="Второе юрлицо того же партнера",
        )

    def add_partner(self, index: int, spec: dict[str, object], folder: str) -> str:
        legal = bool(spec["legal"])
        items = partner_contacts(index)
        ref = self.b.add(
            PARTNERS,
            index,
            Description=spec["name"],
            НаименованиеПолное=spec["full"],
            Parent_Key=folder,
            Клиент=int(bool(spec["buyer"])),
            Поставщик=int(bool(spec["supplier"])),
            ОсновнойМенеджер_Key=self.users[int(str(spec["manager"]))],
            ЮрФизЛицо="Компания" if legal else "ЧастноеЛицо",
            ДатаРегистрации=dt(datetime(2024, 1, 15, 10, 0, 0) + timedelta(days=index * 3)),
            Комментарий=spec["comment"],
            DeletionMark=int(index == 39),
            КонтактнаяИнформация=self.contact_rows(items),
        )
        self.remember(ref, str(spec["name"]), items)
        self.counterparty[ref] = self.b.add(
            COUNTERPARTIES,
            index,
            Description=spec["name"],
            НаименованиеПолное=spec["full"],
            ИНН=spec["inn"],
            КПП=spec["kpp"],
            ЮридическоеФизическоеЛицо="ЮридическоеЛицо" if legal else "ФизическоеЛицо",
            ЮрФизЛицо="ЮрЛицо" if legal else "ИндивидуальныйПредприниматель",
            Партнер_Key=ref,
            ДополнительнаяИнформация=spec["comment"],
            DeletionMark=int(index == 39),
        )
        return ref

    def add_contact(self, index: int, partner: str, name: tuple[str, str, str], job: str) -> str:
        items = person_contacts(index)
        description = " ".join(name)
        ref = self.b.add(
            PERSONS,
            index,
            Description=description,
            Owner_Key=partner,
            ДолжностьПоВизитке=job,
            ДатаРегистрацииСвязи=dt(datetime(2024, 1, 15, 10, 0, 0)),
            **composite("Автор", (USERS, self.author)),
            КонтактнаяИнформация=self.contact_rows(items),
        )
        self.remember(ref, description, items)
        return ref

    def unregistered(self, caller: str) -> str:
        """An unregistered caller: an item of СтроковыеКонтактыВзаимодействий named as typed in."""
        ref = self.b.add(STRING_CONTACTS, caller, Description=caller)
        self.names[ref] = caller
        self.phones[ref] = caller
        return ref

    # --- interactions ------------------------------------------------------------------------------

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
        deleted: bool = False,
        importance: str = "Средняя",
        to_partner: bool = False,
    ) -> str:
        """One interaction: the document follows from the kind, the direction and the state."""
        self.direction = direction
        if state == "Запланировано":
            set_name = PLANNED
        elif kind == "ЭлектронноеПисьмо":
            set_name = MAIL_IN if direction == "Входящее" else MAIL_OUT
        else:
            set_name = {"ЛичнаяВстреча": MEETING, "СообщениеSMS": SMS}.get(kind, CALL)
        contacts: list[str] = []
        contact_sets: dict[str, str] = {}
        if partner:
            person = self.contacts[partner]
            contacts = [partner, person] if set_name in (MEETING, PLANNED) else [partner if to_partner else person]
            contact_sets = {partner: PARTNERS, person: PERSONS}
        elif caller:
            ref = self.unregistered(caller)
            contacts, contact_sets = [ref], {ref: STRING_CONTACTS}
        links: list[Link] = [(contact_sets[c], c) for c in contacts]
        # Only an interaction of a type the document allows can be its basis (a sale cannot).
        basis_link = (self.set_of[basis[1]], basis[1]) if basis and basis[1] in self.set_of else None
        if basis_link is not None and basis_link[0] not in ALLOWED_TYPES[(set_name, "ВзаимодействиеОснование")]:
            basis_link = None
        date = (created or when) if set_name in (PLANNED, MEETING) else when
        values: dict[str, Any] = {
            "Date": dt(date),
            "DeletionMark": int(deleted),
            "Важность": _IMPORTANCE[importance],
            "Ответственный_Key": self.users[manager],
            **composite("ВзаимодействиеОснование", basis_link),
            "Тема": subject,
            "Комментарий": "Отменено" if state == "Отменено" else "",
        }
        if set_name != MAIL_IN:
            values["Автор_Key"] = self.author
        values.update(self.kind_values(set_name, links, when, body, minutes))
        ref = self.b.add(set_name, key, **values)
        self.set_of[ref] = set_name
        planned = state == "Запланировано"
        reviewed = not planned and (state == "Отменено" or when < DATASET_NOW - timedelta(days=14))
        self.subjects[ref] = (self.subject, reviewed, dt(when) if planned else EMPTY_DATE)
        return ref

    def kind_values(self, set_name: str, links: list[Link], when: datetime, body: str, minutes: int) -> dict[str, Any]:
        """The attributes of one kind of interaction that name its contacts and its moments."""
        names = "; ".join(self.names[ref] for _, ref in links)
        first: Link | None = links[0] if links else None
        phone = self.phones.get(first[1], "") if first else ""
        email = self.emails.get(first[1], "") if first else ""
        if set_name == CALL:
            return {**composite("АбонентКонтакт", first), "АбонентКакСвязаться": phone, "АбонентПредставление": names,
                    "Входящий": int(self.direction == "Входящее"), "Описание": body}
        if set_name in (MEETING, PLANNED):
            rows = [{**composite("Контакт", link), "ПредставлениеКонтакта": self.names[link[1]][:100],
                     "КакСвязаться": self.phones.get(link[1], "")} for link in links]
            values: dict[str, Any] = {"Участники": rows, "СписокУчастников": names, "Описание": body}
            if set_name == MEETING:
                values.update(ДатаНачала=dt(when), ДатаОкончания=dt(when + timedelta(minutes=minutes)),
                              МестоПроведенияВстречи="Офис клиента")
            return values
        if set_name == MAIL_IN:
            return {**composite("ОтправительКонтакт", first), "ОтправительАдрес": email,
                    "ОтправительПредставление": f"{names} <{email}>" if email else names,
                    "ДатаПолучения": dt(when), "ИдентификаторСообщения": f"<{when:%Y%m%d%H%M%S}@client.example>",
                    "СписокПолучателейПисьма": OUR_ADDRESS, "Текст": body, "ТипТекста": "ПростойТекст",
                    "УчетнаяЗапись_Key": self.account,
                    "ПолучателиПисьма": [{"Адрес": OUR_ADDRESS, "Представление": "Отдел продаж",
                                          **composite("Контакт", None)}]}
        if set_name == MAIL_OUT:
            rows = [{"Адрес": self.emails.get(link[1], ""), "Представление": self.names[link[1]][:100],
                     **composite("Контакт", link)} for link in links]
            return {"ДатаОтправления": dt(when), "СтатусПисьма": "Отправлено",
                    "ОтправительПредставление": f"Отдел продаж <{OUR_ADDRESS}>",
                    "СписокПолучателейПисьма": f"{names} <{email}>" if email else names,
                    "ИдентификаторСообщения": f"<{when:%Y%m%d%H%M%S}@demo-ut11.ru>", "Текст": body,
                    "ТипТекста": "ПростойТекст", "УчетнаяЗапись_Key": self.account, "ПолучателиПисьма": rows}
        rows = [{**composite("Контакт", link), "ПредставлениеКонтакта": self.names[link[1]][:100],
                 "КакСвязаться": self.phones.get(link[1], ""), "НомерДляОтправки": digits_only(
                     self.phones.get(link[1], "")), "СостояниеСообщения": "Доставлено"} for link in links]
        return {"СписокУчастников": names, "ТекстСообщения": body, "Состояние": "Доставлено",
                "ДатаКогдаОтправить": dt(when), "Адресаты": rows}

    direction = "Входящее"  # the direction of the interaction being entered

    def ordinary_event(
        self, n: int, when: datetime, *, partner: str, basis: Link | None, state: str, manager: int
    ) -> str:
        rng = self.rng
        kind = rng.choice(self.KINDS)
        direction = rng.choice(("Входящее", "Исходящее"))
        topic = rng.choice(CALL_TOPICS)
        minutes = rng.choice((5, 10, 15, 30, 60))
        importance = rng.choice(("Высокая", "Средняя", "Средняя", "Низкая"))
        return self.event(n, when, kind, direction, topic, partner=partner, basis=basis, state=state,
                          manager=manager, minutes=minutes, importance=importance, to_partner=n % 3 == 2)

    # --- sales documents ---------------------------------------------------------------------------

    def order(
        self,
        key: object,
        when: datetime,
        partner: str,
        picks: Picks,
        *,
        event: str | None = None,  # family C's order is not entered from an interaction: the deal links them
        manager: int = 0,
        posted: bool = True,
        deleted: bool = False,
        comment: str = "",
        deal: str | None = None,
        offer: str | None = None,
    ) -> str:
        shipping = dt((when + timedelta(days=7)).replace(hour=0, minute=0, second=0))
        rows, total = self.lines(picks, ДатаОтгрузки=shipping)
        ref = self.b.add(
            ORDER,
            key,
            Date=dt(when),
            Posted=int(posted),
            DeletionMark=int(deleted),
            Партнер_Key=partner,
            Контрагент_Key=self.counterparty[partner],
            Организация_Key=self.organisation,
            Сделка_Key=deal or EMPTY_REF,
            Валюта_Key=self.rub,
            СуммаДокумента=total,
            Менеджер_Key=self.users[manager],
            **composite("ДокументОснование", (OFFER, offer) if offer else None),
            Статус="КОтгрузке" if posted else "НеСогласован",
            ДатаОтгрузки=shipping,
            Комментарий=comment,
            **composite("Автор", (USERS, self.author)),
            КонтактноеЛицо_Key=self.contacts[partner],
            Товары=rows,
        )
        if deal:
            self.deal_of[ref] = deal
        return ref

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
        """The demo publishes no invoice document in family C: nothing is added."""
        return ""

    def shipment(
        self, key: object, when: datetime, partner: str, order: str, picks: Picks, *, manager: int, posted: bool
    ) -> str:
        link = composite("ЗаказКлиента", (ORDER, order))
        rows, total = self.lines(picks, **link)
        return self.b.add(
            SALE,
            key,
            Date=dt(when),
            Posted=int(posted),
            Валюта_Key=self.rub,
            **link,
            Организация_Key=self.organisation,
            Контрагент_Key=self.counterparty[partner],
            Менеджер_Key=self.users[manager],
            СуммаДокумента=total,
            Партнер_Key=partner,
            Сделка_Key=self.deal_of.get(order, EMPTY_REF),
            Статус="Отгружено",
            Автор_Key=self.author,
            КонтактноеЛицо_Key=self.contacts[partner],
            Товары=rows,
        )

    def offer(self, key: object, when: datetime, partner: str, picks: Picks, *, deal: str) -> str:
        rows, total = self.lines(picks)
        return self.b.add(
            OFFER,
            key,
            Date=dt(when),
            Posted=1,
            Организация_Key=self.organisation,
            Клиент_Key=partner,
            Сделка_Key=deal,
            Контрагент_Key=self.counterparty[partner],
            КонтактноеЛицо_Key=self.contacts[partner],
            Валюта_Key=self.rub,
            Статус="Действует",
            Менеджер_Key=self.users[0],
            СуммаДокумента=total,
            **composite("ДокументОснование", (DEALS, deal)),
            Автор_Key=self.author,
            Товары=rows,
        )

    # --- the story ---------------------------------------------------------------------------------

    def scenario(self) -> None:
        """The article: «ООО Ромашка» wants 5 monitors, and everything that follows, bound by the deal."""
        romashka = self.partners[0][0]
        assert self.partners[0][1]["name"] == ROMASHKA
        person = self.contacts[romashka]
        picks: Picks = [(0, 5), (7, 1)]
        deal = self.b.add(
            DEALS,
            "romashka-deal",
            Description="Мониторы для нового офиса",
            ДатаНачала=dt(datetime(2026, 3, 2, 10, 15, 4)),
            Партнер_Key=romashka,
            Ответственный_Key=self.users[0],
            ВалютаПервичногоСпроса_Key=self.rub,
            ВероятностьУспешногоЗавершения=80.0,
            ПотенциальнаяСуммаПродажи=80000.0,
            Статус="ВРаботе",
            Комментарий="Клиент из статьи: 5 мониторов",
            ПартнерыИКонтактныеЛица=[{"Партнер_Key": romashka, "КонтактноеЛицо_Key": person}],
        )
        self.subject = (DEALS, deal)
        call, call2 = self.story_calls(romashka, importance="Высокая")
        offer_mail = self.b.ref(MAIL_OUT, "romashka-offer")
        offer = self.offer("romashka-kp", datetime(2026, 3, 2, 15, 30, 0), romashka, picks, deal=deal)
        self.event(
            "romashka-talks",
            datetime(2026, 3, 4, 14, 0, 0),
            "ЛичнаяВстреча",
            "Исходящее",
            "Обсуждение условий поставки мониторов",
            partner=romashka,
            basis=(MAIL_OUT, offer_mail),
            minutes=60,
        )
        order = self.order(
            "romashka-order",
            datetime(2026, 3, 5, 11, 30, 0),
            romashka,
            picks,
            comment="Заказ по звонку: 5 мониторов",
            deal=deal,
            offer=offer,
        )
        sale = self.shipment("romashka-sale", datetime(2026, 3, 12, 14, 0, 0), romashka, order, picks, manager=0,
                             posted=True)
        self.story_visit(romashka, call, (SALE, sale))
        self.subject = None
        del call2

    # --- registers ---------------------------------------------------------------------------------

    def registers(self) -> None:
        """The three registers, from the documents as written (what the БСП's handlers record)."""
        rows = self.b.rows
        contacts: list[dict[str, Any]] = []
        subjects: list[dict[str, Any]] = []
        states: dict[tuple[str, str], list[Any]] = {}
        for set_name in INTERACTIONS:
            for doc in rows.get(set_name, []):
                ref = str(doc["Ref_Key"])
                subject, reviewed, after = self.subjects[ref]
                subjects.append({**composite("Взаимодействие", (set_name, ref)),
                                 **composite("Предмет", subject or (set_name, ref)),
                                 "Рассмотрено": int(reviewed), "РассмотретьПосле": after})
                for contact in named_contacts(set_name, doc, rows):
                    contacts.append({"Взаимодействие": ref, "Взаимодействие_Type": type_of(set_name),
                                     "Контакт": contact[1], "Контакт_Type": contact[0]})
                    state = states.setdefault(contact, ["", 0])
                    state[0] = max(state[0], str(doc["Date"]))
                    state[1] += int(not reviewed)
        contacts.sort(key=lambda r: (r["Взаимодействие"], r["Контакт"], r["Взаимодействие_Type"], r["Контакт_Type"]))
        subjects.sort(key=lambda r: (r["Взаимодействие"], r["Взаимодействие_Type"]))
        rows[CONTACTS_REGISTER] = contacts
        rows[SUBJECTS_REGISTER] = subjects
        rows[STATES_REGISTER] = [
            {"Контакт": ref, "Контакт_Type": typ, "КоличествоНеРассмотрено": float(count),
             "ДатаПоследнегоВзаимодействия": last}
            for (typ, ref), (last, count) in sorted(states.items(), key=lambda item: (item[0][1], item[0][0]))
        ]


def named_contacts(set_name: str, doc: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str]]:
    """(type, Ref_Key) of every contact interaction ``doc`` names in its header and its section, once each."""
    header, section = CONTACT_PLACES[set_name]
    found: list[tuple[str, str]] = []
    candidates: list[dict[str, Any]] = [doc] if header else []
    names = [header] if header else []
    if section:
        lines = [r for r in rows.get(f"{set_name}_{section}", []) if r["Ref_Key"] == doc["Ref_Key"]]
        candidates += lines
        names += ["Контакт"] * len(lines)
    for row, name in zip(candidates, names, strict=True):
        typ = str(row.get(f"{name}_Type", UNDEFINED_TYPE))
        if typ.startswith("StandardODATA.") and typ != UNDEFINED_TYPE and (typ, str(row[name])) not in found:
            found.append((typ, str(row[name])))
    return found


def build(b: Builder) -> None:
    document_number = "НФ00-%06d"  # "НФ00-000123": the infobase prefix, 11 characters
    b.formats.update({f"{s}.Number": document_number for s in (*INTERACTIONS, OFFER, ORDER, SALE)})
    b.formats.update({f"{s}.Code": "НФ-%08d" for s in (PARTNERS, DEALS, GOODS_SET)})
    data = _Ut11(b)
    data.catalogs()
    data.scenario()
    data.edge_cases()
    data.traffic()
    data.registers()


# --- what 1C does when an interaction is written -------------------------------------------------------

# Where each interaction names its contacts for Взаимодействия.ПриЗаписиДокумента (the УТ 11 dump):
# (header contact, its presentation) and (section, its presentation column); the incoming e-mail's
# own recipients do not count.
_WRITTEN_CONTACTS: dict[str, tuple[tuple[str, str] | None, tuple[str, str] | None]] = {
    CALL: (("АбонентКонтакт", "АбонентПредставление"), None),
    MEETING: (None, ("Участники", "ПредставлениеКонтакта")),
    PLANNED: (None, ("Участники", "ПредставлениеКонтакта")),
    MAIL_IN: (("ОтправительКонтакт", "ОтправительПредставление"), None),
    MAIL_OUT: (None, ("ПолучателиПисьма", "Представление")),
    SMS: (None, ("Адресаты", "ПредставлениеКонтакта")),
}
_PARTICIPANT_LISTS = {MEETING: "Участники", PLANNED: "Участники", SMS: "Адресаты"}
_BY_INTERACTION = '"Взаимодействие" = ? AND "Взаимодействие_Type" = ?'
_BY_CONTACT = '"Контакт" = ? AND "Контакт_Type" = ?'


class InteractionWrites:
    """The ut11 demo's stand-in for the handlers 1C runs when an interaction is written (POST or PATCH).

    - ``ПередЗаписью`` (Встреча, ЗапланированноеВзаимодействие, СообщениеSMS):
      ``СписокУчастников`` is rebuilt from the rows' ``ПредставлениеКонтакта``.
    - ``ПриЗаписи`` → ``Взаимодействия.ПриЗаписиДокумента``: the interaction's rows of
      КонтактыВзаимодействий are replaced, one per distinct contact; a contact left empty (an
      unregistered caller typed as text) becomes the СтроковыеКонтактыВзаимодействий item of that
      text, found among the items not marked for deletion or created.
    - СостоянияКонтактовВзаимодействий of every contact the interaction names or named: the latest
      journal date of its interactions (planned and deletion-marked ones too) and how many are not
      reviewed — over the interactions that have a subject record, as the БСП's query joins them.
    - ПредметыПапкиВзаимодействий: a new interaction gets its record (the basis interaction's subject,
      the basis itself when it has none, else the interaction itself; Рассмотрено false). In the
      dump this record is written by the interaction's *form* (ПриЗаписиВзаимодействияИзФормы), not
      by the document: ``subjects = False`` makes the demo behave like a base written over OData
      with no form, where the client has to write the record itself.
    """

    def __init__(self, store: Any) -> None:
        self.store = store
        self.subjects = True

    def __call__(self, set_name: str, ref: str) -> None:
        if set_name not in _WRITTEN_CONTACTS:
            return
        store = self.store
        tables = store.schema.tables
        table = tables[set_name]
        doc = store.get(table, ref)
        if doc is None:
            return
        section = _PARTICIPANT_LISTS.get(set_name)
        if section and "СписокУчастников" in table.columns:
            lines = store.tabular_rows(table.tabular[section], [ref])[ref]
            store.update_row(table, ref, {"СписокУчастников": "; ".join(
                str(r.get("ПредставлениеКонтакта") or "") for r in lines)[:1024]})
        if self.subjects:
            self._subject(set_name, doc)
        contacts = self._contacts(set_name, doc)
        register = tables[CONTACTS_REGISTER]
        kind = type_of(set_name)
        before = {(str(r["Контакт_Type"]), str(r["Контакт"]))
                  for r in store.select(register, where=_BY_INTERACTION, params=[ref, kind])}
        store.delete_where(register, _BY_INTERACTION, [ref, kind])
        store.insert(CONTACTS_REGISTER, [{"Взаимодействие": ref, "Взаимодействие_Type": kind, "Контакт": c,
                                          "Контакт_Type": t} for t, c in contacts])
        for contact in sorted(before | set(contacts)):
            self._state(*contact)

    def _contacts(self, set_name: str, doc: dict[str, Any]) -> list[tuple[str, str]]:
        header, section = _WRITTEN_CONTACTS[set_name]
        named: list[tuple[str, str, str]] = []  # (type, ref, presentation)
        table = self.store.schema.tables[set_name]
        if header and header[0] in table.navigations:  # a customised base: a single reference
            nav = table.navigations[header[0]]
            named.append((type_of(nav.target_set), str(doc.get(nav.key_column) or ""), str(doc.get(header[1]) or "")))
        elif header:
            named.append((str(doc.get(f"{header[0]}_Type")), str(doc.get(header[0]) or ""),
                          str(doc.get(header[1]) or "")))
        if section:
            for row in self.store.tabular_rows(table.tabular[section[0]], [str(doc["Ref_Key"])])[str(doc["Ref_Key"])]:
                named.append((str(row.get("Контакт_Type")), str(row.get("Контакт") or ""), str(row.get(section[1]))))
        out: list[tuple[str, str]] = []
        for typ, value, text in named:
            if typ.startswith("StandardODATA.") and typ != UNDEFINED_TYPE and value and value != EMPTY_REF:
                contact = (typ, value)
            elif text.strip():
                contact = (type_of(STRING_CONTACTS), self._string_contact(text.strip()))
            else:
                continue
            if contact not in out:
                out.append(contact)
        return out

    def _string_contact(self, text: str) -> str:
        """The СтроковыеКонтактыВзаимодействий item named ``text`` (not marked for deletion), created if none."""
        table = self.store.schema.tables[STRING_CONTACTS]
        found = self.store.select(table, where='"Description" = ? AND "DeletionMark" = 0', params=[text[:100]])
        if found:
            return str(found[0]["Ref_Key"])
        ref = str(uuid.uuid4())
        row = {name: default_value(column) for name, column in table.columns.items()}
        row.update(Ref_Key=ref, Description=text[:100], DataVersion=self.store.next_data_version())
        self.store.insert_row(table, row)
        return ref

    def _subject(self, set_name: str, doc: dict[str, Any]) -> None:
        register = self.store.schema.tables[SUBJECTS_REGISTER]
        ref, kind = str(doc["Ref_Key"]), type_of(set_name)
        where = _BY_INTERACTION
        if self.store.select(register, where=where, params=[ref, kind]):
            return  # an interaction written again keeps its subject
        subject: tuple[str, str] = (kind, ref)
        basis, basis_kind = str(doc.get("ВзаимодействиеОснование") or ""), str(doc.get("ВзаимодействиеОснование_Type"))
        if basis and basis_kind.startswith("StandardODATA.") and basis_kind != UNDEFINED_TYPE:
            subject = (basis_kind, basis)
            of_basis = self.store.select(register, where=where, params=[basis, basis_kind])
            if of_basis and str(of_basis[0]["Предмет_Type"]) != UNDEFINED_TYPE:
                subject = (str(of_basis[0]["Предмет_Type"]), str(of_basis[0]["Предмет"]))
        self.store.insert(SUBJECTS_REGISTER, [{"Взаимодействие": ref, "Взаимодействие_Type": kind,
                                               "Предмет": subject[1], "Предмет_Type": subject[0],
                                               "Рассмотрено": 0, "РассмотретьПосле": EMPTY_DATE}])

    def _state(self, kind: str, contact: str) -> None:
        store = self.store
        tables = store.schema.tables
        last, not_reviewed = "", 0
        for row in store.select(tables[CONTACTS_REGISTER], where=_BY_CONTACT, params=[contact, kind]):
            doc_set = str(row["Взаимодействие_Type"]).removeprefix("StandardODATA.")
            doc = store.get(tables[doc_set], str(row["Взаимодействие"])) if doc_set in tables else None
            subject = store.select(tables[SUBJECTS_REGISTER], where=_BY_INTERACTION,
                                   params=[row["Взаимодействие"], row["Взаимодействие_Type"]])
            if doc is None or not subject:  # the БСП's query joins the journal and the subjects
                continue
            last = max(last, str(doc["Date"]))
            not_reviewed += int(not subject[0]["Рассмотрено"])
        store.delete_where(tables[STATES_REGISTER], _BY_CONTACT, [contact, kind])
        if last:
            store.insert(STATES_REGISTER, [{"Контакт": contact, "Контакт_Type": kind,
                                            "ДатаПоследнегоВзаимодействия": last,
                                            "КоличествоНеРассмотрено": float(not_reviewed)}])


def write_handler(store: Any) -> InteractionWrites | None:
    """The ut11 handlers for a store of the ut11 schema (``None`` for the other datasets)."""
    tables = store.schema.tables
    wanted = (CONTACTS_REGISTER, SUBJECTS_REGISTER, STATES_REGISTER, STRING_CONTACTS, *INTERACTIONS)
    return InteractionWrites(store) if all(name in tables for name in wanted) else None
