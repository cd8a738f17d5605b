"""Family C (УТ 11 / КА 2 / ERP) read through the tool: a counterparty's interactions through its
partner and the partner's contact persons, exactly; the card; history and chain with the deal.

Expected answers are computed from the demo's raw rows (plain GETs of the sets), never with the
code under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from demo_http import call

from onec_history.chains import Chains
from onec_history.client import Client
from onec_history.demo.family_ut11 import INTERACTIONS
from onec_history.demo.server import DemoServer, start_demo
from onec_history.events.read import EventFilter
from onec_history.history import History
from onec_history.models import Direction, EventKind, EventState
from onec_history.transport import Transport

Row = dict[str, Any]
PARTNERS = "Catalog_Партнеры"
PERSONS = "Catalog_КонтактныеЛицаПартнеров"
HEADER = {"Document_ТелефонныйЗвонок": "АбонентКонтакт", "Document_ЭлектронноеПисьмоВходящее": "ОтправительКонтакт"}
SECTION = {"Document_Встреча": "Участники", "Document_ЗапланированноеВзаимодействие": "Участники",
           "Document_ЭлектронноеПисьмоИсходящее": "ПолучателиПисьма", "Document_СообщениеSMS": "Адресаты"}


@pytest.fixture(scope="module")
def ut11() -> Iterator[DemoServer]:
    with start_demo("ut11") as srv:
        yield srv


def raw(server: DemoServer, path: str) -> list[Row]:
    sep = "&" if "?" in path else "?"
    reply = call(server, "GET", f"{path}{sep}$format=json")
    assert reply.status == 200, reply.text
    value: list[Row] = reply.json["value"]
    return value


def history(server: DemoServer) -> History:
    return History(Client(Transport(server.url)))


def expected_interactions(server: DemoServer, counterparty: str) -> set[str]:
    """The counterparty's interactions as 1C's criterion ВзаимодействияКонтакта defines them."""
    cp = next(r for r in raw(server, "Catalog_Контрагенты") if r["Ref_Key"] == counterparty)
    partner = cp["Партнер_Key"]
    contacts = {(partner, f"StandardODATA.{PARTNERS}")}
    contacts |= {(p["Ref_Key"], f"StandardODATA.{PERSONS}") for p in raw(server, PERSONS) if p["Owner_Key"] == partner}
    found: set[str] = set()
    for name in INTERACTIONS:
        for row in raw(server, name):
            if name in HEADER:
                attr = HEADER[name]
                if (row[attr], row[f"{attr}_Type"]) in contacts:
                    found.add(row["Ref_Key"])
            else:
                if any((line["Контакт"], line["Контакт_Type"]) in contacts for line in row[SECTION[name]]):
                    found.add(row["Ref_Key"])
    return found


def counterparties(server: DemoServer) -> list[Row]:
    return raw(server, "Catalog_Контрагенты")


def test_every_counterparty_gets_exactly_its_partners_interactions(ut11: DemoServer) -> None:
    h = history(ut11)
    rows = counterparties(ut11)
    checked = 0
    for cp in rows[:40]:  # the article's client, the look-alikes, the two-counterparty partner among them
        got = [e.ref for e in h.events(EventFilter(counterparty=cp["Ref_Key"]))]
        assert len(got) == len(set(got)), "an interaction listed twice"
        assert set(got) == expected_interactions(ut11, cp["Ref_Key"]), cp["Description"]
        checked += bool(got)
    assert checked >= 20


def test_look_alike_names_do_not_mix_their_histories(ut11: DemoServer) -> None:
    h = history(ut11)
    found = list(h.search_counterparties("Ром"))
    assert len(found) == 3 and len({c.partner for c in found}) == 3
    histories = [{e.ref for e in h.events(EventFilter(counterparty=c.ref))} for c in found]
    assert sum(1 for x in histories if x) >= 2
    assert not (histories[0] & histories[1]) and not (histories[0] & histories[2]) and not (histories[1] & histories[2])


def test_the_events_carry_kind_direction_state_contact_and_subject(ut11: DemoServer) -> None:
    h = history(ut11)
    romashka = h.find_counterparty("7701000001")
    events = list(h.events(EventFilter(counterparty=romashka.ref), newest_first=False))
    first = events[0]
    assert first.document_set == "Document_ТелефонныйЗвонок" and first.kind is EventKind.CALL
    assert first.direction is Direction.INCOMING and first.state is EventState.COMPLETED
    assert first.counterparty == romashka.partner and first.posted is None
    assert h.contact_person_of(first) == "Сидоров Павел Петрович"
    # a list carries the to-do details of its planned events only; the card carries every subject
    assert first.topic is None
    card = h.get_event(first.ref)
    assert card.topic is not None and card.topic.title == "Мониторы для нового офиса" and card.reviewed is True
    planned = [e for e in events if e.kind is EventKind.PLANNED]
    assert planned and all(e.state is EventState.PLANNED for e in planned)
    # a planned interaction has no date of its own: it is due at the register's РассмотретьПосле
    assert all(e.start == e.review_after and e.start is not None for e in planned)
    mail = next(e for e in events if e.document_set == "Document_ЭлектронноеПисьмоИсходящее")
    assert mail.kind is EventKind.EMAIL and mail.direction is Direction.OUTGOING


def test_filters_by_kind_direction_and_state_match_the_raw_rows(ut11: DemoServer) -> None:
    h = history(ut11)
    calls = raw(ut11, "Document_ТелефонныйЗвонок")
    incoming = {r["Ref_Key"] for r in calls if r["Входящий"]}
    got = {e.ref for e in h.events(EventFilter(kind=EventKind.CALL, direction=Direction.INCOMING))}
    assert got == incoming
    planned = {r["Ref_Key"] for r in raw(ut11, "Document_ЗапланированноеВзаимодействие")}
    drafts = {r["Ref_Key"] for r in raw(ut11, "Document_ЭлектронноеПисьмоИсходящее")
              if r["СтатусПисьма"] in ("Черновик", "Исходящее")}
    got_planned = {e.ref for e in h.events(EventFilter(state=EventState.PLANNED, kind=None))}
    assert planned | drafts <= got_planned
    assert not got_planned & {r["Ref_Key"] for r in calls}


def test_an_unregistered_caller_is_shown_by_its_text(ut11: DemoServer) -> None:
    strings = {r["Ref_Key"]: r["Description"] for r in raw(ut11, "Catalog_СтроковыеКонтактыВзаимодействий")}
    call_row = next(r for r in raw(ut11, "Document_ТелефонныйЗвонок")
                    if r["АбонентКонтакт_Type"].endswith("СтроковыеКонтактыВзаимодействий"))
    event = history(ut11).get_event(call_row["Ref_Key"])
    assert event.counterparty is None and event.who == strings[call_row["АбонентКонтакт"]]


def test_a_partners_history_costs_a_bounded_number_of_requests_whatever_its_size(ut11: DemoServer) -> None:
    h = history(ut11)
    assert h.profile.documents  # $metadata read before counting
    sizes = []
    for cp in counterparties(ut11)[:12]:
        before = ut11.requests_served
        n = sum(1 for _ in History(h.client).events(EventFilter(counterparty=cp["Ref_Key"]), resolve_names=False))
        sizes.append((n, ut11.requests_served - before))
    assert len({n for n, _ in sizes}) > 2, "the sample should hold clients of different sizes"
    # the counterparty, its partner's persons, one query per document (two with a header contact,
    # four by participant rows) and, where rows matched, one fetch by key per such document: a
    # bound that does not grow with the number of interactions
    bound = 1 + 1 + 6 + 4
    assert max(cost for _, cost in sizes) <= bound, sizes
    biggest = max(sizes)
    assert biggest[0] > bound and biggest[1] <= bound  # more interactions than requests


def test_the_article_history_and_chain_pass_through_the_deal(ut11: DemoServer) -> None:
    h = history(ut11)
    chains = Chains(h)
    romashka = h.find_counterparty("7701000001")
    timeline = chains.timeline(romashka.ref)
    nodes = timeline.chain.nodes
    types = sorted(k.entity_set for k in nodes)
    for wanted in ("Catalog_СделкиСКлиентами", "Document_ТелефонныйЗвонок", "Document_ЭлектронноеПисьмоИсходящее",
                   "Document_Встреча", "Document_КоммерческоеПредложениеКлиенту", "Document_ЗаказКлиента",
                   "Document_РеализацияТоваровУслуг"):
        assert wanted in types
    deal = next(k for k in nodes if k.entity_set == "Catalog_СделкиСКлиентами")
    order = next(k for k in nodes if k.entity_set == "Document_ЗаказКлиента")
    sale = next(k for k in nodes if k.entity_set == "Document_РеализацияТоваровУслуг")
    offer = next(k for k in nodes if k.entity_set == "Document_КоммерческоеПредложениеКлиенту")
    edges = timeline.chain.edges
    assert "Сделка" in edges[(deal, order)] and "ДокументОснование" in edges[(offer, order)]
    assert "ЗаказКлиента" in edges[(order, sale)]
    calls = [k for k in nodes if k.entity_set == "Document_ТелефонныйЗвонок"]
    first_call = min(calls, key=lambda k: nodes[k].date or datetime.max)
    assert "Предмет" in edges[(deal, first_call)]
    # raw truth: the order's Сделка is the deal, the sale's ЗаказКлиента the order
    order_row = next(r for r in raw(ut11, "Document_ЗаказКлиента") if r["Ref_Key"] == order.ref)
    assert order_row["Сделка_Key"] == deal.ref
    # the chain from the first call reaches the sale through the deal
    chain = chains.walk(first_call)
    assert sale in chain.nodes and deal in chain.nodes


def test_the_card_shows_the_partner_its_code_manager_and_contact_persons(
        ut11: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    from onec_history.cli.main import main

    def run(*args: str) -> tuple[int, str]:
        code = main(["--url", ut11.url, "-q", *args])
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    code, out = run("counterparties", "show", "7701000001", "--limit", "3")
    assert code == 0, out
    partner_code = next(r["Code"] for r in raw(ut11, PARTNERS) if r["Description"] == "ООО Ромашка")
    assert f"Партнер: ООО Ромашка (код {partner_code})" in out
    assert "Контактные лица партнера: Сидоров Павел Петрович" in out
    # the last completed contact, from the raw rows: no planned interaction, no deletion mark, a
    # meeting by its start, an e-mail by its date of sending or receipt
    romashka = next(c["Ref_Key"] for c in counterparties(ut11) if c["ИНН"] == "7701000001")
    mine = expected_interactions(ut11, romashka)
    moments = []
    for name in INTERACTIONS:
        if name == "Document_ЗапланированноеВзаимодействие":
            continue
        for row in raw(ut11, name):
            if row["Ref_Key"] in mine and not row["DeletionMark"] and row.get("СтатусПисьма") in (None, "Отправлено"):
                when = row.get("ДатаНачала") or row.get("ДатаОтправления") or row.get("ДатаПолучения") or row["Date"]
                moments.append(datetime.fromisoformat(str(when)))
    assert f"Последний контакт: {max(moments):%d.%m.%Y %H:%M:%S}" in out
    code, out = run("counterparties", "search", "--code", partner_code.split("-")[-1].lstrip("0"))
    assert code == 0 and "7701000001" in out and "7702000002" not in out
    code, out = run("counterparties", "search", "--group", "Покупатели")
    assert code == 3 and "partners" in out


def test_a_customised_call_keeps_a_single_reference_contact_and_its_subject_on_the_document() -> None:
    """A real customised УТ 11 reads АбонентКонтакт_Key as a single reference and keeps Предмет and
    Рассмотрено on the document (family-c.md): the shapes come from $metadata, not from a table."""
    from test_family_c_detection import edmx

    from onec_history.mapping import EventMapper
    from onec_history.profiles import AttrKind, detect_profile

    partner, person, deal = (f"{n}0000000-0000-0000-0000-00000000000{n}" for n in (1, 2, 3))
    md = edmx({"Catalog_Контрагенты": ("ИНН", "Партнер_Key"), PARTNERS: (), PERSONS: ("Owner_Key",),
               "Document_ТелефонныйЗвонок": ("АбонентКонтакт_Key", "Входящий", "Тема", "Предмет", "Предмет_Type",
                                             "Рассмотрено")})
    view = detect_profile(md).views()[0]
    attr = view.event_attr("counterparty")
    assert attr is not None and attr.kind is AttrKind.REF
    cond = view.header_condition([(partner, PARTNERS), (person, PERSONS)])
    assert cond is not None and "cast(" not in cond.text
    assert f"guid'{partner}'" in cond.text and f"guid'{person}'" in cond.text
    row = {"Ref_Key": "90000000-0000-0000-0000-000000000009", "Number": "НФ00-000001", "Date": "2026-03-02T10:15:04",
           "DeletionMark": False, "АбонентКонтакт_Key": partner, "Входящий": True, "Тема": "Мониторы",
           "Предмет": deal, "Предмет_Type": "StandardODATA.Catalog_СделкиСКлиентами", "Рассмотрено": True}
    event = EventMapper(view).map(row)
    assert event.counterparty == partner and event.counterparty_set == PARTNERS
    assert event.direction is Direction.INCOMING and event.kind is EventKind.CALL
    assert event.topic is not None and event.topic.ref == deal and event.reviewed is True
    assert event.document_set == "Document_ТелефонныйЗвонок" and event.posted is None


def test_the_agenda_lists_planned_interactions_due_that_day_by_the_register(ut11: DemoServer) -> None:
    from onec_history.agenda import agenda

    day, next_day = datetime(2026, 4, 15), datetime(2026, 4, 16)
    planned = {r["Ref_Key"] for r in raw(ut11, "Document_ЗапланированноеВзаимодействие") if not r["DeletionMark"]}
    due = {r["Взаимодействие"] for r in raw(ut11, "InformationRegister_ПредметыПапкиВзаимодействий")
           if r["Взаимодействие"] in planned and day.isoformat() <= r["РассмотретьПосле"] < next_day.isoformat()}
    items = agenda(history(ut11), start=day, end=next_day, now=datetime(2026, 4, 1))
    assert due and {i.ref for i in items if i.kind == "planned"} == due
    assert any(i.subject == "Узнать, как работают мониторы" and i.client == "ООО Ромашка" for i in items)


# -- review fixes: each of these was a wrong answer or an error on a base of another shape ---------
@pytest.fixture()
def fresh() -> Iterator[DemoServer]:
    with start_demo("ut11") as srv:
        yield srv


def test_a_partner_with_many_contact_persons_is_read_in_several_requests(fresh: DemoServer) -> None:
    client = Client(Transport(fresh.url))
    h = History(client)
    romashka = h.find_counterparty("7701000001")
    persons = [client.create(PERSONS, {"Description": f"Лицо {i}", "Owner_Key": romashka.partner})["Ref_Key"]
               for i in range(8)]
    call_row = client.create("Document_ТелефонныйЗвонок", {
        "Date": "2026-05-05T10:00:00", "Тема": "Звонок восьмого лица", "Входящий": True,
        "АбонентКонтакт": persons[-1], "АбонентКонтакт_Type": f"StandardODATA.{PERSONS}"})
    got = [e.ref for e in History(Client(Transport(fresh.url))).events(EventFilter(counterparty=romashka.ref))]
    assert call_row["Ref_Key"] in got and set(got) == expected_interactions(fresh, romashka.ref)
    timeline = Chains(History(Client(Transport(fresh.url)))).timeline(romashka.ref)
    assert any(k.ref == call_row["Ref_Key"] for k in timeline.chain.nodes)


def test_a_direction_is_never_given_to_meetings_or_planned_interactions(ut11: DemoServer) -> None:
    got = list(history(ut11).events(EventFilter(direction=Direction.INCOMING)))
    assert got and {e.document_set for e in got} <= {"Document_ТелефонныйЗвонок", "Document_ЭлектронноеПисьмоВходящее"}
    incoming = {r["Ref_Key"] for r in raw(ut11, "Document_ТелефонныйЗвонок") if r["Входящий"]}
    incoming |= {r["Ref_Key"] for r in raw(ut11, "Document_ЭлектронноеПисьмоВходящее")}
    assert {e.ref for e in got} == incoming


def test_a_period_finds_a_planned_interaction_by_its_due_moment(ut11: DemoServer) -> None:
    h = history(ut11)
    romashka = h.find_counterparty("7701000001")
    april = [e for e in h.events(EventFilter(counterparty=romashka.ref, since=datetime(2026, 4, 1),
                                             until=datetime(2026, 4, 30, 23, 59, 59)))]
    assert [e.subject for e in april if e.kind is EventKind.PLANNED] == ["Узнать, как работают мониторы"]
    # entered on 12.03, due on 15.04: not an event of March
    march = h.events(EventFilter(counterparty=romashka.ref, since=datetime(2026, 3, 12),
                                 until=datetime(2026, 3, 12, 23)))
    assert all(e.kind is not EventKind.PLANNED for e in march)


def test_a_joint_meeting_is_the_clients_in_its_list(fresh: DemoServer) -> None:
    client = Client(Transport(fresh.url))
    h = History(client)
    romashka, other = h.find_counterparty("7701000001"), h.find_counterparty("7702000002")
    sidorov = next(r["Ref_Key"] for r in raw(fresh, PERSONS) if r["Description"] == "Сидоров Павел Петрович")
    meeting = client.create("Document_Встреча", {
        "Date": "2026-05-06T10:00:00", "ДатаНачала": "2026-05-06T10:00:00", "Тема": "Совместная встреча",
        "Участники": [{"LineNumber": "1", "Контакт": other.partner, "Контакт_Type": f"StandardODATA.{PARTNERS}"},
                      {"LineNumber": "2", "Контакт": sidorov, "Контакт_Type": f"StandardODATA.{PERSONS}"}]})
    mine = next(e for e in History(Client(Transport(fresh.url))).events(EventFilter(counterparty=romashka.ref))
                if e.ref == meeting["Ref_Key"])
    assert mine.counterparty == romashka.partner and mine.contact == sidorov
    theirs = next(e for e in History(Client(Transport(fresh.url))).events(EventFilter(counterparty=other.ref))
                  if e.ref == meeting["Ref_Key"])
    assert theirs.counterparty == other.partner


def test_a_reviewed_planned_interaction_is_done_with(fresh: DemoServer) -> None:
    import json

    from onec_history.create.register import record_key

    client = Client(Transport(fresh.url))
    register = "InformationRegister_ПредметыПапкиВзаимодействий"
    planned = {r["Ref_Key"] for r in raw(fresh, "Document_ЗапланированноеВзаимодействие")}
    rows = [r for r in raw(fresh, register) if r["Взаимодействие"] in planned and not r["Рассмотрено"]]
    done = rows[0]
    client.transport.request("PATCH", f"{register}({record_key(client.entity_set(register), done)})",
                             query="$format=json", body=json.dumps({"Рассмотрено": True}).encode(), idempotent=True)
    h = History(Client(Transport(fresh.url)))
    got = {e.ref for e in h.events(EventFilter(state=EventState.PLANNED, kind=EventKind.PLANNED))}
    assert got == {r["Взаимодействие"] for r in rows[1:]}
    card = h.get_event(done["Взаимодействие"])
    assert card.state is EventState.COMPLETED and card.reviewed is True


def test_buyers_limit_counts_the_buyers(ut11: DemoServer) -> None:
    h = history(ut11)
    assert len(list(h.search_counterparties(buyers_only=True, limit=3))) == 3


def test_an_outgoing_emails_copies_count_where_the_base_publishes_them(ut11: DemoServer) -> None:
    view = next(v for v in history(ut11).profile.views() if v.event_set == "Document_ЭлектронноеПисьмоИсходящее")
    assert view.doc is not None and "ПолучателиКопий" in view.doc.more_sections
    # the demo's УТ 11 subset publishes the recipients only: the copies are asked where they exist
    assert view.participant_sections() == ["ПолучателиПисьма"]


def test_a_phone_finds_the_counterparties_of_the_partner_or_contact_person_holding_it(ut11: DemoServer) -> None:
    """УТ 11 keeps phones on the partner and its contact persons: a caller's number leads to the
    partner's counterparties (before, the counterparties' own empty lists answered «nobody»)."""
    partners = {r["Ref_Key"]: r for r in raw(ut11, PARTNERS)}
    romashka = next(p for p in partners.values() if p["Description"] == "ООО Ромашка")
    phone = next(line["Представление"] for line in romashka["КонтактнаяИнформация"] if line["Тип"] == "Телефон")
    owners = {c["Ref_Key"] for c in counterparties(ut11) if c["Партнер_Key"] == romashka["Ref_Key"]}
    h = history(ut11)
    assert {c.ref for c in h.find_by_phone(str(phone))} == owners
    sidorov = next(r for r in raw(ut11, PERSONS) if r["Description"] == "Сидоров Павел Петрович")
    mobile = next(line["Представление"] for line in sidorov["КонтактнаяИнформация"] if line["Тип"] == "Телефон")
    assert {c.ref for c in h.find_by_phone(str(mobile))} == owners
    assert h.find_by_phone("+7 999 000-00-00") == []


def test_an_interaction_is_shown_by_its_number_alone_unless_several_types_share_it(ut11: DemoServer) -> None:
    from onec_history.errors import AmbiguousError

    h = history(ut11)
    calls = raw(ut11, "Document_ТелефонныйЗвонок")
    numbers: dict[str, list[str]] = {}
    for name in INTERACTIONS:
        for row in raw(ut11, name):
            numbers.setdefault(str(row["Number"]), []).append(name)
    unique = next(r for r in calls if len(numbers[str(r["Number"])]) == 1)
    assert h.get_event(str(unique["Number"])).ref == unique["Ref_Key"]
    shared = next(n for n, sets in numbers.items() if len(sets) > 1)
    with pytest.raises(AmbiguousError):
        h.get_event(shared)
