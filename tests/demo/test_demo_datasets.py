"""The built-in datasets: deterministic, fast, and holding the article's story and the awkward cases."""

from __future__ import annotations

import time
from typing import Any

import pytest

from onec_history.demo.datasets import build_dataset, dataset_names
from onec_history.demo.rows import DATASET_NOW, dt
from onec_history.demo.schema import UNDEFINED_TYPE
from onec_history.demo.store import Store, q


def rows(store: Store, set_name: str, where: str = "", *params: object) -> list[dict[str, Any]]:
    return store.select(store.schema.tables[set_name], where=where, params=params)


def one(store: Store, set_name: str, where: str, *params: object) -> dict[str, Any]:
    found = rows(store, set_name, where, *params)
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def ut10() -> Store:
    return build_dataset("ut10")


@pytest.fixture(scope="module")
def unf() -> Store:
    return build_dataset("unf")


def test_names() -> None:
    assert dataset_names() == ("ut10", "unf", "ut11")
    with pytest.raises(ValueError, match="unknown demo dataset"):
        build_dataset("ut99")


@pytest.mark.parametrize("name", ["ut10", "unf"])
def test_builds_fast_and_identically(name: str) -> None:
    started = time.perf_counter()
    first = build_dataset(name)
    assert time.perf_counter() - started < 1.0
    second = build_dataset(name)
    for set_name, table in first.schema.tables.items():
        assert first.select(table) == second.select(table), set_name


def test_sizes(ut10: Store) -> None:
    partners = rows(ut10, "Catalog_Контрагенты", f"{q('IsFolder')} = 0")
    assert 35 <= len(partners) <= 45
    assert len(rows(ut10, "Catalog_Пользователи")) >= 5
    events = rows(ut10, "Document_Событие")
    assert 250 <= len(events) <= 500
    dates = sorted(str(e["Date"]) for e in events)
    assert dates[0] < "2024-08-01" and dates[-1] >= "2026-06"  # two years of history


def test_folders(ut10: Store) -> None:
    buyers = one(ut10, "Catalog_Контрагенты", f"{q('Description')} = ?", "Покупатели")
    nested = one(ut10, "Catalog_Контрагенты", f"{q('Parent_Key')} = ? AND {q('IsFolder')} = 1", buyers["Ref_Key"])
    assert nested["Description"] == "Москва"
    assert rows(ut10, "Catalog_Контрагенты", f"{q('Parent_Key')} = ?", nested["Ref_Key"])
    one(ut10, "Catalog_Контрагенты", f"{q('Description')} = ? AND {q('IsFolder')} = 1", "Поставщики")


def test_romashka_story_ut10(ut10: Store) -> None:
    client = one(ut10, "Catalog_Контрагенты", f"{q('ИНН')} = ?", "7701000001")
    assert client["Description"] == "ООО Ромашка"
    assert one(ut10, "Catalog_Контрагенты", f"{q('Ref_Key')} = ?", client["Parent_Key"])["Description"] == "Покупатели"
    call = one(ut10, "Document_Событие", f"instr({q('ОписаниеСобытия')}, ?) > 0", "5 мониторов")
    assert (call["ВидСобытия"], call["ТипСобытия"]) == ("ТелефонныйЗвонок", "Входящее")
    assert (call["Контрагент"], call["Контрагент_Type"]) == (client["Ref_Key"], "StandardODATA.Catalog_Контрагенты")
    assert call["Основание_Type"] == UNDEFINED_TYPE
    offer = one(
        ut10,
        "Document_Событие",
        f"{q('Основание')} = ? AND {q('ТипСобытия')} = 'Исходящее' AND {q('ВидСобытия')} = 'ЭлектронноеПисьмо'",
        call["Ref_Key"],
    )
    assert offer["Основание_Type"] == "StandardODATA.Document_Событие"
    call2 = one(ut10, "Document_Событие", f"{q('Основание')} = ?", offer["Ref_Key"])
    assert (call2["ВидСобытия"], call2["ТипСобытия"]) == ("ТелефонныйЗвонок", "Входящее")
    order = one(ut10, "Document_ЗаказПокупателя", f"{q('ДокументОснование')} = ?", call2["Ref_Key"])
    assert order["ДокументОснование_Type"] == "StandardODATA.Document_Событие"
    assert order["Контрагент_Key"] == client["Ref_Key"] and order["Posted"] == 1
    lines = rows(ut10, "Document_ЗаказПокупателя_Товары", f"{q('Ref_Key')} = ?", order["Ref_Key"])
    assert lines[0]["Количество"] == 5 and order["СуммаДокумента"] == sum(r["Сумма"] for r in lines)
    invoice = one(ut10, "Document_СчетНаОплатуПокупателю", f"{q('ЗаказПокупателя_Key')} = ?", order["Ref_Key"])
    assert invoice["Контрагент_Key"] == client["Ref_Key"]
    sale = one(ut10, "Document_РеализацияТоваровУслуг", f"{q('Сделка')} = ?", order["Ref_Key"])
    assert sale["Сделка_Type"] == "StandardODATA.Document_ЗаказПокупателя"
    sale_lines = rows(ut10, "Document_РеализацияТоваровУслуг_Товары", f"{q('Ref_Key')} = ?", sale["Ref_Key"])
    assert {r["ЗаказПокупателя_Key"] for r in sale_lines} == {order["Ref_Key"]}
    meeting = one(ut10, "Document_Событие", f"{q('Основание')} = ?", sale["Ref_Key"])
    assert meeting["ВидСобытия"] == "ЛичнаяВстреча"
    assert meeting["Основание_Type"] == "StandardODATA.Document_РеализацияТоваровУслуг"
    assert call["Date"] < offer["Date"] < call2["Date"] < order["Date"] <= invoice["Date"] < sale["Date"]


