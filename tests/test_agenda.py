"""The agenda lists exactly the planned events whose start falls in its period (issue 14.3).

The expected sets are computed here from the demo's raw SQLite rows — the state as stored (family
A's enum text, family B's catalogue item named Запланировано), НачалоСобытия compared as text,
the client from the header or the first counterparty participant, its phones from the contact
rows — never through the code under test. Each family's base gets boundary events written
straight into its store: at 00:00 of the day and of the next day, at 23:59 and 23:59:59, the
second before the day, a completed and a deleted one on the day, one dated on the day but
starting days later, and one with no start at all dated on the day.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from onec_history.agenda import (
    NOBODY,
    AgendaItem,
    agenda,
    base_now,
    by_responsible,
    day_period,
    kind_label,
    week_period,
)
from onec_history.client import Client
from onec_history.demo.server import DemoServer, start_demo
from onec_history.demo.store import Store
from onec_history.errors import PeriodError
from onec_history.history import History
from onec_history.transport import Transport

EVENTS = "Document_Событие"
EMPTY = "0001-01-01T00:00:00"
CPS = "Catalog_Контрагенты"


class Raw:
    """The demo base's own rows, read from its store."""

    def __init__(self, store: Store, family: str) -> None:
        self.store = store
        self.family = family
        self.table = store.schema.tables[EVENTS]

    def rows(self) -> list[dict[str, Any]]:
        return self.store.select(self.table)

    def planned_value(self) -> str:
        if self.family == "ut10":
            return "Запланировано"
        states = self.store.select(self.store.schema.tables["Catalog_СостоянияСобытий"])
        return next(str(s["Ref_Key"]) for s in states if s["PredefinedDataName"] == "Запланировано")

    def completed_value(self) -> str:
        if self.family == "ut10":
            return "Завершено"
        states = self.store.select(self.store.schema.tables["Catalog_СостоянияСобытий"])
        return next(str(s["Ref_Key"]) for s in states if s["PredefinedDataName"] == "Завершено")

    @property
    def state_col(self) -> str:
        return "СостояниеСобытия" if self.family == "ut10" else "Состояние_Key"

    def planned(self) -> list[dict[str, Any]]:
        value = self.planned_value()
        return [r for r in self.rows() if r[self.state_col] == value and not r["DeletionMark"]]

    @staticmethod
    def when(row: dict[str, Any]) -> str:
        """The start as stored; the document date when the start is 1C's empty date."""
        start = str(row["НачалоСобытия"])
        return str(row["Date"]) if start == EMPTY else start

    def expected(self, begin: str, end: str, responsible: str | None = None) -> set[str]:
        """Planned, not deleted, begin <= start < end (ISO text compares as time)."""
        return {str(r["Ref_Key"]) for r in self.planned()
                if begin <= self.when(r) < end and (responsible is None or r["Ответственный_Key"] == responsible)}

    def client_of(self, row: dict[str, Any]) -> str | None:
        if self.family == "ut10" and row["Контрагент_Type"] == f"StandardODATA.{CPS}":
            return str(row["Контрагент"])
        section = "Document_Событие_СторонниеЛица" if self.family == "ut10" else "Document_Событие_Участники"
        parts = self.store.tabular_rows(section, [str(row["Ref_Key"])])[str(row["Ref_Key"])]
        for p in parts:
            if self.family == "ut10" and p.get("Контрагент"):
                return str(p["Контрагент"])
            if p.get("Контакт_Type") == f"StandardODATA.{CPS}":
                return str(p["Контакт"])
        return None

    def name(self, set_name: str, ref: str | None) -> str:
        if ref is None:
            return ""
        found = self.store.get(self.store.schema.tables[set_name], ref)
        return str(found["Description"]).strip() if found else ""

    def phones(self, cp: str) -> tuple[str, ...]:
        tables = self.store.schema.tables
        if f"{CPS}_КонтактнаяИнформация" in tables:
            rows = self.store.tabular_rows(f"{CPS}_КонтактнаяИнформация", [cp])[cp]
            return tuple(str(r["Представление"]) for r in rows if r["Тип"] == "Телефон")
        if "InformationRegister_КонтактнаяИнформация" in tables:
            reg = self.store.select(tables["InformationRegister_КонтактнаяИнформация"])
            return tuple(str(r["Представление"]) for r in reg
                         if r["Объект"] == cp and r["Тип"] == "Телефон" and r["Объект_Type"] == f"StandardODATA.{CPS}")
        return ()

    def busiest_day(self) -> date:
        days = Counter(self.when(r)[:10] for r in self.planned())
        return date.fromisoformat(days.most_common(1)[0][0])

    def add(self, template: dict[str, Any], **values: Any) -> str:
        """A copy of ``template`` (its participants too) with a new key and these values."""
        ref = str(uuid.uuid4())
        self.store.insert(EVENTS, [{**template, "Ref_Key": ref, **values}])
        section = "Document_Событие_Участники" if self.family == "unf" else "Document_Событие_СторонниеЛица"
        parts = self.store.tabular_rows(section, [str(template["Ref_Key"])])[str(template["Ref_Key"])]
        if parts:
            self.store.insert(section, [{**p, "Ref_Key": ref} for p in parts])
        self.store.commit()
        return ref


