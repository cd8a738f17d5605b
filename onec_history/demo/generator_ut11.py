"""Rows of a synthetic family-C ("ut11") base, in the shapes of the built-in dataset data_ut11.py.

Catalogs first (users, goods, partners with their contact information, counterparties, contact
persons), then the interactions in index order; with each interaction come the rows it brings: its
tabular section, its unregistered caller, its rows of the registers КонтактыВзаимодействий and
ПредметыПапкиВзаимодействий, and — at the deal's steps — the deal, its offer, order and sale.
СостоянияКонтактовВзаимодействий, an aggregate over every interaction of a contact, is computed
by SQL from the two registers and the documents once they are written (``states_sql``).
Where each object belongs is generator_ut11_plan.py's arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from onec_history.demo.family_ut11 import (
    CALL,
    CI_KINDS,
    CONTACTS_REGISTER,
    COUNTERPARTIES,
    CURRENCIES,
    DEALS,
    GOODS,
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
    STATES_REGISTER,
    STRING_CONTACTS,
    SUBJECTS_REGISTER,
    USERS,
)
from onec_history.demo.generator_ut11_plan import OFFER_STEP, ORDER_STEP, Contact, Ut11Plan
from onec_history.demo.rows import (
    CALL_TOPICS,
    DATASET_NOW,
    DATASET_START,
    MANAGERS,
    ROMASHKA,
    ROMASHKA_INN,
    Link,
    company_name,
    composite,
    dt,
    inn,
    type_of,
)
from onec_history.demo.rows import (
    GOODS as GOODS_LIST,
)
from onec_history.demo.schema import EMPTY_DATE, EMPTY_REF
from onec_history.demo.store import q

Row = dict[str, Any]
Out = Iterator[tuple[str, Row]]  # (set, row): tabular rows carry their owner's Ref_Key and LineNumber
OUR_ADDRESS = "sales@demo-ut11.ru"
_ADMIN = len(MANAGERS)  # the index of the user that authors documents (after the managers)
_KINDS = (("work-phone", "Телефон рабочий", "Телефон"), ("mobile", "Телефон мобильный", "Телефон"),
          ("email", "Адрес электронной почты", "АдресЭлектроннойПочты"))
_DEAL_TITLES = ("Мониторы для нового офиса", "Оснащение рабочих мест", "Ноутбуки для отдела продаж",
                "Печатная техника", "Периферия на склад", "Обновление парка техники", "Поставка под проект",
                "Годовой контракт на поставки")
_STEP_TOPICS = ("Интересуются: {}", "Коммерческое предложение: {}", "Обсуждение условий: {}",
                "Согласование заказа: {}", "Вопрос по поставке: {}")
_IMPORTANCE = ("Низкая", "Обычная", "Обычная", "Высокая")
# (header composite, tabular section with a composite Контакт) of each interaction document
_SECTION = {MEETING: "Участники", PLANNED: "Участники", MAIL_IN: "ПолучателиПисьма", MAIL_OUT: "ПолучателиПисьма",
            "Document_СообщениеSMS": "Адресаты"}


def phone_text(digits: str) -> str:
    """Ten digits as 1C shows a number: +7 (926) 000-00-12."""
    return f"+7 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}"


class Ut11Rows(Ut11Plan):
    """Every row of a family-C base, produced as it is read."""

    def __init__(self, family: str, events: int, counterparties: int, seed: int) -> None:
        super().__init__(family, events, counterparties, seed)
        ids = self.ids
        # the references every document repeats, computed once
        self.users = [ids(USERS, u) for u in range(len(MANAGERS) + 1)]
        self.admin = self.users[_ADMIN]
        self.account = ids(MAIL_ACCOUNTS, 0)
        self.organisation = ids(ORGANISATIONS, 0)
        self.currency = ids(CURRENCIES, 0)

    def rows(self) -> Out:
        yield from self.catalogs()
        for i in range(self.events):
            yield from self.interaction(i)

    # --- catalogs ----------------------------------------------------------------------------------

    def catalogs(self) -> Out:
        ref, dv = self.ids, self.dv
        for i, name in enumerate((*MANAGERS, "Администратор")):
            yield USERS, {"Ref_Key": ref(USERS, i), "DataVersion": dv(), "Description": name,
                          "Комментарий": "Служебный пользователь OData" if i == _ADMIN else ""}
        yield ORGANISATIONS, {"Ref_Key": ref(ORGANISATIONS, 0), "DataVersion": dv(), "Description": "Торговый дом",
                              "НаименованиеПолное": 'ООО "Торговый дом"'}
        yield MAIL_ACCOUNTS, {"Ref_Key": ref(MAIL_ACCOUNTS, 0), "DataVersion": dv(), "Description": "Отдел продаж",
                              "АдресЭлектроннойПочты": OUR_ADDRESS}
        yield CURRENCIES, {"Ref_Key": ref(CURRENCIES, 0), "DataVersion": dv(), "Code": "643", "Description": "руб.",
                           "НаименованиеПолное": "Российский рубль"}
        for k, (_key, name, typ) in enumerate(_KINDS):
            yield CI_KINDS, {"Ref_Key": ref(CI_KINDS, k), "DataVersion": dv(), "Description": name, "Тип": typ}
        for g, (name, article, _price) in enumerate(GOODS_LIST):
            yield GOODS, {"Ref_Key": ref(GOODS, g), "DataVersion": dv(), "Code": f"НФ-{g + 1:08d}", "Description": name,
                          "Артикул": article or "", "НаименованиеПолное": name, "IsFolder": int(article is None),
                          "Parent_Key": ref(GOODS, 0) if "Монитор " in name else EMPTY_REF,
                          "ТипНоменклатуры": "" if article is None else "Товар" if article else "Услуга"}
        for p in range(self.partners):
            yield from self.partner(p)
        for c in range(self.counterparty_count):
            yield COUNTERPARTIES, self.counterparty(c)
        for person in range(self.persons):
            yield from self.person(person)

    def partner_name(self, p: int) -> str:
        return ROMASHKA if p == 0 else company_name(p)

    def partner_phone(self, p: int) -> str:
        return "+7 (495) 123-45-67" if p == 0 else phone_text(f"9{p:09d}")

    def partner_email(self, p: int) -> str:
        return "info@romashka.ru" if p == 0 else f"client{p}@example.ru" if p % 2 == 0 else ""

    def person_phone(self, person: int) -> str:
        return phone_text(f"926{person % 10**7:07d}")

    def person_email(self, person: int) -> str:
        return "sidorov@romashka.ru" if person == 0 else f"person{person}@example.ru" if person % 3 == 0 else ""

    def private(self, p: int) -> bool:
        return p % 20 == 19  # one partner in twenty is a private person (an entrepreneur)

    def partner(self, p: int) -> Out:
        """A partner: an 11-character code, one in 25 placed under another (a branch), its phone and e-mail."""
        ref = self.ids(PARTNERS, p)
        name = self.partner_name(p)
        yield PARTNERS, {
            "Ref_Key": ref, "DataVersion": self.dv(), "Code": f"НФ-{p + 1:08d}", "Description": name,
            "Parent_Key": self.ids(PARTNERS, p - 24) if p % 25 == 24 else EMPTY_REF,
            "ДатаРегистрации": dt(DATASET_START - timedelta(days=30 + self.h(self._EXTRA + 9, p) % 900)),
            "Клиент": int(p % 5 != 4), "Поставщик": int(p % 5 == 4 or p % 7 == 0),
            "НаименованиеПолное": name.replace("ООО", "Общество с ограниченной ответственностью", 1),
            "ОсновнойМенеджер_Key": self.users[p % len(MANAGERS)],
            "ЮрФизЛицо": "ЧастноеЛицо" if self.private(p) else "Компания",
            "Комментарий": "Клиент из статьи: интересуется мониторами" if p == 0 else "",
        }
        yield from self.contact_information(PARTNERS, ref, [(0, self.partner_phone(p)), (2, self.partner_email(p))])

    def contact_information(self, owner_set: str, ref: str, items: list[tuple[int, str]]) -> Out:
        """The owner's КонтактнаяИнформация rows as the БСП fills them, search columns too (empty items skipped)."""
        line = 0
        for kind, text in items:
            if not text:
                continue
            kind_ref = self.ids(CI_KINDS, kind)
            typ = _KINDS[kind][2]
            line += 1
            row: Row = {"Ref_Key": ref, "LineNumber": line, "Тип": typ, "Вид_Key": kind_ref,
                        "ВидДляСписка_Key": kind_ref, "Представление": text}
            if typ == "Телефон":
                digits = "".join(ch for ch in text if ch.isdigit())
                row.update(НомерТелефона=digits, НомерТелефонаБезКодов=digits[-7:], Страна="Россия")
            else:
                row.update(АдресЭП=text, ДоменноеИмяСервера=text.partition("@")[2])
            yield f"{owner_set}_КонтактнаяИнформация", row

    def counterparty(self, c: int) -> Row:
        """A legal entity of a partner; the second one of a partner is its «Северо-Запад» branch."""
        p = self.counterparty_partner(c)
        name = self.partner_name(p) + ("" if c == p else " Северо-Запад")
        private = self.private(p) and c == p
        tax_id = ROMASHKA_INN if c == 0 else inn(c, legal=not private)
        return {
            "Ref_Key": self.ids(COUNTERPARTIES, c), "DataVersion": self.dv(), "Description": name,
            "НаименованиеПолное": name.replace("ООО", "Общество с ограниченной ответственностью", 1),
            "ЮридическоеФизическоеЛицо": "ФизическоеЛицо" if private else "ЮридическоеЛицо",
            "ГоловнойКонтрагент_Key": self.ids(COUNTERPARTIES, p - 24) if p % 25 == 24 and c == p else EMPTY_REF,
            "ИНН": tax_id, "КПП": "" if private else tax_id[:4] + "01001",
            "ДополнительнаяИнформация": "Второе юрлицо того же партнера" if c != p else "",
            "Партнер_Key": self.ids(PARTNERS, p),
            "ЮрФизЛицо": "ИндивидуальныйПредприниматель" if private else "ЮрЛицо",
        }

    def person(self, person: int) -> Out:
        ref = self.ids(PERSONS, person)
        owner = self.person_owner(person)
        yield PERSONS, {
            "Ref_Key": ref, "DataVersion": self.dv(), "Description": self.person_name(person),
            "Owner_Key": self.ids(PARTNERS, owner),
            "ДатаРегистрацииСвязи": dt(DATASET_START - timedelta(days=self.h(self._EXTRA + 8, person) % 700)),
            **composite("Автор", (USERS, self.admin)),
            "ДолжностьПоВизитке": "Директор по закупкам" if person == 0 else self.job_pool[person % len(self.job_pool)],
        }
        yield from self.contact_information(PERSONS, ref, [(1, self.person_phone(person)),
                                                           (2, self.person_email(person))])

    # --- contacts as interactions show them --------------------------------------------------------

    def caller_phone(self, i: int) -> str:
        return phone_text(f"916{i * 7919 % 10**7:07d}")

    def contact_name(self, contact: Contact) -> str:
        kind, index = contact
        if kind == PARTNERS:
            return self.partner_name(index)
        return self.person_name(index) if kind == PERSONS else self.caller_phone(index)

    def contact_phone(self, contact: Contact) -> str:
        kind, index = contact
        if kind == PARTNERS:
            return self.partner_phone(index)
        return self.person_phone(index) if kind == PERSONS else self.caller_phone(index)

    def contact_email(self, contact: Contact) -> str:
        kind, index = contact
        if kind == PARTNERS:
            return self.partner_email(index)
        return self.person_email(index) if kind == PERSONS else ""

    # --- interactions ------------------------------------------------------------------------------

    def interaction(self, i: int) -> Out:
        """Interaction ``i``, its section and register rows, and the deal's documents at their steps."""
        kind = self.kind_of(i)
        when = self.moment(i)
        place = self.deal_of(i)
        partner = self.client_of(i)
        contacts = self.contacts_of(i, kind, partner, place is not None)
        deleted = self.deleted(i, kind, place is not None)
        ref = self.ids(kind, i)
        if place is not None:
            yield from self.deal_documents(*place)
        for contact in contacts:
            if contact[0] == STRING_CONTACTS:  # an unregistered caller: an item named as typed in
                yield STRING_CONTACTS, {"Ref_Key": self.ids(STRING_CONTACTS, i), "DataVersion": self.dv(),
                                        "Description": self.caller_phone(i)}
        basis = self.basis_of(i, kind)
        if place is not None:
            topic = _STEP_TOPICS[place[1]].format(self.deal_title(place[0]))
        else:
            topic = self.extra(1, i, CALL_TOPICS)
        ahead = when > DATASET_NOW
        row: Row = {
            "Ref_Key": ref, "DataVersion": self.dv(), "Number": self.next_number(kind),
            "Date": dt(self.created(i, when) if kind == PLANNED or (kind == MEETING and ahead) else when),
            "DeletionMark": int(deleted), "Важность": self.extra(2, i, _IMPORTANCE),
            "Ответственный_Key": self.users[partner % len(MANAGERS)],
            **composite("ВзаимодействиеОснование", None if basis is None else (basis[0], self.ids(*basis))),
            "Тема": topic, "Комментарий": "Помечено на удаление: введено по ошибке" if deleted else "",
        }
        if kind != MAIL_IN:
            row["Автор_Key"] = self.admin
        links: list[Link] = [(c[0], self.ids(*c)) for c in contacts]
        lines = self.kind_values(row, i, kind, when, contacts, links)
        yield kind, row
        section = _SECTION.get(kind)
        for n, line in enumerate(lines, 1):
            yield f"{kind}_{section}", {**line, "Ref_Key": ref, "LineNumber": n}
        for link in links:
            yield CONTACTS_REGISTER, {**composite("Взаимодействие", (kind, ref)), **composite("Контакт", link)}
        reviewed, after = self.review(i, kind, when, deleted)
        subject = (DEALS, self.ids(DEALS, place[0])) if place is not None else (kind, ref)
        yield SUBJECTS_REGISTER, {**composite("Взаимодействие", (kind, ref)), **composite("Предмет", subject),
                                  "Рассмотрено": int(reviewed), "РассмотретьПосле": EMPTY_DATE if after is None
                                  else dt(after)}

    def kind_values(self, row: Row, i: int, kind: str, when: datetime, contacts: list[Contact],
                    links: list[Link]) -> list[Row]:
        """Fill ``row`` with what names the contacts and the moments of its kind; return its section rows."""
        names = "; ".join(self.contact_name(c) for c in contacts)
        first = contacts[0]
        if kind == CALL:
            row.update(composite("АбонентКонтакт", links[0]), АбонентКакСвязаться=self.contact_phone(first),
                       АбонентПредставление=names, Входящий=int(self.incoming(i)), Описание="")
            return []
        if kind in (MEETING, PLANNED):
            row.update(СписокУчастников=names, Описание="")
            if kind == MEETING:
                minutes = self.extra(3, i, (30, 60, 60, 90, 120))
                row.update(ДатаНачала=dt(when), ДатаОкончания=dt(when + timedelta(minutes=minutes)),
                           МестоПроведенияВстречи=self.extra(4, i, ("Офис клиента", "Наш офис", "Склад клиента")))
            return [{**composite("Контакт", link), "ПредставлениеКонтакта": self.contact_name(c)[:100],
                     "КакСвязаться": self.contact_phone(c)} for c, link in zip(contacts, links, strict=True)]
        email = self.contact_email(first)
        if kind == MAIL_IN:
            row.update(composite("ОтправительКонтакт", links[0]), ОтправительАдрес=email,
                       ОтправительПредставление=f"{names} <{email}>" if email else names, ДатаПолучения=dt(when),
                       ИдентификаторСообщения=f"<{when:%Y%m%d%H%M%S}.{i}@client.example>",
                       СписокПолучателейПисьма=OUR_ADDRESS, Текст=row["Тема"], ТипТекста="ПростойТекст",
                       УчетнаяЗапись_Key=self.account)
            return [{"Адрес": OUR_ADDRESS, "Представление": "Отдел продаж", **composite("Контакт", None)}]
        if kind == MAIL_OUT:
            row.update(ДатаОтправления=dt(when), СтатусПисьма="Отправлено",
                       ОтправительПредставление=f"Отдел продаж <{OUR_ADDRESS}>",
                       СписокПолучателейПисьма=f"{names} <{email}>" if email else names,
                       ИдентификаторСообщения=f"<{when:%Y%m%d%H%M%S}.{i}@demo-ut11.ru>", Текст=row["Тема"],
                       ТипТекста="ПростойТекст", УчетнаяЗапись_Key=self.account)
            return [{"Адрес": self.contact_email(c), "Представление": self.contact_name(c)[:100],
                     **composite("Контакт", link)} for c, link in zip(contacts, links, strict=True)]
        state = "НеДоставлено" if self.h(self._EXTRA + 5, i) % 30 == 0 else "Доставлено"
        row.update(СписокУчастников=names, ТекстСообщения=row["Тема"], Состояние=state, ДатаКогдаОтправить=dt(when))
        return [{**composite("Контакт", link), "ПредставлениеКонтакта": self.contact_name(c)[:100],
                 "КакСвязаться": self.contact_phone(c),
                 "НомерДляОтправки": "".join(ch for ch in self.contact_phone(c) if ch.isdigit()),
                 "СостояниеСообщения": state} for c, link in zip(contacts, links, strict=True)]

    def next_number(self, set_name: str) -> str:
        """Each document type is numbered on its own, in the order it is written (about date order)."""
        count = self.numbers.get(set_name, 0) + 1
        self.numbers[set_name] = count
        return self.number_format() % count

    # --- deals and the sales chain -----------------------------------------------------------------

    def deal_title(self, deal: int) -> str:
        return "Мониторы для нового офиса" if deal == 0 else _DEAL_TITLES[self.h(self._TITLE, deal) % len(_DEAL_TITLES)]

    def deal_documents(self, deal: int, step: int) -> Out:
        """The deal with its first interaction, the offer with the e-mail, the order and sale with the call."""
        if step == 0:
            yield from self.deal(deal)
        elif step == OFFER_STEP and (offer := self.offer_date(deal)) is not None:
            yield from self.sales_document(OFFER, deal, offer)
        elif step == ORDER_STEP and (order := self.order_date(deal)) is not None:
            yield from self.sales_document(ORDER, deal, order)
            if (sale := self.sale_date(deal)) is not None:
                yield from self.sales_document(SALE, deal, sale)

    def deal(self, deal: int) -> Out:
        partner = self.deal_partner(deal)
        start = self.step_index(deal, 0)
        assert start is not None
        state, end = self.deal_state(deal)
        ref = self.ids(DEALS, deal)
        total = sum(GOODS_LIST[g][2] * quantity for g, quantity in self.picks(deal))
        yield DEALS, {
            "Ref_Key": ref, "DataVersion": self.dv(), "Code": f"НФ-{deal + 1:08d}",
            "Description": f"{self.deal_title(deal)} ({self.partner_name(partner)})"[:100],
            "ВалютаПервичногоСпроса_Key": self.currency,
            "ВероятностьУспешногоЗавершения": {"Выиграна": 100.0, "Проиграна": 0.0}.get(state, 50.0),
            "ДатаНачала": dt(self.moment(start)), "ДатаОкончания": EMPTY_DATE if end is None else dt(end),
            "Закрыта": int(end is not None), "Ответственный_Key": self.users[partner % len(MANAGERS)],
            "Партнер_Key": self.ids(PARTNERS, partner), "ПотенциальнаяСуммаПродажи": total, "Статус": state,
        }
        yield f"{DEALS}_ПартнерыИКонтактныеЛица", {
            "Ref_Key": ref, "LineNumber": 1, "Партнер_Key": self.ids(PARTNERS, partner),
            "КонтактноеЛицо_Key": self.ids(PERSONS, self.persons_of(partner)[0]),
            "ВыигралСделку": int(state == "Выиграна"),
        }

    def sales_document(self, set_name: str, deal: int, when: datetime) -> Out:
        """The offer (basis: the deal), the order (basis: the offer) or the sale (of the order), one deal's lines."""
        partner = self.deal_partner(deal)
        ref = self.ids(set_name, deal)
        order = (ORDER, self.ids(ORDER, deal))
        shipping = dt((self.order_date(deal) or when).replace(hour=0, minute=0, second=0) + timedelta(days=7))
        lines: list[Row] = []
        for g, quantity in self.picks(deal):
            price = GOODS_LIST[g][2]
            line: Row = {"Номенклатура_Key": self.ids(GOODS, g), "Количество": quantity, "Цена": price,
                         "Сумма": price * quantity}
            if set_name == ORDER:
                line["ДатаОтгрузки"] = shipping
            elif set_name == SALE:
                line.update(composite("ЗаказКлиента", order))
            lines.append(line)
        row: Row = {
            "Ref_Key": ref, "DataVersion": self.dv(), "Number": self.next_number(set_name), "Date": dt(when),
            "Posted": 1, "Организация_Key": self.organisation,
            "Контрагент_Key": self.ids(COUNTERPARTIES, self.deal_counterparty(deal)),
            "Сделка_Key": self.ids(DEALS, deal), "Валюта_Key": self.currency,
            "Менеджер_Key": self.users[partner % len(MANAGERS)], "СуммаДокумента": sum(r["Сумма"] for r in lines),
            "КонтактноеЛицо_Key": self.ids(PERSONS, self.persons_of(partner)[0]),
        }
        author = self.admin
        if set_name == OFFER:
            row.update(Клиент_Key=self.ids(PARTNERS, partner), Статус="Действует", Автор_Key=author,
                       **composite("ДокументОснование", (DEALS, self.ids(DEALS, deal))))
        elif set_name == ORDER:
            shipped = self.sale_date(deal) is not None
            row.update(Партнер_Key=self.ids(PARTNERS, partner), Статус="Закрыт" if shipped else "КОтгрузке",
                       ДатаОтгрузки=shipping, **composite("ДокументОснование", (OFFER, self.ids(OFFER, deal))),
                       **composite("Автор", (USERS, author)))
        else:
            row.update(Партнер_Key=self.ids(PARTNERS, partner), Статус="Отгружено", Автор_Key=author,
                       **composite("ЗаказКлиента", order))
        yield set_name, row
        for n, line in enumerate(lines, 1):
            yield f"{set_name}_Товары", {**line, "Ref_Key": ref, "LineNumber": n}

    # --- the last register -------------------------------------------------------------------------

    def formats(self) -> dict[str, str]:
        """The numbering a new document or item continues (the store's ``format:`` meta)."""
        numbers = {f"{s}.Number": self.number_format() for s in (*INTERACTIONS, OFFER, ORDER, SALE)}
        return {**numbers, **{f"{s}.Code": "НФ-%08d" for s in (PARTNERS, DEALS, GOODS)}}


