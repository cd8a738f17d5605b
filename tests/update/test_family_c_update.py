"""``events update`` and its verbs on family C (УТ 11 / КА 2 / ERP): what applies to an
interaction is written, a state it cannot hold is refused with what to do instead.

Against ``start_demo("ut11")``; expectations come from raw GETs of the demo's sets.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from demo_http import call

from onec_history.cli.exitcodes import ExitCode
from onec_history.cli.main import main
from onec_history.demo.server import DemoServer, start_demo

Row = dict[str, Any]
CALLS = "Document_ТелефонныйЗвонок"
MEETINGS = "Document_Встреча"
PLANNED = "Document_ЗапланированноеВзаимодействие"
SUBJECTS = "InformationRegister_ПредметыПапкиВзаимодействий"
STATES = "InformationRegister_СостоянияКонтактовВзаимодействий"
FMT = "%Y-%m-%dT%H:%M:%S"


@pytest.fixture
def ut11(isolated: None) -> Iterator[DemoServer]:
    with start_demo("ut11") as srv:
        yield srv


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


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


def live(server: DemoServer, entity_set: str) -> list[Row]:
    return [r for r in raw(server, entity_set) if not r["DeletionMark"]]


def due_of(server: DemoServer, ref: str) -> str:
    [record] = raw(server, f"{SUBJECTS}?$filter=Взаимодействие eq cast(guid'{ref}','{PLANNED}')")
    return str(record["РассмотретьПосле"])


def past_call(server: DemoServer) -> Row:
    return next(r for r in live(server, CALLS) if r["Date"] < f"{datetime.now():{FMT}}")


def test_a_planned_interaction_cannot_be_completed_and_is_rescheduled_in_the_register(
        capsys: pytest.CaptureFixture[str], ut11: DemoServer) -> None:
    planned = live(ut11, PLANNED)[0]
    address = f"ЗапланированноеВзаимодействие {planned['Number']}"
    code, out, err = cli(capsys, "--url", ut11.url, "events", "complete", address)
    assert code == ExitCode.BAD_INPUT, out + err
    assert "no state to complete" in out and "--basis" in out and "Рассмотрено" in out
    assert one(ut11, PLANNED, planned["Ref_Key"])["DataVersion"] == planned["DataVersion"]
    old_due = due_of(ut11, planned["Ref_Key"])
    new_due = (datetime.now() + timedelta(days=7)).replace(hour=11, minute=0, second=0, microsecond=0)
    code, out, err = cli(capsys, "--url", ut11.url, "events", "reschedule", address,
                         "--start", f"{new_due:%d.%m.%Y %H:%M}", "--dry-run")
    assert code == ExitCode.OK and "would change" in out and f"{new_due:%d.%m.%Y %H:%M}" in out, err
    assert due_of(ut11, planned["Ref_Key"]) == old_due
    code, out, err = cli(capsys, "--url", ut11.url, "events", "reschedule", address,
                         "--start", f"{new_due:%d.%m.%Y %H:%M}")
    assert code == ExitCode.OK and "changed" in out, err
    assert due_of(ut11, planned["Ref_Key"]) == f"{new_due:{FMT}}"
    # The due date lives in the register: the document itself was not written.
    assert one(ut11, PLANNED, planned["Ref_Key"])["DataVersion"] == planned["DataVersion"]
    code, out, err = cli(capsys, "--url", ut11.url, "events", "reschedule", address,
                         "--start", f"{new_due:%d.%m.%Y %H:%M}")
    assert code == ExitCode.OK and out.strip().endswith("unchanged"), out + err
    code, out, _ = cli(capsys, "--url", ut11.url, "events", "reschedule", address, "--start",
                       f"{new_due:%d.%m.%Y %H:%M}", "--end", f"{new_due + timedelta(hours=1):%d.%m.%Y %H:%M}")
    assert code == ExitCode.BAD_INPUT and "due at its start" in out


def test_calls_read_as_completed_so_complete_is_unchanged_and_cancel_is_refused(
        capsys: pytest.CaptureFixture[str], ut11: DemoServer) -> None:
    doc = past_call(ut11)
    code, out, err = cli(capsys, "--url", ut11.url, "events", "complete", doc["Ref_Key"])
    assert code == ExitCode.OK and out.strip().endswith("unchanged"), out + err
    code, out, err = cli(capsys, "--url", ut11.url, "events", "cancel", f"{CALLS}(guid'{doc['Ref_Key']}')")
    assert code == ExitCode.BAD_INPUT and "mark-deleted" in out, out + err
    code, out, _ = cli(capsys, "--url", ut11.url, "events", "update", doc["Ref_Key"], "--set", "kind=meeting")
    assert code == ExitCode.BAD_INPUT and "document type" in out
    assert one(ut11, CALLS, doc["Ref_Key"])["DataVersion"] == doc["DataVersion"]


def test_reassign_texts_importance_and_direction_of_a_call(capsys: pytest.CaptureFixture[str],
                                                            ut11: DemoServer) -> None:
    doc = past_call(ut11)
    user = next(u for u in raw(ut11, "Catalog_Пользователи") if u["Ref_Key"] != doc["Ответственный_Key"]
                and u["Description"] != "Администратор")
    code, out, err = cli(capsys, "--url", ut11.url, "events", "reassign", doc["Ref_Key"], "--responsible",
                         user["Description"])
    assert code == ExitCode.OK and "changed" in out, out + err
    after = one(ut11, CALLS, doc["Ref_Key"])
    assert after["Ответственный_Key"] == user["Ref_Key"]
    incoming = not doc["Входящий"]
    code, out, err = cli(capsys, "--url", ut11.url, "events", "update", doc["Ref_Key"],
                         "--set", "subject=Новая тема", "--set", "body=Подробности", "--set", "importance=высокая",
                         "--set", f"direction={'incoming' if incoming else 'outgoing'}")
    assert code == ExitCode.OK, out + err
    after = one(ut11, CALLS, doc["Ref_Key"])
    assert (after["Тема"], after["Описание"], after["Важность"], after["Входящий"]) == (
        "Новая тема", "Подробности", "Высокая", incoming)
    assert ("входящий" if incoming else "исходящий") in out


def test_a_call_is_moved_by_its_date_and_has_no_end(capsys: pytest.CaptureFixture[str], ut11: DemoServer) -> None:
    doc = past_call(ut11)
    moved = datetime.fromisoformat(doc["Date"]) + timedelta(hours=2)
    code, out, err = cli(capsys, "--url", ut11.url, "events", "reschedule", doc["Ref_Key"], "--start",
                         f"{moved:%d.%m.%Y %H:%M}")
    assert code == ExitCode.OK, out + err
    assert one(ut11, CALLS, doc["Ref_Key"])["Date"] == f"{moved.replace(second=0):{FMT}}"
    code, out, _ = cli(capsys, "--url", ut11.url, "events", "reschedule", doc["Ref_Key"], "--start",
                       f"{moved:%d.%m.%Y %H:%M}", "--end", f"{moved + timedelta(minutes=5):%d.%m.%Y %H:%M}")
    assert code == ExitCode.BAD_INPUT and "keeps only its moment" in out


def test_a_meeting_keeps_its_length_when_moved_and_has_no_direction(
        capsys: pytest.CaptureFixture[str], ut11: DemoServer) -> None:
    doc = next(r for r in live(ut11, MEETINGS) if r["ДатаОкончания"] > r["ДатаНачала"])
    start, end = datetime.fromisoformat(doc["ДатаНачала"]), datetime.fromisoformat(doc["ДатаОкончания"])
    new_start = start.replace(second=0) - timedelta(days=1)
    code, out, err = cli(capsys, "--url", ut11.url, "events", "reschedule", f"Встреча {doc['Number']}",
                         "--start", f"{new_start:%d.%m.%Y %H:%M}")
    assert code == ExitCode.OK, out + err
    after = one(ut11, MEETINGS, doc["Ref_Key"])
    assert after["ДатаНачала"] == f"{new_start:{FMT}}"
    assert after["ДатаОкончания"] == f"{new_start + (end - start):{FMT}}"
    code, out, _ = cli(capsys, "--url", ut11.url, "events", "update", doc["Ref_Key"], "--set", "direction=in")
    assert code == ExitCode.BAD_INPUT and "only a call keeps one" in out


def test_a_client_filter_completes_what_holds_and_names_what_cannot(
        capsys: pytest.CaptureFixture[str], ut11: DemoServer) -> None:
    code, out, err = cli(capsys, "--url", ut11.url, "events", "complete", "--counterparty", "7701000001")
    lines = out.splitlines()
    assert code == ExitCode.PARTIAL, out + err
    assert any(line.endswith("unchanged") for line in lines)
    refused = [line for line in lines if "failed" in line]
    assert refused and all("state:" in line for line in refused)


def test_marking_a_call_deleted_keeps_it_in_the_last_contact_date(
        capsys: pytest.CaptureFixture[str], ut11: DemoServer) -> None:
    doc = past_call(ut11)
    def states() -> list[Row]:
        return sorted(raw(ut11, STATES), key=lambda r: (r["Контакт"], r["Контакт_Type"]))

    states_before = states()
    code, out, err = cli(capsys, "--url", ut11.url, "events", "mark-deleted", doc["Ref_Key"])
    assert code == ExitCode.OK, out + err
    assert one(ut11, CALLS, doc["Ref_Key"])["DeletionMark"] is True
    assert states() == states_before  # the БСП counts deletion-marked interactions too


def test_a_bare_number_shared_by_several_interaction_types_is_ambiguous(
        capsys: pytest.CaptureFixture[str], ut11: DemoServer) -> None:
    numbers = {s: {r["Number"] for r in raw(ut11, s)} for s in (CALLS, MEETINGS, PLANNED)}
    shared = sorted(numbers[CALLS] & numbers[MEETINGS])
    assert shared
    code, out, _ = cli(capsys, "--url", ut11.url, "events", "update", shared[0], "--set", "comment=x")
    assert code == ExitCode.BAD_INPUT and "give the type too" in out