class Case:
    def __init__(self, server: DemoServer, family: str) -> None:
        self.server = server
        self.raw = Raw(server.store, family)
        self.history = History(Client(Transport(server.url)))
        self.day = self.raw.busiest_day()
        d = self.day.isoformat()
        nxt = (self.day + timedelta(days=1)).isoformat()
        prev = (self.day - timedelta(days=1)).isoformat()
        planned = self.raw.planned()
        template = next(r for r in planned if self.raw.client_of(r))
        self.template = template
        add, state = self.raw.add, self.raw.state_col
        self.inside = {
            add(template, НачалоСобытия=f"{d}T00:00:00", Date=f"{prev}T09:00:00"),
            add(template, НачалоСобытия=f"{d}T23:59:00"),
            add(template, НачалоСобытия=f"{d}T23:59:59"),
            add(template, НачалоСобытия=EMPTY, Date=f"{d}T13:00:00"),
        }
        self.outside = {
            add(template, НачалоСобытия=f"{nxt}T00:00:00", Date=f"{d}T08:00:00"),
            add(template, НачалоСобытия=f"{prev}T23:59:59"),
            add(template, НачалоСобытия=f"{d}T12:00:00", **{state: self.raw.completed_value()}),
            add(template, НачалоСобытия=f"{d}T12:30:00", DeletionMark=1),
            add(template, Date=f"{d}T10:00:00", НачалоСобытия=f"{(self.day + timedelta(days=3)).isoformat()}T10:00:00"),
        }


@pytest.fixture(scope="module", params=["ut10", "unf"])
def case(request: pytest.FixtureRequest) -> Iterator[Case]:
    with start_demo(request.param) as server:
        yield Case(server, request.param)


def _refs(items: list[AgendaItem]) -> set[str]:
    return {i.ref for i in items}


def test_a_day_lists_exactly_the_planned_events_starting_on_it(case: Case) -> None:
    begin, end = day_period(case.day)
    items = agenda(case.history, start=begin, end=end, now=datetime(2000, 1, 1))
    expected = case.raw.expected(case.day.isoformat(), (case.day + timedelta(days=1)).isoformat())
    assert _refs(items) == expected
    assert len(items) == len(expected)  # each once
    assert case.inside <= expected and not case.outside & expected  # the boundaries are what they claim
    assert len(expected) > len(case.inside)  # the day has the demo's own events too
    assert not any(i.overdue for i in items)  # nothing is overdue in 2000


def test_each_item_carries_the_raw_rows_client_phone_responsible_and_subject(case: Case) -> None:
    begin, end = day_period(case.day)
    items = agenda(case.history, start=begin, end=end)
    rows = {str(r["Ref_Key"]): r for r in case.raw.rows()}
    users = case.history.profile.users_set
    subject = "ОписаниеСобытия" if case.raw.family == "ut10" else "Тема"
    phoned = 0
    for item in items:
        row = rows[item.ref]
        cp = case.raw.client_of(row)
        assert item.client_ref == cp
        assert item.client == case.raw.name(CPS, cp)
        assert item.phones == case.raw.phones(cp) if cp else item.phones == ()
        phoned += bool(item.phones)
        assert item.responsible == row["Ответственный_Key"]
        assert item.responsible_name == case.raw.name(users, row["Ответственный_Key"])
        assert item.subject == (str(row[subject]).strip() or None)
        assert item.start == datetime.fromisoformat(case.raw.when(row))
        assert item.kind_raw == row["ВидСобытия" if case.raw.family == "ut10" else "ТипСобытия"]
        assert item.phone == (item.phones[0] if item.phones else "")
    if case.raw.family == "unf":
        assert phoned, "the УНФ demo keeps phones of its clients"


