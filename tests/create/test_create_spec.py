"""Rows → logical events: every accepted spelling, every refusal with the column named."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from onec_history.create.spec import (
    NewEvent,
    Vocabulary,
    content_hash,
    identity_of,
    marker_for,
    parse_basis,
    parse_bool,
    parse_datetime_text,
    parse_duration,
    parse_row,
    ref_key_for,
)
from onec_history.models import Direction, EventKind, EventState

VOCAB = Vocabulary.default()
GOOD = {"counterparty": "7701000001", "kind": "call", "start": "2024-05-06 10:00"}


def parse(**values: object) -> tuple[NewEvent | None, dict[str, str]]:
    event, errors = parse_row({**GOOD, **values}, VOCAB)
    return event, {e.field: e.message for e in errors}


@pytest.mark.parametrize("text,kind", [
    ("ТелефонныйЗвонок", EventKind.CALL), ("call", EventKind.CALL), ("Звонок", EventKind.CALL),
    ("телефонный звонок", EventKind.CALL), ("ЛичнаяВстреча", EventKind.MEETING), ("встреча", EventKind.MEETING),
    ("e-mail", EventKind.EMAIL), ("ЭлектронноеПисьмо", EventKind.EMAIL), ("СообщениеSMS", EventKind.SMS),
    ("ПочтовоеПисьмо", EventKind.LETTER), ("Прочее", EventKind.OTHER),
])
def test_kinds_in_1c_names_short_forms_and_russian(text: str, kind: EventKind) -> None:
    event, errors = parse(kind=text)
    assert not errors and event is not None and event.kind is kind


@pytest.mark.parametrize("text,direction", [("Входящее", Direction.INCOMING), ("incoming", Direction.INCOMING),
                                            ("вх", Direction.INCOMING), ("Исходящий", Direction.OUTGOING),
                                            ("OUT", Direction.OUTGOING)])
def test_directions(text: str, direction: Direction) -> None:
    event, _ = parse(direction=text)
    assert event is not None and event.direction is direction


@pytest.mark.parametrize("text,state", [("Завершено", EventState.COMPLETED), ("done", EventState.COMPLETED),
                                        ("завершён", EventState.COMPLETED), ("Запланировано", EventState.PLANNED),
                                        ("cancelled", EventState.CANCELLED), ("отменен", EventState.CANCELLED)])
def test_states(text: str, state: EventState) -> None:
    event, _ = parse(state=text)
    assert event is not None and event.state is state


def test_wrong_enum_values_name_the_column_and_what_is_expected() -> None:
    event, errors = parse(kind="созвон", direction="sideways", state="в работе")
    assert event is None
    assert "созвон" in errors["kind"] and "ТелефонныйЗвонок" in errors["kind"]
    assert "sideways" in errors["direction"] and "incoming" in errors["direction"]
    assert "в работе" in errors["state"]


def test_profile_values_and_custom_catalog_states_are_accepted() -> None:
    vocab = VOCAB.with_profile({EventKind.CALL: "Звонок_Custom"}, {}, {}, ["Перенесено клиентом"])
    event, errors = parse_row({**GOOD, "kind": "звонок_custom", "state": "перенесено клиентом"}, vocab)
    assert not errors and event is not None
    assert event.kind is EventKind.CALL and event.state is None and event.state_name == "Перенесено клиентом"


@pytest.mark.parametrize("text,expected", [
    ("2024-05-06", datetime(2024, 5, 6)), ("2024-05-06 10:07", datetime(2024, 5, 6, 10, 7)),
    ("2024-05-06T10:07:09", datetime(2024, 5, 6, 10, 7, 9)), ("06.05.2024", datetime(2024, 5, 6)),
    ("06.05.2024 10:07", datetime(2024, 5, 6, 10, 7)), ("06.05.2024 10:07:09", datetime(2024, 5, 6, 10, 7, 9)),
    ("06.05.24 10:07", datetime(2024, 5, 6, 10, 7)), ("2024-05-06T10:07:09.123", datetime(2024, 5, 6, 10, 7, 9)),
])
def test_date_formats(text: str, expected: datetime) -> None:
    assert parse_datetime_text(text) == expected


@pytest.mark.parametrize("text", ["31.02.2024", "2024-13-01", "вчера", "06/05/2024", "0024-05-06", "10:00"])
def test_broken_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_datetime_text(text)


def test_dates_with_a_zone_need_the_server_zone() -> None:
    with pytest.raises(ValueError, match="server_timezone"):
        parse_datetime_text("2024-05-06T10:00:00+03:00")
    msk = timezone(timedelta(hours=3))
    assert parse_datetime_text("2024-05-06T07:00:00Z", server_tz=msk) == datetime(2024, 5, 6, 10, 0)


def test_required_fields_and_end_before_start() -> None:
    event, errors = parse_row({}, VOCAB)
    assert event is None and set(errors_by_field(errors)) == {"counterparty", "kind", "start"}
    _, errs = parse(end="2024-05-06 09:00")
    assert "before the start" in errs["end"]
    _, errs = parse(caller="+7 999")
    assert "either" in errs["caller"]


def errors_by_field(errors: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {e.field: e.message for e in errors}


def test_caller_instead_of_counterparty() -> None:
    event, errors = parse_row({"caller": "+7 495 000-00-00", "kind": "call", "start": "2024-05-06"}, VOCAB)
    assert not errors and event is not None and event.caller == "+7 495 000-00-00" and event.counterparty is None


def test_duration_makes_the_end() -> None:
    event, _ = parse(duration="02:30")
    assert event is not None and event.end == datetime(2024, 5, 6, 10, 2, 30)
    assert parse_duration("95") == timedelta(seconds=95)
    assert parse_duration("1:00:05") == timedelta(hours=1, seconds=5)
    for bad in ("-5", "1:75", "abc"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    _, errs = parse(duration="60", end="2024-05-06 10:01")
    assert "either end or duration" in errs["duration"]


def test_post_flag_and_defaults() -> None:
    assert parse_bool("да") and parse_bool("TRUE") and not parse_bool("") and not parse_bool("нет")
    with pytest.raises(ValueError):
        parse_bool("maybe")
    event, _ = parse_row({"counterparty": "x", "start": "2024-05-06"}, VOCAB, defaults={"kind": "call", "post": "1"})
    assert event is not None and event.kind is EventKind.CALL and event.post
    # A row's own value wins over the default.
    event, _ = parse_row({**GOOD, "post": "no"}, VOCAB, defaults={"post": "yes"})
    assert event is not None and not event.post


def test_basis_forms() -> None:
    ref = "0a1b2c3d-0000-4000-8000-000000000001"
    for text in (f"Document_ЗаказПокупателя(guid'{ref}')", f"Document_ЗаказПокупателя({ref})"):
        b = parse_basis(text)
        assert (b.entity_set, b.ref) == ("Document_ЗаказПокупателя", ref)
    assert parse_basis(ref, "ЗаказПокупателя").entity_set == "Document_ЗаказПокупателя"
    assert parse_basis(ref.upper(), "StandardODATA.Document_Событие").ref == ref
    with pytest.raises(ValueError, match="basis_type"):
        parse_basis(ref)
    with pytest.raises(ValueError):
        parse_basis("Заказ 15 от вчера")


def test_control_characters_and_json_values_are_refused() -> None:
    _, errs = parse(subject="a\x00b")
    assert "control" in errs["subject"]
    _, errs = parse(body={"a": 1})
    assert "text" in errs["body"]
    event, errs = parse(external_id=17.0)
    assert not errs and event is not None and event.external_id == "17"


def test_identity_is_stable_and_independent_of_the_base() -> None:
    a, _ = parse(subject="Звонок", external_id=None)
    b, _ = parse(subject="  Звонок  ", post="yes")
    assert a is not None and b is not None
    # Same content (whitespace and posting aside): same identity, same key, on any base.
    assert content_hash(a) == content_hash(b)
    key = ref_key_for(identity_of(a, content_hash(a)))
    assert key == ref_key_for(identity_of(b, content_hash(b)))
    c, _ = parse(subject="Другой звонок")
    assert c is not None and content_hash(c) != content_hash(a)
    # References count by what they resolved to, not by how they were written.
    d, _ = parse(counterparty="ООО Ромашка", subject="Звонок")
    assert d is not None
    ref = "cd6880ea-576f-5240-84c4-8175c4989237"
    assert content_hash(a, {"counterparty": ref}) == content_hash(d, {"counterparty": ref})


def test_external_id_identity_and_namespace() -> None:
    a, _ = parse(external_id="42", subject="x")
    b, _ = parse(external_id="42", subject="y")
    assert a is not None and b is not None
    assert identity_of(a, content_hash(a)) == identity_of(b, content_hash(b)) == "ext::42"
    assert ref_key_for(identity_of(a, "", namespace="pbx")) != ref_key_for(identity_of(a, ""))
    assert marker_for(ref_key_for("ext::42")) == f"[onec-history:{ref_key_for('ext::42')}]"
