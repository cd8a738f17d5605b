"""A chain as text: a tree like 1C's «Структура подчиненности», JSON, Graphviz DOT, Mermaid.

The JSON form is a stable contract (``format`` names its version): every key is always present,
nodes come in time order, edges sorted by (parent id, child id). Ids are OData addresses
``Document_X(guid'…')``, the same in JSON, DOT and Mermaid comments.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from .model import Chain, DocKey, Node
from .timeline import Timeline

__all__ = ["HISTORY_FORMAT", "JSON_FORMAT", "MARKS", "chain_json", "describe", "history_json", "history_text",
           "node_json", "step_state", "to_dot", "to_mermaid", "to_tree"]

JSON_FORMAT = "onec-history.chain/1"

# 1C's icons as characters: posted, marked for deletion, not posted, cannot be posted, unreadable.
MARKS = {"posted": "✓", "deleted": "✗", "unposted": "○", "written": "·", "missing": "?"}


def _date(value: datetime | None) -> str:
    return value.strftime("%d.%m.%Y %H:%M:%S") if value else ""


def money(amount: float) -> str:
    """``79000.0`` → ``79 000,00`` as 1C prints sums."""
    return f"{amount:,.2f}".replace(",", "\u00a0").replace(".", ",")


def describe(node: Node, *, with_counterparty: bool = True, with_date: bool = True, with_state: bool = True) -> str:
    """One line for a document: type, number, date, sum, counterparty, subject, state."""
    key = node.key
    if node.missing:
        return f"{key.type_name} {key.ref} ({'не опубликован' if node.missing == 'not published' else 'не найден'})"
    parts = [key.type_name]
    if node.number:
        parts.append(node.number)
    if node.date and with_date:
        parts.append(f"от {_date(node.date)}")
    if node.amount is not None:
        parts.append(money(node.amount) + (f" {node.currency_name}" if node.currency_name else ""))
    if with_counterparty and node.counterparty_name:
        parts.append(node.counterparty_name)
    if node.title:
        parts.append(f"«{node.title}»")
    extra = [x for x in (node.kind, node.state if with_state else None) if x]
    if extra:
        parts.append(f"({', '.join(extra)})")
    if node.deleted and with_state:
        parts.append("[помечен на удаление]")
    return " ".join(parts)


# --------------------------------------------------------------------------- tree


def to_tree(chain: Chain) -> str:
    """The chain as an indented tree; a document reached twice is shown once, then «см. выше»."""
    lines: list[str] = []
    shown: set[DocKey] = set()
    roots = chain.roots()
    for root in roots:
        _tree(chain, root, "", "", None, shown, lines)
    # Documents only reachable through a cycle have no root: show them from the earliest one.
    for node in chain.ordered():
        if node.key not in shown:
            _tree(chain, node.key, "", "", None, shown, lines)
    if chain.truncated:
        lines.append(f"… (глубина {chain.depth}: дальше не показано, увеличьте --depth)")
    return "\n".join(lines) + "\n"


def _tree(chain: Chain, key: DocKey, lead: str, rest: str, via: tuple[str, ...] | None,
          shown: set[DocKey], lines: list[str]) -> None:
    node = chain.nodes[key]
    text = f"{lead}{MARKS[node.status]} {describe(node)}"
    if via:
        text += f"  [{', '.join(via)}]"
    if key == chain.start:
        text += "  ◀"
    if key in shown:
        lines.append(text + "  (см. выше)")
        return
    lines.append(text)
    shown.add(key)
    kids = chain.children(key)
    for i, child in enumerate(kids):
        last = i == len(kids) - 1
        names = tuple(sorted(chain.edges[(key, child)]))
        _tree(chain, child, rest + ("└── " if last else "├── "), rest + ("    " if last else "│   "),
              names, shown, lines)


# --------------------------------------------------------------------------- JSON


def node_json(node: Node) -> dict[str, Any]:
    """One node in the stable JSON form (all keys always present)."""
    counterparty = None
    if node.counterparty:
        counterparty = {"ref": node.counterparty, "set": node.counterparty_set, "name": node.counterparty_name}
    return {
        "id": node.key.id,
        "set": node.key.entity_set,
        "type": node.key.type_name,
        "ref": node.key.ref,
        "number": node.number,
        "date": node.date.isoformat() if node.date else None,
        "start": node.start.isoformat() if node.start else None,
        "posted": node.posted,
        "deleted": node.deleted,
        "status": node.status,
        "counterparty": counterparty,
        "amount": node.amount,
        "currency": node.currency_name,
        "title": node.title,
        "kind": node.kind_code,
        "kind_raw": node.kind,
        "state": node.state,
        "missing": node.missing,
    }


def chain_json(chain: Chain, *, stats: Mapping[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "format": JSON_FORMAT,
        "start": chain.start.id if chain.start else None,
        "direction": chain.direction,
        "depth": chain.depth,
        "truncated": chain.truncated,
        "roots": [k.id for k in chain.roots()],
        "nodes": [node_json(n) for n in chain.ordered()],
        "edges": [
            {"parent": e.parent.id, "child": e.child.id, "links": list(e.links)}
            for e in sorted(chain.edge_list(), key=lambda e: (e.parent.id, e.child.id))
        ],
        "warnings": list(chain.warnings),
    }
    if stats is not None:
        out["stats"] = dict(stats)
    return out


# --------------------------------------------------------------------------- DOT


def _dot_quote(text: str) -> str:
    """A DOT double-quoted string: backslash and quote escaped, newlines as ``\\n`` line breaks."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _label_lines(node: Node) -> list[str]:
    if node.missing:
        return [node.key.type_name, node.key.ref, node.missing]
    first = " ".join(x for x in (node.key.type_name, node.number) if x)
    lines = [f"{MARKS[node.status]} {first}", _date(node.date)]
    if node.amount is not None:
        lines.append(money(node.amount) + (f" {node.currency_name}" if node.currency_name else ""))
    if node.counterparty_name:
        lines.append(node.counterparty_name)
    if node.title:
        lines.append(node.title if len(node.title) <= 40 else node.title[:39] + "…")
    return [line for line in lines if line]


