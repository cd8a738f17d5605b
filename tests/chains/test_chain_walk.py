"""Walking chains on the demo bases: the article's story both ways, in both families."""

from __future__ import annotations

import dataclasses

import pytest
from chain_helpers import chains_for, first_call

from onec_history.chains.model import Chain
from onec_history.chains.walk import AmbiguousDocumentError
from onec_history.demo.server import DemoServer
from onec_history.documents import Documents
from onec_history.errors import NotFoundError


def story(chain: Chain) -> list[tuple[str, str | None]]:
    return [(n.key.type_name, n.title) for n in chain.ordered()]


def edges(chain: Chain) -> set[tuple[str, str, tuple[str, ...]]]:
    """(parent number, child number, link names)."""
    return {(chain.nodes[e.parent].number or "", chain.nodes[e.child].number or "", e.links)
            for e in chain.edge_list()}


UT10_STORY = [
    ("Событие", "Интересуются покупкой 5 мониторов"),
    ("Событие", "Коммерческое предложение: мониторы 5 шт."),
    ("Событие", "Согласны с предложением, просят счет"),
    ("ЗаказПокупателя", None),
    ("СчетНаОплатуПокупателю", None),
    ("РеализацияТоваровУслуг", None),
    ("Событие", "Доставка и установка мониторов"),
    ("Событие", "Узнать, как работают мониторы"),
]


def test_ut10_from_the_first_call(ut10: DemoServer) -> None:
    chains = chains_for(ut10.url)
    start = first_call(chains)
    chain = chains.walk(start, direction="down")
    assert story(chain) == UT10_STORY
    assert edges(chain) == {
        ("00000000270", "00000000271", ("Основание",)),
        ("00000000270", "00000000276", ("Основание",)),
        ("00000000271", "00000000272", ("Основание",)),
        ("00000000272", "ТД000000035", ("ДокументОснование",)),
        ("ТД000000035", "ТД000000024", ("ЗаказПокупателя", "Товары.ЗаказПокупателя")),
        ("ТД000000035", "ТД000000018", ("Сделка", "Товары.ЗаказПокупателя")),
        ("ТД000000018", "00000000275", ("Основание",)),
    }
    order = next(n for n in chain.nodes.values() if n.key.type_name == "ЗаказПокупателя")
    assert (order.posted, order.deleted, order.amount, order.currency_name) == (True, False, 79000.0, "руб.")
    assert order.counterparty_name == "ООО Ромашка"
    call = chain.nodes[start]
    assert (call.kind, call.state, call.counterparty_name) == ("ТелефонныйЗвонок", "Завершено", "ООО Ромашка")
    assert chain.roots() == [start] and not chain.truncated and chain.warnings == []
    # "both" from the first call is the same tree: the call is the root.
    assert edges(chains.walk(start)) == edges(chain)


def test_ut10_from_the_delivery_upwards(ut10: DemoServer) -> None:
    chains = chains_for(ut10.url, jobs=1)
    sale = chains.resolve("РеализацияТоваровУслуг", "18")  # leading zeros and prefix filled in
    assert sale.entity_set == "Document_РеализацияТоваровУслуг"
    up = chains.walk(sale, direction="up")
    assert [t for t, _ in story(up)] == ["Событие", "Событие", "Событие", "ЗаказПокупателя",
                                         "РеализацияТоваровУслуг"]
    assert edges(up) >= {("ТД000000035", "ТД000000018", ("Сделка", "Товары.ЗаказПокупателя"))}
    # The whole tree from the delivery: 1C's form goes up to the first call, then down from it.
    both = chains.walk(sale)
    assert story(both) == UT10_STORY
    assert both.start == sale


