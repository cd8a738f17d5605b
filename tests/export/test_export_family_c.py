"""``events export`` on family C (УТ 11 / КА 2 / ERP): the six interaction documents, full and incremental.

Every expected value is computed from the demo's raw rows (GETs of the six sets, the contact
persons and the unregistered callers), never through the export or the event readers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from onec_history.cli.main import main
from onec_history.client import Client, entity_path
from onec_history.demo.datasets import open_dataset
from onec_history.demo.schema import Schema
from onec_history.demo.server import DemoServer, start_demo
from onec_history.export import EVENT_COLUMNS, ExportOptions, StateFile, export_events
from onec_history.export.export import ExportResult
from onec_history.history import EventFilter, History
from onec_history.query import Query
from onec_history.transport import RetryPolicy, Transport

CALLS, MEETINGS, PLANNED = "Document_ТелефонныйЗвонок", "Document_Встреча", "Document_ЗапланированноеВзаимодействие"
MAIL_IN, MAIL_OUT, SMS = ("Document_ЭлектронноеПисьмоВходящее", "Document_ЭлектронноеПисьмоИсходящее",
                          "Document_СообщениеSMS")
INTERACTIONS = (CALLS, MEETINGS, PLANNED, MAIL_IN, MAIL_OUT, SMS)
PARTNERS, PERSONS, STRINGS = ("Catalog_Партнеры", "Catalog_КонтактныеЛицаПартнеров",
                              "Catalog_СтроковыеКонтактыВзаимодействий")
KIND = {CALLS: "call", MEETINGS: "meeting", PLANNED: "planned", MAIL_IN: "email", MAIL_OUT: "email", SMS: "sms"}
HEADER = {CALLS: "АбонентКонтакт", MAIL_IN: "ОтправительКонтакт"}  # the contact in the document's header
SECTION = {MEETINGS: "Участники", PLANNED: "Участники", MAIL_OUT: "ПолучателиПисьма", SMS: "Адресаты"}
EMPTY = "00000000-0000-0000-0000-000000000000"
META = {"base": "demo-ut11", "event_set": ",".join(INTERACTIONS), "scope": "{}"}


def make_history(url: str, *, page_size: int = 50) -> History:
    transport = Transport(url, retry=RetryPolicy(attempts=2, backoff=0.01, deadline=30))
    return History(Client(transport, page_size=page_size))


@dataclass
class Raw:
    """The demo's rows as 1C sends them."""

    rows: dict[str, dict[str, dict[str, Any]]]  # set → ref → row
    owner: dict[str, str | None]  # contact person → partner
    names: dict[tuple[str, str], str]  # (catalog, ref) → Description

    def of(self, *sets: str) -> dict[str, str]:
        """ref → set of every interaction of ``sets`` (all six by default)."""
        return {ref: s for s in (sets or tuple(self.rows)) for ref in self.rows.get(s, {})}


def read_raw(client: Client, sets: tuple[str, ...] = INTERACTIONS) -> Raw:
    rows = {s: {str(r["Ref_Key"]): r for r in client.iterate(s, Query())} for s in sets}
    owner = {str(r["Ref_Key"]): (None if r["Owner_Key"] == EMPTY else str(r["Owner_Key"]))
             for r in client.iterate(PERSONS, Query())}
    names = {(c, str(r["Ref_Key"])): str(r["Description"]).strip()
             for c in (PARTNERS, PERSONS, STRINGS) for r in client.iterate(c, Query())}
    return Raw(rows, owner, names)


def contacts(entity_set: str, row: dict[str, Any]) -> list[tuple[str, str]]:
    """(ref, catalog) of the interaction's contacts: its header contact, or its section's rows in order."""
    if entity_set in HEADER:
        pairs = [(row[HEADER[entity_set]], row[f"{HEADER[entity_set]}_Type"])]
    else:
        lines = sorted(row[SECTION[entity_set]], key=lambda p: int(p["LineNumber"]))
        pairs = [(p["Контакт"], p["Контакт_Type"]) for p in lines]
    return [(str(ref), str(t).removeprefix("StandardODATA.")) for ref, t in pairs
            if ref and ref != EMPTY and str(t).startswith("StandardODATA.Catalog_")]


