"""The synthetic generator's family C ("ut11"): a big base in УТ 11's shapes, served like any demo base.

Expected values are computed from the generated base's raw rows (the SQLite tables as written,
or plain GETs of the sets), never with the generator's own arithmetic.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_http import call

from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.demo.family_ut11 import ALLOWED_TYPES, INTERACTIONS, ut11_schema
from onec_history.demo.generator import generate
from onec_history.demo.rows import DATASET_NOW, dt
from onec_history.demo.schema import EMPTY_DATE, EMPTY_REF, UNDEFINED_TYPE
from onec_history.demo.server import DemoServer, start_demo
from onec_history.demo.store import Store, q
from onec_history.events.read import EventFilter
from onec_history.history import History
from onec_history.transport import Transport

Row = dict[str, Any]
Raw = dict[str, list[Row]]
EVENTS, PARTNERS_N, SEED = 2000, 100, 3
CALL, MEETING, PLANNED = "Document_ТелефонныйЗвонок", "Document_Встреча", "Document_ЗапланированноеВзаимодействие"
MAIL_IN, MAIL_OUT, SMS = ("Document_ЭлектронноеПисьмоВходящее", "Document_ЭлектронноеПисьмоИсходящее",
                          "Document_СообщениеSMS")
PARTNERS, PERSONS, CPS = "Catalog_Партнеры", "Catalog_КонтактныеЛицаПартнеров", "Catalog_Контрагенты"
STRINGS, DEALS = "Catalog_СтроковыеКонтактыВзаимодействий", "Catalog_СделкиСКлиентами"
OFFER, ORDER, SALE = ("Document_КоммерческоеПредложениеКлиенту", "Document_ЗаказКлиента",
                      "Document_РеализацияТоваровУслуг")
CONTACTS_REG = "InformationRegister_КонтактыВзаимодействий"
SUBJECTS_REG = "InformationRegister_ПредметыПапкиВзаимодействий"
STATES_REG = "InformationRegister_СостоянияКонтактовВзаимодействий"
# where each document names its contacts (the filter criterion ВзаимодействияКонтакта)
HEADER = {CALL: "АбонентКонтакт", MAIL_IN: "ОтправительКонтакт"}
SECTION = {MEETING: "Участники", PLANNED: "Участники", MAIL_OUT: "ПолучателиПисьма", SMS: "Адресаты",
           MAIL_IN: "ПолучателиПисьма"}
ST = "StandardODATA."


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen11") / "base.sqlite"
    generate(path, family="ut11", events=EVENTS, counterparties=PARTNERS_N, seed=SEED)
    return path


@pytest.fixture(scope="module")
def raw(base: Path) -> Raw:
    """Every table of the generated file, as stored."""
    store = Store.open(base)
    try:
        return {name: store.select(table) for name, table in store.schema.tables.items()}
    finally:
        store.close()


@pytest.fixture(scope="module")
def served(base: Path) -> Iterator[DemoServer]:
    with start_demo(base) as srv:
        yield srv


def by_ref(rows: list[Row]) -> dict[str, Row]:
    return {r["Ref_Key"]: r for r in rows}


def named_contacts(raw: Raw) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(document, Ref_Key) → the (Контакт_Type, Контакт) it names in its header and its section."""
    found: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for name in INTERACTIONS:
        lines: dict[str, list[Row]] = defaultdict(list)
        for line in raw.get(f"{name}_{SECTION.get(name, '')}", []):
            lines[line["Ref_Key"]].append(line)
        for doc in raw[name]:
            cells = [(doc[f"{HEADER[name]}_Type"], doc[HEADER[name]])] if name in HEADER else []
            cells += [(line["Контакт_Type"], line["Контакт"]) for line in lines[doc["Ref_Key"]]]
            found[(name, doc["Ref_Key"])] = {(t, v) for t, v in cells if t != UNDEFINED_TYPE}
    return found


