"""The mirror of a family-C base (УТ 11 / КА 2 / ERP): the six interaction documents in the events table.

Expected values come from the demo's raw rows (GETs of the sets), never from the mirror or the readers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy", reason="the mirror needs SQLAlchemy 2 (pip install 'sqlalchemy>=2')")

import sqlalchemy as sa
from old_schema import as_made_by_version

from onec_history.client import Client, entity_path
from onec_history.demo.server import DemoServer, start_demo
from onec_history.history import EventFilter, History
from onec_history.mirror import schema as ms
from onec_history.mirror.reader import MirrorReader
from onec_history.mirror.sync import Mirror, MirrorReport, engine_for
from onec_history.query import Query
from onec_history.transport import Transport

CALLS, MEETINGS, MAIL_OUT = "Document_ТелефонныйЗвонок", "Document_Встреча", "Document_ЭлектронноеПисьмоИсходящее"
INTERACTIONS = (CALLS, MEETINGS, "Document_ЗапланированноеВзаимодействие", "Document_ЭлектронноеПисьмоВходящее",
                MAIL_OUT, "Document_СообщениеSMS")
PARTNERS, PERSONS, STRINGS = ("Catalog_Партнеры", "Catalog_КонтактныеЛицаПартнеров",
                              "Catalog_СтроковыеКонтактыВзаимодействий")
COUNTERPARTIES = "Catalog_Контрагенты"
HEADER = {CALLS: "АбонентКонтакт", "Document_ЭлектронноеПисьмоВходящее": "ОтправительКонтакт"}
SECTION = {MEETINGS: "Участники", "Document_ЗапланированноеВзаимодействие": "Участники", MAIL_OUT: "ПолучателиПисьма",
           "Document_СообщениеSMS": "Адресаты"}
EMPTY = "00000000-0000-0000-0000-000000000000"


def history(server: DemoServer) -> History:
    return History(Client(Transport(server.url), page_size=50))


def raw_rows(client: Client, entity_set: str) -> dict[str, dict[str, Any]]:
    return {str(r["Ref_Key"]): r for r in client.iterate(entity_set, Query())}


def ref(value: Any) -> str | None:
    return None if not value or value == EMPTY else str(value)


def expected_client(entity_set: str, row: dict[str, Any], owner: dict[str, str | None],
                    strings: dict[str, str]) -> tuple[str | None, str | None, str | None]:
    """(partner, contact person, text) of one interaction from its raw row: the partner among its
    contacts, else a contact person's partner (the person is the contact), else an unregistered caller."""
    if entity_set in HEADER:
        pairs = [(row[HEADER[entity_set]], row[f"{HEADER[entity_set]}_Type"])]
    else:
        lines = sorted(row[SECTION[entity_set]], key=lambda p: int(p["LineNumber"]))
        pairs = [(p["Контакт"], p["Контакт_Type"]) for p in lines]
    found = [(str(r), str(t).removeprefix("StandardODATA.")) for r, t in pairs if ref(r)]
    partner = next((r for r, t in found if t == PARTNERS), None)
    if partner:
        return partner, None, None
    person = next((r for r, t in found if t == PERSONS), None)
    if person:
        return owner.get(person), person, None
    string = next((r for r, t in found if t == STRINGS), None)
    return None, None, strings[string] if string else None


def table(url: str, t: sa.Table, *where: Any) -> list[Any]:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(t).where(*where)).mappings().all())
    finally:
        engine.dispose()


def by_set(report: MirrorReport) -> dict[str, Any]:
    return {s.entity_set: s for s in report.sets}


