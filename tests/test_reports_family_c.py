"""Reports on family C (УТ 11 / КА 2 / ERP): every report against the ut11 demo base.

The expected answers are computed here from raw GETs of the sets (http.client, never onec-history's
own client or the code under test), by the rules the reports document:

- the moment of an interaction is its start (ДатаНачала, ДатаПолучения, ДатаОтправления) or its
  Date; a planned interaction is due on РассмотретьПосле (ПредметыПапкиВзаимодействий) and is no
  longer pending once Рассмотрено;
- the state follows from the type: calls and incoming e-mails are completed, a meeting is completed
  once its start is not after the report's moment, a planned interaction is planned, an outgoing
  e-mail / SMS by its status (draft or outbox: planned; SMS not delivered: cancelled);
- an interaction names a partner or one of its contact persons (a person stands for its partner);
  each counterparty of the partner gets it; buyers are counterparties whose partner is a client.
"""

from __future__ import annotations

import json
import logging
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import click
import pytest
from click.testing import CliRunner
from demo_http import call

from onec_history.cli.app import App
from onec_history.cli.report_cmds import report
from onec_history.client import Client
from onec_history.demo.server import DemoServer, start_demo
from onec_history.history import History
from onec_history.metadata import Metadata
from onec_history.reports import compute as reports
from onec_history.reports.sources import OneCSource, ReportEvent
from onec_history.transport import Transport

NOW = datetime(2026, 6, 30, 18, 0)  # the demo dataset's "today"
Row = dict[str, Any]

CALL, MEETING, PLANNED = "Document_ТелефонныйЗвонок", "Document_Встреча", "Document_ЗапланированноеВзаимодействие"
MAIL_IN, MAIL_OUT = "Document_ЭлектронноеПисьмоВходящее", "Document_ЭлектронноеПисьмоИсходящее"
SMS = "Document_СообщениеSMS"
PARTNERS, PERSONS, COUNTERPARTIES = "Catalog_Партнеры", "Catalog_КонтактныеЛицаПартнеров", "Catalog_Контрагенты"
STRINGS = "Catalog_СтроковыеКонтактыВзаимодействий"
SUBJECTS = "InformationRegister_ПредметыПапкиВзаимодействий"
STATES = "InformationRegister_СостоянияКонтактовВзаимодействий"
ORDERS, SALES, DEALS = "Document_ЗаказКлиента", "Document_РеализацияТоваровУслуг", "Catalog_СделкиСКлиентами"
# document → (header contact, section with Контакт, start, kind)
DOCS: dict[str, tuple[str | None, str | None, str | None, str]] = {
    CALL: ("АбонентКонтакт", None, None, "call"),
    MEETING: (None, "Участники", "ДатаНачала", "meeting"),
    PLANNED: (None, "Участники", None, "planned"),
    MAIL_IN: ("ОтправительКонтакт", None, "ДатаПолучения", "email"),
    MAIL_OUT: (None, "ПолучателиПисьма", "ДатаОтправления", "email"),
    SMS: (None, "Адресаты", None, "sms"),
}
EMPTY_DATE = "0001-01-01T00:00:00"


# -- the oracle: raw rows and the rules above ----------------------------------------------------
def rows(server: DemoServer, path: str) -> list[Row]:
    sep = "&" if "?" in path else "?"
    reply = call(server, "GET", f"{path}{sep}$format=json")
    assert reply.status == 200, reply.text
    value: list[Row] = reply.json["value"]
    return value


def moment(value: str | None) -> datetime | None:
    return None if not value or value == EMPTY_DATE else datetime.fromisoformat(value[:19])


def typ(name: str) -> str:
    return f"StandardODATA.{name}"


@dataclass
class Interaction:
    set_name: str
    row: Row
    when: datetime
    state: str
    partners: list[str]
    strings: list[str]

    @property
    def ref(self) -> str:
        return str(self.row["Ref_Key"])

    @property
    def kind(self) -> str:
        return DOCS[self.set_name][3]


