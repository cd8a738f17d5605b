"""A client's history and a chain as one self-contained HTML file: opens from a mail attachment.

No network, no framework, no external file: the styles and a few lines of script are in the page,
the chains are inline SVG (:mod:`.svg`). Without script everything is shown; the script only adds
the search box's filtering and the «collapse all / expand all» buttons (the chains are ``<details>``
elements, collapsible by themselves). A print stylesheet keeps a chain on one A4 page where it fits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from html import escape
from typing import Any

from ..chains.model import Chain
from ..chains.render import MARKS, describe, step_state
from ..chains.timeline import Timeline
from ..presentations import type_title
from .svg import chain_svg

__all__ = ["chain_html", "history_html"]

_CSS = """
:root { font-family: "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #222; }
body { margin: 1.5em; max-width: 1200px; }
h1 { font-size: 1.4em; margin: 0 0 .2em; } .meta { color: #555; margin: 0 0 1em; }
table.card td { padding: 1px 12px 1px 0; vertical-align: top; } table.card td:first-child { color: #666; }
.tools { margin: 1em 0; } .tools input { font-size: 1em; padding: 4px 8px; width: 22em; }
details.group { border: 1px solid #ccc; border-radius: 6px; margin: .8em 0; padding: .4em .8em; }
details.group > summary { font-weight: 600; cursor: pointer; }
.picture { overflow-x: auto; margin: .5em 0; }
svg.chain text { font-size: 11.5px; fill: #222; } svg.chain text.head { font-weight: 600; }
svg.chain .node rect { fill: #fff; stroke: #777; stroke-width: 1.2; }
svg.chain .node.event rect { fill: #eef5ff; }
svg.chain .node.own rect { fill: #fff1c9; stroke: #b07d00; stroke-width: 2; }
svg.chain .node.start rect { stroke: #c00; stroke-width: 2.5; }
svg.chain .node.deleted text { text-decoration: line-through; fill: #888; }
svg.chain .node.deleted rect { stroke-dasharray: 4 3; }
svg.chain .node.missing rect { fill: #f3f3f3; stroke-dasharray: 2 2; }
table.steps { border-collapse: collapse; width: 100%; font-size: .93em; }
table.steps th, table.steps td { border-bottom: 1px solid #e4e4e4; padding: 3px 6px; text-align: left;
  vertical-align: top; }
table.steps tr.own td:first-child { border-left: 4px solid #b07d00; }
table.steps tr.outside { color: #888; }
.mark { font-family: monospace; } .hidden { display: none; } .empty { color: #a00; }
@page { size: A4; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; } .tools { display: none; }
  details.group { break-inside: avoid; page-break-inside: avoid; border: none; }
  details.group:not([open]) > *:not(summary) { display: block; }
  .picture { overflow: visible; } svg.chain { max-width: 100%; height: auto; }
}
"""

_SCRIPT = """
(function () {
  var box = document.getElementById('search'), note = document.getElementById('found');
  function filter() {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean), shown = 0;
    document.querySelectorAll('details.group').forEach(function (g) {
      var any = false;
      g.querySelectorAll('tr.step').forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var hit = words.every(function (w) { return text.indexOf(w) >= 0; });
        row.classList.toggle('hidden', !hit); if (hit) { any = true; shown++; }
      });
      g.classList.toggle('hidden', !any); if (any && words.length) { g.open = true; }
    });
    note.textContent = words.length ? ('найдено: ' + shown) : '';
  }
  box.addEventListener('input', filter);
  document.getElementById('collapse').addEventListener('click', function () {
    document.querySelectorAll('details.group').forEach(function (g) { g.open = false; }); });
  document.getElementById('expand').addEventListener('click', function () {
    document.querySelectorAll('details.group').forEach(function (g) { g.open = true; }); });
  document.querySelectorAll('.tools .js').forEach(function (el) { el.classList.remove('hidden'); });
})();
"""


def _page(title: str, body: str, *, script: bool) -> str:
    js = f"<script>{_SCRIPT}</script>" if script else ""
    return ("<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{escape(title)}</title>"
            f"<style>{_CSS}</style></head><body>\n{body}\n{js}</body></html>\n")


def _date(value: datetime | None, *, time: bool = True) -> str:
    if value is None:
        return ""
    return value.strftime("%d.%m.%Y %H:%M" if time else "%d.%m.%Y")


def _period(since: datetime | None, until: datetime | None) -> str:
    if since is None and until is None:
        return "за всё время"
    return " ".join(x for x in (f"с {_date(since, time=False)}" if since else "",
                                f"по {_date(until, time=False)}" if until else "") if x)


def history_html(timeline: Timeline, card: Mapping[str, Any], *, base: str = "",
                 generated: datetime | None = None) -> str:
    """The page of a client's history: its card, then each chain — drawn and as a list of steps."""
    chain = timeline.chain
    name = str(card.get("name") or "")
    rows = "".join(f"<tr><td>{escape(label)}</td><td>{escape(str(value))}</td></tr>"
                   for label, value in card.items() if label != "name" and value not in (None, "", []))
    header = [f"<h1>{escape(name)}</h1>",
              f'<p class="meta">История взаимоотношений {escape(_period(timeline.since, timeline.until))}'
              + (f" · база {escape(base)}" if base else "")
              + (f" · сформирована {_date(generated)}" if generated else "")
              + f" · документов: {len(chain.nodes)}, цепочек: {len(timeline.groups)}</p>",
              f'<table class="card">{rows}</table>' if rows else "",
              '<div class="tools"><input id="search" type="search" placeholder="Поиск: номер, вид, тема…" '
              'aria-label="Поиск по истории"> <span class="js hidden"><button id="collapse" type="button">'
              'Свернуть все</button> <button id="expand" type="button">Развернуть все</button></span> '
              '<span id="found" aria-live="polite"></span></div>']
    groups = []
    for i, group in enumerate(timeline.groups, start=1):
        dates = [d for k in group if (d := chain.nodes[k].when) is not None]
        span = f"{min(dates):%d.%m.%Y} – {max(dates):%d.%m.%Y}" if dates else ""
        steps = []
        for key in group:
            node = chain.nodes[key]
            via = ", ".join(f"{', '.join(sorted(chain.edges[(p, key)]))}: "
                            f"{' '.join(x for x in (type_title(p.entity_set), chain.nodes[p].number) if x)}"
                            for p in chain.parents(key))
            classes = ["step", *(["own"] if key in timeline.own else []),
                       *(["outside"] if key in timeline.outside else [])]
            text = describe(node, with_counterparty=node.counterparty not in (None, timeline.counterparty),
                            with_date=False, with_state=False)
            steps.append(f'<tr class="{" ".join(classes)}" data-id="{escape(key.id)}"><td>{_date(node.when)}</td>'
                         f'<td class="mark">{escape(MARKS[node.status])}</td><td>{escape(text)}</td>'
                         f"<td>{escape(step_state(node))}{' (вне периода)' if key in timeline.outside else ''}</td>"
                         f"<td>{escape(via)}</td></tr>")
        picture = chain_svg(chain, own=timeline.own, keys=group, label=f"Цепочка {i}")
        groups.append(f'<details class="group" open data-chain="{i}"><summary>Цепочка {i} '
                      f"({len(group)} док.{', ' + span if span else ''})</summary>"
                      f'<div class="picture">{picture}</div><table class="steps"><thead><tr><th>Дата</th><th></th>'
                      f"<th>Документ</th><th>Состояние</th><th>Основание</th></tr></thead><tbody>{''.join(steps)}"
                      "</tbody></table></details>")
    if not groups:
        groups.append('<p class="empty">Нет документов за этот период.</p>')
    warnings = "".join(f"<li>{escape(w)}</li>" for w in chain.warnings)
    body = "\n".join([*header, *groups, f'<ul class="warnings">{warnings}</ul>' if warnings else ""])
    return _page(f"{name} — история", body, script=True)


def chain_html(chain: Chain, title: str, *, base: str = "") -> str:
    """The page of one chain: the drawing and its documents in time order."""
    rows = "".join(f'<tr class="step" data-id="{escape(n.key.id)}"><td>{_date(n.when)}</td>'
                   f'<td class="mark">{escape(MARKS[n.status])}</td><td>{escape(describe(n, with_date=False))}</td>'
                   f"<td>{escape(step_state(n))}</td></tr>" for n in chain.ordered())
    body = (f"<h1>{escape(title)}</h1><p class=\"meta\">Структура подчиненности"
            + (f" · база {escape(base)}" if base else "") + f" · документов: {len(chain.nodes)}</p>"
            f'<div class="picture">{chain_svg(chain, label=title)}</div>'
            f'<table class="steps"><tbody>{rows}</tbody></table>')
    return _page(title, body, script=False)
