"""Where every object of a synthetic family-C ("ut11") base belongs, computed from indexes alone.

Nothing is remembered while the base is written: the client, the kind, the contacts, the moment
and the deal of interaction ``i``, the partner and the sales chain of deal ``d`` are functions of
the index (a seeded hash), so a reference can point backwards — a follow-up at its basis, a sale
at its order — and the registers agree with the documents without a second pass.

The layout (``N`` interactions, ``M`` partners):

- partner ``p`` has counterparty ``p``; every tenth partner (``p % 10 == 7``) a second one,
  ``M + p // 10``. Its contact person ``p``; every odd partner a second one, ``M + p // 2``.
- three interactions in ten (``i % 10 < 3``) belong to a deal: the ``j``-th of them is step
  ``(j % B) // L`` of deal ``(j // B) * L + j % B % L`` — ``L`` deals run side by side, each of
  ``STEPS`` interactions spread over about three weeks (an incoming call, the e-mail with the
  offer, a meeting, the call that brings the order, an e-mail after the delivery).
- any other interaction follows up an earlier one of the same client a quarter of the time (its
  ``ВзаимодействиеОснование`` where the document type allows it), else it is drawn for a partner
  (half of the traffic goes to one partner in ten, the key accounts).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from onec_history.demo.family_ut11 import (
    ALLOWED_TYPES,
    CALL,
    MAIL_IN,
    MAIL_OUT,
    MEETING,
    PARTNERS,
    PERSONS,
    PLANNED,
    SMS,
    STRING_CONTACTS,
)
from onec_history.demo.generator_state import GeneratorState
from onec_history.demo.rows import DATASET_NOW, DATASET_START, GOODS, person_name, position

_MASK = (1 << 64) - 1
_SPAN = int((DATASET_NOW - DATASET_START).total_seconds())
STEPS = (CALL, MAIL_OUT, MEETING, CALL, MAIL_IN)  # what each step of a deal is
OFFER_STEP, ORDER_STEP = 1, 3  # the offer goes with the e-mail; the order (and its sale) with the call
# the mix of ordinary past traffic: (document, cumulative share)
_MIX = ((CALL, 0.50), (MAIL_IN, 0.62), (MAIL_OUT, 0.77), (MEETING, 0.87), (PLANNED, 0.92), (SMS, 1.0))
Contact = tuple[str, int]  # (catalog, index): a partner, a contact person, or an unregistered caller


def _mix(x: int) -> int:
    """splitmix64's finaliser: a fast, well-spread 64-bit hash."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


