"""1C's OData v3 query options ($filter, $orderby, $select) compiled to SQLite for the demo base.

A hand-written recursive-descent parser turns the text into typed SQL fragments with ``?``
parameters over the storage convention of ``demo/schema.py`` (the parser lives in
``filter_parser.py``, comparisons in ``filter_compare.py``, functions in
``filter_functions.py``). Precedence follows the 1C manual (17.4.5.2): ``/`` > unary
``-``/``not`` > mul div mod > add sub > gt ge lt le > eq ne > and > or. Keywords and function names are
case-insensitive (the manual itself spells them ``Not``, ``Gt``); property names are exact.

Errors carry what 1C answers (codes from the manual's table, 17.4.10):

- 400/14 — syntax, unknown property, set or function (``contains`` is OData v4), the ``in``
  operator, an unquoted number against a string property;
- 400/21 — a standard OData function 1C does not implement (tolower, length, …), a wrong
  number of arguments, an argument 1C needs as a literal;
- 500/-1 — a ``+`` outside a literal (a client sent ``+`` for a space), an argument or operand of
  an unsuitable type (1C fails while running the query, not while parsing it).

Like 1C, ``eq``/``ne`` against a string literal and the string functions ignore case (GLOB
character classes, no Python callbacks); ``gt``/``lt`` on strings and ``$orderby`` stay binary. Outer
columns are unqualified at the top level and ``"<set>"."col"`` inside subqueries, so the server
must select ``FROM "<set>"`` without an alias.
"""

from __future__ import annotations

import re

from onec_history.demo.filter_functions import FilterError, Tok
from onec_history.demo.filter_parser import Parser
from onec_history.demo.schema import Schema, Table

__all__ = ["FilterError", "compile_filter", "compile_orderby", "parse_select"]


def compile_filter(text: str, table: Table, schema: Schema) -> tuple[str, list[object]]:
    """``$filter`` text (percent-decoded, ``+`` kept) -> (SQL boolean expression, parameters)."""
    if not text.strip():
        return "1", []
    parser = Parser(text, table, schema, "$filter")
    start = parser.tok
    value = parser.parse_or()
    parser.expect_end()
    result = parser.predicate(value, start)
    return result.sql, result.params


def compile_orderby(text: str, table: Table, schema: Schema | None = None) -> str:
    """``$orderby`` text -> SQL ORDER BY body. Pass ``schema`` to allow ``Контрагент/ИНН desc``."""
    if not text.strip():
        return ""
    parser = Parser(text, table, schema or Schema({table.set_name: table}, {}), "$orderby")
    parts: list[str] = []
    while True:
        start = parser.tok
        value = parser.parse_or()
        if value.kind in ("ref", "coll", "castref", "null"):
            raise parser.syntax(start, "упорядочивание возможно только по значению")
        direction = parser.keyword("asc", "desc")
        if direction:
            parser.advance()
        parts.append(f"{_inline(value.sql, value.params, parser, start)} {(direction or 'asc').upper()}")
        if not parser.punct(","):
            parser.expect_end()
            return ", ".join(parts)


def parse_select(text: str, table: Table, schema: Schema) -> list[str]:
    """``$select`` -> names to output, in the table's property order.

    ``*`` is every column and tabular section, ``**`` every column (1C: "all but tabular
    sections"; either wins over the rest of the list). An explicit list may also name
    navigation properties and paths such as ``Товары/Цена`` or ``Контрагент/Description``
    (returned as written, after the plain names). A name that is not there -> 400/14, which
    includes ``X_Key`` of a composite attribute ``X``.
    """
    items = [item.strip() for item in text.split(",")] if text.strip() else ["*"]
    if "*" in items:
        return [*table.columns, *table.tabular]
    if "**" in items:
        return list(table.columns)
    chosen: set[str] = set()
    paths: list[str] = []
    for item in items:
        head, _, rest = item.partition("/")
        if not rest and (head in table.columns or head in table.tabular or head in table.navigations):
            chosen.add(head)
        elif rest and _select_path_ok(table, schema, item.split("/")):
            if item not in paths:
                paths.append(item)
        else:
            detail = "пустое имя свойства" if not item else f'свойство "{item}" не найдено'
            raise FilterError(400, "14", f"Ошибка разбора опции запроса $select: {detail}")
    ordered = [*table.columns, *table.tabular, *table.navigations]
    return [name for name in ordered if name in chosen] + paths


def _select_path_ok(table: Table, schema: Schema, segs: list[str]) -> bool:
    head, rest = segs[0], segs[1:]
    if not rest:
        return head in table.columns or head in table.navigations or head in ("*", "**")
    if head in table.tabular:
        section = schema.tables.get(table.tabular[head])
        return section is not None and len(rest) == 1 and (rest[0] in section.columns or rest[0] in ("*", "**"))
    if head in table.navigations:
        target = schema.tables.get(table.navigations[head].target_set)
        return target is not None and _select_path_ok(target, schema, rest)
    column = table.columns.get(head)
    if column is not None and column.composite and len(rest) >= 2:  # X/Document_Y/Prop, used with $expand
        target = schema.tables.get(rest[0])
        return target is not None and _select_path_ok(target, schema, rest[1:])
    return False


def _inline(sql: str, params: list[object], parser: Parser, tok: Tok) -> str:
    """ORDER BY has no parameters in the contract: render the (already typed) literals inline."""
    values = iter(params)

    def render(_: re.Match[str]) -> str:
        value = next(values)
        if isinstance(value, str):
            if "\x00" in value:
                raise parser.syntax(tok, "недопустимый символ в строке")
            return "'" + value.replace("'", "''") + "'"
        return repr(value)

    return re.sub(r"\?", render, sql)