def test_unf_same_story(unf: DemoServer) -> None:
    chains = chains_for(unf.url)
    start = first_call(chains)
    chain = chains.walk(start)
    assert [t for t, _ in story(chain)] == ["Событие", "Событие", "Событие", "ЗаказПокупателя", "СчетНаОплату",
                                            "РасходнаяНакладная", "Событие", "Событие"]
    assert edges(chain) == {
        ("0000-000270", "0000-000271", ("ДокументОснование",)),
        ("0000-000270", "0000-000281", ("ДокументОснование",)),
        ("0000-000271", "0000-000275", ("ДокументОснование",)),
        ("0000-000275", "0000-000035", ("Событие",)),
        ("0000-000275", "0000-000023", ("Событие",)),
        ("0000-000035", "0000-000023", ("ДокументОснование",)),
        ("0000-000035", "0000-000018", ("ДокументОснование", "Заказ")),
        ("0000-000018", "0000-000280", ("ДокументОснование",)),
    }
    call = chain.nodes[start]
    # УНФ's Событие cannot be posted; its state is a catalog, shown by name; the client is a participant.
    assert call.posted is None and call.status == "written"
    assert call.state == "Завершено" and call.counterparty_name == "ООО Ромашка"
    shipment = chains.resolve("РасходнаяНакладная", "0000-000018")
    up = chains.walk(shipment, direction="up")
    assert {n.number for n in up.nodes.values()} == {"0000-000270", "0000-000271", "0000-000275", "0000-000035",
                                                     "0000-000018"}


def test_depth_limit_marks_the_chain_truncated(ut10: DemoServer) -> None:
    chains = chains_for(ut10.url)
    chain = chains.walk(first_call(chains), direction="down", depth=2)
    assert {n.number for n in chain.nodes.values()} == {"00000000270", "00000000271", "00000000276",
                                                        "00000000272"}
    assert chain.truncated


def test_a_cycle_ends(fresh: DemoServer) -> None:
    chains = chains_for(fresh.url)
    start = first_call(chains)
    meeting = next(k for k, n in chains.walk(start).nodes.items() if n.title == "Доставка и установка мониторов")
    # Make the first call "entered on the basis of" the final meeting: a loop through the whole story.
    chains.client.patch(start.entity_set, start.ref,
                        {"Основание": meeting.ref, "Основание_Type": f"StandardODATA.{meeting.entity_set}"})
    chain = chains_for(fresh.url).walk(start)
    assert len(chain.nodes) == 8
    assert (meeting, start) in chain.edges
    assert not chain.truncated


def test_unpublished_set_is_skipped_with_a_warning(ut10: DemoServer) -> None:
    full = chains_for(ut10.url).walk(first_call(chains_for(ut10.url)), direction="down", names=False)
    meeting = next(k for k, n in full.nodes.items() if n.title == "Доставка и установка мониторов")
    chains = chains_for(ut10.url)
    start = first_call(chains)
    md = chains.client.metadata()
    hidden = "Document_РеализацияТоваровУслуг"
    chains.client._metadata = dataclasses.replace(
        md, sets={k: v for k, v in md.sets.items() if not k.startswith(hidden)})
    chain = chains.walk(start, direction="down")
    assert {n.key.entity_set for n in chain.nodes.values()} == {"Document_Событие", "Document_ЗаказПокупателя",
                                                                "Document_СчетНаОплатуПокупателю"}
    assert any(w.startswith(f"{hidden} is not published") for w in chain.warnings)
    # From the meeting upwards its basis (the delivery) cannot be read: a node marked missing, and a warning.
    up = chains.walk(meeting, direction="up")
    missing = [n for n in up.nodes.values() if n.missing]
    assert [(n.key.entity_set, n.missing) for n in missing] == [(hidden, "not published")]
    assert any(hidden in w and "shown without details" in w for w in up.warnings)


def test_resolving_documents(ut10: DemoServer) -> None:
    chains = chains_for(ut10.url)
    start = first_call(chains)
    assert chains.resolve(start.id) == start
    assert chains.resolve(start.ref, type_name="Событие") == start
    assert chains.resolve(start.ref) == start  # searched among the linked types
    assert chains.resolve("Событие", "00000000270") == start
    assert chains.resolve("Document_Событие", "270", year=2026) == start
    with pytest.raises(NotFoundError):
        chains.resolve("Событие", "270", year=2019)
    with pytest.raises(NotFoundError):
        chains.resolve("НетТакогоДокумента", "1")


def test_a_repeated_number_is_ambiguous(fresh: DemoServer) -> None:
    chains = chains_for(fresh.url)
    start = first_call(chains)
    other = chains.resolve("Событие", "271")
    chains.client.patch(other.entity_set, other.ref, {"Number": "00000000270"})
    with pytest.raises(AmbiguousDocumentError) as info:
        Documents(chains.client).by_number("Document_Событие", "270")
    assert {k for k, _, _ in info.value.candidates} == {start, other}
