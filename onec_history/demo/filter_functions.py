"""Typed SQL fragments of the demo ``$filter`` compiler and 1C's filter functions.

Internal to ``demo/filter.py`` (import the public API from there). Function semantics follow
the 1C manual 17.4.5.2 where it differs from OData v3: ``substring`` is 1-based (ПОДСТРОКА),
``like`` takes a ПОДОБНО template, ``dayofweek`` counts Monday as 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from onec_history.demo.fault import ODataFault
from onec_history.demo.schema import Column, Schema, Table

NS = "StandardODATA."
NUMERIC = ("Edm.Double", "Edm.Decimal", "Edm.Int64", "Edm.Int32", "Edm.Int16")
# Type names cast()/isof() accept besides entity sets (1C manual: String, Number, Boolean, Date).
PRIMITIVE: dict[str, tuple[str, ...]] = {
    "String": ("Edm.String",), "Number": NUMERIC, "Boolean": ("Edm.Boolean",),
    "Date": ("Edm.DateTime",), "Undefined": (NS + "Undefined",),
}
# Standard OData v3 functions the 1C manual lists as not supported: code 21 "unimplemented function".
UNIMPLEMENTED = frozenset({
    "length", "lenght", "indexof", "replace", "tolower", "toupper", "trim", "floor", "ceiling",
    "years", "days", "hours", "minutes", "seconds",
})
_DATE_PARTS = {"year": (1, 4), "month": (6, 2), "day": (9, 2), "hour": (12, 2), "minute": (15, 2), "second": (18, 2)}
_DATEADD = {"second": (1, "seconds"), "minute": (1, "minutes"), "hour": (1, "hours"), "day": (1, "days"),
            "month": (1, "months"), "quarter": (3, "months"), "year": (1, "years")}


# A query option the compiler refuses is answered like any other refusal of the demo base.
FilterError = ODataFault


class Tok(NamedTuple):
    kind: str  # "name" | "str" | "tlit" | "num" | "punct" | "end"
    text: str
    pos: int


@dataclass
class Val:
    """A compiled operand. ``kind``: str guid date bool num binary null pred composite castref ref coll."""

    sql: str
    params: list[object]
    kind: str
    is_lit: bool = False
    lit: object = None
    col: Column | None = None  # a plain stored column: comparisons stay index-friendly
    corr: str = ""  # the same column qualified, for use inside a correlated subquery
    type_sql: str = ""  # composite: its X_Type column (corr_type: qualified)
    corr_type: str = ""
    type_params: list[object] = field(default_factory=list)
    table: Table | None = None  # ref/coll: target set / tabular-section set
    guard: str = ""  # ref: extra condition inside the subquery (type check of a composite cast)
    guard_params: list[object] = field(default_factory=list)
    cast_set: str = ""  # castref: the set named in cast(guid'…', 'Set')
    year_of: str = ""  # year(D) of a plain date column D: lets 'year(D) eq N' become a range on D


class Context(Protocol):
    schema: Schema
    option: str


Handler = Callable[[Context, str, list[Val], Tok], Val]


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def wrap(*parts: Val | str) -> tuple[str, list[object]]:
    """Concatenate SQL pieces, collecting the operands' parameters in textual order."""
    sql: list[str] = []
    params: list[object] = []
    for part in parts:
        if isinstance(part, str):
            sql.append(part)
        else:
            sql.append(part.sql)
            params.extend(part.params)
    return "".join(sql), params


def syntax_error(option: str, tok: Tok, detail: str) -> FilterError:
    return FilterError(400, "14", f"Ошибка разбора опции запроса {option}: {detail} (позиция {tok.pos + 1})")


def unsupported(name: str, detail: str) -> FilterError:
    return FilterError(400, "21", f'Вызов нереализованной функции "{name}": {detail}')


def bad_type(what: str) -> FilterError:
    # A live УТ 11 answered 500 for a function over an unsuitable field (odata1c-gate probe P7).
    return FilterError(500, "-1", f"Неверные параметры {what} в выражении отбора")


