"""Writes to the demo server: POST, PATCH, DELETE, Post/Unpost, with 1C's statuses and silent behaviours."""

from __future__ import annotations

import uuid
from urllib.parse import unquote

from demo_http import Reply, call

from onec_history.demo.server import DemoServer

EVENT = "Document_Событие"


def romashka_key(server: DemoServer) -> str:
    body = call(server, "GET", "Catalog_Контрагенты?$format=json&$filter=ИНН eq '7701000001'&$select=Ref_Key").json
    return str(body["value"][0]["Ref_Key"])


def new_event(server: DemoServer, **extra: object) -> Reply:
    body = {
        "ВидСобытия": "ТелефонныйЗвонок",
        "ТипСобытия": "Входящее",
        "СостояниеСобытия": "Завершено",
        "Контрагент": romashka_key(server),
        "Контрагент_Type": "StandardODATA.Catalog_Контрагенты",
        "НачалоСобытия": "2026-07-01T10:00:00",
        "ОписаниеСобытия": "Звонок из теста",
        **extra,
    }
    return call(server, "POST", f"{EVENT}?$format=json", body=body, headers={"Content-Type": "application/json"})


def test_post_creates_201_with_location_and_entity(fresh: DemoServer) -> None:
    before = int(call(fresh, "GET", f"{EVENT}/$count").text)
    reply = new_event(fresh)
    assert reply.status == 201
    entity = reply.json
    assert unquote(reply.headers["location"]) == f"{fresh.url}{EVENT}(guid'{entity['Ref_Key']}')"
    assert entity["odata.metadata"].endswith(f"#{EVENT}/@Element")
    assert entity["Number"] == f"{before + 1:011d}"  # numbered like the others
    assert entity["Posted"] is False and entity["DataVersion"]
    assert entity["Основание_Type"] == "StandardODATA.Undefined"
    assert int(call(fresh, "GET", f"{EVENT}/$count").text) == before + 1
    again = call(fresh, "GET", f"{EVENT}(guid'{entity['Ref_Key']}')?$format=json").json
    assert again["ОписаниеСобытия"] == "Звонок из теста"


def test_post_atom_answer_without_format(fresh: DemoServer) -> None:
    reply = call(fresh, "POST", EVENT, body={"ОписаниеСобытия": "x"})
    assert reply.status == 201 and reply.content_type.startswith("application/atom+xml;type=entry")


def test_client_key_honoured_and_duplicate_is_code_15(fresh: DemoServer) -> None:
    key = str(uuid.UUID(int=0x1234))
    first = new_event(fresh, Ref_Key=key)
    assert first.status == 201 and first.json["Ref_Key"] == key
    second = new_event(fresh, Ref_Key=key)
    assert second.status == 400
    assert second.json["odata.error"]["code"] == "15"
    assert second.json["odata.error"]["message"]["value"] == "Сущность с таким ключом уже существует"


def test_unknown_properties_ignored_long_strings_truncated(fresh: DemoServer) -> None:
    reply = new_event(fresh, НетТакогоРеквизита="x", ОписаниеСобытия="Я" * 250, **{"Товары@odata.type": "x"})
    assert reply.status == 201
    entity = reply.json
    assert "НетТакогоРеквизита" not in entity
    assert entity["ОписаниеСобытия"] == "Я" * 200  # Строка(200): cut without a word


def test_int64_with_wrong_json_type_is_ignored(fresh: DemoServer) -> None:
    reply = call(
        fresh,
        "POST",
        "Document_ЗаказПокупателя?$format=json",
        body={"Товары": [{"LineNumber": 1, "Количество": 2}, {"LineNumber": "2", "Количество": 3}]},
    )
    assert reply.status == 201
    rows = reply.json["Товары"]
    assert [r["LineNumber"] for r in rows] == ["1", "2"]
    # a string where an Edm.Double is expected is refused
    bad = call(fresh, "POST", "Document_ЗаказПокупателя?$format=json", body={"СуммаДокумента": "десять"})
    assert bad.status == 400 and bad.json["odata.error"]["code"] == "4"


def test_rows_without_line_number_fail_inside_1c(fresh: DemoServer) -> None:
    reply = call(fresh, "POST", "Document_ЗаказПокупателя?$format=json", body={"Товары": [{"Количество": 1}]})
    assert reply.status == 500 and reply.json["odata.error"]["code"] == "-1"


def test_tabular_rows_cannot_be_posted_directly(fresh: DemoServer) -> None:
    reply = call(fresh, "POST", "Document_ЗаказПокупателя_Товары?$format=json", body={"LineNumber": "1"})
    assert reply.status == 400 and reply.json["odata.error"]["code"] == "13"


