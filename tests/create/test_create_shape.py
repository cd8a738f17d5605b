"""Bodies in each family's own shape, built from the profile over the base's $metadata (no network)."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from onec_history.create.shape import Resolved, Shaper
from onec_history.create.spec import NewEvent, marker_for
from onec_history.demo.edmx import write_edmx
from onec_history.demo.families import SCHEMAS
from onec_history.metadata import parse_metadata
from onec_history.models import Direction, DocumentRef, EventKind, EventState
from onec_history.profiles import Profile, detect_profile

NOW = datetime(2025, 1, 1, 12, 0)
CP = "cd6880ea-576f-5240-84c4-8175c4989237"
USER = "3fd71503-76e5-5665-abcc-2f5f2e8df00e"
KEY = uuid.UUID("26c23bac-0354-5857-9305-8eb58b8b8c78")
ORDER = DocumentRef(entity_set="Document_ЗаказПокупателя", ref="0a1b2c3d-0000-4000-8000-000000000001")


def profile(family: str) -> Profile:
    return detect_profile(parse_metadata(write_edmx(SCHEMAS[family]())))


def event(**kw: object) -> NewEvent:
    base: dict[str, object] = {"kind": EventKind.CALL, "start": datetime(2024, 5, 6, 10), "counterparty": "x"}
    return NewEvent(**{**base, **kw})


def test_family_a_header_client_object_kind_and_basis() -> None:
    shaper = Shaper(profile("ut10"))
    ev = event(direction=Direction.INCOMING, state=EventState.COMPLETED, end=datetime(2024, 5, 6, 10, 5),
               subject="Мониторы", body="5 штук", comment="из АТС", basis=ORDER)
    body = shaper.body(ev, Resolved(counterparty=CP, responsible=USER), ref_key=KEY, marker=None, now=NOW)
    assert body == {
        "Ref_Key": str(KEY), "Date": "2024-05-06T10:00:00",
        "ВидСобытия": "ТелефонныйЗвонок", "ТипСобытия": "Входящее", "СостояниеСобытия": "Завершено",
        "Контрагент": CP, "Контрагент_Type": "StandardODATA.Catalog_Контрагенты", "ВидОбъекта": "Контрагент",
        "Ответственный_Key": USER, "НачалоСобытия": "2024-05-06T10:00:00", "ОкончаниеСобытия": "2024-05-06T10:05:00",
        "ОписаниеСобытия": "Мониторы", "СодержаниеСобытия": "5 штук", "Комментарий": "из АТС",
        "Основание": ORDER.ref, "Основание_Type": "StandardODATA.Document_ЗаказПокупателя",
    }
    assert not shaper.problems(ev)


def test_family_a_unregistered_caller_is_a_string_composite_and_marker_goes_to_the_comment() -> None:
    shaper = Shaper(profile("ut10"))
    ev = event(counterparty=None, caller="+7 495 123-45-67", comment="АТС")
    body = shaper.body(ev, Resolved(), ref_key=None, marker=marker_for(KEY), now=NOW)
    assert body["Контрагент"] == "+7 495 123-45-67" and body["Контрагент_Type"] == "Edm.String"
    assert body["Комментарий"] == f"АТС\n[onec-history:{KEY}]"
    assert "Ref_Key" not in body


def test_planned_events_keep_1c_s_own_document_date() -> None:
    shaper = Shaper(profile("ut10"))
    body = shaper.body(event(start=datetime(2030, 1, 1)), Resolved(counterparty=CP), ref_key=None, marker=None,
                       now=NOW)
    assert "Date" not in body and body["НачалоСобытия"] == "2030-01-01T00:00:00"


def test_family_b_participant_row_state_reference_and_subject_composite() -> None:
    state_ref = "3b243ad3-41f1-53de-9923-900e0701d010"
    shaper = Shaper(profile("unf"), {EventState.COMPLETED: state_ref}, {"Завершено": state_ref})
    ev = event(direction=Direction.OUTGOING, state=EventState.COMPLETED, subject="Мониторы", body="5 штук")
    ref, err = shaper.state_ref(ev)
    assert err is None and ref == state_ref
    body = shaper.body(ev, Resolved(counterparty=CP, responsible=USER, state_ref=ref), ref_key=KEY,
                       marker=marker_for(KEY), now=NOW)
    assert body["ТипСобытия"] == "ТелефонныйЗвонок" and body["ВходящееИсходящееСобытие"] == "Исходящее"
    assert body["Состояние_Key"] == state_ref
    row = {"LineNumber": "1", "Контакт": CP, "Контакт_Type": "StandardODATA.Catalog_Контрагенты"}
    assert body["Участники"] == [row]
    assert body["Тема"] == "Мониторы" and body["Тема_Type"] == "Edm.String"
    assert body["Содержание"] == f"5 штук\n[onec-history:{KEY}]"  # УНФ has no comment: the marker goes to the body
    assert "Контрагент" not in body and "ВидОбъекта" not in body


def test_family_b_refuses_what_it_cannot_hold() -> None:
    shaper = Shaper(profile("unf"), {}, {})
    problems = {p.field: p.message for p in shaper.problems(event(kind=EventKind.LETTER, comment="x", post=True))}
    assert set(problems) == {"kind", "comment", "post"}
    assert "СообщениеSMS" in problems["kind"]
    _, err = shaper.state_ref(event(state=EventState.CANCELLED))
    assert err is not None and "cancelled" in err.message


def test_family_a_cannot_hold_sms_but_can_post() -> None:
    shaper = Shaper(profile("ut10"))
    assert [p.field for p in shaper.problems(event(kind=EventKind.SMS, post=True))] == ["kind"]


@pytest.mark.parametrize("family,expected", [
    ("ut10", {"Document_Событие": {"Контрагент": 200}}),
    ("unf", {"Document_Событие": {"Тема": 150}, "Document_Событие_Участники": {"Контакт": 100}}),
])
def test_extra_known_lengths(family: str, expected: dict[str, dict[str, int]]) -> None:
    assert Shaper(profile(family)).known_lengths() == expected