@dataclass
class Base:
    """The demo base's raw rows, read once."""

    server: DemoServer
    now: datetime = NOW
    docs: dict[str, list[Row]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in DOCS:
            self.docs[name] = rows(self.server, name)
        self.partners = {r["Ref_Key"]: r for r in rows(self.server, PARTNERS)}
        self.owner = {r["Ref_Key"]: r["Owner_Key"] for r in rows(self.server, PERSONS)}
        self.counterparties = rows(self.server, COUNTERPARTIES)
        self.strings = {r["Ref_Key"]: r["Description"] for r in rows(self.server, STRINGS)}
        self.subjects = {r["Взаимодействие"]: r for r in rows(self.server, SUBJECTS)}
        self.states = rows(self.server, STATES)
        self.users = {r["Ref_Key"]: r["Description"] for r in rows(self.server, "Catalog_Пользователи")}

    def state(self, set_name: str, row: Row) -> str:
        if set_name == PLANNED:
            return "planned"
        if set_name == MEETING:
            start = moment(row["ДатаНачала"])
            return "planned" if start is not None and start > self.now else "completed"
        if set_name == MAIL_OUT:
            return "planned" if row["СтатусПисьма"] in ("Черновик", "Исходящее") else "completed"
        if set_name == SMS:
            status = row["Состояние"]
            return "planned" if status in ("Черновик", "Исходящее") else "cancelled" if status == "НеДоставлено" \
                else "completed"
        return "completed"

    def when(self, set_name: str, row: Row) -> datetime:
        if set_name == PLANNED:
            due = moment(self.subjects.get(row["Ref_Key"], {}).get("РассмотретьПосле"))
            if due is not None:
                return due
        start = DOCS[set_name][2]
        value = (moment(row[start]) if start else None) or moment(row["Date"])
        assert value is not None
        return value

    def named(self, set_name: str, row: Row) -> list[tuple[str, str]]:
        header, section, _, _ = DOCS[set_name]
        found = []
        if header:
            found.append((row[header], row[f"{header}_Type"]))
        if section:
            found.extend((line["Контакт"], line["Контакт_Type"]) for line in row[section])
        return found

    def interactions(self) -> Iterator[Interaction]:
        """Every pending or held interaction not marked for deletion (a reviewed planned one is done)."""
        for set_name, docs in self.docs.items():
            for row in docs:
                if row["DeletionMark"]:
                    continue
                if set_name == PLANNED and self.subjects.get(row["Ref_Key"], {}).get("Рассмотрено"):
                    continue
                partners: list[str] = []
                strings: list[str] = []
                for ref, t in self.named(set_name, row):
                    p = ref if t == typ(PARTNERS) else self.owner.get(ref) if t == typ(PERSONS) else None
                    if p and p not in partners:
                        partners.append(p)
                    elif t == typ(STRINGS):
                        strings.append(ref)
                yield Interaction(set_name, row, self.when(set_name, row), self.state(set_name, row), partners,
                                  strings)

    def buyers(self) -> dict[str, tuple[str, str]]:
        """counterparty → (its partner, the partner's manager) for counterparties whose partner is a client."""
        clients = {ref for ref, p in self.partners.items()
                   if p["Клиент"] and not p["DeletionMark"] and not p["IsFolder"]}
        return {c["Ref_Key"]: (c["Партнер_Key"], self.partners[c["Партнер_Key"]]["ОсновнойМенеджер_Key"])
                for c in self.counterparties if not c["DeletionMark"] and c["Партнер_Key"] in clients}

    def last_completed(self, until: datetime) -> dict[str, datetime]:
        """partner → the moment of its latest completed interaction not after ``until``."""
        last: dict[str, datetime] = {}
        for i in self.interactions():
            if i.state == "completed" and i.when <= until:
                for p in i.partners:
                    last[p] = max(last.get(p, i.when), i.when)
        return last

    def register_last(self) -> dict[str, datetime]:
        """partner → the latest ДатаПоследнегоВзаимодействия of its own row and its persons' rows."""
        out: dict[str, datetime] = {}
        for r in self.states:
            p = r["Контакт"] if r["Контакт_Type"] == typ(PARTNERS) else self.owner.get(r["Контакт"]) \
                if r["Контакт_Type"] == typ(PERSONS) else None
            d = moment(r["ДатаПоследнегоВзаимодействия"])
            if p and d:
                out[p] = max(out.get(p, d), d)
        return out

    def expected_inactive(self, days: int, lookback: int = 5000) -> dict[str, datetime | None]:
        """counterparty → its last completed contact within the lookback (None: none) for the silent buyers."""
        cutoff = self.now - timedelta(days=days)
        horizon = cutoff - timedelta(days=lookback)
        last = self.last_completed(self.now)
        out: dict[str, datetime | None] = {}
        for c, (p, _) in self.buyers().items():
            seen = last.get(p)
            if seen is None or seen < cutoff:
                out[c] = seen if seen is not None and seen >= horizon else None
        return out


@pytest.fixture(scope="module")
def ut11() -> Iterator[DemoServer]:
    with start_demo("ut11") as srv:
        yield srv


@pytest.fixture(scope="module")
def raw(ut11: DemoServer) -> Base:
    return Base(ut11)


def history(server: DemoServer, *, page_size: int = 1000, without: tuple[str, ...] = (),
            monkeypatch: pytest.MonkeyPatch | None = None) -> History:
    """A History on ``server``; ``without`` hides these sets from its $metadata (a base that does not publish them)."""
    client = Client(Transport(server.url), page_size=page_size)
    if without:
        assert monkeypatch is not None
        md = client.metadata()
        hidden = Metadata(md.namespace, md.container, {k: v for k, v in md.sets.items() if k not in without}, md.enums)
        monkeypatch.setattr(client, "metadata", lambda refresh=False: hidden)
    return History(client)


def requests(h: History) -> int:
    return h.client.transport.stats.requests


# -- inactive -----------------------------------------------------------------------------------
def test_inactive_buyers_are_those_without_a_completed_interaction(ut11: DemoServer, raw: Base) -> None:
    h = history(ut11)
    expected = raw.expected_inactive(45)
    rows_ = reports.inactive(h, days=45, now=NOW, lookback_days=5000)
    assert {r["client_ref"]: r["last_completed"] for r in rows_} == expected
    assert len(expected) > 5 and any(v is not None for v in expected.values())
    buyers = raw.buyers()
    for r in rows_:
        _, manager = buyers[r["client_ref"]]
        assert r["manager_ref"] == manager and r["manager"] == raw.users[manager]
    assert [r["manager"] for r in rows_] == sorted(r["manager"] for r in rows_)
    # the next pending interaction: planned ones by their due date
    upcoming: dict[str, datetime] = {}
    for i in raw.interactions():
        if i.state == "planned" and i.when >= NOW:
            for p in i.partners:
                upcoming[p] = min(upcoming.get(p, i.when), i.when)
    assert {r["client_ref"]: r["next_planned"] for r in rows_} == {
        c: upcoming.get(buyers[c][0]) for c in expected}
    assert any(r["next_planned"] for r in rows_)
    assert {r["last_kind"] for r in rows_ if r["last_kind"]} <= {"call", "meeting", "email", "sms"}


def test_inactive_within_the_default_lookback_and_for_one_manager(ut11: DemoServer, raw: Base) -> None:
    h = history(ut11)
    everyone = reports.inactive(h, days=30, now=NOW)
    assert {r["client_ref"]: r["last_completed"] for r in everyone} == raw.expected_inactive(30, 365)
    manager = Counter(r["manager_ref"] for r in everyone).most_common(1)[0][0]
    mine = reports.inactive(history(ut11), days=30, now=NOW, manager=manager)
    assert mine and {r["client_ref"] for r in mine} == {r["client_ref"] for r in everyone
                                                        if r["manager_ref"] == manager}


def test_a_partner_with_two_counterparties_gives_both_its_contacts(ut11: DemoServer, raw: Base) -> None:
    by_partner = Counter(p for p, _ in raw.buyers().values())
    partner = next(p for p, n in by_partner.items() if n == 2)
    last = raw.last_completed(NOW)[partner]
    days = (NOW - last).days - 1  # the partner's last contact is just before the cut-off
    rows_ = [r for r in reports.inactive(history(ut11), days=days, now=NOW)
             if raw.buyers()[r["client_ref"]][0] == partner]
    assert len(rows_) == 2 and {r["last_completed"] for r in rows_} == {last}
    assert len({r["client"] for r in rows_}) == 2  # two legal entities, by their own names


def test_a_recent_planned_interaction_is_no_completed_contact(ut11: DemoServer, raw: Base) -> None:
    """The register dates the partner's last interaction recently (a planned one); the report still
    says inactive: only completed interactions count."""
    last = raw.last_completed(NOW)
    register = raw.register_last()
    created: dict[str, datetime] = {}  # partner → the latest planned interaction it is named in, by Date
    for i in raw.interactions():
        if i.set_name == PLANNED:
            for p in i.partners:
                d = moment(i.row["Date"])
                assert d is not None
                created[p] = max(created.get(p, d), d)
    buyers = raw.buyers()
    partner = max((p for p, _ in buyers.values() if p in created and p in last and created[p] > last[p]),
                  key=lambda p: created[p] - last[p])
    days = (NOW - created[partner]).days + 1  # cut-off before the planned one, after the last completed one
    cutoff = NOW - timedelta(days=days)
    assert last[partner] < cutoff <= register[partner]  # 1C's register: "contacted recently"
    rows_ = reports.inactive(history(ut11), days=days, now=NOW)
    mine = [r for r in rows_ if buyers[r["client_ref"]][0] == partner]
    assert mine and all(r["last_completed"] == last[partner] for r in mine)
    assert {r["client_ref"] for r in rows_} == set(raw.expected_inactive(days, 365))


def test_deletion_marked_and_draft_interactions_are_no_completed_contact() -> None:
    """A buyer whose latest call is marked for deletion and whose e-mail before it went back to draft is
    reported inactive since the contact before them, though 1C's register still dates its last
    interaction on the deleted call (the register counts deletion-marked and planned ones)."""
    with start_demo("ut11") as srv:
        raw = Base(srv)
        buyers = raw.buyers()
        completed = sorted((i for i in raw.interactions() if i.state == "completed"), key=lambda i: i.when,
                           reverse=True)
        for partner in sorted({p for p, _ in buyers.values()}, key=lambda p: raw.partners[p]["Description"]):
            latest = [i for i in completed if partner in i.partners][:3]
            if len(latest) == 3 and latest[1].set_name == MAIL_OUT and all(len(i.partners) == 1 for i in latest) \
                    and latest[0].when - latest[1].when > timedelta(days=2) \
                    and latest[1].when - latest[2].when > timedelta(days=2):
                break
        else:
            pytest.fail("the demo base has no buyer whose latest contacts are anything, a sent e-mail, anything")
        deleted, draft, before = latest
        path = f"{deleted.set_name}(guid'{deleted.ref}')?$format=json"
        assert call(srv, "PATCH", path, body={"DeletionMark": True}).status == 200
        assert call(srv, "PATCH", f"{MAIL_OUT}(guid'{draft.ref}')?$format=json",
                    body={"СтатусПисьма": "Черновик"}).status == 200
        after = Base(srv)
        days = (NOW - draft.when).days + 1  # the cut-off falls between the contact before and the e-mail
        assert before.when < NOW - timedelta(days=days) <= deleted.when <= after.register_last()[partner]
        rows_ = reports.inactive(history(srv), days=days, now=NOW)
        mine = [r for r in rows_ if buyers[r["client_ref"]][0] == partner]
        assert mine and all(r["last_completed"] == before.when for r in mine)
        assert {r["client_ref"]: r["last_completed"] for r in rows_} == after.expected_inactive(days, 365)
        # the draft is pending work now, and overdue: its sending date has passed
        assert draft.ref in {r["ref"] for r in reports.overdue(history(srv), now=NOW)}


def test_inactive_without_the_register_gives_the_same_answer(ut11: DemoServer, raw: Base,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with_register = history(ut11)
    before = requests(with_register)
    expected = reports.inactive(with_register, days=45, now=NOW)
    used = requests(with_register) - before
    plain = history(ut11, without=(STATES,), monkeypatch=monkeypatch)
    before = requests(plain)
    assert reports.inactive(plain, days=45, now=NOW) == expected
    assert {r["client_ref"] for r in expected} == set(raw.expected_inactive(45, 365))
    assert requests(plain) - before < used  # the register costs a few requests on a base this small


def test_the_register_says_who_was_touched_since_the_horizon(ut11: DemoServer, raw: Base) -> None:
    """touched_since: counterparties whose partner, or a contact person of it, has a register row dated
    on or after the moment (the rows of a partner and of its persons are read together, by the owner)."""
    src = OneCSource(history(ut11), now=NOW)
    buyers, register = raw.buyers(), raw.register_last()
    for horizon in (NOW - timedelta(days=30), NOW - timedelta(days=400), datetime(2020, 1, 1)):
        touched = src.touched_since(horizon)
        assert touched is not None
        assert {c for c in touched if c in buyers} == {c for c, (p, _) in buyers.items()
                                                       if register.get(p, datetime.min) >= horizon}
    assert touched is not None and any(c not in touched for c in buyers)  # never contacted: no row at all


@dataclass
class _Stub:
    """A source whose register says only ``touched`` were contacted since the horizon."""

    touched: set[str]
    stream: list[ReportEvent]
    read: int = 0
    family: Any = None
    event_set: str = "E"
    counterparty_set: str = "C"
    users_set: str = "U"
    manager_set: str = "U"

    def events(self, state: Any, bounds: Any, *, newest_first: bool, fields: Any,
               responsible: str | None = None) -> Iterator[ReportEvent]:
        for ev in (self.stream if state.value == "completed" else []):
            self.read += 1
            yield ev

    def incoming(self, since: datetime, until: datetime) -> dict[str, datetime | None]:
        return {}

    def buyers(self, manager: str | None) -> dict[str, tuple[str, str | None, str | None]]:
        return {c: (c, None, None) for c in ("a", "b", "never")}

    def prefetch(self, pairs: Any) -> None:
        return None

    def name(self, entity_set: str, ref: str | None) -> str | None:
        return ref

    def graph(self, since: datetime, until: datetime) -> Any:
        return {}, []

    def touched_since(self, moment: datetime) -> set[str] | None:
        return self.touched


def _ev(ref: str, client: str, when: datetime) -> ReportEvent:
    return ReportEvent(ref=ref, number=None, when=when, end=None, kind=None, kind_code="call", subject=None,
                               responsible=None, clients=(client,), text_client=None)


def test_the_newest_first_pass_does_not_wait_for_buyers_the_register_shows_untouched() -> None:
    stream = [_ev("1", "a", NOW - timedelta(days=1)), _ev("2", "x", NOW - timedelta(days=2)),
              _ev("3", "b", NOW - timedelta(days=60)), *(_ev(str(n), "x", NOW - timedelta(days=70 + n))
                                                          for n in range(100))]
    stub = _Stub({"a", "b"}, stream)
    rows_ = reports.inactive(stub, days=30, now=NOW)
    assert {r["client_ref"]: r["last_completed"] for r in rows_} == {"b": NOW - timedelta(days=60), "never": None}
    assert stub.read == 3  # stopped at b's contact: "never" has no register row, nothing to wait for
    everyone = _Stub({"a", "b", "never"}, stream)  # a register that cannot rule anybody out
    assert reports.inactive(everyone, days=30, now=NOW) == rows_ and everyone.read == len(stream)


def test_without_the_contact_persons_only_the_partners_own_interactions_count(
        ut11: DemoServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    blind = Base(ut11)
    blind.owner = {}  # nobody can tell whose contact person someone is
    h = history(ut11, without=(PERSONS,), monkeypatch=monkeypatch)
    with caplog.at_level(logging.WARNING):
        rows_ = reports.inactive(h, days=45, now=NOW)
    assert f"{PERSONS} is not published" in caplog.text
    assert {r["client_ref"]: r["last_completed"] for r in rows_} == blind.expected_inactive(45, 365)
    assert len(rows_) > len(Base(ut11).expected_inactive(45, 365))


# -- overdue --------------------------------------------------------------------------------------
def test_overdue_is_every_pending_interaction_due_before_now(ut11: DemoServer, raw: Base) -> None:
    h = history(ut11)
    expected = {i.ref: i for i in raw.interactions() if i.state == "planned" and i.when < NOW}
    before = requests(h)
    rows_ = reports.overdue(h, now=NOW)
    assert requests(h) - before <= 10
    assert {r["ref"] for r in rows_} == set(expected) and expected
    for r in rows_:
        i = expected[r["ref"]]
        assert r["start"] == i.when and r["days_overdue"] == (NOW - i.when).days
        assert r["kind"] == i.kind and r["kind_raw"] == i.set_name.removeprefix("Document_")
        who = raw.partners[i.partners[0]]["Description"] if i.partners else raw.strings.get(i.strings[0]) \
            if i.strings else None
        assert r["client"] == who and r["responsible"] == raw.users[i.row["Ответственный_Key"]]
    # the follow-up call of the article: created on 12.03, due on 15.04
    follow_up = next(r for r in rows_ if r["subject"] == "Узнать, как работают мониторы")
    assert follow_up["start"] == datetime(2026, 4, 15, 10, 0) and follow_up["client"] == "ООО Ромашка"
    theirs = reports.overdue(history(ut11), responsible=follow_up["responsible_ref"], now=NOW)
    assert theirs == [r for r in rows_ if r["responsible_ref"] == follow_up["responsible_ref"]]


def test_overdue_without_the_subjects_register_dates_planned_ones_by_creation(
        ut11: DemoServer, raw: Base, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    h = history(ut11, without=(SUBJECTS,), monkeypatch=monkeypatch)
    with caplog.at_level(logging.WARNING):
        rows_ = reports.overdue(h, now=NOW)
    assert "dated by their creation" in caplog.text
    created = {r["Ref_Key"]: moment(r["Date"]) for r in raw.docs[PLANNED] if not r["DeletionMark"]}
    assert {r["ref"] for r in rows_} == {ref for ref, d in created.items() if d is not None and d < NOW}
    assert all(r["start"] == created[r["ref"]] for r in rows_)


# -- activity -------------------------------------------------------------------------------------
def test_activity_by_kind_counts_completed_interactions_with_meeting_durations(ut11: DemoServer, raw: Base) -> None:
    since = NOW - timedelta(days=120)
    done = [i for i in raw.interactions() if i.state == "completed" and since <= i.when <= NOW]
    h = history(ut11)
    before = requests(h)
    rows_ = {r["group"]: r for r in reports.activity(h, by="kind", since=since, until=NOW)}
    assert requests(h) - before <= 6  # metadata, one pass per document that can hold completed ones
    assert {k: r["events"] for k, r in rows_.items() if k != "итого"} == Counter(i.kind for i in done)
    assert set(rows_) - {"итого"} <= {"call", "meeting", "email", "sms"} and "meeting" in rows_
    minutes = [(moment(i.row["ДатаОкончания"]) - i.when).total_seconds() / 60  # type: ignore[operator]
               for i in done if i.set_name == MEETING]
    assert rows_["meeting"]["with_duration"] == len(minutes) > 0
    assert abs(rows_["meeting"]["total_minutes"] - sum(minutes)) < 0.5
    assert rows_["итого"]["events"] == len(done) and rows_["call"]["with_duration"] == 0


def test_activity_by_manager_and_week_add_up(ut11: DemoServer, raw: Base) -> None:
    since = NOW - timedelta(days=60)
    done = [i for i in raw.interactions() if i.state == "completed" and since <= i.when <= NOW]
    by_mgr = reports.activity(history(ut11), by="manager", since=since, until=NOW)
    assert {r["group"]: r["events"] for r in by_mgr[:-1]} == Counter(raw.users[i.row["Ответственный_Key"]]
                                                                      for i in done)
    by_week = reports.activity(history(ut11), by="week", since=since, until=NOW)
    assert by_week[-1]["events"] == by_mgr[-1]["events"] == sum(r["events"] for r in by_week[:-1]) == len(done)
    assert all(r["group"].startswith("2026-W") for r in by_week[:-1])


def test_a_meeting_ahead_of_the_reports_moment_is_planned_not_done(ut11: DemoServer, raw: Base) -> None:
    """As of the morning of the article's delivery meeting (14:30 that day), the meeting is ahead:
    no activity yet, and the next planned contact of «ООО Ромашка»."""
    as_of = datetime(2026, 3, 12, 9, 0)
    earlier = Base(ut11, now=as_of)
    meeting = next(r for r in raw.docs[MEETING] if r["Тема"] == "Доставка и установка мониторов")
    assert earlier.state(MEETING, meeting) == "planned" and raw.state(MEETING, meeting) == "completed"
    since, until = as_of - timedelta(days=30), datetime(2026, 3, 31)
    done = [i for i in earlier.interactions() if i.state == "completed" and since <= i.when <= until]
    rows_ = reports.activity(history(ut11), by="kind", since=since, until=until, now=as_of)
    assert rows_[-1]["events"] == len(done) and meeting["Ref_Key"] not in {i.ref for i in done}
    romashka = [r for r in reports.inactive(history(ut11), days=1, now=as_of, lookback_days=30)
                if r["client"] == "ООО Ромашка"]
    assert romashka and romashka[0]["next_planned"] == datetime(2026, 3, 12, 14, 30)
    assert romashka[0]["last_completed"] == datetime(2026, 3, 5, 11, 0, 12)  # the second call of the article


# -- funnel -------------------------------------------------------------------------------------
def expected_funnel(server: DemoServer, raw: Base, since: datetime, until: datetime,
                    horizon: int = 90) -> list[tuple[int, float | None]]:
    """(count, median days) of each step, from raw rows: incoming calls (Входящий) and incoming e-mails of
    the period with no basis; what was entered on their basis; the deals that are the subject of any of
    them; orders of those deals (or entered on their basis); sales of those orders (or deals)."""
    end = until + timedelta(days=horizon)

    def dated(r: Row) -> datetime:
        value = moment(r["Date"])
        assert value is not None
        return value

    interactions = {r["Ref_Key"]: (s, r) for s in DOCS for r in raw.docs[s] if since <= dated(r) <= end}
    children: dict[str, list[str]] = {}
    for ref, (_, r) in interactions.items():
        if r["ВзаимодействиеОснование_Type"] != "StandardODATA.Undefined":
            children.setdefault(r["ВзаимодействиеОснование"], []).append(ref)
    deal_of = {ref: s["Предмет"] for ref, s in raw.subjects.items() if s["Предмет_Type"] == typ(DEALS)}
    orders = [r for r in rows(server, ORDERS) if since <= dated(r) <= end]
    sales = [r for r in rows(server, SALES) if since <= dated(r) <= end]
    roots = []
    for s in (CALL, MAIL_IN):
        for r in raw.docs[s]:
            if r["DeletionMark"] or (s == CALL and not r["Входящий"]):
                continue
            if since <= raw.when(s, r) <= until and r["ВзаимодействиеОснование_Type"] == "StandardODATA.Undefined":
                roots.append(r)
    to_order: list[float] = []
    to_sale: list[float] = []
    for root in roots:
        below, stack = {root["Ref_Key"]}, [root["Ref_Key"]]
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in below:
                    below.add(child)
                    stack.append(child)
        deals = {deal_of[ref] for ref in below if ref in deal_of}
        start = dated(root)
        mine = [o for o in orders if (o["Сделка_Key"] in deals or o["ДокументОснование"] in below)]
        order_dates = [dated(o) for o in mine if dated(o) >= start]
        refs = {o["Ref_Key"] for o in mine}
        sale_dates = [dated(x) for x in sales if (x["ЗаказКлиента"] in refs or x["Сделка_Key"] in deals)
                      and dated(x) >= start]
        if order_dates:
            to_order.append((min(order_dates) - start).total_seconds() / 86400)
            if sale_dates:
                to_sale.append((min(sale_dates) - start).total_seconds() / 86400)

    def median(values: list[float]) -> float | None:
        return round(statistics.median(values), 1) if values else None

    return [(len(roots), None), (len(to_order), median(to_order)), (len(to_sale), median(to_sale))]


def test_funnel_of_the_article(ut11: DemoServer, raw: Base) -> None:
    """«ООО Ромашка»: incoming call 02.03 10:15 → (the deal) → order 05.03 11:30 → sale 12.03 14:00."""
    h = history(ut11)
    day = (datetime(2026, 3, 2), datetime(2026, 3, 2, 23, 59, 59))
    rows_ = reports.funnel(h, since=day[0], until=day[1])
    assert [(r["count"], r["median_days"]) for r in rows_] == expected_funnel(ut11, raw, *day)
    assert [(r["step"], r["median_days"]) for r in rows_][1:] == [("order", 3.1), ("delivery", 10.2)]
    assert rows_[1]["count"] == rows_[2]["count"] == 1


def test_funnel_over_two_years(ut11: DemoServer, raw: Base) -> None:
    h = history(ut11)
    before = requests(h)
    rows_ = reports.funnel(h, since=datetime(2024, 7, 1), until=NOW)
    assert requests(h) - before <= 12  # metadata, incoming (2), a pass per document (8), the register
    assert [(r["count"], r["median_days"]) for r in rows_] == expected_funnel(ut11, raw, datetime(2024, 7, 1), NOW)
    assert rows_[0]["count"] > rows_[1]["count"] >= 1


def test_funnel_without_customer_orders_says_what_to_publish(ut11: DemoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from onec_history.errors import NotPublishedError

    h = history(ut11, without=(ORDERS,), monkeypatch=monkeypatch)
    with pytest.raises(NotPublishedError) as caught:
        reports.funnel(h, since=datetime(2026, 1, 1), until=NOW)
    assert caught.value.entity_set == ORDERS and "customer orders" in str(caught.value)


# -- the command line ---------------------------------------------------------------------------
def test_report_commands_on_a_family_c_base(ut11: DemoServer, raw: Base) -> None:
    @click.group()
    @click.pass_context
    def root(ctx: click.Context) -> None:
        ctx.obj = App(overrides={"url": ut11.url})

    root.add_command(report)
    runner = CliRunner()
    result = runner.invoke(root, ["report", "inactive", "--days", "45", "--as-of", "2026-06-30 18:00",
                                  "--lookback", "5000", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {r["client_ref"] for r in json.loads(result.stdout)} == set(raw.expected_inactive(45))
    assert "same contacts" in result.stderr
    for args in (["overdue"], ["activity", "--by", "kind"],
                 ["funnel", "--since", "2026-01-01", "--until", "2026-06-30"]):
        extra = [] if args[0] == "funnel" else ["--as-of", "2026-06-30 18:00"]
        result = runner.invoke(root, ["report", *args, *extra, "--format", "json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout), args