def expected(raw: Raw, entity_set: str, row: dict[str, Any]) -> dict[str, Any]:
    """The export's columns of one interaction, from its raw row: the partner is the client; a contact
    person stands for its partner (and is the contact); an unregistered caller is the client's text."""
    found = contacts(entity_set, row)
    partner = next((r for r, c in found if c == PARTNERS), None)
    person = next((r for r, c in found if c == PERSONS), None) if partner is None else None
    client_ref = partner or (raw.owner.get(person) if person else None)
    client = raw.names.get((PARTNERS, client_ref)) if client_ref else None
    if client_ref is None and person is None:
        string = next((r for r, c in found if c == STRINGS), None)
        client = raw.names[(STRINGS, string)] if string else None
    if entity_set == CALLS:
        direction: str | None = "incoming" if row["Входящий"] else "outgoing"
    else:
        direction = {MAIL_IN: "incoming", MAIL_OUT: "outgoing", SMS: "outgoing"}.get(entity_set)
    return {"ref": str(row["Ref_Key"]), "document_type": entity_set, "kind": entity_set.removeprefix("Document_"),
            "kind_code": KIND[entity_set], "direction_code": direction, "client_ref": client_ref,
            "contact_ref": person, "client": client, "number": str(row["Number"]).strip(),
            "date": row["Date"][:19], "posted": None, "deleted": bool(row["DeletionMark"]),
            "data_version": row["DataVersion"], "subject": str(row["Тема"]).strip() or None}