def to_dot(chain: Chain) -> str:
    """Graphviz DOT: one box per document, an arrow parent → child labelled with the attribute."""
    out = [
        "digraph chain {",
        '  graph [rankdir=TB, fontname="Helvetica"];',
        '  node [shape=box, style="rounded,filled", fillcolor="white", fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for node in chain.ordered():
        attrs = [f"label={_dot_quote(chr(10).join(_label_lines(node)))}"]
        if node.status == "deleted":
            attrs.append('fillcolor="mistyrose", fontcolor="gray40"')
        elif node.status == "missing":
            attrs.append('style="rounded,dashed"')
        elif node.status == "posted":
            attrs.append('fillcolor="honeydew"')
        if node.key == chain.start:
            attrs.append("penwidth=2.5")
        out.append(f"  {_dot_quote(node.key.id)} [{', '.join(attrs)}];")
    for e in chain.edge_list():
        out.append(f"  {_dot_quote(e.parent.id)} -> {_dot_quote(e.child.id)} [label={_dot_quote(e.label)}];")
    out.append("}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- Mermaid


def _mermaid_text(text: str) -> str:
    # Mermaid has no backslash escapes in labels: entity codes for the characters it parses.
    return (text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("|", "#124;"))


def _ids(chain: Chain) -> Iterator[tuple[DocKey, str]]:
    for i, node in enumerate(chain.ordered()):
        yield node.key, f"n{i}"


def to_mermaid(chain: Chain) -> str:
    """A Mermaid flowchart; node ids are n0, n1… in time order, the OData id in a comment."""
    ids = dict(_ids(chain))
    out = ["flowchart TD"]
    for node in chain.ordered():
        label = "<br/>".join(_mermaid_text(line) for line in _label_lines(node))
        out.append(f"  %% {node.key.id}")
        out.append(f'  {ids[node.key]}["{label}"]')
    for e in chain.edge_list():
        out.append(f'  {ids[e.parent]} -->|"{_mermaid_text(e.label)}"| {ids[e.child]}')
    deleted = [ids[n.key] for n in chain.ordered() if n.status == "deleted"]
    if deleted:
        out.append("  classDef deleted fill:#fee,stroke:#c66,color:#777")
        out.append(f"  class {','.join(deleted)} deleted")
    if chain.start is not None and chain.start in ids:
        out.append("  classDef start stroke-width:3px")
        out.append(f"  class {ids[chain.start]} start")
    return "\n".join(out) + "\n"


# -- a client's history ----------------------------------------------------------------------------

HISTORY_FORMAT = "onec-history.history/1"


def step_state(node: Node) -> str:
    """What a person asks about a step: done, planned, posted, deleted."""
    if node.missing:
        return "не прочитан"
    if node.deleted:
        return "помечен на удаление"
    if node.state:
        return node.state
    if node.posted is True:
        return "проведён"
    return "не проведён" if node.posted is False else "записан"


def _history_rows(timeline: Timeline) -> Iterator[tuple[int, Node, list[tuple[str, Node]]]]:
    chain = timeline.chain
    for i, group in enumerate(timeline.groups, start=1):
        for key in group:
            via = [(", ".join(sorted(chain.edges[(p, key)])), chain.nodes[p]) for p in chain.parents(key)]
            yield i, chain.nodes[key], via


def history_json(timeline: Timeline, client: dict[str, Any], stats: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The documented JSON of a client's history (``format``: :data:`HISTORY_FORMAT`)."""
    chain = timeline.chain
    groups = []
    for group in timeline.groups:
        members = set(group)
        nodes = []
        for key in group:
            row = node_json(chain.nodes[key])
            row["own"] = key in timeline.own
            row["in_period"] = key not in timeline.outside
            row["step"] = step_state(chain.nodes[key])
            row["parents"] = [{"id": p.id, "links": sorted(chain.edges[(p, key)])} for p in chain.parents(key)]
            nodes.append(row)
        dates = [d for k in group if (d := chain.nodes[k].date) is not None]
        groups.append({
            "first": min(dates).isoformat() if dates else None,
            "last": max(dates).isoformat() if dates else None,
            "size": len(group),
            "nodes": nodes,
            "edges": [{"parent": p.id, "child": c.id, "links": sorted(names)}
                      for (p, c), names in sorted(chain.edges.items()) if p in members and c in members],
        })
    out: dict[str, Any] = {
        "format": HISTORY_FORMAT,
        "counterparty": client,
        "since": timeline.since.isoformat() if timeline.since else None,
        "until": timeline.until.isoformat() if timeline.until else None,
        "strategy": timeline.strategy,
        "chains": groups,
        "warnings": list(chain.warnings),
    }
    if stats is not None:
        out["stats"] = dict(stats)
    return out


def history_text(timeline: Timeline, title: str, client_ref: str) -> str:
    """The timeline for people: chains in time order, each step with its state and what it was based on."""
    chain = timeline.chain
    lines = [f"{title} — документов: {len(chain.nodes)}, цепочек: {len(timeline.groups)}"]
    current = 0
    for i, node, via in _history_rows(timeline):
        if i != current:
            current = i
            group = timeline.groups[i - 1]
            dates = [d for k in group if (d := chain.nodes[k].date) is not None]
            span = f"{min(dates):%d.%m.%Y} – {max(dates):%d.%m.%Y}" if dates else ""
            lines.append("")
            lines.append(f"Цепочка {i}" + (f" ({len(group)} док., {span})" if len(group) > 1 else f" ({span})"))
        when = f"{node.when:%d.%m.%Y %H:%M}" if node.when else " " * 16
        text = describe(node, with_counterparty=node.counterparty not in (None, client_ref), with_date=False,
                        with_state=False)
        line = f"  {when}  {MARKS[node.status]} {text} — {step_state(node)}"
        if node.key in timeline.outside:
            line += " (вне периода)"
        for names, parent in via:
            label = " ".join(x for x in (parent.key.type_name, parent.number) if x)
            line += f"  ← {names}: {label}"
        lines.append(line)
    if chain.truncated:
        lines.append(f"\n… (глубина {chain.depth}: дальше не показано, увеличьте --depth)")
    return "\n".join(lines) + "\n"
