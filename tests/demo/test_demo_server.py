"""Reading from the demo server over real HTTP: shapes and 1C's quirks (odata-1c.md), one test each."""

from __future__ import annotations

import threading
from xml.etree import ElementTree

from demo_http import call, encode

from onec_history.demo.server import DemoServer

ATOM = "{http://www.w3.org/2005/Atom}"
D = "{http://schemas.microsoft.com/ado/2007/08/dataservices}"
M = "{http://schemas.microsoft.com/ado/2007/08/dataservices/metadata}"
ROMASHKA_FILTER = "ИНН eq '7701000001'"


def romashka(server: DemoServer) -> dict[str, object]:
    value = call(server, "GET", f"Catalog_Контрагенты?$format=json&$filter={ROMASHKA_FILTER}").json["value"]
    assert len(value) == 1
    return dict(value[0])


def test_atom_unless_format_json(ut10: DemoServer) -> None:
    reply = call(ut10, "GET", "Catalog_Контрагенты?$top=2", headers={"Accept": "application/json"})
    assert reply.status == 200 and reply.content_type.startswith("application/atom+xml")
    feed = ElementTree.fromstring(reply.body)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    category = entries[0].find(f"{ATOM}category")
    assert category is not None and category.get("term") == "StandardODATA.Catalog_Контрагенты"
    props = entries[0].find(f"{ATOM}content/{M}properties")
    assert props is not None and props.find(f"{D}Ref_Key") is not None
    collection = props.find(f"{D}МенеджерыПокупателя")
    assert collection is not None
    assert collection.get(f"{M}type") == "Collection(StandardODATA.Catalog_Контрагенты_МенеджерыПокупателя_RowType)"
    json_reply = call(ut10, "GET", "Catalog_Контрагенты?$top=2&$format=json")
    assert json_reply.content_type.startswith("application/json") and len(json_reply.json["value"]) == 2


def test_json_shapes(ut10: DemoServer) -> None:
    body = call(ut10, "GET", "Document_ЗаказПокупателя?$format=json&$top=1&$orderby=Number").json
    assert body["odata.metadata"] == ut10.url + "$metadata#Document_ЗаказПокупателя"
    order = body["value"][0]
    assert list(order)[:6] == ["Ref_Key", "DataVersion", "Number", "Date", "DeletionMark", "Posted"]
    assert isinstance(order["Posted"], bool) and isinstance(order["СуммаДокумента"], (int, float))
    row = order["Товары"][0]
    assert row["LineNumber"] == "1" and row["Ref_Key"] == order["Ref_Key"]  # Int64 as a JSON string
    assert order["Контрагент@navigationLinkUrl"] == f"Document_ЗаказПокупателя(guid'{order['Ref_Key']}')/Контрагент"
    keys = list(order)
    assert keys.index("ДокументОснование_Type") > keys.index("Товары")  # _Type halves after the sections
    single = call(ut10, "GET", f"Document_ЗаказПокупателя(guid'{order['Ref_Key']}')?$format=json").json
    assert single["odata.metadata"].endswith("$metadata#Document_ЗаказПокупателя/@Element")
    assert single["Number"] == order["Number"]
    bare = call(ut10, "GET", "Document_ЗаказПокупателя?$format=application/json;odata=nometadata&$top=1").json
    assert "odata.metadata" not in bare and not any("@" in k for k in bare["value"][0])


def test_empty_values_and_int64(ut10: DemoServer, unf: DemoServer) -> None:
    folder = call(ut10, "GET", "Catalog_Контрагенты?$format=json&$filter=Description eq 'Покупатели'").json["value"][0]
    assert folder["IsFolder"] is True and folder["Parent_Key"] == "00000000-0000-0000-0000-000000000000"
    order = call(
        ut10,
        "GET",
        "Document_ЗаказПокупателя?$format=json&$top=1&$filter=ДокументОснование_Type eq 'StandardODATA.Undefined'",
    ).json["value"][0]
    assert order["ДокументОснование"] == ""
    states = call(unf, "GET", "Catalog_СостоянияСобытий?$format=json&$orderby=РеквизитДопУпорядочивания").json
    assert [s["РеквизитДопУпорядочивания"] for s in states["value"]] == ["1", "2", "3", "4"]
    assert states["value"][0]["PredefinedDataName"] == "Запланировано"