def project(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("ref", "document_type", "kind", "kind_code", "direction_code", "client_ref", "contact_ref", "client",
            "number", "date", "posted", "deleted", "data_version", "subject")
    return {k: row[k] for k in keys}


def export(h: History, flt: EventFilter | None = None, *, state: Path | None = None,
           meta: dict[str, str] | None = None) -> tuple[ExportResult, list[dict[str, Any]]]:
    buf = io.BytesIO()
    options = ExportOptions(fmt="jsonl")
    if state is None:
        result = export_events(h, flt or EventFilter(), buf, options=options)
    else:
        with StateFile(state).begin(meta or META) as run:
            result = export_events(h, flt or EventFilter(), buf, options=options, state=run)
            run.commit()
    return result, [json.loads(x) for x in buf.getvalue().decode("utf-8").splitlines()]


@pytest.fixture(scope="module")
def ut11() -> Iterator[DemoServer]:
    """A read-only ut11 demo (tests that write start their own)."""
    with start_demo("ut11") as srv:
        yield srv


@pytest.fixture(scope="module")
def raw(ut11: DemoServer) -> Raw:
    return read_raw(make_history(ut11.url).client)


def serve_only(sets: set[str]) -> DemoServer:
    """The ut11 demo publishing, of the interaction documents, only ``sets`` (the rest unpublished)."""
    store, _ = open_dataset("ut11")
    tables = dict(store.schema.tables)  # a copy: the dataset's schema is shared
    for name in INTERACTIONS:
        if name not in sets:
            for section in tables.pop(name).tabular.values():
                tables.pop(section)
    store.schema = Schema(tables=tables, enums=store.schema.enums)
    return DemoServer(store).start()


# -- full export ------------------------------------------------------------------------------------
def test_every_interaction_is_exported_once_with_its_document_type(ut11: DemoServer, raw: Raw) -> None:
    result, rows = export(make_history(ut11.url, page_size=50))
    everything = raw.of()
    assert len(everything) == 352 and {s for s in everything.values()} == set(INTERACTIONS)
    assert result.exported == len(rows) == len(everything)
    assert sorted(r["ref"] for r in rows) == sorted(everything)  # each exactly once
    by_ref = {r["ref"]: r for r in rows}
    for ref, entity_set in everything.items():
        assert project(by_ref[ref]) == expected(raw, entity_set, raw.rows[entity_set][ref]), ref
    # the six documents' streams merged: oldest first, as families A and B export
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    # the demo's awkward cases are there: a contact person's call, an unregistered caller, a deletion mark
    assert any(r["contact_ref"] and r["client_ref"] for r in rows)
    assert any(r["client"] and r["client_ref"] is None for r in rows)
    assert any(r["deleted"] for r in rows)


def test_columns_keep_the_families_a_b_order_and_append_the_document_type() -> None:
    keys = [c.key for c in EVENT_COLUMNS]
    assert keys[:3] == ["ref", "number", "date"] and keys[-2:] == ["data_version", "document_type"]
    assert len(keys) == 27


def test_cli_export_of_a_family_c_base(capsys: pytest.CaptureFixture[str], tmp_path: Path, raw: Raw,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for var in ("ONEC_URL", "ONEC_USER", "ONEC_PASSWORD", "ONEC_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    out = tmp_path / "events.csv"
    code = main(["--demo", "ut11", "events", "export", "--headings", "ru", "-o", str(out), "--quiet"])
    assert code == 0, capsys.readouterr().err
    with out.open(encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))
    assert lines[0][-2:] == ["Версия данных", "Тип документа"] and len(lines) == 1 + len(raw.of())
    assert sorted((line[0], line[-1]) for line in lines[1:]) == sorted(raw.of().items())


def test_a_counterpartys_interactions_through_its_partner_and_contact_persons(ut11: DemoServer, raw: Raw) -> None:
    h = make_history(ut11.url)
    counterparties = {str(r["Ref_Key"]): r for r in h.client.iterate("Catalog_Контрагенты", Query())}
    romashka = next(ref for ref, r in counterparties.items() if str(r["Description"]).startswith("ООО Ромашка"))
    partner = str(counterparties[romashka]["Партнер_Key"])
    mine = {partner} | {p for p, owner in raw.owner.items() if owner == partner}
    wanted = {ref for ref, s in raw.of().items() if {r for r, _ in contacts(s, raw.rows[s][ref])} & mine}
    _, rows = export(h, EventFilter(counterparty=romashka))
    assert len(rows) == len(wanted) > 5 and {r["ref"] for r in rows} == wanted
    assert {r["client_ref"] for r in rows} <= {partner, None}


# -- incremental --------------------------------------------------------------------------------------
def oldest(client: Client, entity_set: str, n: int) -> list[str]:
    rows = client.iterate(entity_set, Query(select=("Ref_Key",), orderby=("Date", "Ref_Key"), top=n))
    return [str(r["Ref_Key"]) for r in rows]


def test_incremental_finds_exactly_the_changes_in_two_documents(tmp_path: Path) -> None:
    with start_demo("ut11") as srv:
        h = make_history(srv.url, page_size=50)
        c = h.client
        state = tmp_path / "state.db"
        first, rows = export(h, state=state)
        counts = {s: len(v) for s, v in read_raw(c).rows.items()}
        assert first.new == len(rows) == sum(counts.values()) and {r["change"] for r in rows} == {"new"}
        assert StateFile(state).sets() == dict(sorted(counts.items()))
        assert export(h, state=state)[1] == []

        calls, meetings = oldest(c, CALLS, 4), oldest(c, MEETINGS, 3)
        c.patch(CALLS, calls[0], {"Тема": "правка звонка"})
        c.patch(CALLS, calls[1], {"Описание": "дописано"})
        c.mark_deleted(CALLS, calls[2])
        c.transport.request("DELETE", entity_path(CALLS, calls[3]))
        c.patch(MEETINGS, meetings[0], {"Тема": "правка встречи"})
        c.mark_deleted(MEETINGS, meetings[1])
        c.transport.request("DELETE", entity_path(MEETINGS, meetings[2]))
        partner = next(r for r, t in contacts(MEETINGS, read_raw(c, (MEETINGS,)).rows[MEETINGS][meetings[0]])
                       if t == PARTNERS)
        new_call = c.create(CALLS, {"Date": "2026-05-04T10:00:00", "Тема": "новый звонок", "Входящий": True,
                                    "АбонентКонтакт": partner,
                                    "АбонентКонтакт_Type": f"StandardODATA.{PARTNERS}"})["Ref_Key"]
        new_meeting = c.create(MEETINGS, {"Date": "2026-05-05T10:00:00", "Тема": "новая встреча", "Участники": [
            {"LineNumber": 1, "Контакт": partner, "Контакт_Type": f"StandardODATA.{PARTNERS}"}]})["Ref_Key"]

        result, rows = export(h, state=state)
        by_ref = {r["ref"]: r for r in rows}
        assert {ref: r["change"] for ref, r in by_ref.items()} == {
            calls[0]: "changed", calls[1]: "changed", calls[2]: "deleted", calls[3]: "vanished",
            meetings[0]: "changed", meetings[1]: "deleted", meetings[2]: "vanished",
            new_call: "new", new_meeting: "new"}
        assert {ref: r["document_type"] for ref, r in by_ref.items()} == {
            **dict.fromkeys((*calls, new_call), CALLS), **dict.fromkeys((*meetings, new_meeting), MEETINGS)}
        now = read_raw(c)
        for ref, r in by_ref.items():
            if r["change"] != "vanished":
                assert project(r) == expected(now, r["document_type"], now.rows[r["document_type"]][ref]), ref
        assert by_ref[calls[0]]["subject"] == "правка звонка" and by_ref[new_meeting]["client_ref"] == partner
        assert by_ref[calls[3]]["client"] is None and by_ref[calls[3]]["date"] is None
        assert (result.new, result.changed, result.deleted) == (2, 3, 4)
        assert result.requests < first.requests
        assert StateFile(state).sets() == dict(sorted((s, len(v)) for s, v in now.rows.items()))
        assert export(h, state=state)[1] == []


def test_a_base_publishing_some_interactions_exports_those(tmp_path: Path) -> None:
    published = {CALLS, MEETINGS}
    with serve_only(published) as part, start_demo("ut11") as full:
        hp, hf = make_history(part.url), make_history(full.url)
        assert [v.event_set for v in hp.profile.views()] == [CALLS, MEETINGS]
        everything = read_raw(hf.client).of()  # the same rows: the demo is built from a fixed seed
        some = {ref: s for ref, s in everything.items() if s in published}
        _, rows = export(hp)
        assert {r["ref"]: r["document_type"] for r in rows} == some and len(rows) == len(some)

        # Publishing the other four later: the same state goes on, their events come as new...
        state = tmp_path / "state.db"
        first, _ = export(hp, state=state)
        assert first.new == len(some)
        later, rows = export(hf, state=state)
        assert {r["ref"]: r["change"] for r in rows} == dict.fromkeys(set(everything) - set(some), "new")
        assert later.changed == later.deleted == 0
        # ... and unpublishing them again tells their events left the export (they may well exist).
        again, rows = export(hp, state=state)
        assert {r["ref"]: (r["change"], r["document_type"]) for r in rows} == {
            ref: ("left", s) for ref, s in everything.items() if s not in published}
        assert again.left == len(everything) - len(some) and StateFile(state).sets() == {CALLS: 190, MEETINGS: 51}


def test_a_customised_call_with_a_single_reference_contact_exports_its_partner() -> None:
    """A real customised УТ 11 reads АбонентКонтакт_Key as a single reference (family-c.md): the
    export's row functions follow the base's $metadata, not a table of names."""
    from test_family_c_detection import edmx

    from onec_history.export.rows import EventRowMapper
    from onec_history.mapping import EventMapper
    from onec_history.names import NameResolver
    from onec_history.profiles import detect_profile

    md = edmx({"Catalog_Контрагенты": ("ИНН", "Партнер_Key"), PARTNERS: (), PERSONS: ("Owner_Key",),
               CALLS: ("АбонентКонтакт_Key", "Входящий", "Тема", "Ответственный_Key")})
    views = detect_profile(md).views()
    assert [v.event_set for v in views] == [CALLS]  # the only interaction published
    partner, user = "10000000-0000-0000-0000-000000000001", "20000000-0000-0000-0000-000000000002"
    names = NameResolver(None)  # type: ignore[arg-type]  # every name is known: no request
    names.remember(PARTNERS, partner, "ООО Ромашка")
    names.remember(views[0].users_set, user, "Иванов")
    mapper = EventRowMapper(EventMapper(views[0]).shape, names, users_set=views[0].users_set)
    row = {"Ref_Key": "90000000-0000-0000-0000-000000000009", "Number": "НФ00-000001 ", "Date": "2026-03-02T10:15:04",
           "DeletionMark": False, "Posted": False, "DataVersion": "AAA=", "АбонентКонтакт_Key": partner,
           "Входящий": False, "Тема": "Мониторы", "Ответственный_Key": user}
    got = dict(zip([c.key for c in EVENT_COLUMNS], mapper.map(row), strict=True))
    assert project(got) == {
        "ref": row["Ref_Key"], "document_type": CALLS, "kind": "ТелефонныйЗвонок", "kind_code": "call",
        "direction_code": "outgoing", "client_ref": partner, "contact_ref": None, "client": "ООО Ромашка",
        "number": "НФ00-000001", "date": "2026-03-02T10:15:04", "posted": None, "deleted": False,
        "data_version": "AAA=", "subject": "Мониторы"}
    assert got["responsible"] == "Иванов"


def test_a_big_export_reads_the_contact_persons_partners_in_one_pass(ut11: DemoServer, raw: Raw,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the names' threshold the persons' catalog is read whole (Ref_Key, Owner_Key, Description)
    instead of ~20 persons a request: the same rows come out."""
    from onec_history.counterparties.partners import Partners
    from onec_history.export.rows import NamePreloader

    passes: list[int] = []
    real = Partners.preload_owners

    def spy(self: Partners, page_size: int = 5000) -> bool:
        passes.append(page_size)
        return real(self, page_size)

    monkeypatch.setattr(NamePreloader, "MIN_SEEN", 5)  # the demo has 40 persons: decide as a big base would
    monkeypatch.setattr(Partners, "preload_owners", spy)
    _, rows = export(make_history(ut11.url, page_size=50))
    assert len(passes) == 1
    everything = raw.of()
    assert sorted(r["ref"] for r in rows) == sorted(everything)
    for r in rows:
        assert project(r) == expected(raw, r["document_type"], raw.rows[r["document_type"]][r["ref"]]), r["ref"]


def test_an_unregistered_caller_with_only_a_text_is_the_client_text() -> None:
    """1C's own code writes an unknown caller as an empty contact and the text in АбонентПредставление."""
    with start_demo("ut11") as srv:
        h = make_history(srv.url)
        new = h.client.create(CALLS, {"Date": "2026-05-06T09:00:00", "Тема": "кто-то звонил", "Входящий": True,
                                      "АбонентПредставление": "Незнакомец +7 900 000-00-00"})["Ref_Key"]
        _, rows = export(h)
    row = next(r for r in rows if r["ref"] == new)
    assert (row["client"], row["client_ref"], row["contact_ref"]) == ("Незнакомец +7 900 000-00-00", None, None)


def test_a_planned_interaction_is_exported_at_its_due_moment_and_picked_by_it(ut11: DemoServer, raw: Raw) -> None:
    """Its document has no date of its own (Date is when it was entered): the start column and the
    period follow РассмотретьПосле from the register, as events list and agenda do."""
    h = make_history(ut11.url)
    register = {str(r["Взаимодействие"]): r for r in h.client.iterate(
        "InformationRegister_ПредметыПапкиВзаимодействий", Query())}
    planned = raw.rows["Document_ЗапланированноеВзаимодействие"]
    _, rows = export(h)
    for row in rows:
        if row["document_type"] == "Document_ЗапланированноеВзаимодействие":
            assert row["start"] == register[row["ref"]]["РассмотретьПосле"]
    april = EventFilter(since=datetime(2026, 4, 1), until=datetime(2026, 4, 30, 23, 59, 59))
    _, rows = export(h, april)
    got = {r["ref"] for r in rows if r["document_type"] == "Document_ЗапланированноеВзаимодействие"}
    due = {ref for ref in planned if "2026-04-01" <= str(register[ref]["РассмотретьПосле"]) < "2026-05-01"}
    assert due and got == due


def test_a_partner_with_many_contact_persons_exports_whole(tmp_path: Path) -> None:
    with start_demo("ut11") as srv:
        h = make_history(srv.url)
        cps = {str(r["Ref_Key"]): r for r in h.client.iterate("Catalog_Контрагенты", Query())}
        romashka = next(ref for ref, r in cps.items() if str(r["Description"]).startswith("ООО Ромашка"))
        partner = str(cps[romashka]["Партнер_Key"])
        for i in range(8):
            h.client.create("Catalog_КонтактныеЛицаПартнеров", {"Description": f"Лицо {i}", "Owner_Key": partner})
        raw_now = read_raw(h.client)
        mine = {partner} | {p for p, owner in raw_now.owner.items() if owner == partner}
        wanted = {ref for ref, s in raw_now.of().items()
                  if {r for r, _ in contacts(s, raw_now.rows[s][ref])} & mine}
        _, rows = export(make_history(srv.url), EventFilter(counterparty=romashka))
        assert {r["ref"] for r in rows} == wanted and len(rows) == len(wanted)