def test_grouped_per_responsible_by_name_then_ordered_by_start(case: Case) -> None:
    begin, end = week_period(case.day)
    items = agenda(case.history, start=begin, end=end)
    groups = by_responsible(items)
    assert [len(g) for _, g in groups] and sum(len(g) for _, g in groups) == len(items)
    names = [who for who, _ in groups]
    assert len(names) == len(set(names)) and names == sorted(names, key=str.casefold)
    for who, group in groups:
        assert {i.responsible_name or NOBODY for i in group} == {who}
        starts = [i.start for i in group]
        assert starts == sorted(s for s in starts if s is not None)


def test_a_week_is_monday_to_sunday_holding_the_day(case: Case) -> None:
    begin, end = week_period(case.day)
    assert begin.weekday() == 0 and end - begin == timedelta(days=7) and begin.date() <= case.day < end.date()
    items = agenda(case.history, start=begin, end=end)
    assert _refs(items) == case.raw.expected(begin.date().isoformat(), end.date().isoformat())


def test_one_responsible(case: Case) -> None:
    who = str(case.template["Ответственный_Key"])
    begin, end = week_period(case.day)
    items = agenda(case.history, start=begin, end=end, responsible=who)
    assert items and {i.responsible for i in items} == {who}
    assert _refs(items) == case.raw.expected(begin.date().isoformat(), end.date().isoformat(), who)


def test_overdue_is_what_started_before_now(case: Case) -> None:
    now = datetime.combine(case.day, datetime.min.time()) + timedelta(hours=12)
    items = agenda(case.history, overdue=True, now=now)
    assert _refs(items) == case.raw.expected("1900-01-01", now.isoformat())
    assert all(i.overdue and i.start is not None and i.start < now for i in items)
    begin, end = day_period(case.day)
    today = agenda(case.history, start=begin, end=end, overdue=True, now=now)
    assert _refs(today) == case.raw.expected(case.day.isoformat(), now.isoformat())
    # the same day asked without --overdue marks the ones already passed
    marked = {i.ref for i in agenda(case.history, start=begin, end=end, now=now) if i.overdue}
    assert marked == _refs(today)
    # a period that has not begun has nothing overdue; one that is empty is a mistake
    assert agenda(case.history, start=now + timedelta(days=1), end=now + timedelta(days=2), overdue=True,
                  now=now) == []
    with pytest.raises(PeriodError):
        agenda(case.history, start=end, end=begin)


def test_one_filtered_request_for_the_events(case: Case) -> None:
    """The state and the start are filtered in 1C: the agenda reads no more events than it shows."""
    begin, end = day_period(case.day)
    agenda(case.history, start=begin, end=end)  # warm: $metadata, state catalogue, names
    before = case.server.requests_served
    items = agenda(case.history, start=begin, end=end)
    spent = case.server.requests_served - before
    assert items and spent <= 4, spent  # events, names of users and clients, phones


def test_helpers() -> None:
    assert day_period(date(2026, 4, 15)) == (datetime(2026, 4, 15), datetime(2026, 4, 16))
    assert week_period(date(2026, 4, 19)) == (datetime(2026, 4, 13), datetime(2026, 4, 20))  # a Sunday
    assert week_period(date(2026, 4, 13))[0] == datetime(2026, 4, 13)
    now = base_now()
    assert now.tzinfo is None and now.microsecond == 0
    assert base_now("Asia/Vladivostok").tzinfo is None
    item = AgendaItem(ref="r", number=None, start=None, end=None, responsible=None, responsible_name="",
                      client_ref=None, client="", phones=(), kind="other", kind_raw="Прочее", subject=None,
                      overdue=False)
    assert kind_label(item) == "Прочее" and item.phone == ""
    assert kind_label(item.__class__(**{**item.__dict__, "kind": "call"})) == "звонок"
    assert by_responsible([item]) == [(NOBODY, [item])]


def test_without_bounds_every_planned_event(case: Case) -> None:
    assert _refs(agenda(case.history)) == {str(r["Ref_Key"]) for r in case.raw.planned()}


def test_a_base_mapped_without_a_start_goes_by_the_document_date(case: Case) -> None:
    """A customised base whose config maps no start ([profile.event] start = ""): the document date."""
    history = History(Client(Transport(case.server.url)), profile_overrides={"event": {"start": ""}})
    begin, end = day_period(case.day)
    d, nxt = case.day.isoformat(), (case.day + timedelta(days=1)).isoformat()
    expected = {str(r["Ref_Key"]) for r in case.raw.planned() if d <= str(r["Date"]) < nxt}
    assert _refs(agenda(history, start=begin, end=end)) == expected
