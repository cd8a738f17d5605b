"""Rendering a chain: the 1C-like tree, the stable JSON schema, valid Graphviz DOT, Mermaid."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime

import pytest
from chain_helpers import parse_dot

from onec_history.chains.model import Chain, DocKey, Node
from onec_history.chains.render import JSON_FORMAT, chain_json, money, to_dot, to_mermaid, to_tree

EVENT, ORDER, SALE = "Document_Событие", "Document_ЗаказПокупателя", "Document_РеализацияТоваровУслуг"


def key(set_name: str, n: int) -> DocKey:
    return DocKey(set_name, f"00000000-0000-0000-0000-{n:012d}")


def sample() -> Chain:
    """call → order → (sale, and a deletion-marked sale); the order is also linked from a 2nd call."""
    call, call2, order, sale, bad = key(EVENT, 1), key(EVENT, 2), key(ORDER, 3), key(SALE, 4), key(SALE, 5)
    chain = Chain(order, direction="both", depth=5)
    chain.nodes = {
        call: Node(call, number="00000000001", date=datetime(2026, 3, 2, 10, 15, 4), posted=True,
                   counterparty="c", counterparty_name='ООО "Ромашка"', title="5 мониторов", kind="ТелефонныйЗвонок",
                   state="Завершено"),
        call2: Node(call2, number="00000000002", date=datetime(2026, 3, 3, 9, 0), posted=True),
        order: Node(order, number="ТД000000035", date=datetime(2026, 3, 5, 11, 30), posted=True, amount=79000.0,
                    currency_name="руб."),
        sale: Node(sale, number="ТД000000018", date=datetime(2026, 3, 12, 14, 0), posted=False, amount=1.5),
        bad: Node(bad, number="ТД000000019", date=datetime(2026, 3, 13), deleted=True),
    }
    chain.add_edge(call, order, "ДокументОснование")
    chain.add_edge(call2, order, "ДокументОснование")
    chain.add_edge(order, sale, "Товары.ЗаказПокупателя")
    chain.add_edge(order, sale, "Сделка")
    chain.add_edge(order, bad, "Сделка")
    return chain


def test_tree_reads_like_the_1c_form() -> None:
    text = to_tree(sample())
    assert text.splitlines() == [
        '✓ Событие 00000000001 от 02.03.2026 10:15:04 ООО "Ромашка" «5 мониторов» (Телефонный звонок, Завершено)',
        "└── ✓ Заказ покупателя ТД000000035 от 05.03.2026 11:30:00 79\u00a0000,00 руб.  [ДокументОснование]  ◀",
        "    ├── ○ Реализация товаров и услуг ТД000000018 от 12.03.2026 14:00:00 1,50  "
        "[Сделка, Товары.ЗаказПокупателя]",
        "    └── ✗ Реализация товаров и услуг ТД000000019 от 13.03.2026 00:00:00 [помечен на удаление]  [Сделка]",
        "✓ Событие 00000000002 от 03.03.2026 09:00:00",
        "└── ✓ Заказ покупателя ТД000000035 от 05.03.2026 11:30:00 79\u00a0000,00 руб.  [ДокументОснование]  ◀"
        "  (см. выше)",
    ]


def test_tree_survives_a_cycle_without_a_root() -> None:
    a, b = key(EVENT, 1), key(EVENT, 2)
    chain = Chain(a, nodes={a: Node(a, number="1", date=datetime(2026, 1, 1)),
                            b: Node(b, number="2", date=datetime(2026, 1, 2))})
    chain.add_edge(a, b, "Основание")
    chain.add_edge(b, a, "Основание")
    chain.truncated = True
    lines = to_tree(chain).splitlines()
    assert lines[0].startswith("· Событие 1") and lines[0].endswith("◀")
    assert lines[1].startswith("└── · Событие 2")
    assert lines[2].endswith("(см. выше)")
    assert lines[-1].startswith("… (глубина")


def test_json_schema_is_complete_and_ordered() -> None:
    doc = chain_json(sample(), stats={"requests": 3})
    assert list(doc) == ["format", "start", "direction", "depth", "truncated", "roots", "nodes", "edges",
                         "warnings", "stats"]
    assert doc["format"] == JSON_FORMAT
    assert doc["start"] == "Document_ЗаказПокупателя(guid'00000000-0000-0000-0000-000000000003')"
    assert [n["number"] for n in doc["nodes"]] == ["00000000001", "00000000002", "ТД000000035", "ТД000000018",
                                                   "ТД000000019"]
    first = doc["nodes"][0]
    assert list(first) == ["id", "set", "type", "ref", "number", "date", "start", "posted", "deleted", "status",
                           "counterparty", "amount", "currency", "title", "kind", "kind_raw", "state", "missing"]
    assert first["counterparty"] == {"ref": "c", "set": None, "name": 'ООО "Ромашка"'}
    assert first["date"] == "2026-03-02T10:15:04"
    assert [n["status"] for n in doc["nodes"]] == ["posted", "posted", "posted", "unposted", "deleted"]
    sale_edge = next(e for e in doc["edges"] if e["child"].endswith("04')"))
    assert sale_edge["links"] == ["Сделка", "Товары.ЗаказПокупателя"]
    assert doc["edges"] == sorted(doc["edges"], key=lambda e: (e["parent"], e["child"]))
    # Stable: the same chain renders to the same bytes.
    assert json.dumps(doc, ensure_ascii=False) == json.dumps(chain_json(sample(), stats={"requests": 3}),
                                                             ensure_ascii=False)


def test_dot_is_valid_graphviz() -> None:
    chain = sample()
    chain.nodes[key(EVENT, 1)].title = 'кавычки " и \\ обратная черта'
    text = to_dot(chain)
    nodes, edges = parse_dot(text)
    assert len(nodes) == 5 and len(edges) == 4
    assert all(a in nodes and b in nodes for a, b in edges)
    if shutil.which("dot"):
        done = subprocess.run(["dot", "-Tsvg"], input=text.encode(), capture_output=True, timeout=30)
        assert done.returncode == 0, done.stderr.decode()
        assert b"<svg" in done.stdout


def test_dot_parser_rejects_broken_text() -> None:
    with pytest.raises(AssertionError):
        parse_dot('digraph chain {\n  "a" [label="unterminated];\n}\n')


def test_mermaid_flowchart() -> None:
    text = to_mermaid(sample())
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    assert '  n0["✓ Событие 00000000001<br/>02.03.2026 10:15:04<br/>ООО #quot;Ромашка#quot;<br/>5 мониторов"]' in lines
    assert '  n2 -->|"Сделка, Товары.ЗаказПокупателя"| n3' in lines
    assert "  class n4 deleted" in lines and "  class n2 start" in lines


def test_money_and_doc_ids() -> None:
    assert money(1234567.5) == "1\u00a0234\u00a0567,50"
    k = DocKey.parse("Document_Событие(guid'003DABBD-E398-5B91-95F9-E4779D6546C2')")
    assert k == DocKey("Document_Событие", "003dabbd-e398-5b91-95f9-e4779d6546c2")
    assert k is not None and DocKey.parse(k.id) == k
    assert DocKey.parse("Document_X(003dabbd-e398-5b91-95f9-e4779d6546c2)") is not None
    assert DocKey.parse("Событие") is None and DocKey.parse("Document_X(guid'nope')") is None
