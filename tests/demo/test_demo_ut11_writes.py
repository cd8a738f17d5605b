"""The ut11 demo does what 1C's handlers do when an interaction is written (raw HTTP only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from demo_http import call

from onec_history.demo.server import DemoServer, start_demo

Row = dict[str, Any]
CALLS = "Document_ТелефонныйЗвонок"
MEETINGS = "Document_Встреча"
PARTNERS = "Catalog_Партнеры"
PERSONS = "Catalog_КонтактныеЛицаПартнеров"
STRINGS = "Catalog_СтроковыеКонтактыВзаимодействий"
CONTACTS = "InformationRegister_КонтактыВзаимодействий"
SUBJECTS = "InformationRegister_ПредметыПапкиВзаимодействий"
STATES = "InformationRegister_СостоянияКонтактовВзаимодействий"


@pytest.fixture()
def ut11() -> Iterator[DemoServer]:
    with start_demo("ut11") as srv:
        yield srv


def get(server: DemoServer, path: str) -> list[Row]:
    sep = "&" if "?" in path else "?"
    reply = call(server, "GET", f"{path}{sep}$format=json")
    assert reply.status == 200, reply.text
    value: list[Row] = reply.json["value"]
    return value


def post(server: DemoServer, entity_set: str, body: Row) -> Row:
    reply = call(server, "POST", f"{entity_set}?$format=json", body=body)
    assert reply.status == 201, reply.text
    row: Row = reply.json
    return row


def of(server: DemoServer, register: str, entity_set: str, ref: str) -> list[Row]:
    return get(server, f"{register}?$filter=Взаимодействие eq cast(guid'{ref}','{entity_set}')")


def state(server: DemoServer, ref: str, entity_set: str) -> Row | None:
    rows = get(server, f"{STATES}?$filter=Контакт eq cast(guid'{ref}','{entity_set}')")
    return rows[0] if rows else None


def romashka(server: DemoServer) -> tuple[Row, Row]:
    cp = next(r for r in get(server, "Catalog_Контрагенты") if r["ИНН"] == "7701000001")
    partner = next(r for r in get(server, PARTNERS) if r["Ref_Key"] == cp["Партнер_Key"])
    person = next(r for r in get(server, PERSONS) if r["Owner_Key"] == partner["Ref_Key"])
    return partner, person


def test_a_posted_and_patched_call_fills_and_refills_the_three_registers(ut11: DemoServer) -> None:
    partner, person = romashka(ut11)
    partner_before, person_before = state(ut11, partner["Ref_Key"], PARTNERS), state(ut11, person["Ref_Key"], PERSONS)
    assert partner_before is not None and person_before is not None
    when = "2030-01-15T10:00:00"  # later than anything in the dataset
    doc = post(ut11, CALLS, {"Date": when, "Входящий": True, "АбонентКонтакт": partner["Ref_Key"],
                             "АбонентКонтакт_Type": f"StandardODATA.{PARTNERS}", "Тема": "Новый звонок"})
    ref = doc["Ref_Key"]
    assert [(r["Контакт"], r["Контакт_Type"]) for r in of(ut11, CONTACTS, CALLS, ref)] == [
        (partner["Ref_Key"], f"StandardODATA.{PARTNERS}")]
    [subject] = of(ut11, SUBJECTS, CALLS, ref)
    assert (subject["Предмет"], subject["Рассмотрено"], subject["РассмотретьПосле"]) == (
        ref, False, "0001-01-01T00:00:00")
    now_partner = state(ut11, partner["Ref_Key"], PARTNERS)
    assert now_partner is not None and now_partner["ДатаПоследнегоВзаимодействия"] == when
    assert now_partner["КоличествоНеРассмотрено"] == partner_before["КоличествоНеРассмотрено"] + 1
    # The call is now about the contact person: the register follows, both contacts' states are recomputed.
    reply = call(ut11, "PATCH", f"{CALLS}(guid'{ref}')?$format=json",
                 body={"АбонентКонтакт": person["Ref_Key"], "АбонентКонтакт_Type": f"StandardODATA.{PERSONS}"})
    assert reply.status == 200, reply.text
    assert [r["Контакт"] for r in of(ut11, CONTACTS, CALLS, ref)] == [person["Ref_Key"]]
    assert state(ut11, partner["Ref_Key"], PARTNERS) == partner_before
    now_person = state(ut11, person["Ref_Key"], PERSONS)
    assert now_person is not None and now_person["ДатаПоследнегоВзаимодействия"] == when
    assert len(of(ut11, SUBJECTS, CALLS, ref)) == 1  # written again, it keeps its subject


def test_an_unregistered_participant_becomes_a_string_contact_once(ut11: DemoServer) -> None:
    text = "Гость с выставки"
    rows = [{"LineNumber": "1", "ПредставлениеКонтакта": text, "КакСвязаться": "+7 900 111-22-33"}]
    first = post(ut11, MEETINGS, {"ДатаНачала": "2030-02-01T10:00:00", "Тема": "Выставка", "Участники": rows})
    second = post(ut11, MEETINGS, {"ДатаНачала": "2030-02-02T10:00:00", "Тема": "Снова", "Участники": rows})
    items = [r for r in get(ut11, STRINGS) if r["Description"] == text]
    assert len(items) == 1
    for doc in (first, second):
        assert [(r["Контакт"], r["Контакт_Type"]) for r in of(ut11, CONTACTS, MEETINGS, doc["Ref_Key"])] == [
            (items[0]["Ref_Key"], f"StandardODATA.{STRINGS}")]
        # ПередЗаписью rebuilt the participants' list from the rows
        assert doc["СписокУчастников"] == text
    assert state(ut11, items[0]["Ref_Key"], STRINGS) is not None


def test_the_subject_comes_from_the_basis_and_the_record_is_reachable_by_its_key(ut11: DemoServer) -> None:
    partner, _ = romashka(ut11)
    on_deal = next(r for r in get(ut11, SUBJECTS) if r["Предмет_Type"].endswith("Catalog_СделкиСКлиентами")
                   and r["Взаимодействие_Type"] == f"StandardODATA.{CALLS}")
    doc = post(ut11, CALLS, {"Date": "2030-01-16T10:00:00", "АбонентКонтакт": partner["Ref_Key"],
                             "АбонентКонтакт_Type": f"StandardODATA.{PARTNERS}",
                             "ВзаимодействиеОснование": on_deal["Взаимодействие"],
                             "ВзаимодействиеОснование_Type": on_deal["Взаимодействие_Type"]})
    [record] = of(ut11, SUBJECTS, CALLS, doc["Ref_Key"])
    assert (record["Предмет"], record["Предмет_Type"]) == (on_deal["Предмет"], on_deal["Предмет_Type"])
    key = f"Взаимодействие='{doc['Ref_Key']}',Взаимодействие_Type='StandardODATA.{CALLS}'"
    reply = call(ut11, "PATCH", f"{SUBJECTS}({key})?$format=json", body={"РассмотретьПосле": "2030-02-01T09:00:00"})
    assert reply.status == 200, reply.text
    reply = call(ut11, "GET", f"{SUBJECTS}({key})?$format=json")
    assert reply.status == 200 and reply.json["РассмотретьПосле"] == "2030-02-01T09:00:00"
    # A second record with the same dimension is refused; changing the dimension is too.
    again = call(ut11, "POST", f"{SUBJECTS}?$format=json",
                 body={"Взаимодействие": doc["Ref_Key"], "Взаимодействие_Type": f"StandardODATA.{CALLS}"})
    assert again.status == 400 and again.json["odata.error"]["code"] == "15"
    moved = call(ut11, "PATCH", f"{SUBJECTS}({key})?$format=json", body={"Взаимодействие": on_deal["Предмет"]})
    assert moved.status == 404
    broken = call(ut11, "GET", f"{SUBJECTS}(Взаимодействие='{doc['Ref_Key']}')?$format=json")
    assert broken.status == 400


def test_families_a_and_b_have_no_interaction_handlers() -> None:
    for name in ("ut10", "unf"):
        with start_demo(name) as srv:
            assert srv.service.interactions is None
