"""A report as a terminal table: its title and period on the line above, numbers aligned right,
a grouping (the responsible of ``overdue``, the manager of ``inactive``) as a line above its rows,
and the columns fitted to the terminal by :func:`onec_history.cli.output._fit` (``--wide`` and
piped output keep every column whole)."""

from __future__ import annotations

import re
import textwrap

from ..reports.layout import Kind, Sheet, ru_text, visible
from .output import _fit, shorten

__all__ = ["render_table"]

_MOMENT = re.compile(r"(\d\d\.\d\d\.\d{4}) (\d\d:\d\d)")
_RIGHT = (Kind.INT, Kind.DECIMAL, Kind.PERCENT)


def render_table(sheet: Sheet, width: int | None = None) -> str:
    """The table of ``sheet``, fitted to ``width`` characters (``None``: every column whole)."""
    cols = visible(sheet.columns, sheet.group)
    indent = "  " if sheet.group is not None else ""
    heads = [c.table_heading for c in cols]
    cells = [[ru_text(c.get(row), c.kind) for c in cols] for row in sheet.rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(heads)]
    shown = list(range(len(cols)))
    if width is not None:
        shown, widths = _fit(widths, width - len(indent), [c.fit for c in cols])

    def line(values: list[str]) -> str:
        parts = []
        for i in shown:
            text = shorten(values[i], widths[i])
            parts.append(text.rjust(widths[i]) if cols[i].kind in _RIGHT else text.ljust(widths[i]))
        return (indent + "  ".join(parts)).rstrip()

    rule = indent + "  ".join("-" * widths[i] for i in shown)
    # The title is wrapped, never cut (its end is the period), a moment never split from its time.
    title = [t.replace("\u00a0", " ") for t in textwrap.wrap(_MOMENT.sub("\\1\u00a0\\2", sheet.title), width)] \
        if width is not None else [sheet.title]
    out = [*title, "", line(heads), rule]
    current: str | None = None
    for row, values in zip(sheet.rows, cells, strict=True):
        if sheet.group is not None:
            name = ru_text(sheet.group.get(row), sheet.group.kind) or "—"
            if name != current:
                current = name
                out.append(shorten(name, width) if width is not None else name)
        if sheet.totals(row):
            out.append(rule)
        out.append(line(values))
    if not sheet.rows:
        out.append(indent + "Нет строк")
    return "\n".join(out) + "\n"
