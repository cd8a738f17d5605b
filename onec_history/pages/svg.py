"""A chain as an SVG picture: documents as boxes (type, number, date, amount), basis links as arrows.

The picture is plain SVG inside the page (no script, no external font or image): Cyrillic comes
out in the system's sans-serif font, every text is escaped, a long type or name is shortened with
an ellipsis and kept whole in the box's tooltip. Every box carries ``data-id`` (the document's
``Document_X(guid'…')``) and every arrow ``data-from``/``data-to``, so that a test — or a user's
script — can check the drawing against the chain.
"""

from __future__ import annotations

from html import escape

from ..chains.model import Chain, DocKey, Node
from ..chains.render import money, step_state
from ..presentations import type_title
from .layout import Box, layout

__all__ = ["chain_svg", "node_lines", "type_title"]

BOX_W, BOX_H = 220, 70
_LINE = 15
_PAD = 8
_CHARS = 29  # what fits on a line of a box at the font size of the page's style


def _short(text: str, limit: int = _CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def node_lines(node: Node) -> list[str]:
    """The box's lines: the type, the number and date, the amount or subject, the state."""
    key = node.key
    if node.missing:
        return [type_title(key.entity_set), "не опубликован" if node.missing == "not published" else "не найден"]
    lines = [type_title(key.entity_set)]
    when = f"{node.when:%d.%m.%Y}" if node.when else ""
    lines.append(" ".join(x for x in (node.number or "", f"от {when}" if when else "") if x))
    if node.amount is not None:
        lines.append(money(node.amount) + (f" {node.currency_name}" if node.currency_name else ""))
    elif node.title:
        lines.append(f"«{node.title}»")
    lines.append(step_state(node))
    return lines


def chain_svg(chain: Chain, *, own: set[DocKey] | None = None, keys: list[DocKey] | None = None,
              label: str = "") -> str:
    """The SVG of ``chain`` (or of its ``keys`` only); ``own`` documents (the client's) highlighted,
    the start of a walk marked."""
    members = keys if keys is not None else sorted(chain.nodes, key=chain.sort_key)
    wanted = set(members)
    edges = [(p, c) for (p, c) in sorted(chain.edges) if p in wanted and c in wanted]
    boxes, width, height = layout(members, edges, width=BOX_W, height=BOX_H)
    w, h = width + 2 * _PAD, height + 2 * _PAD
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chain" role="img" width="{w:.0f}" height="{h:.0f}" '
           f'viewBox="0 0 {w:.0f} {h:.0f}" aria-label="{escape(label or "Структура подчиненности")}">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>']
    for p, c in edges:
        out.append(_arrow(boxes[p], boxes[c], p, c, sorted(chain.edges[(p, c)])))
    for key in members:
        node = chain.nodes[key]
        out.append(_box(node, boxes[key], own=key in (own or set()), start=key == chain.start))
    out.append("</svg>")
    return "\n".join(out)


def _arrow(parent: Box, child: Box, p: DocKey, c: DocKey, names: list[str]) -> str:
    x1, y1 = parent.bottom
    x2, y2 = child.top
    x1, y1, x2, y2 = x1 + _PAD, y1 + _PAD, x2 + _PAD, y2 + _PAD
    title = escape(", ".join(names))
    return (f'<line class="edge" data-from="{escape(p.id)}" data-to="{escape(c.id)}" x1="{x1:.1f}" y1="{y1:.1f}" '
            f'x2="{x2:.1f}" y2="{y2:.1f}" stroke="#555" stroke-width="1.4" marker-end="url(#arrow)">'
            f"<title>{title}</title></line>")


def _box(node: Node, box: Box, *, own: bool, start: bool) -> str:
    classes = ["node", node.status]
    if own:
        classes.append("own")
    if start:
        classes.append("start")
    if node.kind_code:
        classes.append("event")
    x, y = box.x + _PAD, box.y + _PAD
    lines = node_lines(node)
    tooltip = escape("\n".join(lines + ([node.counterparty_name] if node.counterparty_name else [])))
    head = ' class="head"'
    texts = [f'<text x="{x + 8:.1f}" y="{y + 18 + i * _LINE:.1f}"{head if i == 0 else ""}>'
             f"{escape(_short(line))}</text>" for i, line in enumerate(lines[:4])]
    return (f'<g class="{" ".join(classes)}" data-id="{escape(node.key.id)}"><title>{tooltip}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{box.w}" height="{box.h}" rx="6"/>' + "".join(texts) + "</g>")
