"""The two demo configurations and their $metadata."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from onec_history.demo.edmx import read_edmx, write_edmx
from onec_history.demo.families import unf_schema, ut10_schema
from onec_history.demo.schema import Schema, type_columns
from onec_history.metadata import parse_metadata


def test_ut10_event_has_family_a_attributes() -> None:
    event = ut10_schema().tables["Document_Событие"]
    for name in ("ВидСобытия", "ТипСобытия", "СостояниеСобытия", "ВидОбъекта", "ОписаниеСобытия", "НачалоСобытия"):
        assert name in event.columns
    for composite in ("Контрагент", "КонтактноеЛицо", "Основание"):
        assert event.columns[composite].composite
        assert event.columns[f"{composite}_Type"].edm_type == "Edm.String"
    assert event.columns["ОписаниеСобытия"].max_length == 200
    assert event.navigations["Ответственный"].target_set == "Catalog_Пользователи"
    assert event.tabular == {"СторонниеЛица": "Document_Событие_СторонниеЛица"}
    assert event.actions == ("Post", "Unpost")


def test_ut10_chain_links() -> None:
    tables = ut10_schema().tables
    assert tables["Document_ЗаказПокупателя"].columns["ДокументОснование"].composite
    assert tables["Document_СчетНаОплатуПокупателю"].navigations["ЗаказПокупателя"].target_set == (
        "Document_ЗаказПокупателя"
    )
    assert tables["Document_РеализацияТоваровУслуг"].columns["Сделка"].composite
    assert "ЗаказПокупателя_Key" in tables["Document_РеализацияТоваровУслуг_Товары"].columns
    partners = tables["Catalog_Контрагенты"]
    assert {"Parent_Key", "IsFolder", "ИНН", "КПП", "ОсновнойМенеджерПокупателя_Key"} <= set(partners.columns)
    assert (partners.columns["ИНН"].max_length, partners.columns["КПП"].max_length) == (12, 9)
    assert partners.columns["Code"].max_length == 9 and partners.columns["Description"].max_length == 100


def test_unf_event_is_family_b() -> None:
    tables = unf_schema().tables
    event = tables["Document_Событие"]
    assert "ВидСобытия" not in event.columns and "Контрагент" not in event.columns
    assert event.navigations["Состояние"].target_set == "Catalog_СостоянияСобытий"
    assert event.navigations["Ответственный"].target_set == "Catalog_Сотрудники"
    assert event.columns["Тема"].composite and event.columns["ДокументОснование"].composite
    assert event.actions == ()  # УНФ's Событие cannot be posted
    assert tables["Document_Событие_Участники"].columns["Контакт"].composite
    assert tables["Document_ЗаказПокупателя"].navigations["Событие"].target_set == "Document_Событие"
    assert tables["Document_РасходнаяНакладная"].columns["Заказ"].composite


@pytest.mark.parametrize("make", [ut10_schema, unf_schema], ids=["ut10", "unf"])
def test_system_properties_first_and_type_halves_last(make: Callable[[], Schema]) -> None:
    for table in make().tables.values():
        names = list(table.columns)
        halves = type_columns(table)
        if halves:
            assert set(names[-len(halves) :]) == halves
        if table.set_name.startswith("Document_") and table.owner is None:
            assert names[:6] == ["Ref_Key", "DataVersion", "Number", "Date", "DeletionMark", "Posted"]
        if table.set_name.startswith("Catalog_") and table.owner is None:
            assert names[:4] == ["Ref_Key", "Predefined", "PredefinedDataName", "DataVersion"]
        if table.owner is not None:
            assert table.key == ("Ref_Key", "LineNumber")


def test_edmx_has_the_live_shape() -> None:
    text = write_edmx(ut10_schema()).decode()
    assert 'Namespace="StandardODATA"' in text
    assert '<EntityContainer Name="EnterpriseV8"' in text
    assert "MaxLength" not in text and "AssociationSet" not in text
    assert '<ComplexType Name="Document_Событие_СторонниеЛица_RowType">' in text
    assert 'Type="Collection(StandardODATA.Document_ЗаказПокупателя_Товары_RowType)"' in text
    assert '<Property Name="Контрагент" Type="Edm.String" Nullable="true"/>' in text
    assert '<Association Name="Document_Событие_Ответственный">' in text
    assert re.search(
        r'<FunctionImport Name="Post" IsBindable="true" IsSideEffecting="true">'
        r'<Parameter Name="bindingParameter" Type="StandardODATA.Document_Событие"/>',
        text,
    )
    # the container comes last, after every type
    assert text.index("<EntityContainer") > text.rindex("<Association ")


@pytest.mark.parametrize("make", [ut10_schema, unf_schema], ids=["ut10", "unf"])
def test_our_metadata_parser_reads_the_demo_edmx(make: Callable[[], Schema]) -> None:
    schema = make()
    parsed = parse_metadata(write_edmx(schema))
    assert parsed.namespace == "StandardODATA" and parsed.container == "EnterpriseV8"
    assert set(parsed.sets) == set(schema.tables)
    event = parsed.get("Document_Событие")
    composite = "Контрагент" if "Контрагент" in schema.tables["Document_Событие"].columns else "ДокументОснование"
    assert event.is_composite(composite)
    reference = event.reference("Ответственный_Key")
    assert (
        reference is not None
        and reference.target_set == schema.tables["Document_Событие"].navigations["Ответственный"].target_set
    )
    assert set(event.tabular_sections) == set(schema.tables["Document_Событие"].tabular)
    assert event.actions == schema.tables["Document_Событие"].actions


@pytest.mark.parametrize("make", [ut10_schema, unf_schema], ids=["ut10", "unf"])
def test_read_edmx_round_trips(make: Callable[[], Schema]) -> None:
    schema = make()
    back = read_edmx(write_edmx(schema))
    assert set(back.tables) == set(schema.tables)
    for name, table in schema.tables.items():
        other = back.tables[name]
        assert list(other.columns) == list(table.columns)
        assert other.navigations == table.navigations and other.tabular == table.tabular
        assert (other.owner, other.key, other.actions) == (table.owner, table.key, table.actions)
    assert back.enums == schema.enums
