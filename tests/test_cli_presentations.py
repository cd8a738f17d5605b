"""What people read speaks 1C's language (issue 17, item 7): tables and CSV show 1C's presentations
under each family's headings, JSON keeps the identifiers — tried through the command line on the
three demo families."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator

import pytest

from onec_history.cli.main import main
from onec_history.demo.server import DemoServer, start_demo

pytestmark = pytest.mark.usefixtures("isolated")

CAMEL = re.compile(r"[а-яё][А-ЯЁ]")  # ТелефонныйЗвонок: an identifier, not a presentation
HEADINGS = {
    "ut10": ("Вид события", "Тип события", "Описание"),
    "unf": ("Событие", "Тип", "Тема"),
    "ut11": ("Тип", "Входящий", "Тема"),
}


@pytest.fixture(scope="module")
def ut11() -> Iterator[DemoServer]:
    with start_demo("ut11") as server:
        yield server


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.mark.parametrize("base", ["ut10", "unf", "ut11"])
def test_events_list_csv_for_people_json_for_scripts(base: str, request: pytest.FixtureRequest,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    url = request.getfixturevalue(base).url
    kind, direction, subject = HEADINGS[base]
    rows = list(csv.DictReader(io.StringIO(run(capsys, "--url", url, "events", "list", "--limit", "200",
                                               "--format", "csv"))))
    raw = json.loads(run(capsys, "--url", url, "events", "list", "--limit", "200", "--format", "json"))
    assert [r["Ссылка"] for r in rows] == [e["ref"] for e in raw]
    assert {kind, direction, subject, "Состояние"} <= set(rows[0])
    assert not {"Вид", "Описание"} & set(rows[0]) or base == "ut10"
    kinds = {r[kind] for r in rows}
    assert kinds and not any(CAMEL.search(k) for k in kinds), kinds  # «Телефонный звонок», not ТелефонныйЗвонок
    assert any(CAMEL.search(e["kind_raw"] or "") for e in raw)  # JSON: 1C's raw value, unchanged
    for r, e in zip(rows, raw, strict=True):
        assert r[subject] == (e["subject"] or "")
        if base == "ut11":  # the journal's Boolean «Входящий»
            assert r[direction] == {"incoming": "да", "outgoing": "нет", None: ""}[e["direction"]]
        else:
            assert r[direction] == (e["direction_raw"] or "")
    if base == "ut11":
        assert {"Запланированное взаимодействие", "Электронное письмо входящее"} <= kinds


@pytest.mark.parametrize("base", ["ut10", "unf", "ut11"])
def test_events_table_marks_posting_only_where_1c_posts(base: str, request: pytest.FixtureRequest,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    url = request.getfixturevalue(base).url
    lines = run(capsys, "--url", url, "--wide", "events", "list", "--limit", "30").splitlines()
    kind, _, subject = HEADINGS[base]
    assert kind in lines[0] and subject in lines[0]
    marks = {line[:1] for line in lines[2:]}
    if base == "ut10":
        assert marks & {"✓", "○"}
    else:  # УНФ's Событие and every interaction cannot be posted: no ✓/○ to read
        assert not marks & {"✓", "○"}


def test_the_card_names_the_last_contact_as_1c_does(ut10: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "--url", ut10.url, "counterparties", "show", "7720000023", "--limit", "50")
    last = next(line for line in out.splitlines() if "Последний контакт:" in line)
    kind = last.split("(", 1)[1].split(",")[0].rstrip(")")
    assert kind in {"Телефонный звонок", "Личная встреча", "Электронное письмо", "Почтовое письмо", "Прочее"}, last
    assert "Вид события" in out and "Тип события" in out


def test_an_unf_card_has_unf_labels(unf: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    ref = json.loads(run(capsys, "--url", unf.url, "events", "list", "--limit", "1", "--format", "json"))[0]["ref"]
    out = run(capsys, "--url", unf.url, "events", "show", ref)
    labels = [line.partition(": ")[0] for line in out.splitlines()]
    assert "Событие" in labels and "Тема" in labels and "Проведен" not in labels and "Описание" not in labels
    assert not any(CAMEL.search(line.partition(": ")[2].split(" (")[0]) for line in out.splitlines()
                   if line.startswith(("Событие:", "Тип:", "Состояние:")))


def test_a_family_c_card_names_its_document(ut11: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    raw = json.loads(run(capsys, "--url", ut11.url, "events", "list", "--limit", "50", "--format", "json"))
    call = next(e for e in raw if e["document_set"] == "Document_ТелефонныйЗвонок")
    out = run(capsys, "--url", ut11.url, "events", "show", call["ref"])
    assert "Документ: Телефонный звонок" in out and "Проведен" not in out
    assert f"Входящий: {'да' if call['direction'] == 'incoming' else 'нет'}" in out
    shown = json.loads(run(capsys, "--url", ut11.url, "events", "show", call["ref"], "--format", "json"))
    assert shown["document_type"] == "ТелефонныйЗвонок" and shown["kind_raw"] == call["kind_raw"]  # JSON as before


def test_chain_pictures_and_labels_use_1c_types(ut10: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    dot = run(capsys, "--url", ut10.url, "chain", "РеализацияТоваровУслуг", "18", "--format", "dot")
    assert "Реализация товаров и услуг ТД000000018" in dot and "Document_РеализацияТоваровУслуг(guid'" in dot
    svg = run(capsys, "--url", ut10.url, "chain", "РеализацияТоваровУслуг", "18", "--format", "svg")
    assert ">Реализация товаров и услуг</text>" in svg and ">Заказ покупателя</text>" in svg
    doc = json.loads(run(capsys, "--url", ut10.url, "chain", "РеализацияТоваровУслуг", "18", "--format", "json"))
    assert {n["type"] for n in doc["nodes"]} >= {"РеализацияТоваровУслуг", "ЗаказПокупателя"}  # JSON unchanged
    kinds = {n["kind_raw"] for n in doc["nodes"] if n["kind_raw"]}
    assert any(CAMEL.search(k) for k in kinds)  # there are identifiers to present
    tree = run(capsys, "--url", ut10.url, "chain", "РеализацияТоваровУслуг", "18")
    assert not any(k in tree for k in kinds if CAMEL.search(k)), tree  # «(Телефонный звонок, Завершено)»