def test_service_document_and_metadata(ut10: DemoServer) -> None:
    doc = call(ut10, "GET", "?$format=json").json
    assert {"name": "Document_Событие", "url": "Document_Событие"} in doc["value"]
    reply = call(ut10, "GET", "$metadata?$format=json")  # $metadata is XML whatever $format says
    assert reply.status == 200 and reply.content_type.startswith("application/xml")
    assert b'<EntityContainer Name="EnterpriseV8"' in reply.body
    atom = call(ut10, "GET", "")
    assert atom.status == 200 and '<collection href="Catalog_Контрагенты">' in atom.text


def test_plus_in_filter_is_500(ut10: DemoServer) -> None:
    path = encode("Catalog_Контрагенты") + "?$format=json&$filter=Description+eq+'x'"
    reply = call(ut10, "GET", path, raw=True)
    assert reply.status == 500
    assert reply.json["odata.error"]["code"] == "-1"


def test_in_operator_is_400_code_14(ut10: DemoServer) -> None:
    reply = call(ut10, "GET", "Catalog_Контрагенты?$format=json&$filter=Code in ('000000004','000000005')")
    assert reply.status == 400
    error = reply.json["odata.error"]
    assert error["code"] == "14" and error["message"]["lang"] == "ru"


def test_composite_eq_guid_finds_nothing_but_cast_does(ut10: DemoServer) -> None:
    ref = romashka(ut10)["Ref_Key"]
    plain = call(ut10, "GET", f"Document_Событие?$format=json&$filter=Контрагент eq guid'{ref}'").json
    assert plain["value"] == []
    cast = call(
        ut10, "GET", f"Document_Событие?$format=json&$filter=Контрагент eq cast(guid'{ref}', 'Catalog_Контрагенты')"
    ).json
    assert len(cast["value"]) == 5  # call, offer, second call, meeting, planned follow-up


def test_inlinecount_is_a_string_and_ignores_top_skip(ut10: DemoServer) -> None:
    total = int(call(ut10, "GET", "Document_Событие/$count").text)
    body = call(ut10, "GET", "Document_Событие?$format=json&$inlinecount=allpages&$top=5&$skip=3").json
    assert body["odata.count"] == str(total)
    assert len(body["value"]) == total  # 1C docs: with $inlinecount the server ignores $top/$skip
    assert "odata.nextLink" not in body


def test_count_is_plain_text_and_filtered(ut10: DemoServer) -> None:
    reply = call(ut10, "GET", "Document_Событие/$count?$filter=ВидСобытия eq 'ЛичнаяВстреча'")
    assert reply.status == 200 and reply.content_type.startswith("text/plain")
    meetings = call(ut10, "GET", "Document_Событие?$format=json&$filter=ВидСобытия eq 'ЛичнаяВстреча'").json
    assert int(reply.text) == len(meetings["value"]) > 0


def test_no_next_link_and_client_side_paging(ut10: DemoServer) -> None:
    everything = call(ut10, "GET", "Document_Событие?$format=json&$select=Ref_Key").json["value"]
    assert len(everything) > 300  # no server page size: everything in one answer
    seen: list[str] = []
    skip = 0
    while True:
        page = call(
            ut10, "GET", f"Document_Событие?$format=json&$select=Ref_Key&$orderby=Ref_Key&$top=100&$skip={skip}"
        )
        body = page.json
        assert "odata.nextLink" not in body
        seen += [r["Ref_Key"] for r in body["value"]]
        if len(body["value"]) < 100:
            break
        skip += 100
    assert seen == sorted(r["Ref_Key"] for r in everything)