def partner_of_contact(raw: Raw, typ: str, ref: str) -> str | None:
    if typ == ST + PARTNERS:
        return ref
    if typ == ST + PERSONS:
        return str(by_ref(raw[PERSONS])[ref]["Owner_Key"])
    return None


# --- shape and size ------------------------------------------------------------------------------


def test_its_metadata_is_the_ut11_schema(base: Path, served: DemoServer) -> None:
    store = Store.open(base)
    assert store.schema == ut11_schema()
    store.close()
    reply = call(served, "GET", "$metadata")
    assert reply.status == 200
    with start_demo("ut11") as builtin:
        assert reply.body == call(builtin, "GET", "$metadata").body


def test_sizes_and_proportions(raw: Raw) -> None:
    interactions = {name: raw[name] for name in INTERACTIONS}
    assert sum(map(len, interactions.values())) == EVENTS
    sizes = {name: len(rows) for name, rows in interactions.items()}
    assert sizes[CALL] == max(sizes.values()) and sizes[CALL] > EVENTS * 0.35
    assert all(size > 0 for size in sizes.values()), sizes
    assert len(raw[PARTNERS]) == PARTNERS_N
    assert all(len(r["Code"]) == 11 and r["Code"].startswith("НФ-") for r in raw[PARTNERS])
    per_partner = Counter(r["Партнер_Key"] for r in raw[CPS])
    assert set(per_partner) == {r["Ref_Key"] for r in raw[PARTNERS]}  # every partner has a counterparty
    assert 5 <= sum(1 for n in per_partner.values() if n == 2) <= 15 and max(per_partner.values()) == 2
    assert {"Code", "Parent_Key", "IsFolder"}.isdisjoint(raw[CPS][0])  # УТ 11: no code, no groups
    owners = Counter(r["Owner_Key"] for r in raw[PERSONS])
    assert set(owners) == {r["Ref_Key"] for r in raw[PARTNERS]} and set(owners.values()) == {1, 2}
    deleted = sum(r["DeletionMark"] for rows in interactions.values() for r in rows)
    assert 0 < deleted < EVENTS * 0.05
    calls = raw[CALL]
    kinds = Counter(r["АбонентКонтакт_Type"] for r in calls)
    assert set(kinds) == {ST + PARTNERS, ST + PERSONS, ST + STRINGS}
    assert kinds[ST + STRINGS] < len(calls) * 0.1 and kinds[ST + STRINGS] == len(raw[STRINGS])
    assert all(r["АбонентКакСвязаться"].startswith("+7 (") and r["Тема"] for r in calls)
    assert 0 < sum(r["Входящий"] for r in calls) < len(calls)
    chained = sum(r["ВзаимодействиеОснование_Type"] != UNDEFINED_TYPE for rows in interactions.values() for r in rows)
    assert EVENTS * 0.1 < chained < EVENTS * 0.5
    assert raw[DEALS] and raw[OFFER] and raw[ORDER] and raw[SALE]
    assert len(raw[OFFER]) > len(raw[ORDER]) > len(raw[SALE])
    assert all(not r["Posted"] for rows in interactions.values() for r in rows)  # interactions are not posted
    assert all(r["Posted"] for name in (OFFER, ORDER, SALE) for r in raw[name])


