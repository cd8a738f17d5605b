"""Imports against the demo base of both families: bad rows get clear errors, good rows are written."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from onec_history.cli.exitcodes import ExitCode, exit_code_of
from onec_history.create import EventWriter, Status, read_rows
from onec_history.create.batch import Summary
from onec_history.demo.server import DemoServer
from onec_history.errors import BusinessError

SUBJECT = '"Звонок ""Ромашки"": 5 мониторов"'  # quoted, with doubled quotes inside
LONG = "Очень длинная тема " * 12  # 227 characters once stripped: over УТ 10.3's 200 and УНФ's 150

# A corpus of the usual damage: quotes and Cyrillic, blank lines, broken dates, unknown clients,
# an over-long subject, a wrong enum value, and a truncated last line.
CORPUS = f"""external_id;counterparty;kind;direction;state;start;end;subject;body
ok-1;7701000001;ТелефонныйЗвонок;Входящее;Завершено;06.05.2024 10:00;06.05.2024 10:05;{SUBJECT};"Строка 1
строка 2; с точкой с запятой"

ok-2;ООО Ромашка;встреча;out;planned;2024-05-07 15:30;;Встреча в офисе;
bad-date;7701000001;call;in;done;31.02.2024 10:00;;x;
bad-client;ООО Несуществующая;call;in;done;2024-05-06 10:00;;x;
bad-long;7701000001;call;in;done;2024-05-06 11:00;;{LONG};
bad-enum;7701000001;созвон;sideways;done;2024-05-06 12:00;;x;
ok-3;7701000001;email;Исходящее;Завершено;2024-05-08T09:00:00;;КП отправлено;Ссылка: "КП №5"
bad-trunc;7701000001;call;in;done;2024-05-06 1"""


def run(writer: EventWriter, text: str, *, encoding: str = "utf-8", name: str = "in.csv",
        **kw: Any) -> Summary:
    return writer.import_rows(read_rows(name, stream=io.BytesIO(text.encode(encoding))), **kw)


def by_id(summary: Summary) -> dict[str, Any]:
    return {r.external_id or f"line{r.line}": r for r in summary.results}


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_bad_rows_get_clear_errors_while_good_rows_are_created(
        base: DemoServer, writer_for: Callable[..., EventWriter], encoding: str) -> None:
    writer = writer_for(base.url)
    client = writer.client
    before = client.count("Document_Событие")
    summary = run(writer, CORPUS, encoding=encoding)
    r = by_id(summary)
    assert {k: v.status for k, v in r.items()} == {
        "ok-1": Status.CREATED, "ok-2": Status.CREATED, "ok-3": Status.CREATED, "bad-date": Status.FAILED,
        "bad-client": Status.FAILED, "bad-long": Status.FAILED, "bad-enum": Status.FAILED, "bad-trunc": Status.FAILED}
    assert (r["bad-date"].line, r["bad-date"].field) == (6, "start") and "31.02.2024" in r["bad-date"].message
    assert r["bad-client"].field == "counterparty" and "ООО Несуществующая" in r["bad-client"].message
    assert r["bad-long"].field == "subject" and "227 characters" in r["bad-long"].message
    assert r["bad-enum"].field == "kind" and "созвон" in r["bad-enum"].message and "sideways" in r["bad-enum"].message
    assert r["bad-trunc"].line == 11 and "truncated" in r["bad-trunc"].message
    assert exit_code_of(summary.outcome) is ExitCode.PARTIAL
    assert client.count("Document_Событие") == before + 3
    # What 1C holds is what the file said: quotes, line breaks and Cyrillic intact, the client resolved.
    ev = writer.history.get_event(r["ok-1"].ref)
    assert ev.subject == 'Звонок "Ромашки": 5 мониторов'
    assert ev.body is not None and ev.body.startswith("Строка 1\nстрока 2; с точкой с запятой")
    assert ev.counterparty_name == "ООО Ромашка" and ev.kind_raw == "ТелефонныйЗвонок"
    assert ev.state is not None and ev.state.value == "completed" and ev.end is not None
    assert r["ok-1"].ref == str(r["ok-1"].ref).lower() and r["ok-1"].number


def test_rerun_creates_nothing(ut10: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    writer = writer_for(ut10.url)
    first = run(writer, CORPUS)
    count = writer.client.count("Document_Событие")
    second = run(writer, CORPUS)
    assert second.counts()["created"] == 0 and second.counts()["already_present"] == 3
    assert [r.ref for r in second.results if r.ok] == [r.ref for r in first.results if r.ok]
    assert writer.client.count("Document_Событие") == count


def test_rerun_with_a_new_ledger_relies_on_the_base(ut10: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    run(writer_for(ut10.url), CORPUS)
    other = writer_for(ut10.url)  # the ledger is lost: 1C itself refuses the known keys (code 15)
    count = other.client.count("Document_Событие")
    again = run(other, CORPUS)
    assert again.counts()["created"] == 0 and again.counts()["already_present"] == 3
    assert other.client.count("Document_Событие") == count


def test_dry_run_sends_nothing_and_shows_the_bodies(ut10: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    writer = writer_for(ut10.url)
    count = writer.client.count("Document_Событие")
    summary = run(writer, CORPUS, dry_run=True)
    ok = [r for r in summary.results if r.ok]
    assert [r.status for r in ok] == [Status.WOULD_CREATE] * 3
    assert ok[0].body is not None and ok[0].body["Ref_Key"] == ok[0].ref
    assert ok[0].body["Контрагент_Type"] == "StandardODATA.Catalog_Контрагенты"
    assert writer.client.count("Document_Событие") == count
    assert writer.ledger.counts() == {}


def test_fail_fast_sends_nothing_when_a_row_is_invalid(ut10: DemoServer,
                                                       writer_for: Callable[..., EventWriter]) -> None:
    writer = writer_for(ut10.url)
    count = writer.client.count("Document_Событие")
    summary = run(writer, CORPUS, fail_fast=True)
    assert {r.status for r in summary.results} == {Status.FAILED, Status.SKIPPED}
    assert "line 6" in next(r for r in summary.results if r.status is Status.SKIPPED).message
    assert exit_code_of(summary.outcome) is ExitCode.BAD_INPUT
    assert writer.client.count("Document_Событие") == count


def test_exit_codes(ut10: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    writer = writer_for(ut10.url)
    header = CORPUS.splitlines()[0]
    good = "\n".join([header, CORPUS.splitlines()[4]])
    assert exit_code_of(run(writer, good).outcome) is ExitCode.OK
    assert exit_code_of(run(writer, good).outcome) is ExitCode.OK  # already present is success
    bad = "\n".join([header, "x;7701000001;call;in;done;вчера;;x;"])
    assert exit_code_of(run(writer, bad).outcome) is ExitCode.BAD_INPUT
    assert exit_code_of(run(writer, header + "\n\n").outcome) is ExitCode.NOTHING_TO_DO


def test_same_row_twice_in_one_file_is_one_event(ut10: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    writer = writer_for(ut10.url)
    text = ("counterparty,kind,start,subject\n"
            "7701000001,call,2024-05-06 10:00,Тот же звонок\n"
            "7701000001,call,2024-05-06 10:00,  Тот же звонок\n"
            "7701000001,call,2024-05-06 10:01,Другой звонок\n")
    summary = run(writer, text)
    a, b, c = summary.results
    assert (a.status, b.status, c.status) == (Status.CREATED, Status.PRESENT, Status.CREATED)
    assert b.ref == a.ref and "line 2" in b.message
    clash = "external_id,counterparty,kind,start\nA,7701000001,call,2024-05-06\nA,7701000001,call,2024-05-07\n"
    first, second = run(writer, clash).results
    assert first.status is Status.CREATED and second.status is Status.FAILED and second.field == "external_id"


def test_references_in_bulk_responsible_basis_and_names(ut10: DemoServer,
                                                        writer_for: Callable[..., EventWriter]) -> None:
    writer = writer_for(ut10.url)
    basis = next(iter(writer.history.events(limit=1)))
    text = ("counterparty,kind,start,responsible,basis\n"
            f"ООО Ромашка,call,2024-05-06 10:00,Петров,Document_Событие(guid'{basis.ref}')\n"
            f"inn:7701000001,call,2024-05-06 11:00,Петров Сергей Николаевич,{basis.ref}\n"
            "7701000001,call,2024-05-06 12:00,Нетакого,\n")
    a, b, c = run(writer, text).results
    assert a.status is Status.CREATED, a.message
    # a bare reference without basis_type is looked for in the linked document sets (issue 12.10)
    assert b.status is Status.CREATED, b.message
    based = writer.history.get_event(b.ref or "").basis
    assert based is not None and (based.entity_set, based.ref) == ("Document_Событие", basis.ref)
    assert c.status is Status.FAILED and c.field == "responsible" and "Нетакого" in c.message
    ev = writer.history.get_event(a.ref or "")
    assert ev.responsible_name == "Петров Сергей Николаевич"
    assert ev.basis is not None and ev.basis.ref == basis.ref and ev.basis.entity_set == "Document_Событие"


def test_ambiguous_names_list_the_candidates(ut10: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    [r] = run(writer_for(ut10.url), "counterparty,kind,start\nРомашка,call,2024-05-06\n").results
    assert r.error == "ambiguous" and "ООО Ромашка" in r.message and "OOO Ромашка" in r.message


def test_family_b_custom_state_and_caller(unf: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    writer = writer_for(unf.url)
    text = ("counterparty,caller,kind,state,start,subject\n"
            "7701000001,,call,Перенесено клиентом,2024-05-06 10:00,Перенос\n"
            ",Неизвестный +7 900,sms,completed,2024-05-06 11:00,СМС\n")
    a, b = run(writer, text).results
    assert a.status is Status.CREATED and b.status is Status.CREATED, (a.message, b.message)
    ev_a, ev_b = writer.history.get_event(a.ref or ""), writer.history.get_event(b.ref or "")
    assert ev_a.state_raw == "Перенесено клиентом" and ev_a.counterparty_name == "ООО Ромашка"
    assert ev_b.counterparty_text == "Неизвестный +7 900" and ev_b.kind_raw == "СообщениеSMS"


def test_posting_per_row_and_a_refused_post_leaves_the_event(
        ut10: DemoServer, writer_for: Callable[..., EventWriter], monkeypatch: pytest.MonkeyPatch) -> None:
    writer = writer_for(ut10.url)
    text = ("external_id,counterparty,kind,start,post\n"
            "p1,7701000001,call,2024-05-06 10:00,да\n"
            "p2,7701000001,call,2024-05-06 11:00,\n")
    p1, p2 = run(writer, text).results
    assert p1.status is Status.CREATED and p2.status is Status.CREATED
    assert writer.client.get("Document_Событие", p1.ref or "")["Posted"] is True
    assert writer.client.get("Document_Событие", p2.ref or "")["Posted"] is False

    def refuse(entity_set: str, key: object, **kw: object) -> None:
        raise BusinessError("Не удалось провести \"Событие 00000000400\"!", status=500, code="-1")

    monkeypatch.setattr(writer.client, "post_document", refuse)
    [p3] = run_post(writer).results
    assert p3.status is Status.POST_FAILED and p3.ref and "Не удалось провести" in p3.message
    assert writer.client.get("Document_Событие", p3.ref)["Posted"] is False
    monkeypatch.undo()
    [again] = run_post(writer).results  # the re-run only posts: the event is not created twice
    assert again.status is Status.PRESENT and again.ref == p3.ref
    assert writer.client.get("Document_Событие", p3.ref)["Posted"] is True


def run_post(writer: EventWriter) -> Summary:
    return run(writer, "external_id,counterparty,kind,start,post\np3,7701000001,call,2024-05-06 12:00,yes\n")


def test_unposted_family_refuses_post_before_sending(unf: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    [r] = run(writer_for(unf.url), "counterparty,kind,start,post\n7701000001,call,2024-05-06,1\n").results
    assert r.status is Status.FAILED and r.field == "post"


def test_library_create_is_idempotent(ut10: DemoServer, writer_for: Callable[..., EventWriter]) -> None:
    from datetime import datetime

    from onec_history.create import NewEvent
    from onec_history.models import EventKind

    writer = writer_for(ut10.url)
    ev = NewEvent(kind=EventKind.CALL, start=datetime(2024, 5, 6, 10), counterparty="7701000001", subject="API")
    first, second = writer.create(ev), writer.create(ev)
    assert first.status is Status.CREATED and second.status is Status.PRESENT and first.ref == second.ref