def _cases(char: str) -> str:
    return "".join(sorted({v for v in (char, char.lower(), char.upper()) if len(v) == 1}))


def has_case(text: str) -> bool:
    return any(len(_cases(char)) > 1 for char in text)


def ci_glob(text: str) -> str:
    """Literal text -> GLOB pattern matching it ignoring case, as 1C compares strings.

    SQLite's own lower()/NOCASE know only ASCII; ``[Рр][Оо][Мм]`` needs no Python callback, and
    GLOB, being binary otherwise, still uses an index for a literal prefix.
    """
    out: list[str] = []
    for char in text:
        cases = _cases(char)
        out.append(f"[{cases}]" if len(cases) > 1 else f"[{char}]" if char in "*?[" else char)
    return "".join(out)


def like_to_glob(template: str) -> str:
    """1C ПОДОБНО template (``%`` ``_`` ``[..]`` ``[^..]``, any case) -> SQLite GLOB pattern."""
    out: list[str] = []
    i = 0
    while i < len(template):
        char = template[i]
        end = template.find("]", i + 2) if char == "[" else -1
        if char == "%":
            out.append("*")
        elif char == "_":
            out.append("?")
        elif end != -1:
            negate = "^" if template[i + 1] == "^" else ""
            body = template[i + 1 + len(negate) : end]
            extra = "".join(x for x in dict.fromkeys((body.upper(), body.lower())) if x != body)
            out.append(f"[{negate}{body}{extra}]")
            i = end
        else:
            out.append(ci_glob(char))
        i += 1
    return "".join(out)


def type_names(ctx: Context, name: str, tok: Tok) -> tuple[str, ...]:
    """Values of X_Type that mean the type named in cast()/isof()."""
    if name in PRIMITIVE:
        return PRIMITIVE[name]
    if name.startswith("Edm."):
        return (name,)
    # 1C manual: the type is given WITHOUT the StandardODATA. prefix; an unpublished set is unknown.
    target = ctx.schema.tables.get(name)
    if target is None or target.owner is not None:
        raise syntax_error(ctx.option, tok, f'тип "{name}" не найден')
    return (NS + name,)


def call(ctx: Context, name: str, args: list[Val], tok: Tok) -> Val:
    handler = FUNCTIONS.get(name)
    if handler is None:
        if name in UNIMPLEMENTED:
            raise unsupported(name, "функция не поддерживается стандартным интерфейсом OData")
        raise syntax_error(ctx.option, tok, f'неизвестная функция "{tok.text}"')
    return handler(ctx, name, args, tok)


def _arity(name: str, args: list[Val], low: int, high: int = 0) -> None:
    if not low <= len(args) <= max(low, high):
        raise unsupported(name, f"неверное количество параметров: {len(args)}")


def _arg(name: str, value: Val, *kinds: str) -> Val:
    if value.kind not in kinds:
        raise bad_type(f'функции "{name}"')
    return value


def _literal(name: str, value: Val) -> str:
    if value.kind != "str" or not value.is_lit:
        raise unsupported(name, "параметр должен быть строковым литералом")
    return str(value.lit)


def _substringof(ctx: Context, name: str, args: list[Val], tok: Tok) -> Val:
    _arity(name, args, 2)
    needle, hay = (_arg(name, a, "str", "composite") for a in args)
    if needle.is_lit:  # '%', '_' or '[' in the needle are plain characters
        sql, params = wrap("(", hay, " GLOB ?)")
        return Val(sql, [*params, f"*{ci_glob(str(needle.lit))}*"], "pred")
    return Val(*wrap("(instr(", hay, ", ", needle, ") > 0)"), "pred")


def _startswith(ctx: Context, name: str, args: list[Val], tok: Tok) -> Val:
    _arity(name, args, 2)
    hay, needle = (_arg(name, a, "str", "composite") for a in args)
    starts = name == "startswith"
    if needle.is_lit:
        escaped = ci_glob(str(needle.lit))
        sql, params = wrap("(", hay, " GLOB ?)")
        return Val(sql, [*params, escaped + "*" if starts else "*" + escaped], "pred")
    if starts:
        return Val(*wrap("(substr(", hay, ", 1, length(", needle, ")) = ", needle, ")"), "pred")
    return Val(*wrap("(", needle, " = '' OR substr(", hay, ", -length(", needle, ")) = ", needle, ")"), "pred")


