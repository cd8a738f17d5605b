"""Family C (УТ 11 / КА 2 / ERP): ``events create`` and ``events import`` write interactions.

Against ``start_demo("ut11")``: every expectation is read from the demo's raw rows (plain GETs of
the sets through demo_http), never with the code under test.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from demo_http import call

from onec_history.cli.exitcodes import ExitCode, exit_code_of
from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.create import EventWriter, NewEvent, Status, read_rows
from onec_history.create.batch import Summary
from onec_history.demo.server import DemoServer, start_demo
from onec_history.metadata import Metadata
from onec_history.models import Direction, DocumentRef, EventKind, EventState

Row = dict[str, Any]
CALLS = "Document_ТелефонныйЗвонок"
MEETINGS = "Document_Встреча"
PLANNED = "Document_ЗапланированноеВзаимодействие"
PARTNERS = "Catalog_Партнеры"
PERSONS = "Catalog_КонтактныеЛицаПартнеров"
STRINGS = "Catalog_СтроковыеКонтактыВзаимодействий"
CONTACTS = "InformationRegister_КонтактыВзаимодействий"
SUBJECTS = "InformationRegister_ПредметыПапкиВзаимодействий"
STATES = "InformationRegister_СостоянияКонтактовВзаимодействий"
EMPTY = "00000000-0000-0000-0000-000000000000"
ROMASHKA_INN = "7701000001"


@pytest.fixture()
def ut11() -> Iterator[DemoServer]:
    with start_demo("ut11") as srv:
        yield srv


# -- raw reads: what the demo holds, without onec-history ------------------------------------------
def raw(server: DemoServer, path: str) -> list[Row]:
    sep = "&" if "?" in path else "?"
    reply = call(server, "GET", f"{path}{sep}$format=json")
    assert reply.status == 200, reply.text
    value: list[Row] = reply.json["value"]
    return value


def one(server: DemoServer, entity_set: str, ref: str) -> Row:
    reply = call(server, "GET", f"{entity_set}(guid'{ref}')?$format=json")
    assert reply.status == 200, reply.text
    row: Row = reply.json
    return row


def of_interaction(server: DemoServer, register: str, entity_set: str, ref: str) -> list[Row]:
    return raw(server, f"{register}?$filter=Взаимодействие eq cast(guid'{ref}','{entity_set}')")


def romashka(server: DemoServer) -> tuple[Row, Row, list[Row]]:
    """ООО Ромашка's counterparty row, its partner's row and the partner's contact persons, raw."""
    cp = next(r for r in raw(server, "Catalog_Контрагенты") if r["ИНН"] == ROMASHKA_INN)
    partner = one(server, PARTNERS, cp["Партнер_Key"])
    persons = [r for r in raw(server, PERSONS) if r["Owner_Key"] == partner["Ref_Key"]]
    return cp, partner, persons


def state_of(server: DemoServer, ref: str, entity_set: str) -> Row | None:
    rows = raw(server, f"{STATES}?$filter=Контакт eq cast(guid'{ref}','{entity_set}')")
    return rows[0] if rows else None


def ago(days: float) -> datetime:
    return (datetime.now() - timedelta(days=days)).replace(microsecond=0)


def run(writer: EventWriter, text: str, *, name: str = "in.csv", **kw: Any) -> Summary:
    return writer.import_rows(read_rows(name, stream=io.BytesIO(text.encode())), **kw)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- one interaction --------------------------------------------------------------------------------