def test_the_rows_have_the_built_in_datasets_shapes(raw: Raw) -> None:
    meeting = raw[MEETING][0]
    assert meeting["ДатаНачала"] < meeting["ДатаОкончания"] and meeting["МестоПроведенияВстречи"]
    participants = [r for r in raw[f"{MEETING}_Участники"] if r["Ref_Key"] == meeting["Ref_Key"]]
    assert participants and all(p["ПредставлениеКонтакта"] and p["Контакт_Type"].startswith(ST) for p in participants)
    mail = raw[MAIL_IN][0]
    assert mail["ДатаПолучения"] == mail["Date"] and mail["УчетнаяЗапись_Key"] != EMPTY_REF and "Автор_Key" not in mail
    ours = [r for r in raw[f"{MAIL_IN}_ПолучателиПисьма"] if r["Ref_Key"] == mail["Ref_Key"]]
    assert [r["Контакт_Type"] for r in ours] == [UNDEFINED_TYPE] and ours[0]["Адрес"]
    sent = raw[MAIL_OUT][0]
    assert sent["СтатусПисьма"] == "Отправлено" and sent["ДатаОтправления"] == sent["Date"]
    now = dt(DATASET_NOW)
    future_meetings = [r for r in raw[MEETING] if r["ДатаНачала"] > now]
    assert all(r["Date"] <= now for r in future_meetings)  # entered before "today", held after it
    assert all(r["Date"] <= now for r in raw[PLANNED])  # a planned one's Date is when it was entered
    # the calls, e-mails and SMS of the past only: what is ahead is planned
    assert all(r["Date"] <= now for name in (CALL, MAIL_IN, MAIL_OUT, SMS) for r in raw[name])


def test_every_reference_points_at_an_existing_row(raw: Raw) -> None:
    schema = ut11_schema()
    refs = {name: {r["Ref_Key"] for r in rows} for name, rows in raw.items() if "Ref_Key" in schema.tables[name].key
            and schema.tables[name].owner is None}
    checked = 0
    for name, table in schema.tables.items():
        for row in raw[name]:
            if table.owner is not None:
                assert row["Ref_Key"] in refs[table.owner], (name, row)
            for nav in table.navigations.values():
                value = row[nav.key_column]
                assert value == EMPTY_REF or value in refs[nav.target_set], (name, nav.key_column, value)
                checked += value != EMPTY_REF
            for column in table.columns.values():
                if not column.composite:
                    continue
                typ, value = row[f"{column.name}_Type"], row[column.name]
                if typ == UNDEFINED_TYPE:
                    assert value == "", (name, column.name)
                    continue
                target = typ.removeprefix(ST)
                assert target in refs and value in refs[target], (name, column.name, typ, value)
                allowed = ALLOWED_TYPES.get((name, column.name))
                assert allowed is None or target in allowed, (name, column.name, target)
                checked += 1
    assert checked > 10 * EVENTS


def test_the_registers_agree_with_the_documents(raw: Raw) -> None:
    named = named_contacts(raw)
    expected = {(f"{ST}{name}", ref, t, v) for (name, ref), contacts in named.items() for t, v in contacts}
    got = {(r["Взаимодействие_Type"], r["Взаимодействие"], r["Контакт_Type"], r["Контакт"]) for r in raw[CONTACTS_REG]}
    assert got == expected and len(raw[CONTACTS_REG]) == len(expected)
    assert all(contacts for contacts in named.values())  # every interaction names somebody

    subjects = {(r["Взаимодействие_Type"], r["Взаимодействие"]): r for r in raw[SUBJECTS_REG]}
    assert set(subjects) == {(f"{ST}{name}", ref) for name, ref in named}
    deals = by_ref(raw[DEALS])
    in_deals = 0
    for (name, ref), contacts in named.items():
        subject = subjects[(f"{ST}{name}", ref)]
        if subject["Предмет_Type"] == ST + DEALS:  # the deal is the client's own
            partners = {partner_of_contact(raw, t, v) for t, v in contacts}
            assert partners == {deals[subject["Предмет"]]["Партнер_Key"]}
            in_deals += 1
        else:
            assert (subject["Предмет_Type"], subject["Предмет"]) == (f"{ST}{name}", ref)
        planned = name == PLANNED
        assert (subject["РассмотретьПосле"] != EMPTY_DATE) == planned
        assert not (planned and subject["Рассмотрено"])
    assert EVENTS * 0.2 < in_deals < EVENTS * 0.4
    assert 0 < sum(1 - r["Рассмотрено"] for r in raw[SUBJECTS_REG]) < EVENTS * 0.3

    # per contact: the latest Date of its interactions (planned, deletion-marked too) and the unreviewed
    dates = {(f"{ST}{name}", r["Ref_Key"]): r["Date"] for name in INTERACTIONS for r in raw[name]}
    state: dict[tuple[str, str], list[Any]] = {}
    for (name, ref), contacts in named.items():
        key = (f"{ST}{name}", ref)
        for contact in contacts:
            entry = state.setdefault(contact, ["", 0])
            entry[0] = max(entry[0], dates[key])
            entry[1] += 1 - subjects[key]["Рассмотрено"]
    got_states = {(r["Контакт_Type"], r["Контакт"]): [r["ДатаПоследнегоВзаимодействия"], r["КоличествоНеРассмотрено"]]
                  for r in raw[STATES_REG]}
    assert got_states == state and len(raw[STATES_REG]) == len(state)
    deleted = {(f"{ST}{name}", r["Ref_Key"]) for name in INTERACTIONS for r in raw[name] if r["DeletionMark"]}
    assert deleted and all(subjects[d]["Рассмотрено"] for d in deleted)  # counted either way alike