def _like(ctx: Context, name: str, args: list[Val], tok: Tok) -> Val:
    _arity(name, args, 2)
    sql, params = wrap("(", _arg(name, args[0], "str", "composite"), " GLOB ?)")
    return Val(sql, [*params, like_to_glob(_literal(name, args[1]))], "pred")


def _concat(ctx: Context, name: str, args: list[Val], tok: Tok) -> Val:
    _arity(name, args, 2)
    first, second = (_arg(name, a, "str", "composite", "num", "date", "guid") for a in args)
    return Val(*wrap("(", first, " || ", second, ")"), "str")


def _substring(ctx: Context, name: str, args: list[Val], tok: Tok) -> Val:
    _arity(name, args, 2, 3)
    pieces: list[Val | str] = ["substr(", _arg(name, args[0], "str", "composite")]
    for number in args[1:]:
        pieces += [", ", _arg(name, number, "num")]
    return Val(*wrap(*pieces, ")"), "str")


def _datepart(ctx: Context, name: str, args: list[Val], tok: Tok) -> Val:
    _arity(name, args, 1)
    date = _arg(name, args[0], "date")
    start, length = _DATE_PARTS[name]
    sql, params = wrap("CAST(substr(", date, f", {start}, {length}) AS INTEGER)")
    plain = date.col is not None and name == "year"
    return Val(sql, params, "num", year_of=date.sql if plain else "")


def _calendar(ctx: Context, name: str, args: list[Val], tok: Tok) -> Val:
    _arity(name, args, 1)
    date = _arg(name, args[0], "date")
    if name == "quarter":
        return Val(*wrap("((CAST(substr(", date, ", 6, 2) AS INTEGER) + 2) / 3)"), "num")
    if name == "dayofyear":
        return Val(*wrap("CAST(strftime('%j', ", date, ") AS INTEGER)"), "num")
    # 1C's ДеньНедели: Monday is 1, Sunday is 7 (SQLite's %w: Sunday is 0).
    return Val(*wrap("((CAST(strftime('%w', ", date, ") AS INTEGER) + 6) % 7 + 1)"), "num")


def _round(ctx: Context, name: str, args: list[Val], tok: Tok) -> Val:
    _arity(name, args, 1)
    return Val(*wrap("round(", _arg(name, args[0], "num"), ")"), "num")


def _dateadd(ctx: Context, name: str, args: list[Val], tok: Tok) -> Val:
    _arity(name, args, 3)
    date, count, unit = _arg(name, args[0], "date"), _arg(name, args[2], "num"), _literal(name, args[1])
    if unit not in _DATEADD:
        raise unsupported(name, f'неизвестная единица "{unit}"')
    factor, word = _DATEADD[unit]
    if isinstance(count.lit, int):
        modifier = Val("?", [f"{count.lit * factor:+d} {word}"], "str")
    else:
        modifier = Val(*wrap("((CAST(", count, f" AS INTEGER) * {factor}) || ' {word}')"), "str")
    return Val(*wrap("strftime('%Y-%m-%dT%H:%M:%S', ", date, ", ", modifier, ")"), "date")


