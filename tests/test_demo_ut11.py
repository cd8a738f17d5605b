"""The family-C demo dataset "ut11": 1C's shapes of УТ 11, the article's story, registers that agree."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from demo_http import call

from onec_history.demo.data_ut11 import CONTACT_PLACES
from onec_history.demo.datasets import build_dataset
from onec_history.demo.family_ut11 import ALLOWED_TYPES, INTERACTIONS
from onec_history.demo.server import DemoServer, start_demo
from onec_history.metadata import Metadata, SetKind, parse_metadata

EMPTY = "00000000-0000-0000-0000-000000000000"
UNDEFINED = "StandardODATA.Undefined"
Row = dict[str, Any]


@pytest.fixture(scope="module")
def ut11() -> Iterator[DemoServer]:
    with start_demo("ut11") as srv:
        yield srv


@pytest.fixture(scope="module")
def meta(ut11: DemoServer) -> Metadata:
    reply = call(ut11, "GET", "$metadata")
    assert reply.status == 200
    return parse_metadata(reply.body)


def rows(server: DemoServer, path: str) -> list[Row]:
    sep = "&" if "?" in path else "?"
    reply = call(server, "GET", f"{path}{sep}$format=json")
    assert reply.status == 200, reply.text
    value: list[Row] = reply.json["value"]
    return value


def one(server: DemoServer, path: str) -> Row:
    found = rows(server, path)
    assert len(found) == 1, found
    return found[0]


def test_metadata_shapes(meta: Metadata) -> None:
    assert meta.namespace == "StandardODATA" and meta.container == "EnterpriseV8"
    assert "Document_Событие" not in meta
    for name in INTERACTIONS:
        doc = meta.get(name)
        assert doc.kind is SetKind.DOCUMENT and doc.actions == ()  # <Posting>Deny</Posting> in the dump
        assert doc.is_composite("ВзаимодействиеОснование")
    for name in ("Document_ЗаказКлиента", "Document_РеализацияТоваровУслуг", "Document_КоммерческоеПредложениеКлиенту"):
        assert set(meta.get(name).actions) == {"Post", "Unpost"}
    call_set = meta.get("Document_ТелефонныйЗвонок")
    assert call_set.is_composite("АбонентКонтакт") and call_set.property("Входящий") is not None
    assert [n for n in INTERACTIONS if meta.get(n).property("Входящий") is not None] == ["Document_ТелефонныйЗвонок"]
    assert meta.get("Document_ЭлектронноеПисьмоВходящее").property("Автор_Key") is None
    author = call_set.reference("Автор_Key")
    assert author is not None and author.target_set == "Catalog_Пользователи"
    assert meta.get("Document_ЭлектронноеПисьмоВходящее").is_composite("ОтправительКонтакт")
    for owner, section in (("Document_Встреча", "Участники"), ("Document_ЗапланированноеВзаимодействие", "Участники"),
                           ("Document_ЭлектронноеПисьмоИсходящее", "ПолучателиПисьма"),
                           ("Document_СообщениеSMS", "Адресаты")):
        assert meta.get(owner).tabular_sections[section].is_composite("Контакт")
        assert meta.get(f"{owner}_{section}").owner == owner
    order = meta.get("Document_ЗаказКлиента")
    assert order.is_composite("ДокументОснование") and order.is_composite("Автор")
    deal = order.reference("Сделка")
    assert deal is not None and deal.target_set == "Catalog_СделкиСКлиентами"
    sale = meta.get("Document_РеализацияТоваровУслуг")
    assert sale.is_composite("ЗаказКлиента") and not sale.is_composite("Основание")
    assert sale.reference("Автор") is not None
    offer = meta.get("Document_КоммерческоеПредложениеКлиенту")
    client = offer.reference("Клиент")
    assert client is not None and client.target_set == "Catalog_Партнеры"


def test_catalog_shapes(meta: Metadata) -> None:
    counterparties = meta.get("Catalog_Контрагенты")
    for absent in ("Code", "Parent_Key", "IsFolder"):
        assert counterparties.property(absent) is None
    partner = counterparties.reference("Партнер_Key")
    assert partner is not None and partner.target_set == "Catalog_Партнеры"
    partners = meta.get("Catalog_Партнеры")
    assert all(partners.property(p) is not None for p in ("Code", "Parent_Key", "IsFolder"))
    persons = meta.get("Catalog_КонтактныеЛицаПартнеров")
    owner = persons.reference("Owner")
    assert owner is not None and owner.target_set == "Catalog_Партнеры" and persons.property("Code") is None
    assert meta.get("Catalog_СтроковыеКонтактыВзаимодействий").property("Code") is None
    assert meta.get("Catalog_СделкиСКлиентами").property("Code") is not None


def test_register_shapes(meta: Metadata) -> None:
    contacts = meta.get("InformationRegister_КонтактыВзаимодействий")
    assert set(contacts.key) == {"Взаимодействие", "Взаимодействие_Type", "Контакт", "Контакт_Type"}
    assert contacts.is_composite("Взаимодействие") and contacts.is_composite("Контакт")
    subjects = meta.get("InformationRegister_ПредметыПапкиВзаимодействий")
    assert set(subjects.key) == {"Взаимодействие", "Взаимодействие_Type"} and subjects.is_composite("Предмет")
    assert subjects.property("Рассмотрено") is not None and subjects.property("РассмотретьПосле") is not None
    states = meta.get("InformationRegister_СостоянияКонтактовВзаимодействий")
    assert set(states.key) == {"Контакт", "Контакт_Type"}
    assert states.property("ДатаПоследнегоВзаимодействия") is not None


def test_values_in_1c_shape(ut11: DemoServer) -> None:
    partner = one(ut11, "Catalog_Партнеры?$filter=Description eq 'ООО Ромашка'")
    assert len(partner["Code"]) == 11 and partner["Code"].startswith("НФ-")
    assert partner["IsFolder"] is False and partner["DataVersion"]
    line = rows(ut11, "Document_Встреча_Участники?$top=1")[0]
    assert line["LineNumber"] == "1"  # Int64 as a string
    doc = rows(ut11, "Document_ТелефонныйЗвонок?$top=1&$orderby=Date")[0]
    assert len(doc["Number"]) == 11 and "T" in doc["Date"] and "Z" not in doc["Date"]
    assert any(r["ВзаимодействиеОснование"] == "" and r["ВзаимодействиеОснование_Type"] == UNDEFINED
               for r in rows(ut11, "Document_ТелефонныйЗвонок?$top=20"))
    assert any(r["Сделка_Key"] == EMPTY for r in rows(ut11, "Document_ЗаказКлиента"))


def test_composites_hold_allowed_types() -> None:
    store = build_dataset("ut11")
    for (set_name, column), allowed in ALLOWED_TYPES.items():
        table = store.schema.tables[set_name]
        for row in store.select(table):
            typ = row[f"{column}_Type"]
            assert typ == UNDEFINED or typ.removeprefix("StandardODATA.") in allowed, (set_name, column, typ)


def _named_contacts(server: DemoServer) -> set[tuple[str, str, str]]:
    """(interaction, contact, contact type) of every contact the documents themselves name."""
    named: set[tuple[str, str, str]] = set()
    for set_name, (header, section) in CONTACT_PLACES.items():
        if header:
            for doc in rows(server, f"{set_name}?$select=Ref_Key,{header},{header}_Type"):
                if doc[f"{header}_Type"] != UNDEFINED:
                    named.add((doc["Ref_Key"], doc[header], doc[f"{header}_Type"]))
        if section:
            for line in rows(server, f"{set_name}_{section}"):
                if line["Контакт_Type"] != UNDEFINED:
                    named.add((line["Ref_Key"], line["Контакт"], line["Контакт_Type"]))
    return named


def test_contacts_register_is_what_documents_name(ut11: DemoServer) -> None:
    register = rows(ut11, "InformationRegister_КонтактыВзаимодействий")
    assert len(register) == len({(r["Взаимодействие"], r["Контакт"], r["Контакт_Type"]) for r in register})
    assert {(r["Взаимодействие"], r["Контакт"], r["Контакт_Type"]) for r in register} == _named_contacts(ut11)
    kinds = {r["Взаимодействие_Type"] for r in register}
    assert kinds == {f"StandardODATA.{n}" for n in INTERACTIONS}
    assert {r["Контакт_Type"] for r in register} == {
        "StandardODATA.Catalog_Партнеры", "StandardODATA.Catalog_КонтактныеЛицаПартнеров",
        "StandardODATA.Catalog_СтроковыеКонтактыВзаимодействий"}


def test_states_register_is_latest_date_per_contact(ut11: DemoServer) -> None:
    dates: dict[str, str] = {}
    for set_name in INTERACTIONS:
        for doc in rows(ut11, f"{set_name}?$select=Ref_Key,Date"):
            dates[doc["Ref_Key"]] = doc["Date"]
    subjects = {r["Взаимодействие"]: r for r in rows(ut11, "InformationRegister_ПредметыПапкиВзаимодействий")}
    assert set(subjects) == set(dates)
    expected: dict[tuple[str, str], tuple[str, int]] = {}
    for r in rows(ut11, "InformationRegister_КонтактыВзаимодействий"):
        key = (r["Контакт"], r["Контакт_Type"])
        last, open_count = expected.get(key, ("", 0))
        expected[key] = (max(last, dates[r["Взаимодействие"]]),
                         open_count + int(not subjects[r["Взаимодействие"]]["Рассмотрено"]))
    states = rows(ut11, "InformationRegister_СостоянияКонтактовВзаимодействий")
    assert {(s["Контакт"], s["Контакт_Type"]): (s["ДатаПоследнегоВзаимодействия"], s["КоличествоНеРассмотрено"])
            for s in states} == expected


def test_story_chain(ut11: DemoServer) -> None:
    romashka = one(ut11, "Catalog_Партнеры?$filter=Description eq 'ООО Ромашка'")["Ref_Key"]
    person = one(ut11, f"Catalog_КонтактныеЛицаПартнеров?$filter=Owner_Key eq guid'{romashka}'")
    assert person["Description"] == "Сидоров Павел Петрович"
    counterparty = one(ut11, f"Catalog_Контрагенты?$filter=Партнер_Key eq guid'{romashka}'")
    assert counterparty["ИНН"] == "7701000001"
    first = one(ut11, "Document_ТелефонныйЗвонок?$filter=Тема eq 'Интересуются покупкой 5 мониторов'")
    assert first["Входящий"] is True and first["АбонентКонтакт"] == person["Ref_Key"]
    assert first["АбонентКонтакт_Type"] == "StandardODATA.Catalog_КонтактныеЛицаПартнеров"
    mail = one(ut11, "Document_ЭлектронноеПисьмоИсходящее?$filter=ВзаимодействиеОснование eq "
                     f"cast(guid'{first['Ref_Key']}','Document_ТелефонныйЗвонок')")
    assert "мониторы" in mail["Тема"]
    meeting = one(ut11, "Document_Встреча?$filter=ВзаимодействиеОснование eq "
                        f"cast(guid'{mail['Ref_Key']}','Document_ЭлектронноеПисьмоИсходящее')")
    deal = one(ut11, f"Catalog_СделкиСКлиентами?$filter=Партнер_Key eq guid'{romashka}'")["Ref_Key"]
    subjects = rows(ut11, "InformationRegister_ПредметыПапкиВзаимодействий?$filter=Предмет eq "
                          f"cast(guid'{deal}','Catalog_СделкиСКлиентами')")
    assert {first["Ref_Key"], mail["Ref_Key"], meeting["Ref_Key"]} <= {s["Взаимодействие"] for s in subjects}
    assert len(subjects) >= 6
    offer = one(ut11, f"Document_КоммерческоеПредложениеКлиенту?$filter=Клиент_Key eq guid'{romashka}'")
    assert offer["Сделка_Key"] == deal and offer["УдалитьПартнер_Key"] == EMPTY
    order = one(ut11, f"Document_ЗаказКлиента?$filter=Сделка_Key eq guid'{deal}'")
    assert (order["ДокументОснование"], order["ДокументОснование_Type"]) == (
        offer["Ref_Key"], "StandardODATA.Document_КоммерческоеПредложениеКлиенту")
    assert order["Партнер_Key"] == romashka and order["Контрагент_Key"] == counterparty["Ref_Key"]
    sale = one(ut11, "Document_РеализацияТоваровУслуг?$filter=ЗаказКлиента eq "
                     f"cast(guid'{order['Ref_Key']}','Document_ЗаказКлиента')")
    assert sale["Сделка_Key"] == deal and sale["Основание"] == ""
    assert meeting["Date"] < order["Date"] < sale["Date"]
    planned = rows(ut11, "Document_ЗапланированноеВзаимодействие?$filter=ВзаимодействиеОснование eq "
                         f"cast(guid'{first['Ref_Key']}','Document_ТелефонныйЗвонок')")
    assert len(planned) == 1


def test_filter_by_contact_with_cast(ut11: DemoServer) -> None:
    romashka = one(ut11, "Catalog_Партнеры?$filter=Description eq 'ООО Ромашка'")["Ref_Key"]
    person = one(ut11, f"Catalog_КонтактныеЛицаПартнеров?$filter=Owner_Key eq guid'{romashka}'")["Ref_Key"]
    calls = rows(ut11, "Document_ТелефонныйЗвонок?$filter=АбонентКонтакт eq "
                       f"cast(guid'{person}','Catalog_КонтактныеЛицаПартнеров')")
    assert len(calls) >= 2
    assert rows(ut11, f"Document_ТелефонныйЗвонок?$filter=АбонентКонтакт eq guid'{person}'") == []
    via_register = rows(ut11, "InformationRegister_КонтактыВзаимодействий?$filter=Контакт eq "
                              f"cast(guid'{person}','Catalog_КонтактныеЛицаПартнеров')")
    assert {c["Ref_Key"] for c in calls} <= {r["Взаимодействие"] for r in via_register}


def test_code_of_counterparties_is_refused(ut11: DemoServer) -> None:
    reply = call(ut11, "GET", "Catalog_Контрагенты?$filter=Code eq '000000001'&$format=json")
    assert reply.status == 400 and reply.json["odata.error"]["code"] == "14"


def test_awkward_cases(ut11: DemoServer) -> None:
    names = [p["Description"] for p in rows(ut11, "Catalog_Партнеры?$filter=substringof('Ромашк', Description)")]
    assert sorted(names) == sorted(["ООО Ромашка", "OOO Ромашка", "ООО Ромашкa"])
    counts: dict[str, int] = {}
    for c in rows(ut11, "Catalog_Контрагенты?$select=Партнер_Key"):
        counts[c["Партнер_Key"]] = counts.get(c["Партнер_Key"], 0) + 1
    assert sorted(counts.values())[-1] == 2 and EMPTY not in counts
    caller = one(ut11, "Catalog_СтроковыеКонтактыВзаимодействий")
    unknown = one(ut11, "Document_ТелефонныйЗвонок?$filter=АбонентКонтакт eq "
                        f"cast(guid'{caller['Ref_Key']}','Catalog_СтроковыеКонтактыВзаимодействий')")
    assert unknown["АбонентКакСвязаться"] == caller["Description"] == "+7 (916) 555-12-34"
    deleted = one(ut11, "Document_ТелефонныйЗвонок?$filter=DeletionMark eq true")
    assert deleted["Тема"] == "Ошибочно введенное событие"
    dates = sorted(d["Date"] for n in INTERACTIONS for d in rows(ut11, f"{n}?$select=Date"))
    assert dates[0] < "2024-08" and dates[-1] >= "2026-06" and len(dates) > 100
    for name in INTERACTIONS:
        assert rows(ut11, f"{name}?$top=1"), name


def test_builds_identically() -> None:
    first, second = build_dataset("ut11"), build_dataset("ut11")
    for set_name, table in first.schema.tables.items():
        assert first.select(table) == second.select(table), set_name