def test_the_sales_chain_runs_through_the_deal(raw: Raw) -> None:
    deals, offers, orders = by_ref(raw[DEALS]), by_ref(raw[OFFER]), by_ref(raw[ORDER])
    partner_of_cp = {r["Ref_Key"]: r["Партнер_Key"] for r in raw[CPS]}
    for offer in offers.values():
        deal = deals[offer["Сделка_Key"]]
        assert (offer["ДокументОснование_Type"], offer["ДокументОснование"]) == (ST + DEALS, deal["Ref_Key"])
        assert offer["Клиент_Key"] == deal["Партнер_Key"] == partner_of_cp[offer["Контрагент_Key"]]
        assert offer["УдалитьПартнер_Key"] == EMPTY_REF
    for order in orders.values():
        assert order["ДокументОснование_Type"] == ST + OFFER
        offer = offers[order["ДокументОснование"]]
        assert order["Сделка_Key"] == offer["Сделка_Key"] and order["Партнер_Key"] == offer["Клиент_Key"]
        assert order["Контрагент_Key"] == offer["Контрагент_Key"] and offer["Date"] < order["Date"]
    lines: dict[str, list[Row]] = defaultdict(list)
    for line in raw[f"{SALE}_Товары"]:
        lines[line["Ref_Key"]].append(line)
    won = set()
    for sale in raw[SALE]:
        assert sale["ЗаказКлиента_Type"] == ST + ORDER
        order = orders[sale["ЗаказКлиента"]]
        assert sale["Сделка_Key"] == order["Сделка_Key"] and sale["Партнер_Key"] == order["Партнер_Key"]
        assert order["Date"] < sale["Date"] <= dt(DATASET_NOW) and order["Статус"] == "Закрыт"
        own = lines[sale["Ref_Key"]]
        assert own and all((r["ЗаказКлиента_Type"], r["ЗаказКлиента"]) == (ST + ORDER, order["Ref_Key"]) for r in own)
        assert sale["СуммаДокумента"] == pytest.approx(sum(r["Сумма"] for r in lines[sale["Ref_Key"]]))
        won.add(sale["Сделка_Key"])
    assert {ref for ref, d in deals.items() if d["Статус"] == "Выиграна"} == won
    assert {d["Статус"] for d in deals.values()} == {"Выиграна", "Проиграна", "ВРаботе"}
    assert all(d["Закрыта"] == (d["Статус"] != "ВРаботе") for d in deals.values())


def _digest(path: Path) -> str:
    store = Store.open(path)
    digest = hashlib.sha256()
    for table in store.schema.tables.values():
        order = ", ".join(q(k) for k in table.key)
        for row in store.select(table, order=order):
            digest.update(repr(sorted(row.items())).encode())
    store.close()
    return digest.hexdigest()


def test_deterministic_for_a_seed(tmp_path: Path, base: Path) -> None:
    generate(tmp_path / "again.sqlite", family="ut11", events=EVENTS, counterparties=PARTNERS_N, seed=SEED)
    assert _digest(tmp_path / "again.sqlite") == _digest(base)
    generate(tmp_path / "other.sqlite", family="ut11", events=EVENTS, counterparties=PARTNERS_N, seed=SEED + 1)
    assert _digest(tmp_path / "other.sqlite") != _digest(base)