def check_against_1c(url: str, client: Client) -> None:
    """Every table the mirror fills for family C holds what 1C holds, row for row."""
    persons = raw_rows(client, PERSONS)
    owner = {r: ref(p["Owner_Key"]) for r, p in persons.items()}
    strings = {r: str(s["Description"]).strip() for r, s in raw_rows(client, STRINGS).items()}
    events = {r["ref"]: r for r in table(url, ms.events)}
    raw: dict[str, tuple[str, dict[str, Any]]] = {}
    for entity_set in INTERACTIONS:
        raw.update({r: (entity_set, row) for r, row in raw_rows(client, entity_set).items()})
    assert sorted(events) == sorted(raw)  # every interaction once
    for r, (entity_set, row) in raw.items():
        e = events[r]
        assert (e["document_set"], e["data_version"], e["deleted"], e["posted"]) == (
            entity_set, row["DataVersion"], row["DeletionMark"], None), r
        partner, person, text = expected_client(entity_set, row, owner, strings)
        assert (e["counterparty"], e["contact"]) == (partner, person), r
        assert e["counterparty_set"] == (PARTNERS if partner else None)
        if text is not None:
            assert e["counterparty_text"] == text
    docs = table(url, ms.documents, ms.documents.c.entity_set.in_(INTERACTIONS))
    assert sorted((d["entity_set"], d["ref"]) for d in docs) == sorted((s, r) for r, (s, _) in raw.items())
    cps = {c["ref"]: c for c in table(url, ms.counterparties)}
    raw_cps = raw_rows(client, COUNTERPARTIES)
    assert sorted(cps) == sorted(raw_cps)
    assert {r: c["partner"] for r, c in cps.items()} == {r: ref(c["Партнер_Key"]) for r, c in raw_cps.items()}
    names = table(url, ms.names)
    for catalog, rows in ((PARTNERS, raw_rows(client, PARTNERS)), (PERSONS, persons), (STRINGS, strings)):
        assert sorted(n["ref"] for n in names if n["entity_set"] == catalog) == sorted(rows), catalog


@pytest.fixture(scope="module")
def ut11() -> Iterator[DemoServer]:
    """A ut11 demo the mirror only reads."""
    with start_demo("ut11") as srv:
        yield srv


