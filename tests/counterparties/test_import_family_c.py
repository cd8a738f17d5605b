"""Counterparty import on family C (УТ 11): a new counterparty gets its partner, created once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_http import call

from onec_history.cli.main import main
from onec_history.demo.server import DemoServer, start_demo

PARTNERS = "Catalog_Партнеры"


@pytest.fixture()
def ut11() -> Iterator[DemoServer]:
    with start_demo("ut11") as srv:
        yield srv


def raw(server: DemoServer, path: str) -> list[dict[str, object]]:
    reply = call(server, "GET", f"{path}?$format=json")
    assert reply.status == 200
    value: list[dict[str, object]] = reply.json["value"]
    return value


def test_a_new_counterparty_gets_a_partner_of_its_name_once(ut11: DemoServer, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "cps.csv"
    file.write_text("Наименование;ИНН;КПП\nООО Новый партнер;7707083893;770701001\nИП Петров;779912345644;\n",
                    encoding="utf-8")
    ledger = str(tmp_path / "ledger.sqlite")
    partners_before = len(raw(ut11, PARTNERS))
    for expected in (["created", "created"], ["unchanged", "unchanged"]):
        assert main(["--url", ut11.url, "counterparties", "import", str(file), "--ledger", ledger,
                     "--format", "jsonl"]) == 0
        assert [json.loads(x)["status"] for x in capsys.readouterr().out.splitlines()] == expected
    partners = {str(p["Ref_Key"]): p for p in raw(ut11, PARTNERS)}
    assert len(partners) == partners_before + 2
    for name, kind in (("ООО Новый партнер", "Компания"), ("ИП Петров", "ЧастноеЛицо")):
        cp = next(c for c in raw(ut11, "Catalog_Контрагенты") if c["Description"] == name)
        partner = partners[str(cp["Партнер_Key"])]
        assert partner["Description"] == name and partner["Клиент"] is True and partner["ЮрФизЛицо"] == kind
    # the tool finds it at once as a client with a history to write to
    assert main(["--url", ut11.url, "-q", "events", "create", "--counterparty", "7707083893", "--kind", "call",
                 "--subject", "Первый звонок", "--ledger", ledger]) == 0
    calls = [c for c in raw(ut11, "Document_ТелефонныйЗвонок") if c["Тема"] == "Первый звонок"]
    assert len(calls) == 1 and calls[0]["АбонентКонтакт"] == next(
        c["Партнер_Key"] for c in raw(ut11, "Catalog_Контрагенты") if c["Description"] == "ООО Новый партнер")
