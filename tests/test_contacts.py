"""Contacts of a client (issue 14.4) and events of a caller found by phone (issue 14.5), against the
demo bases of both families, checked against the demo's own rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.counterparties.contacts import contact_source, phones_of
from onec_history.demo.server import DemoServer, start_demo
from onec_history.exitcodes import ExitCode
from onec_history.history import History
from onec_history.metadata import parse_metadata
from onec_history.profiles import detect_profile
from onec_history.transport import Transport

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ROMASHKA = "ООО Ромашка"

pytestmark = pytest.mark.usefixtures("isolated")


@pytest.fixture(scope="module", params=["ut10", "unf"])
def base(request: pytest.FixtureRequest) -> DemoServer:
    server: DemoServer = request.getfixturevalue(request.param)
    return server


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_card_shows_phones_emails_and_contact_persons(base: DemoServer) -> None:
    transport = Transport(base.url)
    history = History(Client(transport))
    romashka = history.find_counterparty(ROMASHKA)
    before = transport.stats.requests
    card = history.contacts.card(romashka.ref)
    assert transport.stats.requests - before == 3  # own rows, the persons, the persons' rows
    assert card.phones == ["+7 (495) 123-45-67", "+7 (916) 200-00-01"]
    assert card.emails == ["Info@Romashka.ru"] and card.other == [("Адрес", "Москва, ул. Цветочная, д. 5")]
    [person] = card.persons
    assert (person.name, person.position) == ("Сидоров Павел Петрович", "Директор по закупкам")
    assert person.phones == ["8 916 123-00-77"] and person.emails == ["sidorov@romashka.ru"]
    assert card.missing == []


def test_phones_of_many_clients_in_one_request(base: DemoServer) -> None:
    transport = Transport(base.url)
    history = History(Client(transport))
    refs = [c.ref for c in history.search_counterparties(limit=30)]
    history.contacts  # noqa: B018  ($metadata)
    before = transport.stats.requests
    phones = phones_of(history, refs)
    # or-groups of refs under the URL budget, or (family A's long composite terms) one $count and
    # one scan of the phone list when that is fewer requests
    assert transport.stats.requests - before <= 2
    assert set(phones) == set(refs) and sum(map(len, phones.values())) >= 30


def test_cli_card_with_contacts(base: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--url", base.url, "counterparties", "show", ROMASHKA, "--contacts", "--limit", "1")
    assert code == ExitCode.OK
    assert "Телефоны: +7 (495) 123-45-67, +7 (916) 200-00-01" in out and "E-mail: Info@Romashka.ru" in out
    assert "Сидоров Павел Петрович — Директор по закупкам, 8 916 123-00-77" in out
    code, out, _ = run(capsys, "--url", base.url, "counterparties", "show", ROMASHKA, "--contacts", "--format", "json")
    contacts = json.loads(out)["contacts"]
    assert contacts["phones"][0] == "+7 (495) 123-45-67"
    assert contacts["contact_persons"][0]["name"] == "Сидоров Павел Петрович"


def test_events_show_names_the_contact_person(base: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--url", base.url, "events", "list", "--counterparty", ROMASHKA, "--kind", "meeting",
                       "--format", "json")
    ref = json.loads(out)[0]["ref"]
    code, out, _ = run(capsys, "--url", base.url, "events", "show", ref, "--contacts")
    assert code == ExitCode.OK and "Телефоны: +7 (495) 123-45-67, +7 (916) 200-00-01" in out
    # family A: the header's КонтактноеЛицо, a reference until now
    if History(Client(Transport(base.url))).profile.family.value == "A":
        assert "Контактное лицо: Сидоров Павел Петрович" in out
    else:  # family B keeps contact persons among the participants, named already
        assert "Сидоров Павел Петрович" in out


def test_a_base_that_does_not_publish_contact_information() -> None:
    md = parse_metadata((FIXTURES / "ut10" / "metadata.xml").read_bytes())
    assert contact_source(md, detect_profile(md)) is None


def test_create_by_phone(capsys: pytest.CaptureFixture[str]) -> None:
    for dataset in ("ut10", "unf"):
        with start_demo(dataset) as server:
            url = server.url
            code, out, err = run(capsys, "--url", url, "events", "create", "--kind", "call", "--phone",
                                 "8 (495) 123-45-67 доб. 5", "--start", "2026-05-04 10:00", "--format", "json")
            assert code == ExitCode.OK, err
            event = History(Client(Transport(url))).get_event(json.loads(out)["ref"])
            assert event.counterparty_name == ROMASHKA
            code, out, err = run(capsys, "--url", url, "events", "create", "--kind", "call", "--phone",
                                 "+7 903 700-10-10", "--start", "2026-05-04 11:00")
            assert code == ExitCode.AMBIGUOUS and "belongs to 2 counterparties" in err and "Traceback" not in err
            code, out, err = run(capsys, "--url", url, "events", "create", "--kind", "call", "--phone",
                                 "+7 (916) 555-12-34", "--start", "2026-05-04 12:00", "--format", "json")
            if dataset == "ut10":  # nobody has it: the caller as text in the composite Контрагент
                assert code == ExitCode.OK, err
                event = History(Client(Transport(url))).get_event(json.loads(out)["ref"])
                assert event.counterparty is None and event.counterparty_text == "+7 (916) 555-12-34"
            else:
                assert code == ExitCode.NOT_PUBLISHED and "no counterparty has the phone" in err
                assert len([ln for ln in err.splitlines() if ln.strip()]) == 1
            code, _, err = run(capsys, "--url", url, "events", "create", "--kind", "call", "--phone", "1",
                               "--counterparty", ROMASHKA)
            assert code == ExitCode.USAGE


def test_import_column_phone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls = tmp_path / "calls.csv"
    calls.write_text("external_id,phone,kind,direction,start,duration\n"
                     "c1,+7 (495) 123-45-67,call,incoming,2026-05-05 10:00,65\n"
                     "c2,74951234567,call,incoming,2026-05-05 10:10,10\n"
                     "c3,+7 916 555 12 34,call,incoming,2026-05-05 10:20,30\n"
                     "c4,+7 903 700 10 10,call,incoming,2026-05-05 10:30,30\n"
                     "c5,not a number,call,incoming,2026-05-05 10:40,30\n", encoding="utf-8")
    for dataset in ("ut10", "unf"):
        with start_demo(dataset) as server:
            args = ("--url", server.url, "events", "import", str(calls), "--ledger", str(tmp_path / f"{dataset}.db"),
                    "--format", "json")
            code, out, _ = run(capsys, *args)
            results = {r["external_id"]: r for r in json.loads(out)}
            assert code == ExitCode.PARTIAL
            assert results["c1"]["status"] == results["c2"]["status"] == "created"
            assert results["c3"]["status"] == ("created" if dataset == "ut10" else "failed")
            assert results["c4"]["status"] == "failed" and "belongs to 2" in results["c4"]["message"]
            assert "not a phone number" in results["c5"]["message"]
            history = History(Client(Transport(server.url)))
            assert history.get_event(results["c1"]["ref"]).counterparty_name == ROMASHKA
            code, out, _ = run(capsys, *args)  # a re-run creates nothing
            assert all(r["status"] != "created" for r in json.loads(out))
