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


def test_a_platform_refusing_substringof_falls_back_to_one_scan_per_run(base: DemoServer,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from typing import Any

    from onec_history import query as q
    from onec_history.errors import BadQueryError

    history = History(Client(Transport(base.url)))
    real = history.client.iterate

    def iterate(entity_set: str, query: q.Query, *args: Any, **kwargs: Any) -> Any:
        if query.filter is not None and "substringof" in query.filter.text:
            raise BadQueryError("Ошибка разбора параметра запроса $filter", status=400, code="14")
        return real(entity_set, query, *args, **kwargs)

    monkeypatch.setattr(history.client, "iterate", iterate)
    assert [c.inn for c in history.contacts.find_phone("8 (495) 123-45-67")] == ["7701000001"]
    before = history.client.transport.stats.requests
    assert history.contacts.find_phone("+7 (812) 000-45-67") == []
    assert history.client.transport.stats.requests == before  # the list read once is kept for the run


def test_an_empty_phone_is_refused_not_every_counterparty(base: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    from onec_history.cli.main import main
    from onec_history.exitcodes import ExitCode

    for option in ("--phone", "--email"):
        code = main(["--url", base.url, "counterparties", "search", option, " "])
        out, err = capsys.readouterr()
        assert code == ExitCode.BAD_INPUT and out == "" and "empty" in err