@pytest.mark.parametrize(("events", "partners"), [(0, 1), (1, 1), (13, 2), (250, 7)])
def test_tiny_bases_are_consistent_too(tmp_path: Path, events: int, partners: int) -> None:
    counts = generate(tmp_path / "tiny.sqlite", family="ut11", events=events, counterparties=partners, seed=1)
    assert sum(counts.get(name, 0) for name in INTERACTIONS) == events
    assert counts.get(SUBJECTS_REG, 0) == events and counts[PARTNERS] == partners
    with start_demo(tmp_path / "tiny.sqlite") as srv:
        assert call(srv, "GET", f"{CALL}/$count").status == 200


# --- served -----------------------------------------------------------------------------------------


def test_history_finds_a_counterpartys_interactions_through_its_partner(served: DemoServer, raw: Raw) -> None:
    named = named_contacts(raw)
    history = History(Client(Transport(served.url)))
    per_partner = Counter(r["Партнер_Key"] for r in raw[CPS])
    busiest = Counter(partner_of_contact(raw, t, v) for contacts in named.values() for t, v in contacts)
    two = sorted(p for p, n in per_partner.items() if n == 2)[:2]
    twins = [r for r in raw[CPS] if r["Партнер_Key"] in two]  # both entities of two partners
    top = [r for r in raw[CPS] if r["Партнер_Key"] == busiest.most_common(1)[0][0]][:1]
    sample = [*twins, *top, *raw[CPS][:6]]
    for cp in sample:
        partner = cp["Партнер_Key"]
        targets = {(ST + PARTNERS, partner)} | {(ST + PERSONS, p["Ref_Key"]) for p in raw[PERSONS]
                                                if p["Owner_Key"] == partner}
        expected = {ref for (_, ref), contacts in named.items() if contacts & targets}
        events = list(history.events(EventFilter(counterparty=cp["Ref_Key"])))
        assert {e.ref for e in events} == expected, cp["Description"]
        assert len(events) == len(expected) and all(e.counterparty == partner for e in events)
    assert len(twins) == 4


def test_new_documents_continue_the_numbering(base: Path, raw: Raw) -> None:
    with start_demo(base) as server:  # its own copy: the other tests' server keeps the rows as generated
        _continue_the_numbering(server, raw)


def _continue_the_numbering(served: DemoServer, raw: Raw) -> None:
    last = max(r["Number"] for r in raw[CALL])
    assert last.startswith("НФ00-") and len(last) == 11
    partner = raw[PARTNERS][0]["Ref_Key"]
    reply = call(served, "POST", f"{CALL}?$format=json", headers={"Content-Type": "application/json"}, body={
        "Date": "2026-07-01T10:00:00", "Входящий": True, "АбонентКонтакт": partner,
        "АбонентКонтакт_Type": ST + PARTNERS, "Тема": "Звонок из теста"})
    assert reply.status == 201, reply.text
    assert reply.json["Number"] == f"НФ00-{int(last[5:]) + 1:06d}"
    reply = call(served, "POST", f"{PARTNERS}?$format=json", headers={"Content-Type": "application/json"},
                 body={"Description": "Новый партнер"})
    assert reply.status == 201, reply.text
    assert reply.json["Code"] == f"НФ-{PARTNERS_N + 1:08d}"


def test_the_cli_writes_a_ut11_base(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.sqlite"
    code = main(["-q", "demo", "generate", "--family", "ut11", "--events", "300", "--counterparties", "20",
                 "--out", str(out)])
    assert code == 0 and capsys.readouterr().err == ""
    store = Store.open(out)
    try:
        assert store.schema == ut11_schema()
        assert sum(store.count(store.schema.tables[name]) for name in INTERACTIONS) == 300
        assert store.count(store.schema.tables[PARTNERS]) == 20
    finally:
        store.close()