class Ut11Plan(GeneratorState):
    """The index arithmetic of a family-C base: ``events`` interactions, ``partners`` partners."""

    # tags of the independent draws made for one index
    _KIND, _CLIENT, _KEY, _FOLLOW, _GAP, _CONTACT, _PERSON, _STRING, _DELETED, _STALE, _JITTER, _INCOMING, \
        _CREATED, _SALE, _LINES, _GOODS, _QTY, _TITLE, _EXTRA = range(19)

    def __init__(self, family: str, events: int, counterparties: int, seed: int) -> None:
        super().__init__(family, events, counterparties, seed)
        self._salt = _mix(seed & _MASK)
        n = self.events
        self.in_deals = n // 10 * 3 + min(n % 10, 3)  # J: interactions that belong to a deal
        self.lanes = max(1, round(n / (120 * len(STEPS))))  # L: deals side by side (~3 weeks each)
        self.block = self.lanes * len(STEPS)  # B
        self.deals = self.in_deals // self.block * self.lanes + min(self.in_deals % self.block, self.lanes)
        self.persons = self.partners + self.partners // 2
        self.counterparty_count = self.partners + (self.partners + 2) // 10
        names = random.Random(seed ^ 0x5EED)  # a fixed pool, drawn once: a person's name is pool[hash]
        self.name_pool = [" ".join(person_name(names)) for _ in range(509)]
        self.job_pool = [position(names) for _ in range(61)]
        self.numbers: dict[str, int] = {}  # documents written so far, per set (their Number)

    # hashing
    def h(self, tag: int, index: int) -> int:
        return _mix((index * 0x100000001B3 + (tag << 48)) ^ self._salt)

    def u(self, tag: int, index: int) -> float:
        """A uniform draw in [0, 1) for (tag, index)."""
        return self.h(tag, index) / 18446744073709551616.0

    # partners, counterparties, contact persons
    def draw_partner(self, tag: int, index: int) -> int:
        """A partner for ``index``: half the draws among the key accounts (``p % 10 == 3``)."""
        keys = (self.partners + 6) // 10
        if keys and self.u(self._KEY + tag, index) < 0.5:
            return self.h(self._CLIENT + tag, index) % keys * 10 + 3
        return self.h(self._CLIENT + tag, index) % self.partners

    def persons_of(self, partner: int) -> list[int]:
        return [partner, self.partners + partner // 2] if partner % 2 else [partner]

    def counterparties_of(self, partner: int) -> list[int]:
        return [partner, self.partners + partner // 10] if partner % 10 == 7 else [partner]

    def person_owner(self, person: int) -> int:
        return person if person < self.partners else (person - self.partners) * 2 + 1

    def counterparty_partner(self, counterparty: int) -> int:
        return counterparty if counterparty < self.partners else (counterparty - self.partners) * 10 + 7

    def person_name(self, person: int) -> str:
        return "Сидоров Павел Петрович" if person == 0 else self.name_pool[_mix(person ^ self._salt) % 509]

    # time
    def moment(self, i: int) -> datetime:
        """When interaction ``i`` happens: evenly over the two years and 3 % ahead, minutes of jitter."""
        offset = _SPAN * 103 * i // (100 * max(1, self.events)) + self.h(self._JITTER, i) % 600
        return DATASET_START + timedelta(seconds=offset)

    def created(self, i: int, when: datetime) -> datetime:
        """When a planned interaction (or a meeting ahead) was entered: hours to days before, never after now."""
        return min(when, DATASET_NOW) - timedelta(minutes=60 + self.h(self._CREATED, i) % (10 * 24 * 60))

    # deals
    def deal_of(self, i: int) -> tuple[int, int] | None:
        """(deal, step) of interaction ``i``, or None when it belongs to no deal."""
        if i % 10 >= 3:
            return None
        j = i // 10 * 3 + i % 10
        rest = j % self.block
        return j // self.block * self.lanes + rest % self.lanes, rest // self.lanes

    def step_index(self, deal: int, step: int) -> int | None:
        """The interaction that is step ``step`` of ``deal`` (None: the base ends before it)."""
        j = deal // self.lanes * self.block + step * self.lanes + deal % self.lanes
        return j // 3 * 10 + j % 3 if j < self.in_deals else None

    def deal_partner(self, deal: int) -> int:
        return self.draw_partner(100, deal)

    def deal_counterparty(self, deal: int) -> int:
        """The legal entity a deal's documents are made out to: a partner's second one every other deal."""
        options = self.counterparties_of(self.deal_partner(deal))
        return options[deal % len(options)]

    def offer_date(self, deal: int) -> datetime | None:
        i = self.step_index(deal, OFFER_STEP)
        when = None if i is None else self.moment(i) - timedelta(minutes=10)
        return when if when is not None and when <= DATASET_NOW else None

    def order_date(self, deal: int) -> datetime | None:
        """Two deals of three that got an offer get an order, after the step-3 call."""
        i = self.step_index(deal, ORDER_STEP)
        if deal % 3 == 2 or i is None or self.offer_date(deal) is None:
            return None
        when = self.moment(i) + timedelta(minutes=30)
        return when if when <= DATASET_NOW else None

    def sale_date(self, deal: int) -> datetime | None:
        """Three orders of four are shipped one to five days later."""
        order = self.order_date(deal)
        if order is None or self.u(self._SALE, deal) >= 0.75:
            return None
        when = order + timedelta(days=1 + self.h(self._SALE, deal) % 5)
        return when if when <= DATASET_NOW else None

    def deal_state(self, deal: int) -> tuple[str, datetime | None]:
        """(Статус, ДатаОкончания): won with a sale, lost after its last step without an order."""
        sale = self.sale_date(deal)
        if sale is not None:
            return "Выиграна", sale
        last = self.step_index(deal, len(STEPS) - 1)
        if deal % 3 == 2 and last is not None and self.moment(last) <= DATASET_NOW:
            return "Проиграна", self.moment(last)
        return "ВРаботе", None

    def picks(self, deal: int) -> list[tuple[int, float]]:
        """(goods index, quantity) of a deal's offer, order and sale: the same lines in all three."""
        count = 1 + self.h(self._LINES, deal) % 3
        return [(1 + self.h(self._GOODS, deal * 3 + n) % (len(GOODS) - 1),
                 float(1 + self.h(self._QTY, deal * 3 + n) % 10)) for n in range(count)]

    # interactions
    def follow_up(self, i: int) -> int | None:
        """The earlier interaction (no deal's) that interaction ``i`` (no deal's) follows up."""
        if i < 1 or self.u(self._FOLLOW, i) >= 0.25:
            return None
        prev = i - 1 - self.h(self._GAP, i) % min(50, i)
        return prev if prev % 10 >= 3 else None

    def client_of(self, i: int) -> int:
        """The partner interaction ``i`` concerns: its deal's, its basis's, or a drawn one."""
        place = self.deal_of(i)
        if place is not None:
            return self.deal_partner(place[0])
        while (prev := self.follow_up(i)) is not None:
            i = prev
        return self.draw_partner(0, i)

    def kind_of(self, i: int) -> str:
        """The document of interaction ``i``: its deal step, or drawn from the mix; ahead of now, planned."""
        place = self.deal_of(i)
        ahead = self.moment(i) > DATASET_NOW
        if place is not None:
            kind = STEPS[place[1]]
            return kind if not ahead or kind == MEETING else PLANNED
        roll = self.u(self._KIND, i)
        if ahead:
            return PLANNED if roll < 0.75 else MEETING
        return next(kind for kind, share in _MIX if roll < share)

    def basis_of(self, i: int, kind: str) -> tuple[str, int] | None:
        """(document, index) of the interaction ``i`` is entered from, where ``kind`` allows its type."""
        place = self.deal_of(i)
        prev = self.follow_up(i) if place is None else (
            self.step_index(place[0], place[1] - 1) if place[1] else None)
        if prev is None:
            return None
        prev_kind = self.kind_of(prev)
        return (prev_kind, prev) if prev_kind in ALLOWED_TYPES[(kind, "ВзаимодействиеОснование")] else None

    def contacts_of(self, i: int, kind: str, partner: int, in_deal: bool) -> list[Contact]:
        """Whom interaction ``i`` names: the partner, its contact person(s), or an unregistered caller."""
        persons = self.persons_of(partner)
        person = persons[0] if in_deal else persons[self.h(self._PERSON, i) % len(persons)]
        roll = self.u(self._CONTACT, i)
        if kind == CALL:
            if not in_deal and self.u(self._STRING, i) < 0.05:
                return [(STRING_CONTACTS, i)]
            return [(PARTNERS, partner)] if roll < 0.3 else [(PERSONS, person)]
        if kind == MAIL_IN:
            return [(PARTNERS, partner)] if roll < 0.15 else [(PERSONS, person)]
        if kind == MAIL_OUT:
            return [(PERSONS, person), (PARTNERS, partner)] if roll < 0.2 else [(PERSONS, person)]
        if kind in (MEETING, PLANNED):
            found: list[Contact] = [(PARTNERS, partner), (PERSONS, person)]
            if len(persons) > 1 and roll < 0.3:
                found.append((PERSONS, persons[1] if person == persons[0] else persons[0]))
            return found
        return [(PERSONS, person)]

    def deleted(self, i: int, kind: str, in_deal: bool) -> bool:
        """Two in a hundred are deletion-marked: none of a deal's, no planned one (its due date stays)."""
        return not in_deal and kind != PLANNED and self.u(self._DELETED, i) < 0.02

    def review(self, i: int, kind: str, when: datetime, deleted: bool) -> tuple[bool, datetime | None]:
        """(Рассмотрено, РассмотретьПосле): a planned one is due at its moment; the last two weeks and a
        few stale ones are not reviewed yet; a deletion-marked one is reviewed."""
        if kind == PLANNED:
            return False, when
        if deleted:
            return True, None
        if when > DATASET_NOW - timedelta(days=14):
            return False, None
        return self.u(self._STALE, i) >= 0.02, None

    def incoming(self, i: int) -> bool:
        place = self.deal_of(i)
        return place[1] == 0 if place is not None else self.u(self._INCOMING, i) < 0.55

    def number_format(self) -> str:
        """"НФ00-000157" as the dataset numbers documents; a base of millions needs all 8 digits."""
        return "НФ00-%06d" if self.events < 1_000_000 else "НФ-%08d"

    def extra(self, tag: int, index: int, options: tuple[Any, ...]) -> Any:
        """A cosmetic choice (topic, importance) for ``index``, independent of the structural draws."""
        return options[self.h(self._EXTRA + tag, index) % len(options)]
