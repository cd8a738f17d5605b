"""Comparison operators (``eq ne gt ge lt le``) of the demo ``$filter`` compiler.

Internal to ``demo/filter.py`` (import the public API from there). Literals move to the right, so
a plain column stays on the left where SQLite can use its index; ``null``, ``cast(guid'…', 'Set')``
references and composite attributes (a value column plus its ``X_Type``) get their own rules.
"""

from __future__ import annotations

from onec_history.demo.filter_functions import NS, NUMERIC, Tok, Val, bad_type, ci_glob, has_case, syntax_error, wrap

_COMPOSITE_TYPES = {"str": ("Edm.String",), "num": NUMERIC, "date": ("Edm.DateTime",), "bool": ("Edm.Boolean",)}
_SQLOP = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_FLIP = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}


def compare(option: str, op: str, left: Val, right: Val, tok: Tok) -> Val:
    """``left op right`` as an SQL condition; ``option`` names the query option in syntax errors."""
    for side in (left, right):
        if side.kind in ("ref", "coll"):
            raise syntax_error(option, tok, "навигационное свойство нельзя сравнивать, используйте свойство _Key")
        if side.kind == "binary":
            raise syntax_error(option, tok, "сравнение с реквизитом типа ХранилищеЗначения не поддерживается")
    if (left.is_lit or left.kind == "castref") and not (right.is_lit or right.kind == "castref"):
        left, right, op = right, left, _FLIP[op]
    if "null" in (left.kind, right.kind):
        return _compare_null(op, left if right.kind == "null" else right)
    if right.kind == "castref":
        return _compare_cast(option, op, left, right, tok)
    if left.kind == "composite":
        return _compare_composite(op, left, right)
    if right.kind == "composite":
        return _compare_composite(_FLIP[op], right, left)
    if left.kind in ("bool", "pred") and right.kind == "bool" and right.is_lit and op in ("eq", "ne"):
        positive = bool(right.lit) == (op == "eq")
        if left.kind == "bool":  # stored 0/1: "X = 1" keeps an index on X usable
            return Val(f"({left.sql} = {1 if positive else 0})", left.params, "pred")
        return left if positive else Val(f"(NOT {left.sql})", left.params, "pred")
    if left.kind == "str" and left.col is not None and right.is_lit and right.kind == "num":
        # Live УТ 11 (odata1c-gate probe P7): an unquoted number against a string property -> 400.
        raise syntax_error(option, tok, f'несовместимые типы: "{left.col.name}" и {right.lit}')
    text = str(right.lit)
    if left.kind == right.kind == "str" and right.is_lit and op in ("eq", "ne") and has_case(text):
        cond, params = wrap("(", left, " GLOB ?)")  # 1C compares strings ignoring case
        return Val(cond if op == "eq" else f"(NOT {cond})", [*params, ci_glob(text)], "pred")
    if left.kind == "guid" and right.is_lit and right.kind == "str":
        lowered = str(right.lit).lower()
        right = Val("?", [lowered], "str", is_lit=True, lit=lowered)
    if left.year_of and right.is_lit and isinstance(right.lit, int) and 1 <= right.lit <= 9998:
        return _year_range(op, left.year_of, right.lit)
    return Val(*wrap("(", left, f" {_SQLOP[op]} ", right, ")"), "pred")


def _year_range(op: str, column: str, year: int) -> Val:
    """``year(D) op N`` as a range on D, so SQLite can use the index on D."""
    start, end = f"{year:04d}-01-01T00:00:00", f"{year + 1:04d}-01-01T00:00:00"
    sql, params = {
        "eq": (f"({column} >= ? AND {column} < ?)", [start, end]),
        "ne": (f"({column} < ? OR {column} >= ?)", [start, end]),
        "gt": (f"({column} >= ?)", [end]), "ge": (f"({column} >= ?)", [start]),
        "lt": (f"({column} < ?)", [start]), "le": (f"({column} < ?)", [end]),
    }[op]
    return Val(sql, list(params), "pred")


def _compare_null(op: str, other: Val) -> Val:
    if op not in ("eq", "ne") or other.kind == "null":
        return Val("1" if op == "eq" and other.kind == "null" else "0", [], "pred")
    if other.kind == "composite":  # an unset composite holds Undefined, never NULL
        sql = f"({other.type_sql} {'=' if op == 'eq' else '<>'} ?)"
        return Val(sql, [*other.type_params, NS + "Undefined"], "pred")
    return Val(*wrap("(", other, " IS NULL)" if op == "eq" else " IS NOT NULL)"), "pred")


def _compare_cast(option: str, op: str, left: Val, right: Val, tok: Tok) -> Val:
    """``Composite eq cast(guid'…', 'Document_X')``: value and type must both match."""
    if op not in ("eq", "ne"):
        raise syntax_error(option, tok, "ссылки можно сравнивать только на равенство")
    if left.kind == "composite":
        cond = f"({left.sql} = ? AND {left.type_sql} = ?)"
        params = [*left.params, right.lit, *left.type_params, NS + right.cast_set]
    elif left.kind == "guid":
        cond, params = wrap("(", left, " = ?)")
        params.append(right.lit)
    else:
        raise bad_type("сравнения со ссылкой")
    return Val(cond if op == "eq" else f"(NOT {cond})", params, "pred")


def _compare_composite(op: str, left: Val, right: Val) -> Val:
    if right.kind == "guid":
        # 1C manual 17.4.5.2: `Composite eq guid'…'` always returns an empty result.
        return Val("1" if op == "ne" else "0", [], "pred")
    if right.kind == "composite":
        cond = f"({left.sql} = {right.sql} AND {left.type_sql} = {right.type_sql})"
        params = [*left.params, *right.params, *left.type_params, *right.type_params]
        return Val(cond if op == "eq" else f"(NOT {cond})", params, "pred")
    types = _COMPOSITE_TYPES.get(right.kind)
    if types is None or (right.kind == "bool" and not right.is_lit):
        raise bad_type("сравнения реквизита составного типа")
    # The value column holds text: the primitive as 1C renders it ('true', '12.5', a date).
    value: Val = Val("?", ["true" if right.lit else "false"], "str") if right.kind == "bool" else right
    column = f"CAST({left.sql} AS REAL)" if right.kind == "num" else left.sql
    marks = ", ".join("?" for _ in types)
    sqlop = "=" if op == "ne" else _SQLOP[op]
    if right.kind == "str" and right.is_lit and op in ("eq", "ne") and has_case(str(right.lit)):
        sqlop, value = "GLOB", Val("?", [ci_glob(str(right.lit))], "str")
    cond = f"({left.type_sql} IN ({marks}) AND {column} {sqlop} {value.sql})"
    params = [*left.type_params, *types, *left.params, *value.params]
    return Val(cond if op != "ne" else f"(NOT {cond})", params, "pred")