def test_patch_returns_entity_new_version_and_replaces_section(fresh: DemoServer) -> None:
    order = call(fresh, "GET", "Document_ЗаказПокупателя?$format=json&$top=1&$filter=Posted eq true").json["value"][0]
    assert len(order["Товары"]) >= 1
    path = f"Document_ЗаказПокупателя(guid'{order['Ref_Key']}')?$format=json"
    goods = order["Товары"][0]["Номенклатура_Key"]
    reply = call(
        fresh,
        "PATCH",
        path,
        body={
            "Комментарий": "изменен",
            "Товары": [{"LineNumber": "1", "Номенклатура_Key": goods, "Количество": 7, "Цена": 10, "Сумма": 70}],
        },
    )
    assert reply.status == 200
    entity = reply.json
    assert entity["Комментарий"] == "изменен" and entity["Number"] == order["Number"]  # the whole entity
    assert entity["DataVersion"] != order["DataVersion"]
    assert [(r["LineNumber"], r["Количество"]) for r in entity["Товары"]] == [("1", 7)]
    stored = call(fresh, "GET", path).json
    assert len(stored["Товары"]) == 1 and stored["DataVersion"] == entity["DataVersion"]


def test_patch_if_match(fresh: DemoServer) -> None:
    entity = new_event(fresh).json
    path = f"{EVENT}(guid'{entity['Ref_Key']}')?$format=json"
    stale = call(fresh, "PATCH", path, body={"Комментарий": "a"}, headers={"If-Match": "AAAAAAAAAAA="})
    assert stale.status == 412
    fine = call(fresh, "PATCH", path, body={"Комментарий": "b"}, headers={"If-Match": entity["DataVersion"]})
    assert fine.status == 200 and fine.json["Комментарий"] == "b"


def test_post_action_needs_content_length(fresh: DemoServer) -> None:
    order = call(
        fresh,
        "GET",
        "Document_ЗаказПокупателя?$format=json&$top=1&$filter=Posted eq false and "
        "DeletionMark eq false and Комментарий eq ''",
    ).json["value"][0]
    path = f"Document_ЗаказПокупателя(guid'{order['Ref_Key']}')/Post?PostingModeOperational=false"
    refused = call(fresh, "POST", path)  # no body, no Content-Length header at all
    assert refused.status == 411 and refused.content_type.startswith("text/html")
    posted = call(fresh, "POST", path, headers={"Content-Length": "0"})
    assert posted.status == 200
    after = call(fresh, "GET", f"Document_ЗаказПокупателя(guid'{order['Ref_Key']}')?$format=json").json
    assert after["Posted"] is True and after["DataVersion"] != order["DataVersion"]
    unposted = call(
        fresh, "POST", f"Document_ЗаказПокупателя(guid'{order['Ref_Key']}')/Unpost", headers={"Content-Length": "0"}
    )
    assert unposted.status == 200
    assert (
        call(fresh, "GET", f"Document_ЗаказПокупателя(guid'{order['Ref_Key']}')?$format=json").json["Posted"] is False
    )


def test_posting_failures_are_500_code_minus_1(fresh: DemoServer) -> None:
    empty = call(
        fresh, "GET", "Document_ЗаказПокупателя?$format=json&$filter=Комментарий eq 'Без товаров: не проводится'"
    ).json["value"][0]
    path = f"Document_ЗаказПокупателя(guid'{empty['Ref_Key']}')/Post?PostingModeOperational=false&$format=json"
    reply = call(fresh, "POST", path, headers={"Content-Length": "0"})
    assert reply.status == 500
    error = reply.json["odata.error"]
    assert error["code"] == "-1" and 'табличная часть "Товары"' in error["message"]["value"]
    assert f"Заказ покупателя {empty['Number']}" in error["message"]["value"]
    stranger = new_event(fresh, Контрагент="", Контрагент_Type="StandardODATA.Undefined").json
    reply = call(
        fresh, "POST", f"{EVENT}(guid'{stranger['Ref_Key']}')/Post?$format=json", headers={"Content-Length": "0"}
    )
    assert reply.status == 500 and "Контрагент" in reply.json["odata.error"]["message"]["value"]


def test_unf_event_cannot_be_posted(unf: DemoServer) -> None:
    event = call(unf, "GET", f"{EVENT}?$format=json&$top=1").json["value"][0]
    reply = call(unf, "POST", f"{EVENT}(guid'{event['Ref_Key']}')/Post?$format=json", headers={"Content-Length": "0"})
    assert reply.status == 400 and reply.json["odata.error"]["code"] == "11"


def test_delete(fresh: DemoServer) -> None:
    order = call(fresh, "GET", "Document_ЗаказПокупателя?$format=json&$top=1").json["value"][0]
    path = f"Document_ЗаказПокупателя(guid'{order['Ref_Key']}')"
    assert call(fresh, "DELETE", path).status == 204
    assert call(fresh, "GET", path + "?$format=json").status == 404
    rows = call(
        fresh, "GET", f"Document_ЗаказПокупателя_Товары?$format=json&$filter=Ref_Key eq guid'{order['Ref_Key']}'"
    )
    assert rows.json["value"] == []


def test_writes_stay_in_memory_unless_persisted(tmp_path: object) -> None:
    from pathlib import Path

    from onec_history.demo.datasets import build_dataset
    from onec_history.demo.server import start_demo

    assert isinstance(tmp_path, Path)
    path = tmp_path / "base.sqlite"
    build_dataset("ut10", path).close()
    for persist, expected in ((False, 0), (True, 1)):
        with start_demo(path, persist=persist) as server:
            assert new_event(server, ОписаниеСобытия="сохранится?").status == 201
        with start_demo(path) as server:
            found = call(server, "GET", f"{EVENT}/$count?$filter=ОписаниеСобытия eq 'сохранится?'")
            assert int(found.text) == expected
