"""Changing events (issue 14.1–14.2): complete, reschedule, reassign, mark — read, compare, write once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from create_helpers import make_history

from onec_history import query as q
from onec_history.client import Client
from onec_history.demo.server import DemoServer, Faults, start_demo
from onec_history.history import EventFilter, History
from onec_history.models import EventState
from onec_history.transport import Transport
from onec_history.update import Change, ChangeLedger, Status, Target, Updater


@pytest.fixture(params=["ut10", "unf"])
def base(request: pytest.FixtureRequest) -> Iterator[DemoServer]:
    with start_demo(request.param) as srv:
        yield srv


def planned(history: History, n: int = 1) -> list[str]:
    refs = [e.ref for e in history.events(EventFilter(state=EventState.PLANNED), newest_first=False)]
    assert len(refs) >= n
    return refs[:n]


def people(history: History) -> list[str]:
    """The references of the base's users (family A) or employees (family B)."""
    rows = history.client.iterate(history.profile.users_set, q.Query(select=("Ref_Key",)))
    return [str(r["Ref_Key"]) for r in rows]


def raw(url: str, ref: str) -> dict[str, Any]:
    """The event as 1C keeps it, read by a client of its own (not through the code under test)."""
    return Client(Transport(url)).get("Document_Событие", ref)


def test_complete_reschedule_reassign_and_mark_show_in_the_event(base: DemoServer) -> None:
    history = make_history(base.url)
    updater = Updater(history, ChangeLedger(":memory:", base.url))
    ref = planned(history)[0]
    before = history.get_event(ref)
    assert before.start is not None and before.end is not None
    length = before.end - before.start
    other = next(u for u in people(history) if u != before.responsible)
    new_start = datetime(2026, 4, 16, 10, 0)
    results = updater.run([
        Target(ref, Change(state=EventState.COMPLETED, start=new_start, keep_duration=True,
                           responsible=other, subject="Перезвонить по счёту")),
    ])
    assert [r.status for r in results] == [Status.CHANGED], results[0].message
    fields = {d.field for d in results[0].diffs}
    assert fields == {"state", "start", "end", "responsible", "subject"}
    after = history.get_event(ref)
    assert after.state is EventState.COMPLETED
    assert (after.start, after.end) == (new_start, new_start + length)  # the end moved with the start
    assert after.responsible == other and after.subject == "Перезвонить по счёту"
    assert after.posted == before.posted  # posted stays posted (re-posted), unposted stays unposted
    again = updater.run([Target(ref, Change(state=EventState.COMPLETED, start=new_start, keep_duration=True,
                                            responsible=other, subject="Перезвонить по счёту"))])
    assert [r.status for r in again] == [Status.UNCHANGED] and again[0].diffs == []
    marked = updater.run([Target(ref, Change(deleted=True))])
    assert marked[0].status is Status.CHANGED
    row = raw(base.url, ref)
    assert row["DeletionMark"] is True and row["Posted"] is False  # a marked document is not posted
    assert updater.run([Target(ref, Change(deleted=False))])[0].status is Status.CHANGED
    row = raw(base.url, ref)
    assert row["DeletionMark"] is False and row["Posted"] is False  # it stays unposted, as in 1C


def test_a_posted_event_is_reposted_and_an_unposted_one_stays_so(monkeypatch: pytest.MonkeyPatch) -> None:
    with start_demo("ut10") as srv:
        history = make_history(srv.url)
        updater = Updater(history)
        events = list(history.events(EventFilter()))
        posted = next(e for e in events if e.posted and not e.deleted)
        unposted = next(e for e in events if not e.posted and not e.deleted)
        reposted: list[str] = []
        real_post = history.client.post_document

        def post(entity_set: str, key: Any, *, operational: bool = False) -> None:
            reposted.append(str(key))
            real_post(entity_set, key, operational=operational)

        monkeypatch.setattr(history.client, "post_document", post)
        results = updater.run([Target(posted.ref, Change(comment="перенесено")),
                               Target(unposted.ref, Change(comment="перенесено"))])
        assert [r.status for r in results] == [Status.CHANGED, Status.CHANGED]
        assert reposted == [posted.ref]
        assert raw(srv.url, posted.ref)["Posted"] is True and raw(srv.url, unposted.ref)["Posted"] is False


