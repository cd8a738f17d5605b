from __future__ import annotations

from pathlib import Path

import pytest

from onec_history.metadata import parse_metadata
from onec_history.models import EventKind
from onec_history.profiles import AttrKind, Family, ProfileError, detect_profile

DATA = Path(__file__).parent / "data" / "metadata"


def md(name: str):  # type: ignore[no-untyped-def]
    return parse_metadata((DATA / name).read_bytes())


def test_family_a_detected_and_resolved() -> None:
    p = detect_profile(md("ut10.xml"))
    assert p.family is Family.A
    cp = p.event_attr("counterparty")
    assert cp is not None and cp.kind is AttrKind.COMPOSITE and cp.select == ("Контрагент", "Контрагент_Type")
    resp = p.event_attr("responsible")
    assert resp is not None and resp.kind is AttrKind.REF and resp.prop == "Ответственный_Key"
    assert resp.target_set == "Catalog_Пользователи"
    basis = p.event_attr("basis")
    assert basis is not None and basis.kind is AttrKind.COMPOSITE
    assert p.lengths["Document_Событие"]["ОписаниеСобытия"] == 200


def test_family_b_detected() -> None:
    p = detect_profile(md("unf16.xml"))
    assert p.family is Family.B
    state = p.event_attr("state")
    assert state is not None and state.kind is AttrKind.REF and state.prop == "Состояние_Key"
    assert p.event_attr("counterparty") is None
    assert p.participants_section == "Участники"
    assert p.kinds[EventKind.SMS] == "СообщениеSMS"


def test_override_renamed_attribute_and_missing_report() -> None:
    m = md("ut10.xml")
    p = detect_profile(m, {"event": {"subject": "Тема"}})
    assert p.event_attr("subject") is None
    assert any("Тема" in problem for problem in p.missing_attributes(m))
    p2 = detect_profile(m, {"event": {"subject": "Комментарий"}})
    subject = p2.event_attr("subject")
    assert subject is not None and subject.prop == "Комментарий"


def test_unknown_override_key_is_refused() -> None:
    with pytest.raises(ProfileError, match="Unknown keys"):
        detect_profile(md("ut10.xml"), {"evnt": {}})


def test_family_c_reads_every_published_interaction_document_as_a_view() -> None:
    xml = (DATA / "ut10.xml").read_text(encoding="utf-8").replace("Document_Событие", "Document_ТелефонныйЗвонок")
    profile = detect_profile(parse_metadata(xml.encode()))
    assert profile.family is Family.C
    assert [v.event_set for v in profile.views()] == ["Document_ТелефонныйЗвонок"]
    assert profile.views()[0].doc is not None and profile.views()[0].counterparty_set == "Catalog_Партнеры"


REF = "cd6880ea-576f-5240-84c4-8175c4989237"


def test_this_clients_events_family_a_header_and_participants() -> None:
    p = detect_profile(md("ut10.xml"))
    header = p.client_condition(REF)
    # a composite header attribute needs the cast: "eq guid'…'" finds nothing on 1C
    assert header is not None and header.text == f"Контрагент eq cast(guid'{REF}','Catalog_Контрагенты')"
    assert p.participants_set() == "Document_Событие_СторонниеЛица"
    rows = p.participant_condition(REF)
    assert rows is not None and rows.text == f"Контрагент_Key eq guid'{REF}'"


def test_this_clients_events_family_b_participants_only() -> None:
    p = detect_profile(md("unf16.xml"))
    assert p.client_condition(REF) is None  # УНФ's header Контрагент is not the client of the event
    assert p.participants_set() == "Document_Событие_Участники"
    rows = p.participant_condition(REF)
    assert rows is not None and rows.text == f"Контакт eq cast(guid'{REF}','Catalog_Контрагенты')"


def test_an_unpublished_participants_section_has_a_condition_but_no_set() -> None:
    text = (DATA / "ut10.xml").read_text(encoding="utf-8")
    line = '<EntitySet Name="Document_Событие_СторонниеЛица"'
    assert line in text
    text = "\n".join(s for s in text.splitlines() if line not in s)
    p = detect_profile(parse_metadata(text.encode("utf-8")))
    assert p.participants_set() is None
    assert p.participant_condition(REF) is not None