def states_sql() -> str:
    """СостоянияКонтактовВзаимодействий from the written rows, as the БСП keeps it: per contact the
    latest journal date of its interactions (planned and deletion-marked ones included) and how many
    of them are not reviewed."""
    contact, kind, interaction = q("Контакт"), q("Контакт_Type"), q("Взаимодействие")
    parts = [
        f"SELECT c.{contact} AS k, c.{kind} AS t, d.{q('Date')} AS date, 1 - s.{q('Рассмотрено')} AS open "
        f"FROM {q(CONTACTS_REGISTER)} c JOIN {q(name)} d ON d.{q('Ref_Key')} = c.{interaction} "
        f"JOIN {q(SUBJECTS_REGISTER)} s ON s.{interaction} = c.{interaction} "
        f"AND s.{q('Взаимодействие_Type')} = c.{q('Взаимодействие_Type')} "
        f"WHERE c.{q('Взаимодействие_Type')} = '{type_of(name)}'"
        for name in INTERACTIONS
    ]
    return (
        f"INSERT INTO {q(STATES_REGISTER)} ({contact}, {kind}, {q('КоличествоНеРассмотрено')}, "
        f"{q('ДатаПоследнегоВзаимодействия')}) SELECT k, t, SUM(open), MAX(date) FROM ({' UNION ALL '.join(parts)}) "
        "GROUP BY k, t ORDER BY k, t"
    )
