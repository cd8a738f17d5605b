"""A chain as text: a tree like 1C's «Структура подчиненности», JSON, Graphviz DOT, Mermaid.

The JSON form is a stable contract (``format`` names its version): every key is always present,
nodes come in time order, edges sorted by (parent id, child id). Ids are OData addresses
``Document_X(guid'…')``, the same in JSON, DOT and Mermaid comments. What people read (the tree,
the history, the labels of DOT and Mermaid) names types, kinds and states as 1C shows them
(«Заказ покупателя», «Телефонный звонок»: :mod:`onec_history.presentations`); JSON keeps the
identifiers.

The tree and the history take a ``width`` (a terminal's columns): a line longer than that goes on
under itself, broken between words and never inside a date, a number, an amount, a name or a
document's type and number.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection, Iterator, Mapping
from datetime import datetime
from typing import Any

from ..presentations import enum_title, type_title
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


_GLUE = "\x1f"  # a space that a line is never broken at (inside a date, a number, a name…)


def _glue(text: str) -> str:
    return text.replace(" ", _GLUE)


def _plain(text: str) -> str:
    return text.replace(_GLUE, " ")


def _wrap(text: str, width: int | None, first: str = "", rest: str = "") -> list[str]:
    """``first`` + ``text`` in lines of at most ``width`` (``None``: one line), the next ones after
    ``rest``; broken at spaces only, never at a glued one. A line is never made narrower than 24
    characters of text: a deep tree in a narrow terminal goes past the edge rather than into slivers."""
    if width is None:
        return [_plain(first + text)]
    wrapper = textwrap.TextWrapper(width=max(width, len(rest) + 24, len(first) + 24), initial_indent=first,
                                   subsequent_indent=rest, break_on_hyphens=False, break_long_words=True)
    return [_plain(line) for line in wrapper.wrap(text)] or [_plain(first)]


def _label(node: Node) -> str:
    """A document as a link's other end: «Заказ покупателя ТД000000030», its type as 1C shows it."""
    return " ".join(x for x in (type_title(node.key.entity_set), node.number) if x)


def _parts(node: Node, *, with_counterparty: bool, with_date: bool, with_state: bool) -> list[str]:
    key = node.key
    if node.missing:
        why = "не опубликован" if node.missing == "not published" else "не найден"
        return [_glue(type_title(key.entity_set)), key.ref, f"({why})"]
    parts = [_glue(" ".join(x for x in (type_title(key.entity_set), node.number) if x))]
    if node.date and with_date:
        parts.append(_glue(f"от {_date(node.date)}"))
    if node.amount is not None:
        parts.append(_glue(money(node.amount) + (f" {node.currency_name}" if node.currency_name else "")))
    if with_counterparty and node.counterparty_name:
        parts.append(_glue(node.counterparty_name))
    if node.title:
        parts.append(f"«{node.title}»")
    extra = [x for x in (enum_title(node.kind), enum_title(node.state) if with_state else None) if x]
    if extra:
        parts.append(_glue(f"({', '.join(extra)})"))
    if node.deleted and with_state:
        parts.append(_glue("[помечен на удаление]"))
    return parts


def describe(node: Node, *, with_counterparty: bool = True, with_date: bool = True, with_state: bool = True) -> str:
    """One line for a document as 1C presents it: type, number, date, sum, counterparty, subject,
    kind and state («Заказ покупателя ТД000000030 от 17.11.2025 13:31:00 2 730,00 руб.»)."""
    return _plain(" ".join(_parts(node, with_counterparty=with_counterparty, with_date=with_date,
                                  with_state=with_state)))


# --------------------------------------------------------------------------- tree


def to_tree(chain: Chain, *, width: int | None = None) -> str:
    """The chain as an indented tree; a document reached twice is shown once, then «см. выше».
    ``width``: lines go on under themselves past that many characters (the tree's lines kept)."""
    lines: list[str] = []
    shown: set[DocKey] = set()
    roots = chain.roots()
    for root in roots:
        _tree(chain, root, "", "", None, shown, lines, width)
    # Documents only reachable through a cycle have no root: show them from the earliest one.
    for node in chain.ordered():
        if node.key not in shown:
            _tree(chain, node.key, "", "", None, shown, lines, width)
    if chain.truncated:
        lines.extend(_wrap(f"… (глубина {chain.depth}: дальше не показано, увеличьте --depth)", width))
    return "\n".join(lines) + "\n"


def _tree(chain: Chain, key: DocKey, lead: str, rest: str, via: tuple[str, ...] | None,
          shown: set[DocKey], lines: list[str], width: int | None) -> None:
    node = chain.nodes[key]
    parts = [MARKS[node.status], *_parts(node, with_counterparty=True, with_date=True, with_state=True)]
    if via:
        parts.append(" [" + ", ".join(via) + "]")
    if key == chain.start:
        parts.append(" ◀")
    again = key in shown
    if again:
        parts.append(_glue(" (см. выше)"))
    kids = [] if again else chain.children(key)
    # the node's own further lines keep the tree's line down to its children
    lines.extend(_wrap(" ".join(parts), width, lead, rest + ("│ " if kids else "  ")))
    if again:
        return
    shown.add(key)
    for i, child in enumerate(kids):
        last = i == len(kids) - 1
        names = tuple(sorted(chain.edges[(key, child)]))
        _tree(chain, child, rest + ("└── " if last else "├── "), rest + ("    " if last else "│   "),
              names, shown, lines, width)


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
        return [type_title(node.key.entity_set), node.key.ref, node.missing]
    first = _label(node)
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


def history_text(timeline: Timeline, title: str, client_ref: str, *, width: int | None = None,
                 client_refs: Collection[str] = ()) -> str:
    """The timeline for people: chains in time order, each step with its state and what it was based on.

    ``client_refs``: further references that are the client too (family C: its partner), whose name
    is not repeated on each step. ``width``: lines go on under themselves past that many characters.
    """
    chain = timeline.chain
    own = {client_ref, *client_refs}
    lines = _wrap(f"{_glue(title)} — документов: {len(chain.nodes)}, цепочек: {len(timeline.groups)}", width)
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
        parts = _parts(node, with_counterparty=node.counterparty not in (None, *own), with_date=False,
                       with_state=False)
        parts.append(_glue(f"— {step_state(node)}"))
        if node.key in timeline.outside:
            parts.append(_glue("(вне периода)"))
        bases = [f"←{_GLUE}{names}: {_glue(_label(parent))}" for names, parent in via]
        lead = f"  {when}  {MARKS[node.status]} "
        whole = _wrap("  ".join([" ".join(parts), *bases]), width, lead, " " * len(lead))
        if len(whole) == 1 or not bases:
            lines.extend(whole)
            continue
        # too long for one line: the step, then each document it was based on on a line of its own
        lines.extend(_wrap(" ".join(parts), width, lead, " " * len(lead)))
        for basis in bases:
            lines.extend(_wrap(basis, width, " " * len(lead), " " * (len(lead) + 2)))
    if chain.truncated:
        lines.append("")
        lines.extend(_wrap(f"… (глубина {chain.depth}: дальше не показано, увеличьте --depth)", width))
    return "\n".join(lines) + "\n"
