"""A call from a contact person's own phone finds the person's counterparty (both families)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onec_history.client import Client
from onec_history.demo.server import DemoServer, start_demo
from onec_history.history import History
from onec_history.transport import Transport


@pytest.fixture(params=["ut10", "unf"], scope="module")
def base(request: pytest.FixtureRequest) -> Iterator[DemoServer]:
    with start_demo(request.param) as srv:
        yield srv



@pytest.mark.parametrize("spelling", ["8 916 123-00-77", "+7 (916) 123-00-77", "79161230077", "9161230077"])
def test_the_contact_persons_mobile_finds_its_counterparty(base: DemoServer, spelling: str) -> None:
    history = History(Client(Transport(base.url)))
    found = history.contacts.find_phone(spelling)
    assert [c.inn for c in found] == ["7701000001"]  # ООО Ромашка, whose contact person Сидоров it is


def test_a_counterpartys_own_number_asks_nothing_of_the_persons(base: DemoServer) -> None:
    history = History(Client(Transport(base.url)))
    history.contacts  # noqa: B018 - $metadata read before counting
    before = history.client.transport.stats.requests
    assert [c.inn for c in history.contacts.find_phone("+7 (495) 123-45-67")] == ["7701000001"]
    assert history.client.transport.stats.requests - before == 2  # the narrow request and the counterparty


def test_a_number_neither_a_counterparty_nor_a_person_has_finds_nobody(base: DemoServer) -> None:
    history = History(Client(Transport(base.url)))
    assert history.contacts.find_phone("8 916 123-00-78") == []
    assert history.contacts.find_phone("123-00-77") == []  # the person's number without its code: not a match
