"""Link discovery: built-in tables checked against $metadata, completed from it, changed by the config."""

from __future__ import annotations

from pathlib import Path

import pytest

from onec_history.chains.links import LinkKind, discover_links, parse_link_overrides
from onec_history.errors import ConfigError
from onec_history.metadata import Metadata, parse_metadata
from onec_history.profiles import Family

DATA = Path(__file__).resolve().parent.parent / "data" / "metadata"


@pytest.fixture(scope="module")
def ut10_md() -> Metadata:
    return parse_metadata((DATA / "ut10.xml").read_bytes())


@pytest.fixture(scope="module")
def unf_md() -> Metadata:
    return parse_metadata((DATA / "unf16.xml").read_bytes())


def labels(table: object) -> set[str]:
    return {lk.label for lk in table}  # type: ignore[attr-defined]


def test_family_a_keeps_published_links_and_names_the_unpublished(ut10_md: Metadata) -> None:
    table = discover_links(ut10_md, Family.A)
    assert labels(table) == {"Document_Событие.Основание", "Document_ЗаказПокупателя.ДокументОснование"}
    basis = table.find("Document_Событие.Основание")
    assert basis is not None and basis.kind is LinkKind.COMPOSITE and basis.targets is None
    assert basis.columns == ("Основание", "Основание_Type")
    # The recorded base does not publish invoices or deliveries: one warning per set, naming its links.
    assert any("Document_СчетНаОплатуПокупателю is not published" in w and "Товары.ЗаказПокупателя" in w
               for w in table.warnings)
    assert any(w.startswith("Document_РеализацияТоваровУслуг is not published") for w in table.warnings)
    assert len(table.warnings) == 2


def test_family_b_single_type_event_link_and_discovered_basis(unf_md: Metadata) -> None:
    table = discover_links(unf_md, Family.B)
    event_link = table.find("Document_ЗаказПокупателя.Событие")
    assert event_link is not None
    assert event_link.kind is LinkKind.REF and event_link.value_prop == "Событие_Key"
    assert event_link.targets == ("Document_Событие",)
    # ДокументОснование on the order is not in the family table: $metadata adds it as "any document".
    basis = table.find("Document_ЗаказПокупателя.ДокументОснование")
    assert basis is not None and basis.origin == "metadata" and basis.targets is None
    assert table.find("Document_РасходнаяНакладная.Заказ") is not None
    assert [lk.label for lk in table.pointing_to("Document_Событие")] == [
        "Document_ЗаказПокупателя.ДокументОснование", "Document_ЗаказПокупателя.Событие",
        "Document_РасходнаяНакладная.Заказ", "Document_Событие.ДокументОснование"]
    assert any("Document_СчетНаОплату is not published" in w for w in table.warnings)


def test_metadata_alone_finds_basis_composites_without_a_family(unf_md: Metadata) -> None:
    table = discover_links(unf_md, None)
    assert "Document_Событие.ДокументОснование" in labels(table)
    assert "Document_РасходнаяНакладная.Заказ" in labels(table)
    assert "Document_ЗаказПокупателя.Событие" in labels(table)  # a _Key navigating to a Document_ set
    assert all(lk.origin == "metadata" for lk in table)
    assert table.warnings == ()


def test_config_adds_removes_and_can_switch_discovery_off(unf_md: Metadata) -> None:
    table = discover_links(unf_md, Family.B, {
        "add": [{"set": "Document_РасходнаяНакладная", "attribute": "Заказ", "targets": ["Document_ЗаказПокупателя"]},
                {"set": "Document_ЗаказПокупателя", "attribute": "Контрагент"}],
        "remove": ["Document_Событие.ДокументОснование", "Document_Нет.Такого"],
        "discover": False,
    })
    assert labels(table) == {"Document_РасходнаяНакладная.Заказ", "Document_ЗаказПокупателя.Событие"}
    narrowed = table.find("Document_РасходнаяНакладная.Заказ")
    assert narrowed is not None and narrowed.origin == "config" and narrowed.targets == ("Document_ЗаказПокупателя",)
    assert not narrowed.admits("Document_Событие")
    assert any("Document_Нет.Такого is not a link in use" in w for w in table.warnings)
    assert any("Catalog_Контрагенты, which is not a document" in w for w in table.warnings)


def test_config_link_to_a_missing_attribute_is_a_warning_not_a_crash(ut10_md: Metadata) -> None:
    table = discover_links(ut10_md, Family.A, {"add": ["Document_Событие.НетТакого",
                                                      "Document_ЗаказПокупателя.Товары.ЗаказПокупателя"]})
    assert "Document_Событие.НетТакого" not in labels(table)
    assert any("НетТакого: no such attribute" in w for w in table.warnings)
    # The recorded base has Товары but not its own set, and Номенклатура's target is unpublished.
    assert any("Товары.ЗаказПокупателя" in w for w in table.warnings)


def test_removing_a_whole_set(ut10_md: Metadata) -> None:
    table = discover_links(ut10_md, Family.A, {"remove": ["Document_Событие"]})
    assert labels(table) == {"Document_ЗаказПокупателя.ДокументОснование"}


@pytest.mark.parametrize("raw, message", [
    ("Document_X.Y", "must be a table"),
    ({"add": ["NoDot"]}, "is not a link"),
    ({"add": [{"set": "Document_X"}]}, "is not a link"),
    ({"add": [{"set": "Document_X", "attribute": "Y", "targets": "Document_Z"}]}, "targets must be a list"),
    ({"remove": "Document_X.Y"}, "must be a list"),
    ({"extra": 1}, "unknown keys extra"),
])
def test_bad_link_config_is_a_config_error(raw: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_link_overrides(raw)


def test_string_forms_of_a_link() -> None:
    add, remove, discover = parse_link_overrides({"add": ["Document_X.Товары.Заказ", "Document_Y.Основание"]})
    assert [(s.source_set, s.section, s.attribute) for s in add] == [
        ("Document_X", "Товары", "Заказ"), ("Document_Y", None, "Основание")]
    assert remove == () and discover is True