def test_a_full_mirror_holds_every_interaction_as_1c_does(ut11: DemoServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mirror.db'}"
    h = history(ut11)
    with Mirror(h, url) as mirror:
        report = mirror.sync()
    sets = by_set(report)
    for entity_set in (*INTERACTIONS, COUNTERPARTIES):
        assert sets[entity_set].mode == "full" and sets[entity_set].remote == h.client.count(entity_set), entity_set
    assert all(sets[s].role == "events" for s in INTERACTIONS) and report.warnings == []
    check_against_1c(url, h.client)
    reader = MirrorReader(url)
    assert reader.meta()["event_sets"] == ",".join(INTERACTIONS) and reader.sync_state().gaps() == []
    events = list(reader.events(newest_first=False))
    assert len(events) == 352 and {e.document_set for e in events} == set(INTERACTIONS)
    named = [e for e in events if e.counterparty]
    assert named and all(e.counterparty_name for e in named)  # the partners' names are mirrored too
    # The article's client read back by its counterparty: its partner's interactions.
    romashka = next(c for c in reader.counterparties() if c.name.startswith("ООО Ромашка"))
    assert romashka.partner and romashka.partner_name
    mine = [e for e in reader.events(EventFilter(counterparty=romashka.ref))]
    assert len(mine) > 5 and all(e.counterparty == romashka.partner or any(
        p.ref == romashka.partner for p in e.participants) for e in mine)


def test_reports_refuse_a_family_c_mirror_rather_than_give_wrong_figures(
        ut11: DemoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from onec_history.cli.main import main

    url = f"sqlite:///{tmp_path / 'mirror.db'}"
    with Mirror(history(ut11), url) as mirror:
        mirror.sync()
    code = main(["--url", ut11.url, "report", "inactive", "--days", "30", "--from-mirror", url])
    err = capsys.readouterr().err
    assert code == 3 and "family-C" in err and "without --from-mirror" in err


def test_a_second_run_copies_exactly_the_changes_of_two_documents(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mirror.db'}"
    with start_demo("ut11") as srv:
        h = history(srv)
        c = h.client
        with Mirror(h, url) as mirror:
            mirror.sync()
            calls = [str(r["Ref_Key"]) for r in c.iterate(CALLS, Query(select=("Ref_Key",), orderby=("Date",), top=4))]
            mails = [str(r["Ref_Key"]) for r in c.iterate(MAIL_OUT, Query(select=("Ref_Key",), orderby=("Date",),
                                                                          top=3))]
            partner = next(iter(raw_rows(c, PARTNERS)))
            c.patch(CALLS, calls[0], {"Тема": "правка"})
            c.mark_deleted(CALLS, calls[1])
            c.transport.request("DELETE", entity_path(CALLS, calls[2]))
            c.create(CALLS, {"Date": "2026-05-04T10:00:00", "Тема": "новый", "АбонентКонтакт": partner,
                             "АбонентКонтакт_Type": f"StandardODATA.{PARTNERS}"})
            c.patch(MAIL_OUT, mails[0], {"Тема": "правка письма"})
            c.transport.request("DELETE", entity_path(MAIL_OUT, mails[1]))
            c.create(MAIL_OUT, {"Date": "2026-05-05T10:00:00", "Тема": "новое письмо", "ПолучателиПисьма": [
                {"LineNumber": 1, "Контакт": partner, "Контакт_Type": f"StandardODATA.{PARTNERS}"}]})
            report = mirror.sync()
        sets = by_set(report)
        assert (sets[CALLS].mode, sets[CALLS].changed, sets[CALLS].deleted) == ("incremental", 3, 1)
        assert (sets[MAIL_OUT].mode, sets[MAIL_OUT].changed, sets[MAIL_OUT].deleted) == ("incremental", 2, 1)
        for entity_set in INTERACTIONS:
            if entity_set not in (CALLS, MAIL_OUT):
                assert (sets[entity_set].changed, sets[entity_set].deleted) == (0, 0), entity_set
        check_against_1c(url, c)  # the other documents' rows and participants untouched, these updated
        parts = table(url, ms.event_participants)
        meetings = raw_rows(c, MEETINGS)
        lines = sum(len(m["Участники"]) for m in meetings.values())
        assert sum(1 for p in parts if p["event_ref"] in meetings) == lines
        assert table(url, ms.events, ms.events.c.subject == "правка письма")[0]["document_set"] == MAIL_OUT


def test_a_family_c_mirror_of_an_older_schema_is_copied_again(ut11: DemoServer, tmp_path: Path) -> None:
    """Before version 3 a family-C mirror held the calls only, contact persons as clients: the next
    run adds the columns and copies every set again, and says so."""
    url = f"sqlite:///{tmp_path / 'mirror.db'}"
    h = history(ut11)
    with Mirror(h, url) as mirror:
        mirror.sync()
    as_made_by_version(url, "2")
    with Mirror(h, url) as mirror:
        report = mirror.sync()
    assert all(s.mode == "full" for s in report.sets)
    assert any("copied again" in w for w in report.warnings)
    check_against_1c(url, h.client)


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[str]:
    """A private database on the test server (other mirror tests, maybe of another run, share the default)."""
    name = f"onec_c_{uuid.uuid4().hex[:12]}"
    admin = engine_for(pg_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.SQLAlchemyError:  # no right to create one: the default, emptied
        admin.dispose()
        engine = engine_for(pg_url)
        ms.metadata.drop_all(engine)
        engine.dispose()
        yield pg_url
        return
    yield sa.engine.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_postgresql_holds_the_same_family_c_rows_and_is_upgraded_in_place(ut11: DemoServer, tmp_path: Path,
                                                                         pg_db: str) -> None:
    pg_url = pg_db
    h = history(ut11)
    lite = f"sqlite:///{tmp_path / 'mirror.db'}"
    for url in (lite, pg_url):
        with Mirror(h, url) as mirror:
            mirror.sync()
    for t in (ms.events, ms.event_participants, ms.counterparties, ms.documents, ms.names):
        key = [c.name for c in t.primary_key]
        assert (sorted(table(lite, t), key=lambda r: [r[k] for k in key])
                == sorted(table(pg_url, t), key=lambda r: [r[k] for k in key])), t.name
    as_made_by_version(pg_url, "2")  # without the columns of version 3
    with Mirror(h, pg_url) as mirror:
        report = mirror.sync()
    assert all(s.mode == "full" for s in report.sets)
    check_against_1c(pg_url, h.client)