def test_a_call_to_a_counterparty_names_its_partner(ut11: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    cp, partner, _ = romashka(ut11)
    before = state_of(ut11, partner["Ref_Key"], PARTNERS)
    start = ago(2)
    result = writer_for(ut11.url).create(NewEvent(kind=EventKind.CALL, start=start, counterparty=cp["Description"],
                                                  direction=Direction.INCOMING, subject="Мониторы: счёт",
                                                  body="Просит счёт на 5 мониторов"))
    assert result.status is Status.CREATED and result.entity_set == CALLS, result.message
    doc = one(ut11, CALLS, result.ref or "")
    assert doc["АбонентКонтакт"] == partner["Ref_Key"]
    assert doc["АбонентКонтакт_Type"] == f"StandardODATA.{PARTNERS}"
    assert doc["АбонентПредставление"] == partner["Description"]
    assert doc["Входящий"] is True and doc["Тема"] == "Мониторы: счёт" and doc["Описание"].startswith("Просит")
    assert doc["Date"] == start.strftime("%Y-%m-%dT%H:%M:%S") and doc["Posted"] is False
    assert f"[onec-history:{result.ref}]" in doc["Комментарий"]  # the marker, for bases that ignore our key
    # The demo's write handlers, as 1C's: the contact, the subject (the call itself), the last contact.
    contacts = of_interaction(ut11, CONTACTS, CALLS, doc["Ref_Key"])
    assert [(r["Контакт"], r["Контакт_Type"]) for r in contacts] == [(partner["Ref_Key"], f"StandardODATA.{PARTNERS}")]
    subject = of_interaction(ut11, SUBJECTS, CALLS, doc["Ref_Key"])
    assert [(r["Предмет"], r["Рассмотрено"]) for r in subject] == [(doc["Ref_Key"], False)]
    after = state_of(ut11, partner["Ref_Key"], PARTNERS)
    assert after is not None and after["ДатаПоследнегоВзаимодействия"] == max(
        doc["Date"], before["ДатаПоследнегоВзаимодействия"] if before else "")
    assert after["КоличествоНеРассмотрено"] == (before["КоличествоНеРассмотрено"] if before else 0) + 1


def test_a_call_to_one_of_the_partners_contact_persons(
        ut11: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    cp, partner, persons = romashka(ut11)
    person = next(p for p in persons if p["Description"].startswith("Сидоров"))
    writer = writer_for(ut11.url)
    by_prefix = writer.create(NewEvent(kind=EventKind.CALL, start=ago(3), counterparty=ROMASHKA_INN,
                                       contact="сидоров", subject="Уточнение"))
    assert by_prefix.status is Status.CREATED, by_prefix.message
    doc = one(ut11, CALLS, by_prefix.ref or "")
    assert (doc["АбонентКонтакт"], doc["АбонентКонтакт_Type"]) == (person["Ref_Key"], f"StandardODATA.{PERSONS}")
    assert doc["АбонентПредставление"] == person["Description"]
    contacts = of_interaction(ut11, CONTACTS, CALLS, doc["Ref_Key"])
    assert [r["Контакт"] for r in contacts] == [person["Ref_Key"]]
    # Somebody the partner does not have is an error naming the ones it has; nothing is written.
    count = len(raw(ut11, CALLS))
    wrong = writer.create(NewEvent(kind=EventKind.CALL, start=ago(3), counterparty=ROMASHKA_INN,
                                   contact="Незнакомцев", subject="x"))
    assert wrong.status is Status.FAILED and wrong.field == "contact"
    assert "Незнакомцев" in wrong.message and person["Description"] in wrong.message
    assert exit_code_of(outcome(wrong)) is ExitCode.NOT_PUBLISHED
    assert len(raw(ut11, CALLS)) == count
    assert partner["Ref_Key"] == cp["Партнер_Key"]


def outcome(result: Any) -> Any:
    from onec_history.create import outcome_of

    return outcome_of(result)


def test_an_unknown_caller_is_the_text_and_1c_files_it_as_a_string_contact(
        ut11: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    caller = "+7 (916) 000-11-22"
    assert not [r for r in raw(ut11, STRINGS) if r["Description"] == caller]
    writer = writer_for(ut11.url)
    first = writer.create(NewEvent(kind=EventKind.CALL, start=ago(1), caller=caller, direction=Direction.INCOMING,
                                   subject="Кто-то звонил"))
    second = writer.create(NewEvent(kind=EventKind.CALL, start=ago(0.5), caller=caller, subject="Снова он"))
    assert first.status is Status.CREATED and second.status is Status.CREATED, (first.message, second.message)
    doc = one(ut11, CALLS, first.ref or "")
    # As 1C's own code writes one: no contact on the document, the text and the number on it.
    assert doc["АбонентКонтакт_Type"] == "StandardODATA.Undefined" and not doc["АбонентКонтакт"]
    assert doc["АбонентПредставление"] == caller and doc["АбонентКакСвязаться"] == caller
    # The document's ПриЗаписи files the text as a СтроковыеКонтактыВзаимодействий item, once.
    items = [r for r in raw(ut11, STRINGS) if r["Description"] == caller]
    assert len(items) == 1
    for ref in (first.ref, second.ref):
        contacts = of_interaction(ut11, CONTACTS, CALLS, ref or "")
        assert [(r["Контакт"], r["Контакт_Type"]) for r in contacts] == [
            (items[0]["Ref_Key"], f"StandardODATA.{STRINGS}")]
    # The tool reads it back as that caller.
    from create_helpers import make_history

    assert make_history(ut11.url).get_event(f"{CALLS}(guid'{first.ref}')").who == caller


def test_phone_numbers_find_the_partner_its_person_or_nobody(
        capsys: pytest.CaptureFixture[str], ut11: DemoServer) -> None:
    _, partner, persons = romashka(ut11)
    phone = next(r["Представление"] for r in raw(ut11, f"{PARTNERS}_КонтактнаяИнформация")
                 if r["Ref_Key"] == partner["Ref_Key"] and r["Тип"] == "Телефон")
    code, out, err = cli(capsys, "--url", ut11.url, "-q", "events", "create", "--kind", "call", "--phone", phone,
                         "--direction", "incoming", "--start", f"{ago(1):%Y-%m-%d %H:%M}", "--subject", "По номеру")
    assert code == ExitCode.OK, err
    doc = one(ut11, CALLS, out.strip())
    assert doc["АбонентКонтакт"] == partner["Ref_Key"] and doc["АбонентКакСвязаться"] == phone
    person = persons[0]
    person_phone = next((r["Представление"] for r in raw(ut11, f"{PERSONS}_КонтактнаяИнформация")
                         if r["Ref_Key"] == person["Ref_Key"] and r["Тип"] == "Телефон"), None)
    if person_phone is not None:
        code, out, err = cli(capsys, "--url", ut11.url, "-q", "events", "create", "--kind", "call", "--phone",
                             person_phone, "--start", f"{ago(1):%Y-%m-%d %H:%M}", "--subject", "С мобильного")
        assert code == ExitCode.OK, err
        doc = one(ut11, CALLS, out.strip())
        assert (doc["АбонентКонтакт"], doc["АбонентКонтакт_Type"]) == (person["Ref_Key"], f"StandardODATA.{PERSONS}")
    code, out, err = cli(capsys, "--url", ut11.url, "-q", "events", "create", "--kind", "call", "--phone",
                         "+7 (999) 000-00-01", "--start", f"{ago(1):%Y-%m-%d %H:%M}", "--subject", "Кто?")
    assert code == ExitCode.OK, err
    doc = one(ut11, CALLS, out.strip())
    assert doc["АбонентПредставление"] == "+7 (999) 000-00-01" and doc["АбонентКонтакт_Type"].endswith("Undefined")


def test_a_meeting_holds_its_participant_row(ut11: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    _, partner, _ = romashka(ut11)
    start = ago(4)
    writer = writer_for(ut11.url)
    result = writer.create(NewEvent(kind=EventKind.MEETING, start=start, counterparty=ROMASHKA_INN,
                                    subject="Встреча в офисе", state=EventState.COMPLETED))
    assert result.status is Status.CREATED and result.entity_set == MEETINGS, result.message
    doc = one(ut11, MEETINGS, result.ref or "")
    assert doc["ДатаНачала"] == start.strftime("%Y-%m-%dT%H:%M:%S")
    assert doc["ДатаОкончания"] == (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S")  # the БСП's default
    rows = raw(ut11, f"{MEETINGS}_Участники?$filter=Ref_Key eq guid'{result.ref}'")
    assert [(r["Контакт"], r["Контакт_Type"], r["ПредставлениеКонтакта"]) for r in rows] == [
        (partner["Ref_Key"], f"StandardODATA.{PARTNERS}", partner["Description"])]
    assert doc["СписокУчастников"] == partner["Description"]
    assert [r["Контакт"] for r in of_interaction(ut11, CONTACTS, MEETINGS, doc["Ref_Key"])] == [partner["Ref_Key"]]
    # With an end, the end; the direction and a cancelled state are refused: a meeting keeps neither.
    held = writer.create(NewEvent(kind=EventKind.MEETING, start=start, end=start + timedelta(hours=2),
                                  counterparty=ROMASHKA_INN, contact="Сидоров Павел Петрович", subject="Долгая"))
    assert one(ut11, MEETINGS, held.ref or "")["ДатаОкончания"] == (start + timedelta(hours=2)).strftime(
        "%Y-%m-%dT%H:%M:%S")
    bad = writer.create(NewEvent(kind=EventKind.MEETING, start=start, counterparty=ROMASHKA_INN,
                                 direction=Direction.OUTGOING, state=EventState.CANCELLED))
    assert bad.status is Status.FAILED and "direction" in bad.message and "cancelled" in bad.message


def test_a_planned_interaction_is_due_in_the_subject_register(
        ut11: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    _, partner, _ = romashka(ut11)
    due = (datetime.now() + timedelta(days=10)).replace(second=0, microsecond=0)
    writer = writer_for(ut11.url)
    result = writer.create(NewEvent(kind=EventKind.PLANNED, start=due, counterparty=ROMASHKA_INN,
                                    subject="Перезвонить по счёту"))
    assert result.status is Status.CREATED and result.entity_set == PLANNED, result.message
    doc = one(ut11, PLANNED, result.ref or "")
    assert doc["Date"] != due.strftime("%Y-%m-%dT%H:%M:%S")  # its date is when it was written («Создано»)
    [record] = of_interaction(ut11, SUBJECTS, PLANNED, doc["Ref_Key"])
    assert record["РассмотретьПосле"] == due.strftime("%Y-%m-%dT%H:%M:%S") and record["Рассмотрено"] is False
    assert record["Предмет"] == doc["Ref_Key"]
    rows = raw(ut11, f"{PLANNED}_Участники?$filter=Ref_Key eq guid'{result.ref}'")
    assert [r["Контакт"] for r in rows] == [partner["Ref_Key"]]
    # Again: already present, the record as it was (read, not written twice).
    again = writer.create(NewEvent(kind=EventKind.PLANNED, start=due, counterparty=ROMASHKA_INN,
                                   subject="Перезвонить по счёту"))
    assert again.status is Status.PRESENT and len(of_interaction(ut11, SUBJECTS, PLANNED, doc["Ref_Key"])) == 1


def test_without_a_form_the_client_writes_the_subject_record_itself(
        ut11: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    """The dump writes ПредметыПапкиВзаимодействий from the interaction's form: a base written over
    OData has no record until the client posts one — with the basis's subject (here: the deal)."""
    assert ut11.service.interactions is not None
    ut11.service.interactions.subjects = False
    deal_call = next(r for r in raw(ut11, SUBJECTS) if r["Предмет_Type"] == "StandardODATA.Catalog_СделкиСКлиентами"
                     and r["Взаимодействие_Type"] == f"StandardODATA.{CALLS}")
    due = (datetime.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    result = writer_for(ut11.url).create(NewEvent(
        kind=EventKind.PLANNED, start=due, counterparty=ROMASHKA_INN, subject="Следующий шаг по сделке",
        basis=DocumentRef(entity_set=CALLS, ref=deal_call["Взаимодействие"])))
    assert result.status is Status.CREATED, result.message
    [record] = of_interaction(ut11, SUBJECTS, PLANNED, result.ref or "")
    assert (record["Предмет"], record["Предмет_Type"]) == (deal_call["Предмет"], deal_call["Предмет_Type"])
    assert record["РассмотретьПосле"] == due.strftime("%Y-%m-%dT%H:%M:%S") and record["Рассмотрено"] is False
    # The call itself, written with no form: no record (the client writes one only for a due date).
    call_result = writer_for(ut11.url).create(NewEvent(kind=EventKind.CALL, start=ago(1), counterparty=ROMASHKA_INN,
                                                       subject="Без формы"))
    assert of_interaction(ut11, SUBJECTS, CALLS, call_result.ref or "") == []


def test_a_lost_register_write_is_finished_by_the_rerun(
        ut11: DemoServer, writer_for: Callable[..., EventWriter], tmp_path: Path) -> None:
    ut11.service.interactions.subjects = False  # type: ignore[union-attr]
    due = (datetime.now() + timedelta(days=5)).replace(second=0, microsecond=0)
    text = f"external_id;counterparty;kind;start;subject\np-1;{ROMASHKA_INN};planned;{due:%Y-%m-%d %H:%M};План\n"
    writer = writer_for(ut11.url, tmp_path / "ledger.sqlite")
    original = writer.client.create

    def refuse_registers(entity_set: str, body: Mapping[str, Any], *, idempotent: bool = False) -> dict[str, Any]:
        if entity_set == SUBJECTS:
            from onec_history.errors import BusinessError

            raise BusinessError("Нет прав на запись регистра", status=403, code="-1")
        return original(entity_set, body, idempotent=idempotent)

    writer.client.create = refuse_registers  # type: ignore[method-assign]
    first = run(writer, text)
    [row] = first.results
    assert row.status is Status.POST_FAILED and row.error == "after_write" and "РассмотретьПосле" in row.message
    assert exit_code_of(first.outcome) is ExitCode.PARTIAL
    assert of_interaction(ut11, SUBJECTS, PLANNED, row.ref or "") == []
    writer.client.create = original  # type: ignore[method-assign]
    second = run(writer, text)
    assert second.results[0].status is Status.PRESENT, second.results[0].message
    [record] = of_interaction(ut11, SUBJECTS, PLANNED, row.ref or "")
    assert record["РассмотретьПосле"] == due.strftime("%Y-%m-%dT%H:%M:%S")
    assert len([r for r in raw(ut11, PLANNED) if r["Тема"] == "План"]) == 1


# -- imports: exactly once per document set ----------------------------------------------------------
TODAY = datetime.now().replace(hour=12, minute=0, second=0, microsecond=0)
"""The file's moments, the same in every run of it (a row's start is what finds it by its marker)."""


def mixed_csv(n: int) -> str:
    """``n`` rows of each kind family C writes, each with an external_id."""
    lines = ["external_id;counterparty;contact;kind;direction;start;subject"]
    for i in range(n):
        when = TODAY - timedelta(days=20 - i, minutes=i)
        lines.append(f"c-{i};{ROMASHKA_INN};;call;{'incoming' if i % 2 else 'outgoing'};{when:%Y-%m-%d %H:%M:%S};"
                     f"Импорт звонок {i}")
        lines.append(f"m-{i};{ROMASHKA_INN};Сидоров;meeting;;{when:%Y-%m-%d %H:%M:%S};Импорт встреча {i}")
        lines.append(f"p-{i};{ROMASHKA_INN};;planned;;{TODAY + timedelta(days=i + 1):%Y-%m-%d %H:%M:00};"
                     f"Импорт план {i}")
    return "\n".join(lines) + "\n"


def imported(server: DemoServer) -> dict[str, list[Row]]:
    return {s: [r for r in raw(server, s) if str(r["Тема"]).startswith("Импорт ")] for s in (CALLS, MEETINGS, PLANNED)}


def test_an_import_twice_creates_each_interaction_once(
        ut11: DemoServer, writer_for: Callable[..., EventWriter], tmp_path: Path) -> None:
    writer = writer_for(ut11.url, tmp_path / "ledger.sqlite", jobs=3)
    first = run(writer, mixed_csv(4))
    assert first.counts()["created"] == 12, [r.message for r in first.results if not r.ok]
    assert {r.entity_set for r in first.results} == {CALLS, MEETINGS, PLANNED}
    docs = imported(ut11)
    assert {s: len(v) for s, v in docs.items()} == {CALLS: 4, MEETINGS: 4, PLANNED: 4}
    # Our keys were kept: every document carries its row's deterministic key.
    assert {r["Ref_Key"] for v in docs.values() for r in v} == {r.ref for r in first.results}
    second = run(writer, mixed_csv(4))
    assert second.counts()["already_present"] == 12 and exit_code_of(second.outcome) is ExitCode.OK
    assert {s: len(v) for s, v in imported(ut11).items()} == {CALLS: 4, MEETINGS: 4, PLANNED: 4}
    for r in docs[PLANNED]:
        assert len(of_interaction(ut11, SUBJECTS, PLANNED, r["Ref_Key"])) == 1


def test_a_jsonl_import_with_a_lost_ledger_finds_what_was_written(
        ut11: DemoServer, writer_for: Callable[..., EventWriter], tmp_path: Path) -> None:
    rows = [{"external_id": f"j-{i}", "counterparty": ROMASHKA_INN, "kind": "звонок", "direction": "вход",
             "start": f"{TODAY - timedelta(days=9 - i):%Y-%m-%dT%H:%M:%S}", "subject": f"Импорт jsonl {i}"}
            for i in range(5)]
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    first = run(writer_for(ut11.url, tmp_path / "a.sqlite"), text, name="calls.jsonl")
    assert first.counts()["created"] == 5
    lost = run(writer_for(ut11.url, tmp_path / "b.sqlite"), text, name="calls.jsonl")
    assert lost.counts()["already_present"] == 5, [r.message for r in lost.results]
    assert all("earlier run" in r.message for r in lost.results)
    assert len(imported(ut11)[CALLS]) == 5


class KeylessClient(Client):
    """A base that assigns its own keys whatever the client sends: found again by the markers."""

    def create(self, entity_set: str, body: Mapping[str, Any], *, idempotent: bool = False) -> dict[str, Any]:
        return super().create(entity_set, {k: v for k, v in body.items() if k != "Ref_Key"}, idempotent=idempotent)


def keyless_writer(server: DemoServer, ledger: Path) -> EventWriter:
    from create_helpers import make_history

    from onec_history.create import Ledger

    history = make_history(server.url)
    history.client.__class__ = KeylessClient
    return EventWriter(history, Ledger(ledger, server.url), backoff=0.005, max_backoff=0.02)


def test_on_a_base_that_ignores_keys_a_lost_ledger_rerun_writes_no_duplicates(
        ut11: DemoServer, tmp_path: Path) -> None:
    writer = keyless_writer(ut11, tmp_path / "a.sqlite")
    first = run(writer, mixed_csv(3))
    assert first.counts()["created"] == 9, [r.message for r in first.results if not r.ok]
    assert writer.ledger.honours_keys() is False  # learnt from the first answer
    assert {r["Ref_Key"] for v in imported(ut11).values() for r in v} == {r.ref for r in first.results}
    # A fresh ledger: calls found by their date, meetings by their start, planned ones by their
    # participants — each by the marker in its comment.
    again = run(keyless_writer(ut11, tmp_path / "b.sqlite"), mixed_csv(3))
    assert again.counts()["already_present"] == 9, [(r.line, r.message) for r in again.results if not r.ok]
    assert {s: len(v) for s, v in imported(ut11).items()} == {CALLS: 3, MEETINGS: 3, PLANNED: 3}


# -- what family C cannot write ----------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["email", "sms"])
def test_emails_and_sms_are_refused_with_the_reason(
        capsys: pytest.CaptureFixture[str], ut11: DemoServer, kind: str) -> None:
    before = {s: len(raw(ut11, s)) for s in ("Document_ЭлектронноеПисьмоИсходящее", "Document_СообщениеSMS")}
    code, out, err = cli(capsys, "--url", ut11.url, "events", "create", "--kind", kind, "--counterparty",
                         ROMASHKA_INN, "--start", f"{ago(1):%Y-%m-%d %H:%M}")
    assert code == ExitCode.BAD_INPUT and out == ""
    assert "mail" in err and "calls, meetings and planned interactions" in err
    assert {s: len(raw(ut11, s)) for s in before} == before


def test_states_family_c_cannot_hold_are_refused_not_faked(
        ut11: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    writer = writer_for(ut11.url)
    cases = {
        "planned call": NewEvent(kind=EventKind.CALL, start=ago(1), counterparty=ROMASHKA_INN,
                                 state=EventState.PLANNED),
        "done plan": NewEvent(kind=EventKind.PLANNED, start=ago(-3), counterparty=ROMASHKA_INN,
                              state=EventState.COMPLETED),
        "cancelled call": NewEvent(kind=EventKind.CALL, start=ago(1), counterparty=ROMASHKA_INN,
                                   state=EventState.CANCELLED),
        "posted call": NewEvent(kind=EventKind.CALL, start=ago(1), counterparty=ROMASHKA_INN, post=True),
        "call with an end": NewEvent(kind=EventKind.CALL, start=ago(1), end=ago(0.9), counterparty=ROMASHKA_INN),
    }
    messages = {name: writer.create(ev) for name, ev in cases.items()}
    assert all(r.status is Status.FAILED and r.error == "invalid" for r in messages.values())
    assert "--kind planned" in messages["planned call"].message
    assert "basis" in messages["done plan"].message and "Рассмотрено" in messages["done plan"].message
    assert "mark" in messages["cancelled call"].message
    assert "Posting" in messages["posted call"].message
    assert "end" in messages["call with an end"].message
    # What the document reads as is accepted: a call is completed, a plan is planned.
    ok = writer.create(NewEvent(kind=EventKind.CALL, start=ago(1), counterparty=ROMASHKA_INN,
                                state=EventState.COMPLETED, subject="Состоялся"))
    assert ok.status is Status.CREATED


class WithoutSets(Client):
    """A base that publishes neither ЗапланированноеВзаимодействие nor the subject register."""

    hidden: tuple[str, ...] = ()

    def metadata(self, *, refresh: bool = False) -> Metadata:
        md = super().metadata(refresh=refresh)
        return Metadata(md.namespace, md.container, {k: v for k, v in md.sets.items() if k not in self.hidden},
                        md.enums)


@pytest.mark.parametrize(("hidden", "field", "code"), [
    ((PLANNED, f"{PLANNED}_Участники"), "kind", Status.FAILED),
    ((SUBJECTS,), "start", Status.FAILED),
])
def test_a_set_this_base_does_not_publish_is_named(ut11: DemoServer, hidden: tuple[str, ...], field: str,
                                                   code: Status) -> None:
    from create_helpers import make_history

    from onec_history.create import Ledger

    history = make_history(ut11.url)
    history.client.__class__ = WithoutSets
    history.client.hidden = hidden  # type: ignore[attr-defined]
    writer = EventWriter(history, Ledger(":memory:", ut11.url))
    result = writer.create(NewEvent(kind=EventKind.PLANNED, start=ago(-2), counterparty=ROMASHKA_INN))
    assert result.status is code and result.field == field and hidden[0] in result.message
    expected = ExitCode.NOT_PUBLISHED if field == "kind" else ExitCode.BAD_INPUT
    assert exit_code_of(outcome(result)) is expected
    # A call still goes.
    assert writer.create(NewEvent(kind=EventKind.CALL, start=ago(1), counterparty=ROMASHKA_INN)).ok


def test_create_on_family_c_from_the_command_line(capsys: pytest.CaptureFixture[str], ut11: DemoServer) -> None:
    args = ("--url", ut11.url, "events", "create", "--kind", "call", "--counterparty", "ООО Ромашка",
            "--contact", "Сидоров", "--direction", "исходящий", "--start", f"{ago(2):%d.%m.%Y %H:%M}",
            "--subject", "Из командной строки")
    code, out, err = cli(capsys, *args)
    assert code == ExitCode.OK, err
    ref = out.strip()
    assert f"Created: {CALLS}" in err
    code, out, err = cli(capsys, *args)
    assert code == ExitCode.OK and out.strip() == ref and f"Already present: {CALLS}" in err
    assert one(ut11, CALLS, ref)["Входящий"] is False
    # A dry run of a planned interaction says where its due date goes.
    code, out, err = cli(capsys, "--url", ut11.url, "events", "create", "--kind", "planned", "--counterparty",
                         ROMASHKA_INN, "--start", f"{ago(-5):%Y-%m-%d %H:%M}", "--dry-run", "--format", "json")
    assert code == ExitCode.OK, err
    shown = json.loads(out)
    assert "РассмотретьПосле" in shown["message"] and "Участники" in shown["body"]


# -- a customised base: АбонентКонтакт as a single reference -----------------------------------------
def customised_base() -> DemoServer:
    """The ut11 schema with the call's АбонентКонтакт a single reference to Партнеры (as a real
    customised УТ 11 publishes it), a partner, its counterparty and its contact person."""
    from dataclasses import replace as dc_replace

    from onec_history.demo.builder import Builder
    from onec_history.demo.family_ut11 import ut11_schema
    from onec_history.demo.schema import Column, Navigation, Schema, Table
    from onec_history.demo.server import DemoServer as Server

    schema = ut11_schema()
    call_table = schema.tables[CALLS]
    columns = {k: v for k, v in call_table.columns.items() if k not in ("АбонентКонтакт", "АбонентКонтакт_Type")}
    columns["АбонентКонтакт_Key"] = Column("АбонентКонтакт_Key", "Edm.Guid")
    navigations = {**call_table.navigations,
                   "АбонентКонтакт": Navigation("АбонентКонтакт", "АбонентКонтакт_Key", PARTNERS)}
    tables: dict[str, Table] = {**schema.tables, CALLS: dc_replace(call_table, columns=columns,
                                                                   navigations=navigations)}
    builder = Builder("custom", Schema(tables, schema.enums))
    partner = builder.add(PARTNERS, 1, Description="ООО Ромашка", Code="НФ-00000001")
    builder.add("Catalog_Контрагенты", 1, Description="ООО Ромашка", ИНН=ROMASHKA_INN, Партнер_Key=partner)
    builder.add(PERSONS, 1, Description="Сидоров Павел Петрович", Owner_Key=partner)
    return Server(builder.write()).start()


def test_a_customised_single_reference_contact_is_written_as_its_key(
        writer_for: Callable[..., EventWriter]) -> None:
    srv = customised_base()
    try:
        partner = raw(srv, PARTNERS)[0]
        writer = writer_for(srv.url)
        result = writer.create(NewEvent(kind=EventKind.CALL, start=ago(1), counterparty=ROMASHKA_INN,
                                        subject="Одна ссылка"))
        assert result.status is Status.CREATED, result.message
        doc = one(srv, CALLS, result.ref or "")
        assert doc["АбонентКонтакт_Key"] == partner["Ref_Key"] and "АбонентКонтакт_Type" not in doc
        # The partner's code names it too (УТ 11 keeps codes on partners, not on counterparties).
        by_code = writer.create(NewEvent(kind=EventKind.CALL, start=ago(2), counterparty="НФ-00000001"))
        assert by_code.ok and one(srv, CALLS, by_code.ref or "")["АбонентКонтакт_Key"] == partner["Ref_Key"]
        # A contact person cannot go where only a partner fits: said, not written.
        person = writer.create(NewEvent(kind=EventKind.CALL, start=ago(1), counterparty=ROMASHKA_INN,
                                        contact="Сидоров"))
        assert person.status is Status.FAILED and person.field == "contact" and PARTNERS in person.message
        # An unregistered caller is the text, the key left empty.
        text = writer.create(NewEvent(kind=EventKind.CALL, start=ago(1), caller="Иван из рекламы"))
        doc = one(srv, CALLS, text.ref or "")
        assert doc["АбонентКонтакт_Key"] == EMPTY and doc["АбонентПредставление"] == "Иван из рекламы"
    finally:
        srv.stop()


def test_family_a_is_told_that_contact_is_for_creating_interactions(
        writer_for: Callable[..., EventWriter]) -> None:
    with start_demo("ut10") as srv:
        result = writer_for(srv.url).create(NewEvent(kind=EventKind.CALL, start=ago(1), counterparty=ROMASHKA_INN,
                                                     contact="Сидоров"))
        assert result.status is Status.FAILED and result.field == "contact" and "events update" in result.message

