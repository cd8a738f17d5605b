"""events.shape: one reading of an event row for the model, the export, the reports and the mirror."""

from __future__ import annotations

from pathlib import Path

import pytest

from onec_history.events.shape import EventShape, clients_of
from onec_history.metadata import parse_metadata
from onec_history.models import EMPTY_REF, EventKind, EventState
from onec_history.profiles import detect_profile

DATA = Path(__file__).parent / "data" / "metadata"
CP = "Catalog_Контрагенты"
A = "cd6880ea-576f-5240-84c4-8175c4989237"
B = "0663291f-21cb-515d-b49c-ab989b2e3a54"


def shape(name: str) -> EventShape:
    return EventShape(detect_profile(parse_metadata((DATA / name).read_bytes())))


def test_family_a_reads_a_composite_header_client_and_typed_in_text() -> None:
    s = shape("ut10.xml")
    row = {"Контрагент": A, "Контрагент_Type": "StandardODATA.Catalog_Контрагенты"}
    assert s.who(row, "counterparty") == (A, CP, None)
    assert s.client(row, []) == (A, CP, None)
    typed = {"Контрагент": "Иванов (звонил с улицы)", "Контрагент_Type": "Edm.String"}
    assert s.who(typed, "counterparty") == (None, None, "Иванов (звонил с улицы)")
    empty = {"Контрагент": EMPTY_REF, "Контрагент_Type": "StandardODATA.Catalog_Контрагенты"}
    assert s.who(empty, "counterparty") == (None, CP, None)
    assert s.who({"Контрагент": None, "Контрагент_Type": "StandardODATA.Undefined"}, "counterparty") == (
        None, None, None)


def test_family_b_client_is_the_first_counterparty_participant() -> None:
    s = shape("unf16.xml")
    assert s.section == "Участники"
    row = {"Участники": [
        {"LineNumber": "1", "Контакт": "Петров, с сайта", "Контакт_Type": "Edm.String"},
        {"LineNumber": "2", "Контакт": B, "Контакт_Type": "StandardODATA.Catalog_КонтактныеЛица"},
        {"LineNumber": "3", "Контакт": A, "Контакт_Type": "StandardODATA.Catalog_Контрагенты"},
        {"LineNumber": "4", "Контакт": "", "Контакт_Type": "Edm.String"},
    ]}
    parts = s.participants(row)
    assert [line for line, _ in parts] == ["1", "2", "3"]  # the empty row names nobody
    whos = [who for _, who in parts]
    assert s.client(row, whos) == (A, CP, None)
    assert s.client({}, [w for w in whos if w[1] != CP]) == (None, None, "Петров, с сайта")
    assert clients_of(s.who(row, "counterparty"), whos, CP) == ((A,), "Петров, с сайта")


def test_clients_of_keeps_the_header_first_and_each_client_once() -> None:
    parts = [(B, CP, None), (A, CP, None), (None, None, "текстом")]
    assert clients_of((A, CP, None), parts, CP) == ((A, B), "текстом")
    assert clients_of((None, None, "в шапке"), parts, CP) == ((B, A), "в шапке")


@pytest.mark.parametrize(("raw", "state"), [("Завершено", EventState.COMPLETED), ("Странное", EventState.OTHER),
                                            ("", None)])
def test_family_a_kind_and_state_are_enum_names(raw: str, state: EventState | None) -> None:
    s = shape("ut10.xml")
    kind_prop, state_prop = s.props["kind"], s.props["state"]
    assert kind_prop and state_prop
    row = {kind_prop: "ТелефонныйЗвонок ", state_prop: raw}
    assert s.kind(row) == (EventKind.CALL, "ТелефонныйЗвонок")
    assert s.state(row) == (state, raw or None)


def test_family_b_state_is_a_catalog_item_named_through_the_lookup() -> None:
    profile = detect_profile(parse_metadata((DATA / "unf16.xml").read_bytes()))
    s = EventShape(profile, state_lookup={A: ("Выполнено", EventState.COMPLETED)})
    prop = s.props["state"]
    assert prop == "Состояние_Key"
    assert s.state({prop: A}) == (EventState.COMPLETED, "Выполнено")
    assert s.state({prop: B}) == (EventState.OTHER, B)
    assert s.state({prop: EMPTY_REF}) == (None, None)


def test_select_lists_only_what_is_asked() -> None:
    s = shape("ut10.xml")
    narrow = s.select(("date", "counterparty"), with_participants=False)
    assert narrow == ("Ref_Key", "Date", "Контрагент", "Контрагент_Type")
    assert s.select()[-1] == "СторонниеЛица"