def test_romashka_story_unf(unf: Store) -> None:
    client = one(unf, "Catalog_Контрагенты", f"{q('ИНН')} = ?", "7701000001")
    members = rows(unf, "Document_Событие_Участники", f"{q('Контакт')} = ?", client["Ref_Key"])
    calls = [one(unf, "Document_Событие", f"{q('Ref_Key')} = ?", m["Ref_Key"]) for m in members]
    call = next(c for c in calls if "5 мониторов" in c["Тема"])
    assert (call["ТипСобытия"], call["ВходящееИсходящееСобытие"], call["Тема_Type"]) == (
        "ТелефонныйЗвонок",
        "Входящее",
        "Edm.String",
    )
    state = one(unf, "Catalog_СостоянияСобытий", f"{q('Ref_Key')} = ?", call["Состояние_Key"])
    assert state["PredefinedDataName"] == "Завершено"
    offer = one(
        unf,
        "Document_Событие",
        f"{q('ДокументОснование')} = ? AND {q('ТипСобытия')} = ?",
        call["Ref_Key"],
        "ЭлектронноеПисьмо",
    )
    call2 = one(unf, "Document_Событие", f"{q('ДокументОснование')} = ?", offer["Ref_Key"])
    order = one(unf, "Document_ЗаказПокупателя", f"{q('Событие_Key')} = ?", call2["Ref_Key"])
    invoice = one(unf, "Document_СчетНаОплату", f"{q('ДокументОснование')} = ?", order["Ref_Key"])
    assert invoice["Событие_Key"] == call2["Ref_Key"]
    shipment = one(unf, "Document_РасходнаяНакладная", f"{q('Заказ')} = ?", order["Ref_Key"])
    assert shipment["Заказ_Type"] == "StandardODATA.Document_ЗаказПокупателя"
    meeting = one(unf, "Document_Событие", f"{q('ДокументОснование')} = ?", shipment["Ref_Key"])
    assert meeting["ТипСобытия"] == "ЛичнаяВстреча"
    assert all(e["Posted"] == 0 for e in rows(unf, "Document_Событие"))  # УНФ events are never posted


def test_edge_cases_ut10(ut10: Store) -> None:
    stranger = one(ut10, "Document_Событие", f"{q('Контрагент_Type')} = 'Edm.String'")
    assert stranger["Контрагент"].startswith("+7 (916)")
    assert rows(ut10, "Document_Событие", f"{q('DeletionMark')} = 1")
    assert rows(ut10, "Document_ЗаказПокупателя", f"{q('DeletionMark')} = 1")
    assert rows(ut10, "Document_ЗаказПокупателя", f"{q('Posted')} = 0 AND {q('DeletionMark')} = 0")
    assert rows(ut10, "Document_Событие", f"{q('СостояниеСобытия')} = 'Отменено'")
    planned = rows(ut10, "Document_Событие", f"{q('СостояниеСобытия')} = 'Запланировано'")
    now = dt(DATASET_NOW)
    assert any(str(e["НачалоСобытия"]) < now for e in planned)  # overdue for the dataset and for today
    assert any(str(e["НачалоСобытия"]) > now for e in planned)
    assert all(str(e["НачалоСобытия"]).startswith(("2024", "2025", "2026")) for e in rows(ut10, "Document_Событие"))
    names = {str(r["Description"]) for r in rows(ut10, "Catalog_Контрагенты")}
    assert {"OOO Ромашка", 'ООО "Рога и Копыта"', "Смирнов & Партнеры", "O'Brien Trading"} <= names
    assert "OOO Ромашка".encode() != "ООО Ромашка".encode()  # Latin O's: looks the same, is not


def test_numbers_look_like_1c(ut10: Store, unf: Store) -> None:
    event = rows(ut10, "Document_Событие")[0]
    order = rows(ut10, "Document_ЗаказПокупателя")[0]
    assert event["Number"] == "00000000001" and order["Number"].startswith("ТД") and len(order["Number"]) == 11
    assert rows(unf, "Document_Событие")[0]["Number"] == "0000-000001"
    versions = [r["DataVersion"] for r in rows(ut10, "Document_Событие")]
    assert len(set(versions)) == len(versions) and all(len(v) == 12 and v.endswith("=") for v in versions)
