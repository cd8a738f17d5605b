"""Every field a change can set, what each refuses, and the failures a write can meet."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from create_helpers import make_history

from onec_history import query as q
from onec_history.client import Client
from onec_history.create.spec import Vocabulary
from onec_history.demo.server import Faults, start_demo
from onec_history.errors import BusinessError
from onec_history.history import EventFilter, History
from onec_history.models import Direction, DocumentRef, EventKind, EventState
from onec_history.transport import Transport
from onec_history.update import Change, ChangeLedger, Status, Target, Updater, parse_change, parse_set


def first(history: History, **kw: Any) -> Any:
    return next(e for e in history.events(EventFilter(**kw), newest_first=False) if not e.deleted)


def raw(url: str, ref: str) -> dict[str, Any]:
    return Client(Transport(url)).get("Document_Событие", ref)


def test_kind_direction_importance_basis_and_clearing_a_text_in_family_a() -> None:
    with start_demo("ut10") as srv:
        history = make_history(srv.url)
        ev = first(history, kind=EventKind.CALL, direction=Direction.INCOMING)
        other = first(history, kind=EventKind.MEETING)
        change = Change(kind=EventKind.MEETING, direction=Direction.OUTGOING, importance="высокая",
                        basis=DocumentRef(entity_set="Document_Событие", ref=other.ref), comment="")
        Client(Transport(srv.url)).patch("Document_Событие", ev.ref, {"Комментарий": "старый комментарий"})
        result = Updater(history).run([Target(ev.ref, change)])[0]
        assert result.status is Status.CHANGED, result.message
        row = raw(srv.url, ev.ref)
        assert (row["ВидСобытия"], row["ТипСобытия"], row["Важность"]) == ("ЛичнаяВстреча", "Исходящее", "Высокая")
        assert (row["Основание"], row["Основание_Type"]) == (other.ref, "StandardODATA.Document_Событие")
        assert row["Комментарий"] == ""
        shown = {str(d) for d in result.diffs}
        assert {"comment: старый комментарий → —", "kind: ТелефонныйЗвонок → ЛичнаяВстреча"} <= shown
        bad = Updater(history).run([Target(ev.ref, Change(importance="срочно")),
                                    Target(other.ref, Change(basis=DocumentRef(entity_set="Document_Событие",
                                                                               ref="00000000-0000-0000-0000-00000000abcd")))])
        assert [r.status for r in bad] == [Status.FAILED, Status.FAILED]
        assert "Высокая" in bad[0].message and bad[1].error == "basis"


def test_family_b_subject_is_a_typed_text_and_its_state_a_catalog_reference() -> None:
    with start_demo("unf") as srv:
        history = make_history(srv.url)
        ev = first(history, state=EventState.PLANNED)
        result = Updater(history).run([Target(ev.ref, Change(subject="Новая тема", state=EventState.CANCELLED))])[0]
        assert result.status is Status.CHANGED, result.message
        row = raw(srv.url, ev.ref)
        assert (row["Тема"], row["Тема_Type"]) == ("Новая тема", "Edm.String")
        states = {str(r["Ref_Key"]): r["Description"] for r in
                  Client(Transport(srv.url)).iterate("Catalog_СостоянияСобытий",
                                                     q.Query(select=("Ref_Key", "Description")))}
        assert states[row["Состояние_Key"]] == "Отменено"
        refused = Updater(history).run([Target(ev.ref, Change(kind=EventKind.LETTER, importance="Высокая"))])[0]
        assert refused.status is Status.FAILED and "letter" in refused.message and "importance" in refused.message


def test_1c_refusing_the_write_or_the_reposting_is_said_with_its_message(monkeypatch: pytest.MonkeyPatch) -> None:
    with start_demo("ut10") as srv:
        history = make_history(srv.url)
        posted = next(e for e in history.events(EventFilter()) if e.posted and not e.deleted)
        updater = Updater(history, ChangeLedger(":memory:", srv.url))

        def refuse(*args: Any, **kwargs: Any) -> None:
            raise BusinessError("Период закрыт для изменений", status=500, code="-1")

        monkeypatch.setattr(history.client, "post_document", refuse)
        result = updater.run([Target(posted.ref, Change(comment="после закрытия"))])[0]
        assert result.status is Status.POST_FAILED and "Период закрыт" in result.message
        monkeypatch.setattr(history.client, "patch", refuse)
        failed = updater.run([Target(posted.ref, Change(comment="ещё раз"))])[0]
        assert failed.status is Status.FAILED and "Период закрыт" in failed.message


def test_marking_posted_events_through_faults_marks_each_once() -> None:
    with start_demo("ut10", faults=Faults(seed=4)) as srv:
        history = make_history(srv.url)
        posted = [e.ref for e in history.events(EventFilter()) if e.posted and not e.deleted][:60]
        updater = Updater(history, jobs=3)
        updater._read(posted[:1])
        srv.faults.error_rate, srv.faults.drop_rate, srv.faults.drop_after = 0.15, 0.1, 0.6
        results = updater.run([Target(r, Change(deleted=True)) for r in posted])
        srv.faults.error_rate = srv.faults.drop_rate = 0.0
        assert {r.status for r in results} == {Status.CHANGED}, [r.message for r in results if not r.ok][:3]
        rows = [raw(srv.url, r) for r in posted]
        assert all(r["DeletionMark"] is True and r["Posted"] is False for r in rows)


def test_parse_change_reads_the_words_of_a_row_and_names_what_is_wrong() -> None:
    vocab = Vocabulary.default()
    change, errors = parse_change({"state": "Завершено", "kind": "звонок", "direction": "исх",
                                   "start": "16.04.2026 10:00",
                                   "deleted": "да", "subject": ""}, vocab)
    assert errors == [] and change is not None
    assert (change.state, change.kind, change.direction, change.deleted) == (
        EventState.COMPLETED, EventKind.CALL, Direction.OUTGOING, True)
    assert change.start == datetime(2026, 4, 16, 10, 0) and change.keep_duration and change.subject is None
    bad, errors = parse_change({"kind": "факс", "direction": "вбок", "start": "32.13.2026", "end": "вчера",
                                "deleted": "может быть", "basis": "00000000-0000-0000-0000-000000000001"}, vocab)
    assert bad is None and {e.field for e in errors} == {"kind", "direction", "start", "end", "deleted", "basis"}
    backwards, errors = parse_change({"start": "2026-04-16 10:00", "end": "2026-04-16 09:00"}, vocab)
    assert backwards is None and errors[0].field == "end"
    cleared, _ = parse_change({"comment": ""}, vocab, clear_empty=True)
    assert cleared is not None and cleared.comment == ""
    assert parse_set(["comment=", "state=done"]) == {"comment": "", "state": "done"}
    with pytest.raises(ValueError, match="FIELD=VALUE"):
        parse_set(["colour=red"])
    assert Change().is_empty() and not Change(deleted=False).is_empty()
    assert Change(state=EventState.COMPLETED).identity("a") != Change(state=EventState.CANCELLED).identity("a")
