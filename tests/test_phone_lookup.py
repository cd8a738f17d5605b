"""Finding a client by phone or e-mail (issue 14.5): numbers as telephony and people write them,
compared whole, in few requests, on both families."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.counterparties.phones import normalize_email, normalize_phone, phone_numbers, search_fragments
from onec_history.demo.replay import ReplayServer
from onec_history.demo.server import DemoServer
from onec_history.exitcodes import ExitCode
from onec_history.history import History
from onec_history.transport import Transport

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ROMASHKA = "ООО Ромашка"
SPELLINGS = ("+7 (495) 123-45-67", "84951234567", "74951234567", "8 495 123 45 67", "495.123.45.67 доб. 123",
             "(495) 123-45-67 ext 12", "4951234567#12", "+7 495 1234567,12", "8-495-123-45-67 x12", "+74951234567")


@pytest.mark.parametrize("text", SPELLINGS)
def test_every_usual_spelling_is_one_number(text: str) -> None:
    assert normalize_phone(text) == "+74951234567"


@pytest.mark.parametrize(("text", "number"), [
    ("1234567", "1234567"), ("+1234567", "+1234567"), ("+44 20 7946 0958", "+442079460958"),
    ("8 10 44 20 7946 0958", "+442079460958"), ("+8 495 123 45 67", "+84951234567"),
    ("12-34", None), ("abc", None), ("", None), ("495-ABC-45-67", None),
])
def test_other_numbers_keep_their_digits(text: str, number: str | None) -> None:
    assert normalize_phone(text) == number


def test_a_presentation_with_several_numbers() -> None:
    assert phone_numbers("+7 (495) 123-45-67, +7 (916) 200-00-01") == ["+74951234567", "+79162000001"]
    assert phone_numbers("+7 (495) 123-45-67; 8 916 200 00 01") == ["+74951234567", "+79162000001"]
    assert phone_numbers("+7 (495) 123-45-67, 12") == ["+74951234567"]  # an extension, not a number
    assert all(any(f in s for f in search_fragments("+74951234567")) for s in (*SPELLINGS[:4], "495 123 45 67"))


def test_emails_are_trimmed_and_case_folded() -> None:
    assert normalize_email("  Info@Romashka.RU ") == "info@romashka.ru"
    assert normalize_email("mailto:<a.b@c.ru>") == "a.b@c.ru"
    assert [normalize_email(t) for t in ("x", "a@", "@b.ru", "a b@c.ru", "a@host")] == [None] * 5


@pytest.fixture(scope="module", params=["ut10", "unf"])
def base(request: pytest.FixtureRequest) -> DemoServer:
    server: DemoServer = request.getfixturevalue(request.param)
    return server


def _history(url: str) -> tuple[History, Transport]:
    transport = Transport(url)
    return History(Client(transport)), transport


def test_five_spellings_find_the_same_client_in_one_or_two_requests(base: DemoServer) -> None:
    history, transport = _history(base.url)
    history.contacts  # noqa: B018  ($metadata, counted out)
    for n, text in enumerate(SPELLINGS):
        before = transport.stats.requests
        found = history.find_by_phone(text)
        assert [c.name for c in found] == [ROMASHKA], text
        # the narrow filter, and the first time the counterparty itself (kept for the run)
        assert transport.stats.requests - before == (2 if n == 0 else 1)


def test_an_unknown_number_matches_nobody_not_even_by_its_end(base: DemoServer) -> None:
    history, transport = _history(base.url)
    assert history.find_by_phone("+7 (916) 555-12-34") == []  # the demo's unknown caller
    assert history.find_by_phone("+7 (499) 123-45-67") == []  # Ромашка's last 7 digits, another city
    assert history.find_by_phone("123-45-67") == []  # a 7-digit local number is not +7 495 …
    assert history.find_by_phone("+1 495 123 45 67") == []
    before = transport.stats.requests
    assert history.find_by_phone("+7 (812) 000-45-67") == []
    # one narrow request for the counterparties, one for the contact persons: never a scan of the list
    assert transport.stats.requests - before == 2


def test_a_shared_number_finds_both_and_deleted_ones_are_left_out(base: DemoServer) -> None:
    history, _ = _history(base.url)
    assert len(history.find_by_phone("8 903 700-10-10")) == 2
    assert history.find_by_phone("+7 (495) 139-73-07") == []  # counterparty 39 is marked for deletion


def test_email_is_case_insensitive_trimmed_and_whole(base: DemoServer) -> None:
    history, _ = _history(base.url)
    assert [c.name for c in history.find_by_email(" INFO@romashka.ru ")] == [ROMASHKA]
    assert [c.name for c in history.find_by_email("Info@Romashka.ru")] == [ROMASHKA]
    assert history.find_by_email("nfo@romashka.ru") == []
    assert history.find_by_email("info@romashka.ru.evil") == []


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("isolated")
def test_cli_search_by_phone_and_email(base: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--url", base.url, "counterparties", "search", "--phone", "8 (495) 123 45 67",
                        "--format", "json")
    assert code == ExitCode.OK and [r["name"] for r in json.loads(out)] == [ROMASHKA]
    code, out, _ = _run(capsys, "--url", base.url, "counterparties", "search", "--email", "info@ROMASHKA.ru")
    assert code == ExitCode.OK and ROMASHKA in out
    code, out, _ = _run(capsys, "--url", base.url, "counterparties", "search", "--phone", "+7 916 555-12-34",
                        "--format", "json")
    assert code == ExitCode.OK and json.loads(out) == []


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize(("args", "code"), [
    (("--phone", "12"), ExitCode.BAD_INPUT), (("--email", "nobody"), ExitCode.BAD_INPUT),
    (("--phone", "84951234567", "Ром"), ExitCode.USAGE),
])
def test_cli_search_failures_are_one_paragraph(ut10: DemoServer, capsys: pytest.CaptureFixture[str],
                                               args: tuple[str, ...], code: ExitCode) -> None:
    got, _, err = _run(capsys, "--url", ut10.url, "counterparties", "search", *args)
    assert got == code and "Traceback" not in err and err.strip()


@pytest.fixture(scope="module")
def replay_ut10() -> Iterator[ReplayServer]:
    """A recorded family-A base that does not publish its contact information."""
    with ReplayServer(FIXTURES / "ut10").start() as replay:
        yield replay


@pytest.mark.usefixtures("isolated")
def test_a_base_without_contact_information_says_so(replay_ut10: ReplayServer,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--url", replay_ut10.url, "counterparties", "search", "--phone", "84951234567")
    assert code == ExitCode.NOT_PUBLISHED and "InformationRegister_КонтактнаяИнформация" in err
    assert len([ln for ln in err.splitlines() if ln.strip()]) == 1 and "Traceback" not in err
