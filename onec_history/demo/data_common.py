"""What the built-in datasets "ut10" and "unf" share: the same goods, counterparties and contact
persons, the article's story around its documents, and two years of ordinary traffic.

A family module says how each of these becomes rows of its configuration (hooks below); this one
says what happens and in which order the seeded generator is drawn. That order is part of the
data: change it here and every GUID-bearing row after the change moves, in both datasets.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime, timedelta
from typing import Any, ClassVar

from onec_history.demo.builder import Builder
from onec_history.demo.rows import (
    CALL_TOPICS,
    DATASET_NOW,
    DATASET_START,
    GOODS,
    Link,
    partner_specs,
    person_name,
    position,
    working_time,
)
from onec_history.demo.schema import EMPTY_REF

# Set names both families spell alike.
PARTNERS = "Catalog_Контрагенты"
GOODS_SET = "Catalog_Номенклатура"
EVENT = "Document_Событие"
ORDER = "Document_ЗаказПокупателя"

CI_KINDS = "Catalog_ВидыКонтактнойИнформации"
# (key, Description, Тип) of the contact-information kinds both datasets use
CONTACT_KINDS = (
    ("work-phone", "Телефон рабочий", "Телефон"),
    ("mobile", "Телефон мобильный", "Телефон"),
    ("email", "Адрес электронной почты", "АдресЭлектроннойПочты"),
    ("address", "Фактический адрес", "Адрес"),
)
SHARED_PHONE = "+7 (903) 700-10-10"  # the mobile two counterparties give (a switchboard, a family business)
SHARED_PHONE_OWNERS = (5, 6)

Partner = tuple[str, dict[str, object]]  # (Ref_Key, spec from rows.partner_specs)


def partner_contacts(index: int) -> list[tuple[str, str]]:
    """(kind key, presentation) of counterparty ``index``'s contact information, as 1C shows it.

    Drawn from the index, not from the seeded generator, so the rest of the data does not move.
    Ромашка has the number of the issue's examples and an e-mail typed in mixed case; two
    counterparties share a mobile (an ambiguous caller); every fifth has no e-mail.
    """
    if index == 0:
        return [("work-phone", "+7 (495) 123-45-67"), ("mobile", "+7 (916) 200-00-01"),
                ("email", "Info@Romashka.ru"), ("address", "Москва, ул. Цветочная, д. 5")]
    out = [("work-phone", f"+7 (495) {100 + index:03d}-{index * 7 % 100:02d}-{index * 13 % 100:02d}")]
    if index in SHARED_PHONE_OWNERS:
        out.append(("mobile", SHARED_PHONE))
    if index % 5:
        out.append(("email", f"info{index}@example.ru"))
    return out


def person_contacts(index: int) -> list[tuple[str, str]]:
    """(kind key, presentation) of the contact person of counterparty ``index``: a mobile for some."""
    if index == 0:
        return [("mobile", "8 916 123-00-77"), ("email", "sidorov@romashka.ru")]
    return [("mobile", f"+7 (926) {index:03d}-00-{index % 100:02d}")] if index % 4 == 0 else []


def digits_only(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
Picks = list[tuple[int, float]]  # (index into goods, quantity)


class FamilyData(ABC):
    """One dataset being built: the shared steps, calling the family's hooks for its rows."""

    KINDS: ClassVar[tuple[str, ...]]  # the mix of event kinds of ordinary traffic
    UNKNOWN_CALLER: ClassVar[dict[str, Any]]  # how the family records a caller who is not in the base
    UNPOSTED: ClassVar[dict[str, Any]] = {}  # what an edge-case event adds when it is not posted
    DELETED_ORDER_COMMENT: ClassVar[str] = ""
    EMPTY_ORDER_COMMENT: ClassVar[str]

    def __init__(self, b: Builder) -> None:
        self.b = b
        self.rng = b.rng
        self.goods: list[tuple[str, float]] = []
        self.partners: list[Partner] = []
        self.contacts: dict[str, str] = {}
        self.rub = ""

    # --- hooks: the family's rows ------------------------------------------------------------------

    @abstractmethod
    def add_partner(self, index: int, spec: dict[str, object], folder: str) -> str:
        """Add counterparty ``index`` into ``folder``; return its Ref_Key."""

    @abstractmethod
    def add_contact(self, index: int, partner: str, name: tuple[str, str, str], job: str) -> str:
        """Add the contact person (surname, first name, middle name) of ``partner``; return its Ref_Key."""

    @abstractmethod
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
    ) -> str:
        """Add an event; return its Ref_Key."""

    @abstractmethod
    def ordinary_event(
        self, n: int, when: datetime, *, partner: str, basis: Link | None, state: str, manager: int
    ) -> str:
        """Add ordinary event ``n`` (kind, direction, topic drawn by the family); return its Ref_Key."""

    @abstractmethod
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
        """Add a buyer's order (entered from ``event`` when given); return its Ref_Key."""

    @abstractmethod
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
        """Add an invoice for ``order`` (or without one); return its Ref_Key."""

    @abstractmethod
    def shipment(
        self, key: object, when: datetime, partner: str, order: str, picks: Picks, *, manager: int, posted: bool
    ) -> str:
        """Add the shipment of ``order``; return its Ref_Key."""

    def edge_events(self, partner: str) -> None:
        """Awkward events only the family has (after the deleted one); none by default."""
        return

    # --- shared steps ------------------------------------------------------------------------------

    def add_goods(self) -> None:
        b = self.b
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

    def add_partners(self) -> None:
        """The counterparty folders, then each counterparty followed by its contact person."""
        b = self.b
        buyers = b.add(PARTNERS, "buyers", Description="Покупатели", IsFolder=1)
        folders = {
            "buyers": buyers,
            "suppliers": b.add(PARTNERS, "suppliers", Description="Поставщики", IsFolder=1),
            "moscow": b.add(PARTNERS, "moscow", Description="Москва", IsFolder=1, Parent_Key=buyers),
        }
        for i, spec in enumerate(partner_specs()):
            ref = self.add_partner(i, spec, folders[str(spec["folder"])])
            self.partners.append((ref, spec))
            # Ромашка's contact is the Сидоров П.П. of the article; the others are drawn.
            name = ("Сидоров", "Павел", "Петрович") if i == 0 else person_name(self.rng)
            job = "Директор по закупкам" if i == 0 else position(self.rng)
            self.contacts[ref] = self.add_contact(i, ref, name, job)

    def lines(self, picks: Picks, **each_line: str) -> tuple[list[dict[str, Any]], float]:
        """Goods lines of ``picks`` (each with ``each_line`` added) and their total."""
        rows, total = [], 0.0
        for goods_index, quantity in picks:
            ref, price = self.goods[goods_index]
            rows.append(
                {"Номенклатура_Key": ref, "Количество": quantity, "Цена": price, "Сумма": price * quantity, **each_line}
            )
            total += price * quantity
        return rows, total

    def story_calls(self, romashka: str, **first_call: Any) -> tuple[str, str]:
        """The article up to the order: call → offer → call. Returns the first and the last call."""
        call = self.event(
            "romashka-call-1",
            datetime(2026, 3, 2, 10, 15, 4),
            "ТелефонныйЗвонок",
            "Входящее",
            "Интересуются покупкой 5 мониторов",
            partner=romashka,
            body='Звонил Сидоров П.П.: для нового офиса нужно 5 мониторов 24".\n'
            "Просит коммерческое предложение с доставкой.",
            **first_call,
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
        return call, call2

    def story_visit(self, romashka: str, call: str, delivery: Link) -> None:
        """The article after the delivery: the meeting, and a follow-up call planned from the first one."""
        self.event(
            "romashka-meeting",
            datetime(2026, 3, 12, 14, 30, 0),
            "ЛичнаяВстреча",
            "Исходящее",
            "Доставка и установка мониторов",
            partner=romashka,
            basis=delivery,
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
        """The awkward cases a real base has: an unknown caller, a deleted event, odd orders."""
        self.event(
            "unknown-caller",
            datetime(2026, 5, 20, 16, 5, 31),
            "ТелефонныйЗвонок",
            "Входящее",
            "Звонок с незнакомого номера",
            manager=1,
            **self.UNKNOWN_CALLER,
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
            **self.UNPOSTED,
        )
        self.edge_events(partner)
        self.order(
            "deleted-order",
            datetime(2025, 2, 3, 10, 0, 0),
            partner,
            [(2, 1)],
            deleted=True,
            posted=False,
            manager=2,
            comment=self.DELETED_ORDER_COMMENT,
        )
        self.order("unposted-order", datetime(2026, 6, 29, 17, 10, 0), partner, [(4, 2)], posted=False, manager=2)
        self.order(
            "empty-order",
            datetime(2026, 6, 30, 9, 0, 0),
            partner,
            [],
            posted=False,
            manager=2,
            comment=self.EMPTY_ORDER_COMMENT,
        )

    def deal(self, n: int, when: datetime, partner: str, picks: Picks, *, manager: int, event: str | None) -> None:
        """Ordinary order ``n`` and what follows it; ``event`` is the event it was entered from."""
        order = self.order(f"o{n}", when, partner, picks, event=event, manager=manager)
        if n % 3 != 2:
            self.invoice(f"i{n}", when + timedelta(hours=2), partner, order, picks, event=event, manager=manager)
        if n % 2 == 0:
            self.shipment(
                f"s{n}",
                when + timedelta(days=self.rng.randint(1, 9)),
                partner,
                order,
                picks,
                manager=manager,
                posted=n % 10 != 4,
            )

    def traffic(self) -> list[Partner]:
        """Ordinary traffic: a few hundred events over two years, some orders and their chains.

        Returns the buyers the orders were drawn from.
        """
        rng = self.rng
        items = [(ref, spec) for ref, spec in self.partners[1:] if spec["name"] != "ООО Ромашкa"]
        last_event: dict[str, str] = {}
        for n in range(320):
            ref, spec = rng.choice(items)
            when = working_time(rng, DATASET_START, DATASET_NOW)
            roll = rng.random()
            state = "Отменено" if roll < 0.06 else "Запланировано" if roll < 0.1 else "Завершено"
            basis = (EVENT, last_event[ref]) if ref in last_event and rng.random() < 0.3 else None
            last_event[ref] = self.ordinary_event(
                n, when, partner=ref, basis=basis, state=state, manager=int(str(spec["manager"]))
            )
        for n in range(24):  # planned for the weeks after the dataset's "today"
            ref, spec = rng.choice(items)
            when = working_time(rng, DATASET_NOW, datetime(2026, 12, 20))
            self.event(
                f"planned-{n}",
                when,
                rng.choice(self.KINDS[:15]),
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
            event = last_event.get(ref) if n % 2 == 0 else None
            self.deal(n, when, ref, picks, manager=int(str(spec["manager"])), event=event)
        return buyers
