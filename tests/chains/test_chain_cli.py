"""``onec-history chain|history|links`` against a started demo base."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chain_helpers import parse_dot

from onec_history.cli.main import main
from onec_history.demo.server import DemoServer
from onec_history.exitcodes import ExitCode

pytestmark = pytest.mark.usefixtures("isolated")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_chain_tree_from_the_first_call(ut10: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--url", ut10.url, "chain", "Событие", "270", "--stats")
    assert code == ExitCode.OK, err
    lines = out.splitlines()
    assert len(lines) == 8
    assert lines[0].startswith("✓ Событие 00000000270 от 02.03.2026 10:15:04 ООО Ромашка «Интересуются покупкой")
    assert lines[0].endswith("◀")
    # types as 1C's «Структура подчиненности» names them (the links keep their attribute names)
    assert lines[3] == ("│       └── ✓ Заказ покупателя ТД000000035 от 05.03.2026 11:30:00 79\u00a0000,00 руб. "
                        "ООО Ромашка  [ДокументОснование]")
    assert "Реализация товаров и услуг ТД000000018" in lines[5] and "[Сделка, Товары.ЗаказПокупателя]" in lines[5]
    assert "requests: " in err and "bytes received: " in err


def test_chain_json_and_dot(ut10: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--url", ut10.url, "chain", "--up", "РеализацияТоваровУслуг", "18", "--format",
                       "json", "--stats")
    assert code == ExitCode.OK
    doc = json.loads(out)
    assert doc["format"] == "onec-history.chain/1" and doc["direction"] == "up"
    assert [n["type"] for n in doc["nodes"]] == ["Событие", "Событие", "Событие", "ЗаказПокупателя",
                                                 "РеализацияТоваровУслуг"]
    assert doc["nodes"][-1]["id"] == doc["start"]
    assert doc["stats"]["requests"] > 0
    code, out, _ = run(capsys, "--url", ut10.url, "chain", doc["start"], "--format", "dot")
    nodes, edges = parse_dot(out)
    assert code == ExitCode.OK and len(nodes) == 8 and len(edges) == 7
    code, out, _ = run(capsys, "--url", ut10.url, "chain", doc["nodes"][0]["ref"], "--type", "Событие",
                       "--format", "mermaid", "--down", "--depth", "1")
    assert code == ExitCode.OK and out.startswith("flowchart TD") and out.count("-->") == 2


def test_chain_errors(ut10: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--url", ut10.url, "chain", "Событие", "99999")
    assert code == ExitCode.NOT_PUBLISHED and "No Document_Событие numbered 99999" in err
    code, _, err = run(capsys, "--url", ut10.url, "chain", "чепуха")
    assert code == ExitCode.BAD_INPUT and "is not a document" in err


def test_ambiguous_number_lists_candidates(fresh: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--url", fresh.url, "chain", "Событие", "271", "--format", "json")
    ref = json.loads(out)["start"]
    from chain_helpers import chains_for

    chains = chains_for(fresh.url)
    key = chains.resolve(ref)
    chains.client.patch(key.entity_set, key.ref, {"Number": "00000000270"})
    code, _, err = run(capsys, "--url", fresh.url, "chain", "Событие", "270")
    assert code == ExitCode.AMBIGUOUS
    assert "matches several documents" in err and "--year" in err


def test_history_table_and_json(ut10: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--url", ut10.url, "history", "7701000001", "--stats")
    assert code == ExitCode.OK, err
    assert out.startswith("ООО Ромашка (ИНН 7701000001) — документов: 8, цепочек: 1")
    assert "Цепочка 1 (8 док., 02.03.2026 – 12.03.2026)" in out
    assert "— Запланировано  ← Основание: Событие 00000000270" in out
    assert "strategy: walk" in err
    code, out, _ = run(capsys, "--url", ut10.url, "history", "7701000001", "--format", "json", "--since",
                       "2026-03-05", "--until", "2026-03-05")
    doc = json.loads(out)
    assert doc["format"] == "onec-history.history/1"
    assert doc["counterparty"]["inn"] == "7701000001"
    assert doc["until"] == "2026-03-05T23:59:59"
    nodes = doc["chains"][0]["nodes"]
    assert {n["type"] for n in nodes if n["own"] and n["in_period"]} == {"Событие", "ЗаказПокупателя",
                                                                          "СчетНаОплатуПокупателю"}
    assert len(nodes) == 8  # the whole chain that touches the period
    order = next(n for n in nodes if n["type"] == "ЗаказПокупателя")
    assert order["step"] == "проведён" and order["parents"][0]["links"] == ["ДокументОснование"]


def test_history_of_an_ambiguous_client(ut10: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--url", ut10.url, "history", "Ромашка")
    assert code == ExitCode.AMBIGUOUS and "OOO Ромашка" in err


def test_links_table_and_config(ut10: DemoServer, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--url", ut10.url, "links", "--format", "json")
    rows = json.loads(out)
    assert code == ExitCode.OK and len(rows) == 6
    assert {"document": "Document_Событие", "section": None, "attribute": "Основание", "kind": "composite",
            "targets": None, "origin": "builtin", "query_set": "Document_Событие"} in rows
    config = tmp_path / "onec.toml"
    config.write_text('[profile]\nlinks = {remove = ["Document_Событие.Основание"], '
                      'add = ["Document_Событие.КонтактноеЛицо", "Document_ЗаказПокупателя.Ответственный"]}\n',
                      encoding="utf-8")
    code, out, err = run(capsys, "--url", ut10.url, "--config", str(config), "links")
    assert code == ExitCode.OK
    event_links = [line.split()[1] for line in out.splitlines() if line.startswith("Document_Событие ")]
    assert event_links == ["КонтактноеЛицо"]
    assert "Ответственный" not in out and "Catalog_Пользователи, which is not a document" in err
    # The rest of [profile] still works with links in it.
    code, out, _ = run(capsys, "--url", ut10.url, "--config", str(config), "history", "7701000001")
    assert code == ExitCode.OK and "цепочек:" in out
    config.write_text("[profile]\nlinks = 5\n", encoding="utf-8")
    code, _, err = run(capsys, "--url", ut10.url, "--config", str(config), "links")
    assert code == ExitCode.CONFIG and "must be a table" in err