def test_dry_run_shows_what_the_run_does_and_sends_nothing(base: DemoServer) -> None:
    history = make_history(base.url)
    refs = planned(history, 3)
    targets = [Target(refs[0], Change(state=EventState.CANCELLED)),
               Target(refs[1], Change(start=datetime(2026, 5, 4, 9, 30), keep_duration=True)),
               Target("00000000000000", Change(state=EventState.CANCELLED))]
    rows_before = {r: raw(base.url, r) for r in refs}
    dry = Updater(history).run(targets, dry_run=True)
    assert {r: raw(base.url, r) for r in refs} == rows_before
    real = Updater(history).run(targets)
    assert [r.status for r in dry] == [Status.WOULD_CHANGE, Status.WOULD_CHANGE, Status.FAILED]
    assert [r.status for r in real] == [Status.CHANGED, Status.CHANGED, Status.FAILED]
    assert [[str(d) for d in r.diffs] for r in dry] == [[str(d) for d in r.diffs] for r in real]
    assert str(dry[0].diffs[0]) == "state: Запланировано → Отменено"
    assert "00000000000000" in dry[2].message


def test_an_event_changed_in_1c_meanwhile_is_a_conflict_and_keeps_1cs_value(base: DemoServer) -> None:
    history = make_history(base.url)
    updater = Updater(history)
    ref = planned(history)[0]
    target = Target(ref, Change(state=EventState.COMPLETED))
    rows = updater._read([ref])
    plan = updater.plan(target, rows[ref])
    body_prop = history.profile.event_attr("body")
    assert body_prop is not None
    Client(Transport(base.url)).patch("Document_Событие", ref, {body_prop.prop: "менеджер поправил"})
    result = updater.apply(plan)
    assert result.status is Status.CONFLICT and "1C's values are kept" in result.message
    row = raw(base.url, ref)
    assert row[body_prop.prop] == "менеджер поправил"
    assert history.get_event(ref).state is EventState.PLANNED


def test_a_change_applied_once_and_undone_in_1c_is_not_applied_again(tmp_path: Any) -> None:
    with start_demo("ut10") as srv:
        history = make_history(srv.url)
        ledger = ChangeLedger(tmp_path / "ledger.sqlite", srv.url)
        ref = planned(history)[0]
        target = Target(ref, Change(state=EventState.COMPLETED))
        assert Updater(history, ledger).run([target])[0].status is Status.CHANGED
        Client(Transport(srv.url)).patch("Document_Событие", ref, {"СостояниеСобытия": "Запланировано"})
        again = Updater(history, ChangeLedger(tmp_path / "ledger.sqlite", srv.url)).run([target])[0]
        assert again.status is Status.SUPERSEDED and "not applied again" in again.message
        assert history.get_event(ref).state is EventState.PLANNED


def test_what_the_base_cannot_hold_is_refused_before_anything_is_sent(base: DemoServer) -> None:
    history = make_history(base.url)
    ref = planned(history)[0]
    bad = Updater(history).run([
        Target(ref, Change(end=datetime(2000, 1, 1))),  # before the start
        Target(f"Событие {history.get_event(ref).number}", Change(responsible="Нет такого сотрудника")),
    ])
    assert [r.status for r in bad] == [Status.FAILED, Status.FAILED]
    assert "before the start" in bad[0].message and bad[0].error == "end"
    assert bad[1].error == "responsible"
    assert history.get_event(ref).state is EventState.PLANNED