def _datedifference(ctx: Context, name: str, args: list[Val], tok: Tok) -> Val:
    _arity(name, args, 3)
    first, second, unit = _arg(name, args[0], "date"), _arg(name, args[1], "date"), _literal(name, args[2])

    def part(d: Val, start: int, length: int, tail: str = "") -> tuple[Val | str, ...]:
        return ("CAST(substr(", d, f", {start}, {length}) AS INTEGER){tail}")

    def span(cut: int, pad: str, scale: int) -> tuple[Val | str, ...]:
        # Difference of both dates truncated to the unit, like 1C's РАЗНОСТЬДАТ.
        return ("CAST(round((julianday(substr(", second, f", 1, {cut}) || '{pad}') - julianday(substr(",
                first, f", 1, {cut}) || '{pad}')) * {scale}) AS INTEGER)")

    pieces: dict[str, tuple[Val | str, ...]] = {
        "year": ("(", *part(second, 1, 4), " - ", *part(first, 1, 4), ")"),
        "month": ("((", *part(second, 1, 4, " * 12 + "), *part(second, 6, 2), ") - (",
                  *part(first, 1, 4, " * 12 + "), *part(first, 6, 2), "))"),
        "quarter": ("((", *part(second, 1, 4, " * 4 + ("), *part(second, 6, 2, " - 1) / 3) - ("),
                    *part(first, 1, 4, " * 4 + ("), *part(first, 6, 2, " - 1) / 3))")),
        "day": span(10, "", 1), "hour": span(13, ":00:00", 24), "minute": span(16, ":00", 1440),
        "second": span(19, "", 86400),
    }
    if unit not in pieces:
        raise unsupported(name, f'неизвестная единица "{unit}"')
    return Val(*wrap(*pieces[unit]), "num")


def _cast(ctx: Context, name: str, args: list[Val], tok: Tok) -> Val:
    _arity(name, args, 2)
    value, type_name = args[0], _literal(name, args[1])
    names = type_names(ctx, type_name, tok)
    if names[0].startswith(NS) and type_name != "Undefined":
        target = ctx.schema.tables[type_name]
        if value.kind == "guid" and value.is_lit:
            return Val("?", [value.lit], "castref", lit=value.lit, cast_set=type_name)
        if value.kind == "composite":
            return Val(value.corr, list(value.params), "ref", table=target,
                       guard=f"{value.corr_type} = ?", guard_params=[*value.type_params, names[0]])
        if value.kind == "ref" and value.table is not None:
            same = value.table.set_name == type_name
            return value if same else Val(value.sql, value.params, "ref", table=target, guard="0")
        raise bad_type(f'функции "{name}"')
    target_kind = {"String": "str", "Number": "num", "Date": "date", "Boolean": "bool"}.get(type_name, "")
    if value.kind == "composite" and target_kind:
        inner = {"num": "CAST(%s AS REAL)", "bool": "(%s = 'true')"}.get(target_kind, "%s") % value.sql
        marks = ", ".join("?" for _ in names)
        sql = f"(CASE WHEN {value.type_sql} IN ({marks}) THEN {inner} END)"
        return Val(sql, [*value.type_params, *names, *value.params], target_kind)
    if target_kind in ("str", "num") and value.kind in ("str", "num", "guid", "date"):
        sql, params = wrap("CAST(", value, " AS TEXT)" if target_kind == "str" else " AS REAL)")
        return Val(sql, params, target_kind)
    raise bad_type(f'функции "{name}"')


def _isof(ctx: Context, name: str, args: list[Val], tok: Tok) -> Val:
    _arity(name, args, 2)  # the one-argument form (type of the entity itself) is not implemented
    value, type_name = args[0], _literal(name, args[1])
    names = type_names(ctx, type_name, tok)
    if value.kind == "composite":
        marks = ", ".join("?" for _ in names)
        return Val(f"({value.type_sql} IN ({marks}))", [*value.type_params, *names], "pred")
    if value.kind == "ref" and value.table is not None:
        actual = NS + value.table.set_name
    elif value.col is not None:
        actual = value.col.edm_type
    else:
        actual = {"str": "Edm.String", "num": "Edm.Double", "date": "Edm.DateTime",
                  "bool": "Edm.Boolean", "guid": "Edm.Guid"}.get(value.kind, "")
    return Val("1" if actual in names else "0", [], "pred")


FUNCTIONS: dict[str, Handler] = {
    "substringof": _substringof, "startswith": _startswith, "endswith": _startswith, "like": _like,
    "concat": _concat, "substring": _substring, "round": _round, "dateadd": _dateadd,
    "datedifference": _datedifference, "cast": _cast, "isof": _isof,
    **{part: _datepart for part in _DATE_PARTS},
    **{part: _calendar for part in ("quarter", "dayofweek", "dayofyear")},
}
