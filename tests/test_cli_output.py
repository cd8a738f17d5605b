"""What the read commands print: help that says what is accepted, CSV cells, an event's card.

Each test pins one thing found wrong in a review of the whole tool against the demo base.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from onec_history.cli.main import main
from onec_history.demo.server import DemoServer
from onec_history.exitcodes import ExitCode

pytestmark = pytest.mark.usefixtures("isolated")

OFFER = "6157b641-6ec8-514f-88de-9e929fcc6d74"  # ut10: the offer event, on the basis of call 270


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_names_dates_and_only_the_formats_offered(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "events", "list", "--help")
    assert code == ExitCode.OK
    assert "--since DATE" in out and "%Y" not in out
    assert "--state STATE" in out and "planned, completed or cancelled" in out
    code, out, _ = run(capsys, "doctor", "--help")
    assert "json for scripts" in out and "jsonl" not in out and "csv" not in out


def test_dates_with_a_time_in_russian_order(capsys: pytest.CaptureFixture[str], ut10: DemoServer) -> None:
    code, out, err = run(capsys, "--url", ut10.url, "events", "list", "--counterparty", "7701000001",
                         "--since", "05.03.2026 11:00", "--until", "05.03.2026", "--format", "json")
    assert code == ExitCode.OK, err
    assert [e["number"] for e in json.loads(out)] == ["00000000272"]


def test_csv_cells_holding_lists_are_readable(capsys: pytest.CaptureFixture[str], ut10: DemoServer) -> None:
    code, out, _ = run(capsys, "--url", ut10.url, "links", "--format", "csv")
    assert code == ExitCode.OK
    rows = list(csv.DictReader(io.StringIO(out)))
    order = next(r for r in rows if r["Документ"] == "Document_ЗаказПокупателя")
    assert order["Может указывать на"].split(", ") == ["Document_ЗаказПоставщику", "Document_Событие",
                                                      "Document_СчетНаОплатуПокупателю"]
    code, out, _ = run(capsys, "--url", ut10.url, "links", "--format", "jsonl")
    assert code == ExitCode.OK and json.loads(out.splitlines()[0])["document"]


def test_event_card_reads_like_1c_and_takes_the_id_chains_print(capsys: pytest.CaptureFixture[str],
                                                                 ut10: DemoServer) -> None:
    code, out, err = run(capsys, "--url", ut10.url, "events", "show", f"Document_Событие(guid'{OFFER}')")
    assert code == ExitCode.OK, err
    assert "Дата: 02.03.2026 15:40:00" in out and "Проведен: да" in out and "True" not in out
    assert "Основание: Событие 00000000270 (Document_Событие(guid'" in out
    # 1C's labels and presentations of УТ 10.3: «Вид события», «Тип события», «Описание»
    assert "Вид события: Электронное письмо" in out and "Тип события: Исходящее" in out, out
    assert "ЭлектронноеПисьмо" not in out and "\nОписание: " in out


def test_event_card_names_participants(capsys: pytest.CaptureFixture[str], unf: DemoServer) -> None:
    code, out, _ = run(capsys, "--url", unf.url, "events", "list", "--counterparty", "7701000001", "--limit", "1",
                       "--format", "json")
    ref = json.loads(out)[0]["ref"]
    code, out, _ = run(capsys, "--url", unf.url, "events", "show", ref)
    assert code == ExitCode.OK
    assert "Участник 1: ООО Ромашка (Catalog_Контрагенты, " in out
    # УНФ's labels: its ТипСобытия is «Событие», the subject «Тема»; an УНФ event is never posted
    labels = {line.partition(": ")[0] for line in out.splitlines()}
    assert {"Событие", "Тип", "Тема", "Состояние"} <= labels and not labels & {"Проведен", "Описание", "Вид"}


def test_event_card_failures(capsys: pytest.CaptureFixture[str], ut10: DemoServer) -> None:
    code, _, err = run(capsys, "--url", ut10.url, "events", "show", OFFER[:-1] + "0")
    assert code == ExitCode.NOT_PUBLISHED
    assert err.startswith("Error: No event in Document_Событие has the reference") and "%D0" not in err
    code, _, err = run(capsys, "--url", ut10.url, "events", "show", "нечто")
    assert code == ExitCode.BAD_INPUT and "Ссылка" in err
    # numbers are addresses too, as for 'chain' (issue 12.10)
    for address in ("270", "Событие 270", "Событие 00000000270"):
        code, out, err = run(capsys, "--url", ut10.url, "events", "show", address, "--format", "json")
        assert code == ExitCode.OK, err
        assert json.loads(out)["number"] == "00000000270"


def test_metadata_takes_a_bare_object_name(capsys: pytest.CaptureFixture[str], ut10: DemoServer) -> None:
    code, out, _ = run(capsys, "--url", ut10.url, "metadata", "Событие", "--format", "json")
    assert code == ExitCode.OK
    assert json.loads(out)["name"] == "Document_Событие"


@pytest.mark.parametrize("family", ["ut10", "unf"])
def test_a_client_with_every_filter_fits_the_url_budget(capsys: pytest.CaptureFixture[str], family: str,
                                                        request: pytest.FixtureRequest) -> None:
    # The participant pass used to count the event $select (1.3 KB of encoded Cyrillic) against
    # its keys and refused the query before sending it.
    srv: DemoServer = request.getfixturevalue(family)
    code, out, err = run(capsys, "--url", srv.url, "events", "list", "--counterparty", "7701000001",
                         "--since", "05.03.2026 11:00", "--until", "05.03.2026", "--kind", "call", "--state",
                         "completed", "--direction", "incoming", "--responsible", "Петров", "--format", "json")
    assert code == ExitCode.OK, err
    assert [e["subject"] for e in json.loads(out)] == ["Согласны с предложением, просят счет"]


def test_limits_mean_the_same_everywhere(capsys: pytest.CaptureFixture[str], ut10: DemoServer) -> None:
    from onec_history import Client, EventFilter, History, Transport

    history = History(Client(Transport(ut10.url)))
    assert list(history.search_counterparties("ООО", limit=0)) == []  # the library: 0 means none, as in Python
    assert len(list(history.search_counterparties("ООО", limit=2))) == 2
    cp = history.find_counterparty("7701000001")
    assert list(history.events(EventFilter(counterparty=cp.ref), limit=0)) == []
    # The command line: 0 means no limit, for every --limit.
    code, out, _ = run(capsys, "--url", ut10.url, "counterparties", "search", "ООО", "--limit", "0", "--format", "json")
    assert code == ExitCode.OK and len(json.loads(out)) > 20
    code, out, _ = run(capsys, "--url", ut10.url, "counterparties", "show", "7701000001", "--limit", "0",
                       "--format", "json")
    assert code == ExitCode.OK and len(json.loads(out)["events"]) == 5
    code, _, err = run(capsys, "--url", ut10.url, "events", "list", "--limit", "-1")
    assert code == ExitCode.USAGE and "--limit" in err


def test_events_create_help_names_every_kind(capsys: pytest.CaptureFixture[str]) -> None:
    from onec_history.models import EventKind

    code, out, _ = run(capsys, "events", "create", "--help")
    assert code == ExitCode.OK
    flat = " ".join(out.split())
    assert all(k.value in flat for k in EventKind if k.value != "other") and "record" in flat