def test_family_b_keeps_its_participants_and_adds_the_contact() -> None:
    with start_demo("unf") as srv:
        history = make_history(srv.url)
        ref = planned(history)[0]
        client_before = history.get_event(ref).counterparty
        result = Updater(history).run([Target(ref, Change(contact="Иванов Пётр, снабженец"))])[0]
        assert result.status is Status.CHANGED, result.message
        rows = raw(srv.url, ref)["Участники"]
        assert [r["LineNumber"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
        assert rows[-1]["Контакт"] == "Иванов Пётр, снабженец" and rows[-1]["Контакт_Type"] == "Edm.String"
        assert history.get_event(ref).counterparty == client_before


@pytest.mark.parametrize("family", ["ut10", "unf"])
def test_a_bulk_change_under_faults_changes_each_event_exactly_once(family: str) -> None:
    with start_demo(family, faults=Faults(seed=11)) as srv:
        history = make_history(srv.url)
        refs = [e.ref for e in history.events(EventFilter(), newest_first=False)]
        when = datetime(2027, 1, 11, 9, 0)
        targets = [Target(r, Change(start=when + timedelta(minutes=i), keep_duration=True), line=i)
                   for i, r in enumerate(refs, start=1)]
        updater = Updater(history, ChangeLedger(":memory:", srv.url), jobs=4)
        updater._read(refs[:1])  # $metadata and the profile before the faults start
        srv.faults.error_rate, srv.faults.drop_rate, srv.faults.drop_after = 0.1, 0.08, 0.6
        results = updater.run(targets)
        srv.faults.error_rate = srv.faults.drop_rate = 0.0
        assert {r.status for r in results} == {Status.CHANGED}, [r.message for r in results if not r.ok][:3]
        starts = {e.ref: e.start for e in make_history(srv.url).events(EventFilter(), newest_first=False)}
        assert all(starts[t.address] == t.change.start for t in targets)
        srv.faults.error_rate, srv.faults.drop_rate = 0.1, 0.08
        again = updater.run(targets)
        assert {r.status for r in again} == {Status.UNCHANGED}


@pytest.mark.parametrize("family", ["ut10", "unf"])
def test_a_contact_named_as_one_of_the_clients_persons_is_written_as_its_reference(family: str) -> None:
    with start_demo(family) as srv:
        history = make_history(srv.url)
        person_set = {"ut10": "Catalog_КонтактныеЛицаКонтрагентов", "unf": "Catalog_КонтактныеЛица"}[family]
        persons = {str(r["Owner_Key"]): (str(r["Ref_Key"]), str(r["Description"])) for r in
                   history.client.iterate(person_set, q.Query(select=("Ref_Key", "Owner_Key", "Description")))}
        ev = next(e for e in history.events(EventFilter(state=EventState.PLANNED), newest_first=False)
                  if e.counterparty in persons and not e.deleted)
        assert ev.counterparty is not None
        ref, name = persons[ev.counterparty]
        typed = "  " + name.upper() + " "  # case and blanks aside, it is that person
        result = Updater(history).run([Target(ev.ref, Change(contact=typed))])[0]
        assert result.status in (Status.CHANGED, Status.UNCHANGED), result.message
        row = raw(srv.url, ev.ref)
        if family == "ut10":
            assert (row["КонтактноеЛицо"], row["КонтактноеЛицо_Type"]) == (ref, f"StandardODATA.{person_set}")
        else:
            contacts = [(p["Контакт"], p["Контакт_Type"]) for p in row["Участники"]
                        if p["Контакт_Type"] != "StandardODATA.Catalog_Контрагенты"]
            assert contacts == [(ref, f"StandardODATA.{person_set}")]
        again = Updater(history).run([Target(ev.ref, Change(contact=name))])[0]
        assert again.status is Status.UNCHANGED
        stranger = Updater(history).run([Target(ev.ref, Change(contact="Незнакомец"))])[0]
        assert stranger.status is Status.CHANGED  # nobody of that name: kept as text