def test_select(ut10: DemoServer) -> None:
    row = call(ut10, "GET", "Document_Событие?$format=json&$top=1&$select=Ref_Key,Контрагент").json["value"][0]
    assert set(row) == {"Ref_Key", "Контрагент"}
    both = call(ut10, "GET", "Document_Событие?$format=json&$top=1&$select=**").json["value"][0]
    assert "СторонниеЛица" not in both and "Контрагент_Type" in both
    star = call(ut10, "GET", "Document_Событие?$format=json&$top=1&$select=*").json["value"][0]
    assert "СторонниеЛица" in star
    bad = call(ut10, "GET", "Document_Событие?$format=json&$select=Контрагент_Key")
    assert bad.status == 400


def test_query_string_over_2048_bytes_is_an_iis_html_404(ut10: DemoServer) -> None:
    long_filter = " or ".join(f"Code eq '{n:09d}'" for n in range(120))
    reply = call(ut10, "GET", f"Catalog_Контрагенты?$format=json&$filter={long_filter}")
    assert reply.status == 404 and reply.content_type.startswith("text/html")
    assert b"<html" in reply.body
    short = " or ".join(f"Code eq '{n:09d}'" for n in range(20))
    assert call(ut10, "GET", f"Catalog_Контрагенты?$format=json&$filter={short}").status == 200


def test_not_found_errors(ut10: DemoServer) -> None:
    missing = call(ut10, "GET", "Catalog_Контрагенты(guid'00000000-0000-0000-0000-00000000abcd')?$format=json")
    assert missing.status == 404 and missing.json["odata.error"]["code"] == "9"
    unknown = call(ut10, "GET", "Catalog_Несуществующий?$format=json")
    assert unknown.status == 404 and unknown.json["odata.error"]["code"] == "8"
    atom = call(ut10, "GET", "Catalog_Несуществующий")
    error = ElementTree.fromstring(atom.body)
    assert error.tag == f"{M}error" and error.findtext(f"{M}code") == "8"
    outside = call(ut10, "GET", "/../other/odata/standard.odata/", raw=True)
    assert outside.status == 404


def test_tabular_section_set_and_navigation(ut10: DemoServer) -> None:
    rows = call(ut10, "GET", "Document_ЗаказПокупателя_Товары?$format=json&$top=3&$orderby=Ref_Key,LineNumber").json
    first = rows["value"][0]
    assert first["LineNumber"] == "1"
    one = call(
        ut10, "GET", f"Document_ЗаказПокупателя_Товары(Ref_Key=guid'{first['Ref_Key']}',LineNumber=1)?$format=json"
    ).json
    assert one["Номенклатура_Key"] == first["Номенклатура_Key"]
    goods = call(
        ut10,
        "GET",
        f"Document_ЗаказПокупателя_Товары(Ref_Key=guid'{first['Ref_Key']}',LineNumber=1)/Номенклатура?$format=json",
    ).json
    assert goods["Ref_Key"] == first["Номенклатура_Key"]
    assert goods["odata.metadata"].endswith("#Catalog_Номенклатура/@Element")


def test_path_is_percent_decoded_as_utf8(ut10: DemoServer) -> None:
    encoded = "Catalog_%D0%9A%D0%BE%D0%BD%D1%82%D1%80%D0%B0%D0%B3%D0%B5%D0%BD%D1%82%D1%8B/$count"
    reply = call(ut10, "GET", encoded, raw=True)
    assert reply.status == 200 and int(reply.text) > 40


def test_concurrent_clients(ut10: DemoServer) -> None:
    results: list[int] = []

    def worker() -> None:
        for _ in range(5):
            results.append(call(ut10, "GET", "Document_Событие?$format=json&$top=50&$orderby=Date desc").status)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 30


def test_allowed_only_is_accepted(ut10: DemoServer) -> None:
    plain = call(ut10, "GET", "Catalog_Контрагенты?$format=json&$select=Ref_Key").json["value"]
    allowed = call(ut10, "GET", "Catalog_Контрагенты?$format=json&$select=Ref_Key&allowedOnly=true").json["value"]
    assert allowed == plain and len(plain) > 40  # the demo has no record-level restrictions to apply
