"""onec_history.metadata: EDMX of 1C's shape -> sets, composites, references, sections, cache."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from onec_history import errors
from onec_history.metadata import (
    Composite,
    EntitySet,
    Metadata,
    Property,
    Reference,
    SetKind,
    parse_metadata,
    set_kind,
)
from onec_history.metadata_cache import MetadataCache, default_cache_dir, dump_metadata, load_metadata

DATA = Path(__file__).parent / "data" / "metadata"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture(scope="module")
def ut10() -> Metadata:
    return parse_metadata(read("ut10.xml"))


@pytest.fixture(scope="module")
def unf() -> Metadata:
    return parse_metadata(read("unf16.xml"))


def edit(name: str, old: str, new: str) -> bytes:
    text = read(name).decode()
    assert old in text, old
    return text.replace(old, new, 1).encode()


# --------------------------------------------------------------------------- family A (УТ 10.3)


def test_schema_and_container_names(ut10: Metadata) -> None:
    assert ut10.namespace == "StandardODATA"
    assert ut10.container == "EnterpriseV8"
    assert list(ut10.sets)[:3] == ["Catalog_Контрагенты", "Catalog_Пользователи", "Document_Событие"]


def test_document_header(ut10: Metadata) -> None:
    event = ut10.get("Document_Событие")
    assert (event.kind, event.object_name, event.owner) == (SetKind.DOCUMENT, "Событие", None)
    assert event.type_name == "StandardODATA.Document_Событие"
    assert event.key == ("Ref_Key",)
    assert list(event.properties)[:6] == ["Ref_Key", "DataVersion", "Number", "Date", "DeletionMark", "Posted"]
    assert event.property("Ref_Key") == Property("Ref_Key", "Edm.Guid", False)
    assert event.property("НачалоСобытия") == Property("НачалоСобытия", "Edm.DateTime", True)
    assert event.property("НетТакого") is None
    assert event.actions == ("Post", "Unpost")


def test_composites_are_detected_although_the_type_half_comes_last(ut10: Metadata) -> None:
    event = ut10.get("Document_Событие")
    assert event.composites == {
        "Контрагент": Composite("Контрагент", "Контрагент_Type"),
        "КонтактноеЛицо": Composite("КонтактноеЛицо", "КонтактноеЛицо_Type"),
        "Основание": Composite("Основание", "Основание_Type"),
    }
    assert event.is_composite("Основание")
    assert not event.is_composite("Основание_Type")
    # An enum attribute is a bare Edm.String: neither composite nor reference.
    assert not event.is_composite("ВидСобытия")
    assert event.reference("ВидСобытия") is None


def test_single_type_references_resolve_through_associations(ut10: Metadata) -> None:
    event = ut10.get("Document_Событие")
    responsible = Reference("Ответственный", "Ответственный_Key", "Catalog_Пользователи")
    assert event.reference("Ответственный") == responsible
    assert event.reference("Ответственный_Key") == responsible
    # _Key without a navigation property: the target set is unknown (not published).
    assert event.reference("ГруппаСобытия") == Reference("ГруппаСобытия", "ГруппаСобытия_Key", None)
    assert "Ref" not in event.references


def test_self_reference_and_unpublished_section_of_a_catalog(ut10: Metadata) -> None:
    counterparties = ut10.get("Catalog_Контрагенты")
    assert counterparties.reference("Parent_Key") == Reference("Parent", "Parent_Key", "Catalog_Контрагенты")
    assert counterparties.reference("ОсновнойМенеджерПокупателя") is not None
    assert counterparties.references["ОсновнойМенеджерПокупателя"].target_set == "Catalog_Пользователи"
    managers = counterparties.tabular_sections["МенеджерыПокупателя"]
    assert managers.set_name is None
    assert managers.reference("Менеджер_Key") == Reference("Менеджер", "Менеджер_Key", None)
    assert counterparties.actions == ()


def test_tabular_section_inline_shape(ut10: Metadata) -> None:
    section = ut10.get("Document_Событие").tabular_sections["СторонниеЛица"]
    assert section.set_name == "Document_Событие_СторонниеЛица"
    assert list(section.properties) == ["Ref_Key", "LineNumber", "Контрагент_Key", "Лицо", "Лицо_Type"]
    assert section.composites == {"Лицо": Composite("Лицо", "Лицо_Type")}
    # The row ComplexType has no navigations; the target comes from the section's own set.
    assert section.reference("Контрагент") == Reference("Контрагент", "Контрагент_Key", "Catalog_Контрагенты")


def test_tabular_section_set(ut10: Metadata) -> None:
    rows = ut10.get("Document_Событие_СторонниеЛица")
    assert (rows.kind, rows.owner, rows.object_name) == (
        SetKind.TABULAR_SECTION,
        "Document_Событие",
        "СторонниеЛица",
    )
    assert rows.key == ("Ref_Key", "LineNumber")
    assert rows.tabular_sections == {}
    assert rows.is_composite("Лицо")


def test_collection_property_stays_a_property(ut10: Metadata) -> None:
    event = ut10.get("Document_Событие")
    item = "Collection(StandardODATA.Document_Событие_СторонниеЛица_RowType)"
    assert event.property("СторонниеЛица") == Property("СторонниеЛица", item, True)


def test_journal_constant_and_registers(ut10: Metadata) -> None:
    journal = ut10.get("DocumentJournal_Взаимодействия")
    assert journal.kind is SetKind.DOCUMENT_JOURNAL
    assert journal.key == ("Ref", "Ref_Type")
    assert set(journal.composites) == {"Ref", "Контрагент"}
    contact = ut10.get("InformationRegister_КонтактнаяИнформация")
    assert contact.is_composite("Объект")
    assert contact.reference("Вид") == Reference("Вид", "Вид_Key", None)
    constant = ut10.get("Constant_ОсновнаяВалюта")
    assert (constant.kind, constant.key) == (SetKind.CONSTANT, ("SurrogateKey",))


def test_register_record_set_is_not_a_tabular_section(ut10: Metadata) -> None:
    queue = ut10.get("InformationRegister_пр_Очередь")
    assert (queue.kind, queue.object_name, queue.owner) == (
        SetKind.INFORMATION_REGISTER,
        "пр_Очередь",
        None,
    )
    assert queue.tabular_sections == {}
    records = ut10.get("InformationRegister_пр_Очередь_RecordType")
    assert (records.kind, records.owner, records.object_name) == (
        SetKind.INFORMATION_REGISTER,
        "InformationRegister_пр_Очередь",
        "пр_Очередь",
    )
    assert records.actions == ("SliceLast",)


def test_enums_including_a_duplicate_declaration(ut10: Metadata) -> None:
    assert ut10.enums["ВидыСобытий"] == (
        "ТелефонныйЗвонок",
        "ЛичнаяВстреча",
        "ЭлектронноеПисьмо",
        "ПочтовоеПисьмо",
        "Прочее",
    )
    assert ut10.enums["AllowedLength"] == ("Fixed", "Variable")
    assert "ВидыСобытий" not in ut10.sets


def test_get_and_contains(ut10: Metadata) -> None:
    assert "Document_Событие" in ut10
    assert "Document_ТелефонныйЗвонок" not in ut10
    assert 42 not in ut10
    with pytest.raises(errors.NotPublishedError) as caught:
        ut10.get("Document_ТелефонныйЗвонок")
    assert caught.value.entity_set == "Document_ТелефонныйЗвонок"


# --------------------------------------------------------------------------- family B (УНФ)


def test_unf_event_cannot_be_posted_and_uses_catalog_state(unf: Metadata) -> None:
    event = unf.get("Document_Событие")
    assert event.actions == ()
    assert event.reference("Состояние") == Reference("Состояние", "Состояние_Key", "Catalog_СостоянияСобытий")
    assert event.reference("Ответственный") is not None
    assert event.references["Ответственный"].target_set == "Catalog_Сотрудники"
    assert event.reference("Автор") == Reference("Автор", "Автор_Key", None)
    assert set(event.composites) == {"Тема", "ДокументОснование"}
    participants = event.tabular_sections["Участники"]
    assert participants.set_name == "Document_Событие_Участники"
    assert participants.is_composite("Контакт")


def test_unf_documents_point_back_to_the_event(unf: Metadata) -> None:
    order = unf.get("Document_ЗаказПокупателя")
    assert order.reference("Событие") == Reference("Событие", "Событие_Key", "Document_Событие")
    assert order.actions == ("Post", "Unpost")
    assert unf.get("Document_РасходнаяНакладная").is_composite("Заказ")


def test_unf_catalog_section_set(unf: Metadata) -> None:
    contacts = unf.get("Catalog_Контрагенты_КонтактнаяИнформация")
    assert (contacts.kind, contacts.owner) == (SetKind.TABULAR_SECTION, "Catalog_Контрагенты")
    section = unf.get("Catalog_Контрагенты").tabular_sections["КонтактнаяИнформация"]
    assert section.set_name == "Catalog_Контрагенты_КонтактнаяИнформация"


# --------------------------------------------------------------------------- names and tolerance


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Catalog_Контрагенты", (SetKind.CATALOG, "Контрагенты")),
        ("Document_Событие_СторонниеЛица", (SetKind.DOCUMENT, "Событие_СторонниеЛица")),
        ("ChartOfCharacteristicTypes_СтатьиДоходов", (SetKind.CHART_OF_CHARACTERISTIC_TYPES, "СтатьиДоходов")),
        ("ExchangePlan_Удалить_Обмен_11_0", (SetKind.EXCHANGE_PLAN, "Удалить_Обмен_11_0")),
        ("AccountingRegister_Хозрасчетный", (SetKind.ACCOUNTING_REGISTER, "Хозрасчетный")),
        ("Enum_ВидыСобытий", (SetKind.OTHER, "Enum_ВидыСобытий")),
        ("Catalog", (SetKind.OTHER, "Catalog")),
        ("Catalog_", (SetKind.OTHER, "Catalog_")),
    ],
)
def test_set_kind(name: str, expected: tuple[SetKind, str]) -> None:
    assert set_kind(name) == expected


def test_unknown_elements_and_attributes_are_ignored() -> None:
    data = edit(
        "ut10.xml",
        '<EntityType Name="Catalog_Пользователи">',
        '<Annotations Target="StandardODATA.X"><ValueAnnotation Term="Core.Description"/></Annotations>'
        "<Documentation><Summary>что-то</Summary></Documentation>"
        '<EntityType Name="Catalog_Пользователи" Abstract="false" xmlns:x="urn:x" x:Extra="1">'
        "<Documentation>пользователи</Documentation>",
    )
    metadata = parse_metadata(data)
    assert metadata.get("Catalog_Пользователи").key == ("Ref_Key",)
    assert metadata.get("Document_Событие").actions == ("Post", "Unpost")


def test_section_set_found_by_key_when_owner_lists_no_collection() -> None:
    data = edit(
        "ut10.xml",
        '<Property Name="СторонниеЛица" Type="Collection(StandardODATA.Document_Событие_СторонниеЛица_RowType)"'
        ' Nullable="true"/>',
        "",
    )
    metadata = parse_metadata(data)
    rows = metadata.get("Document_Событие_СторонниеЛица")
    assert (rows.kind, rows.owner, rows.object_name) == (
        SetKind.TABULAR_SECTION,
        "Document_Событие",
        "СторонниеЛица",
    )
    assert metadata.get("Document_Событие").tabular_sections == {}


def test_section_set_of_an_unpublished_owner() -> None:
    data = edit(
        "ut10.xml",
        '<EntitySet Name="Document_Событие" EntityType="StandardODATA.Document_Событие"/>',
        "",
    )
    metadata = parse_metadata(data)
    rows = metadata.get("Document_Событие_СторонниеЛица")
    assert (rows.kind, rows.owner) == (SetKind.TABULAR_SECTION, None)
    assert "Document_Событие" not in metadata


def test_operations_bound_by_entity_set_path_are_accepted() -> None:
    # Some hand-written fixtures (not 1C itself) bind by EntitySetPath instead of bindingParameter.
    data = edit(
        "unf16.xml",
        '<EntitySet Name="Document_РасходнаяНакладная" EntityType="StandardODATA.Document_РасходнаяНакладная"/>',
        '<EntitySet Name="Document_РасходнаяНакладная" EntityType="StandardODATA.Document_РасходнаяНакладная"/>'
        '<FunctionImport Name="Закрыть" m:HttpMethod="POST" IsBindable="true"'
        ' EntitySetPath="Document_Событие"/>',
    )
    assert parse_metadata(data).get("Document_Событие").actions == ("Закрыть",)


def test_unpublished_navigation_target_gives_no_set() -> None:
    data = edit(
        "ut10.xml",
        '<EntitySet Name="Catalog_Пользователи" EntityType="StandardODATA.Catalog_Пользователи"/>',
        "",
    )
    event = parse_metadata(data).get("Document_Событие")
    assert event.reference("Ответственный") == Reference("Ответственный", "Ответственный_Key", None)


# --------------------------------------------------------------------------- garbage


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (read("login_page.html"), "HTML page"),
        (read("atom_feed.xml"), "Atom feed"),
        (b"", "empty body"),
        (b'{"odata.error": {"code": "9"}}', "JSON"),
        (b"Service Unavailable", "not XML"),
        (b'<?xml version="1.0"?><service xmlns="http://www.w3.org/2007/app"/>', "root <service>"),
        (read("ut10.xml")[:9000], "not well-formed"),
    ],
)
def test_non_edmx_answers_are_rejected_clearly(data: bytes, words: str) -> None:
    with pytest.raises(errors.ResponseError) as caught:
        parse_metadata(data)
    assert words in caught.value.message


def test_entity_expansion_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE edmx [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><edmx:Edmx xmlns:edmx="urn:e">&b;</edmx:Edmx>'
    )
    with pytest.raises(errors.ResponseError):
        parse_metadata(bomb)


# --------------------------------------------------------------------------- JSON form


def test_json_round_trip_is_exact(ut10: Metadata, unf: Metadata) -> None:
    for metadata in (ut10, unf):
        again = load_metadata(dump_metadata(metadata))
        assert again == metadata
        assert isinstance(again.get("Document_Событие"), EntitySet)
        assert again.get("Document_Событие").kind is SetKind.DOCUMENT


@pytest.mark.parametrize(
    "data", [b"", b"[]", b'{"format": 99}', b'{"format": 2, "property_table": [], "sets": [{}]}', b"\xff"]
)
def test_from_json_rejects_other_documents(data: bytes) -> None:
    with pytest.raises(ValueError):
        load_metadata(data)


# --------------------------------------------------------------------------- cache


class Fetcher:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.calls = 0

    def __call__(self) -> bytes:
        self.calls += 1
        return self.data


URL = "https://1c.example/base/odata/standard.odata/"


def make_cache(tmp_path: Path, now: list[float]) -> MetadataCache:
    clock: Callable[[], float] = lambda: now[0]  # noqa: E731
    return MetadataCache(tmp_path / "cache", clock=clock)


def test_cache_fetches_once_and_stores_parsed_json(tmp_path: Path, ut10: Metadata) -> None:
    cache, fetch = make_cache(tmp_path, [1000.0]), Fetcher(read("ut10.xml"))
    assert cache.load(URL, fetch) == ut10
    assert cache.load(URL, fetch) == ut10
    assert fetch.calls == 1
    stored = cache.path_for(URL).read_bytes()
    assert b"edmx" not in stored.lower()
    assert json.loads(stored)["metadata"]["container"] == "EnterpriseV8"
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [cache.path_for(URL).name]


def test_cache_ttl_and_refresh(tmp_path: Path) -> None:
    now = [1000.0]
    cache, fetch = make_cache(tmp_path, now), Fetcher(read("ut10.xml"))
    cache.load(URL, fetch, ttl=60)
    now[0] += 59
    cache.load(URL, fetch, ttl=60)
    assert fetch.calls == 1
    now[0] += 2
    cache.load(URL, fetch, ttl=60)
    assert fetch.calls == 2
    cache.load(URL, fetch, ttl=60, refresh=True)
    assert fetch.calls == 3
    now[0] -= 3600  # the clock went back: do not trust a file "from the future"
    cache.load(URL, fetch, ttl=60)
    assert fetch.calls == 4


@pytest.mark.parametrize("junk", [b"", b"{not json", b'{"saved_at": 1000, "metadata": {"format": 2}}', b"\x00" * 10])
def test_corrupt_cache_is_refetched_and_replaced(tmp_path: Path, junk: bytes, ut10: Metadata) -> None:
    cache, fetch = make_cache(tmp_path, [1000.0]), Fetcher(read("ut10.xml"))
    path = cache.path_for(URL)
    path.parent.mkdir(parents=True)
    path.write_bytes(junk)
    assert cache.load(URL, fetch) == ut10
    assert fetch.calls == 1
    assert load_metadata(json.dumps(json.loads(path.read_bytes())["metadata"]).encode()) == ut10


def test_cache_key_depends_on_base_and_user_only(tmp_path: Path) -> None:
    cache = MetadataCache(tmp_path)
    assert cache.path_for(URL) == cache.path_for(URL.rstrip("/"))
    assert cache.path_for(URL) != cache.path_for(URL.replace("base", "other"))
    assert cache.path_for(URL, user="Иванов") != cache.path_for(URL, user="Петров")
    assert "Иванов" not in cache.path_for(URL, user="Иванов").name


def test_cache_does_not_store_a_bad_answer(tmp_path: Path) -> None:
    cache = make_cache(tmp_path, [1000.0])
    with pytest.raises(errors.ResponseError):
        cache.load(URL, Fetcher(read("login_page.html")))
    assert not cache.path_for(URL).exists()


def test_fetch_errors_propagate(tmp_path: Path) -> None:
    def down() -> bytes:
        raise errors.ConnectError("connection refused")

    with pytest.raises(errors.ConnectError):
        make_cache(tmp_path, [1000.0]).load(URL, down)


def test_unwritable_cache_still_answers(tmp_path: Path, ut10: Metadata) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the directory should be")
    fetch = Fetcher(read("ut10.xml"))
    assert MetadataCache(blocker).load(URL, fetch) == ut10
    assert MetadataCache(blocker).load(URL, fetch) == ut10
    assert fetch.calls == 2


def test_invalidate(tmp_path: Path) -> None:
    cache, fetch = make_cache(tmp_path, [1000.0]), Fetcher(read("unf16.xml"))
    cache.load(URL, fetch)
    cache.invalidate(URL)
    cache.invalidate(URL)
    cache.load(URL, fetch)
    assert fetch.calls == 2


def test_default_cache_dir_honours_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("os.name", "posix")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "onec-history" / "metadata"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "onec-history" / "metadata"
    assert MetadataCache().directory == default_cache_dir()


# --------------------------------------------------------------------------- big base


@pytest.mark.slow
def test_big_synthetic_base() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    from bench_metadata import generate_edmx

    data, counts = generate_edmx()
    assert len(data) > 15_000_000
    metadata = parse_metadata(data)
    assert len(metadata.sets) == counts["sets"]
    documents = [s for s in metadata.sets.values() if s.kind is SetKind.DOCUMENT]
    assert len(documents) == counts["documents"]
    assert all(s.actions[:2] == ("Post", "Unpost") for s in documents)
    assert load_metadata(dump_metadata(metadata)) == metadata


def test_capability_memory_is_kept_per_base_key_and_survives_a_bad_file(tmp_path: Path) -> None:
    from onec_history.metadata_cache import CapabilityMemory

    one = CapabilityMemory("http://a/odata/#ivanov", tmp_path)
    assert one.get("prefix_search") is None
    one.remember("prefix_search", "like")
    assert CapabilityMemory("http://a/odata/#ivanov", tmp_path).get("prefix_search") == "like"
    assert CapabilityMemory("http://a/odata/#petrov", tmp_path).get("prefix_search") is None
    one.path.write_text("{not json", encoding="utf-8")
    assert CapabilityMemory("http://a/odata/#ivanov", tmp_path).get("prefix_search") is None
    (tmp_path / "ro").mkdir()
    blocked = CapabilityMemory("k", tmp_path / "ro" / "file-not-dir")
    (tmp_path / "ro" / "file-not-dir").write_text("", encoding="utf-8")
    blocked.remember("prefix_search", "startswith")  # cannot write: remembered for this run only
    assert blocked.get("prefix_search") == "startswith"
