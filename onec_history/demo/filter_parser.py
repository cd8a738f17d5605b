"""Tokenizer and recursive-descent parser of the demo ``$filter``/``$orderby`` compiler.

Internal to ``demo/filter.py`` (import the public API from there). ``Parser`` turns the text into
typed SQL fragments (``Val``) level by level of 1C's precedence; comparisons are compiled in
``filter_compare.py``, function calls in ``filter_functions.py``. Property paths, navigation
through references (``Ref/Prop``, a correlated subquery) and ``any``/``all`` lambdas over tabular
sections are resolved here against the schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import NoReturn

from onec_history.demo.filter_compare import compare
from onec_history.demo.filter_functions import (
    NUMERIC,
    FilterError,
    Tok,
    Val,
    bad_type,
    call,
    q,
    syntax_error,
    wrap,
)
from onec_history.demo.schema import Schema, Table

_MAX_DEPTH = 64  # nesting of parentheses, functions and unary operators: keeps Python's stack safe
_KIND = {
    "Edm.String": "str", "Edm.Guid": "guid", "Edm.DateTime": "date", "Edm.Boolean": "bool",
    "Edm.Binary": "binary", **{t: "num" for t in (*NUMERIC, "Edm.Byte", "Edm.SByte", "Edm.Single")},
}
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?")
_TOKEN = re.compile(
    r"(?P<ws>[ \t\r\n]+)|(?P<tlit>[A-Za-z]+'(?:[^']|'')*')|(?P<str>'(?:[^']|'')*')"
    r"|(?P<num>\d+(?:\.\d+)?[mMlLdDfF]?)|(?P<name>[^\W\d]\w*)|(?P<punct>[(),/:-])"
)


def tokenize(text: str, option: str) -> list[Tok]:
    """Split the text of query option ``option`` into tokens, ending with an ``end`` token."""
    toks: list[Tok] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            if char == "+":
                # Live УТ 11: `ИНН+eq+'…'` -> 500 «Операция не разрешена в предложении "ГДЕ"».
                clause = "ГДЕ" if option == "$filter" else "УПОРЯДОЧИТЬ ПО"
                raise FilterError(500, "-1", f'Операция не разрешена в предложении "{clause}"')
            detail = "незакрытая кавычка" if char == "'" else f"недопустимый символ {char!r}"
            raise syntax_error(option, Tok("end", "", pos), detail)
        if match.lastgroup != "ws":
            toks.append(Tok(match.lastgroup or "", match.group(), pos))
        pos = match.end()
    toks.append(Tok("end", "", len(text)))
    return toks

class _Scope:
    __slots__ = ("alias", "table")

    def __init__(self, table: Table, alias: str | None) -> None:
        self.table = table
        self.alias = alias  # SQL alias inside a subquery; None for the queried set itself


class Parser:
    """One query option's tokens over ``table``: ``parse_or`` compiles the next expression."""

    def __init__(self, text: str, table: Table, schema: Schema, option: str) -> None:
        self.option = option
        self.schema = schema
        self.root = _Scope(table, None)
        self.toks = tokenize(text, option)
        self.i = 0
        self.tok = self.toks[0]
        self.lambda_vars: dict[str, _Scope] = {}
        self.sub_depth = 0  # >0 while compiling a lambda body (inside a subquery)
        self.nesting = 0
        self.aliases = 0

    # ---- tokens and errors ------------------------------------------------------------------
    def syntax(self, tok: Tok, detail: str) -> FilterError:
        return syntax_error(self.option, tok, detail)

    def advance(self) -> Tok:
        tok = self.tok
        self.i = min(self.i + 1, len(self.toks) - 1)
        self.tok = self.toks[self.i]
        return tok

    def keyword(self, *words: str) -> str | None:
        if self.tok.kind == "name" and self.tok.text.lower() in words:
            return self.tok.text.lower()
        return None

    def punct(self, char: str) -> bool:
        if self.tok.kind == "punct" and self.tok.text == char:
            self.advance()
            return True
        return False

    def expect(self, char: str) -> None:
        if not self.punct(char):
            self._unexpected(f'ожидалось "{char}"')

    def expect_end(self) -> None:
        if self.tok.kind != "end":
            self._unexpected("ожидался конец выражения")

    def _unexpected(self, detail: str) -> NoReturn:
        if self.keyword("in", "has"):
            raise self.syntax(self.tok, f'оператор "{self.tok.text}" не поддерживается')
        found = f'"{self.tok.text}"' if self.tok.kind != "end" else "конец строки"
        raise self.syntax(self.tok, f"{detail}, найдено {found}")

    # ---- operators --------------------------------------------------------------------------
    def parse_or(self) -> Val:
        return self._chain("or", self._parse_and)

    def _parse_and(self) -> Val:
        return self._chain("and", self._parse_eq)

    def _chain(self, word: str, operand: Callable[[], Val]) -> Val:
        start = self.tok
        first = operand()
        if not self.keyword(word):
            return first
        parts = [self.predicate(first, start)]
        while self.keyword(word):
            self.advance()
            start = self.tok
            parts.append(self.predicate(operand(), start))
        # Flat "(a OR b OR c)": one level of parentheses however long the chain.
        sql = "(" + f" {word.upper()} ".join(p.sql for p in parts) + ")"
        return Val(sql, [x for p in parts for x in p.params], "pred")

    def _parse_eq(self) -> Val:
        left = self._parse_rel()
        while op := self.keyword("eq", "ne"):
            tok = self.advance()
            left = compare(self.option, op, left, self._parse_rel(), tok)
        return left

    def _parse_rel(self) -> Val:
        left = self._parse_add()
        while op := self.keyword("gt", "ge", "lt", "le"):
            tok = self.advance()
            left = compare(self.option, op, left, self._parse_add(), tok)
        return left

    def _parse_add(self) -> Val:
        left = self._parse_mul()
        while op := self.keyword("add", "sub"):
            self.advance()
            left = self._arith(op, left, self._parse_mul())
        return left

    def _parse_mul(self) -> Val:
        left = self._parse_unary()
        while op := self.keyword("mul", "div", "mod"):
            self.advance()
            left = self._arith(op, left, self._parse_unary())
        return left

    def _arith(self, op: str, left: Val, right: Val) -> Val:
        if left.kind != "num" or right.kind != "num":
            raise bad_type(f'операции "{op}"')
        if op == "div":  # 1C numbers are decimals: 7 div 2 is 3.5, not SQLite's integer 3
            return Val(*wrap("(CAST(", left, " AS REAL) / ", right, ")"), "num")
        sign = {"add": " + ", "sub": " - ", "mul": " * ", "mod": " % "}[op]
        return Val(*wrap("(", left, sign, right, ")"), "num")

    def _parse_unary(self) -> Val:
        self.nesting += 1
        try:
            if self.nesting > _MAX_DEPTH:
                raise self.syntax(self.tok, "слишком глубокая вложенность выражения")
            tok = self.tok
            if tok.kind == "punct" and tok.text == "-":
                self.advance()
                operand = self._parse_unary()
                if operand.kind != "num":
                    raise bad_type('операции "-"')
                if isinstance(operand.lit, (int, float)) and operand.is_lit:
                    return Val("?", [-operand.lit], "num", is_lit=True, lit=-operand.lit)
                return Val(f"(-{operand.sql})", operand.params, "num")
            if self.keyword("not"):
                self.advance()
                inner = self.predicate(self._parse_unary(), tok)
                if inner.sql in ("0", "1"):
                    return Val("1" if inner.sql == "0" else "0", [], "pred")
                return Val(f"(NOT {inner.sql})", inner.params, "pred")
            return self._parse_primary()
        finally:
            self.nesting -= 1

    def predicate(self, value: Val, tok: Tok) -> Val:
        """A value used as a condition; Boolean columns are stored 0/1."""
        if value.kind == "pred":
            return value
        if value.kind == "bool":
            if value.is_lit:
                return Val("1" if value.lit else "0", [], "pred")
            return Val(f"({value.sql} = 1)", value.params, "pred")
        raise self.syntax(tok, "ожидалось логическое выражение")

    # ---- operands ---------------------------------------------------------------------------
    def _parse_primary(self) -> Val:
        tok = self.tok
        if tok.kind == "str":
            self.advance()
            text = tok.text[1:-1].replace("''", "'")
            return Val("?", [text], "str", is_lit=True, lit=text)
        if tok.kind == "tlit":
            self.advance()
            return self._typed_literal(tok)
        if tok.kind == "num":
            self.advance()
            digits = tok.text.rstrip("mMlLdDfF")
            number: int | float = float(digits) if "." in digits or tok.text[-1] in "mMdDfF" else int(digits)
            return Val("?", [number], "num", is_lit=True, lit=number)
        if self.punct("("):
            inner = self.parse_or()
            self.expect(")")
            return inner
        if tok.kind == "name":
            self.advance()
            low = tok.text.lower()
            if self.tok.kind == "punct" and self.tok.text == "(":
                return self._navigate(self._call(low, tok))
            if low in ("true", "false"):
                return Val("1" if low == "true" else "0", [], "bool", is_lit=True, lit=low == "true")
            if low == "null":
                return Val("NULL", [], "null", is_lit=True)
            return self._path(tok)
        self._unexpected("ожидалось выражение")

    def _typed_literal(self, tok: Tok) -> Val:
        prefix, _, body = tok.text.partition("'")
        body = body[:-1].replace("''", "'")
        if prefix.lower() == "guid":
            if not _GUID.fullmatch(body):
                raise self.syntax(tok, f"неверный литерал guid'{body}'")
            return Val("?", [body.lower()], "guid", is_lit=True, lit=body.lower())
        if prefix.lower() == "datetime":
            match = _DATETIME.fullmatch(body)
            try:
                if match is None:
                    raise ValueError(body)
                year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
                datetime(year, month, day, hour, minute, second)
            except ValueError:
                raise self.syntax(tok, f"неверный литерал datetime'{body}'") from None
            value = body if match.group(6) else body + ":00"
            return Val("?", [value], "date", is_lit=True, lit=value)
        raise self.syntax(tok, f'неподдерживаемый тип литерала "{prefix}"')

    def _call(self, name: str, tok: Tok) -> Val:
        self.expect("(")
        args: list[Val] = []
        if not self.punct(")"):
            args.append(self.parse_or())
            while not self.punct(")"):
                self.expect(",")
                args.append(self.parse_or())
        return call(self, name, args, tok)

    # ---- properties, navigation, lambdas ----------------------------------------------------------
    def _colref(self, scope: _Scope, name: str, correlated: bool = False) -> str:
        if scope.alias:
            return f"{q(scope.alias)}.{q(name)}"
        if correlated or self.sub_depth:
            return f"{q(scope.table.set_name)}.{q(name)}"
        return q(name)

    def _path(self, first: Tok) -> Val:
        scope = self.lambda_vars.get(first.text)
        if scope is None:
            return self._navigate(self._member(self.root, first))
        self.expect("/")
        if self.tok.kind != "name":
            self._unexpected("ожидалось имя свойства")
        return self._navigate(self._member(scope, self.advance()))

    def _navigate(self, value: Val) -> Val:
        while self.tok.kind == "punct" and self.tok.text == "/":
            self.advance()
            tok = self.tok
            if tok.kind != "name":
                self._unexpected("ожидалось имя свойства")
            self.advance()
            if value.kind == "coll" and tok.text.lower() in ("any", "all"):
                value = self._lambda(value, tok.text.lower())
            elif value.kind == "ref":
                value = self._through(value, tok)
            else:
                raise self.syntax(tok, f'"{tok.text}": переход через "/" возможен только от ссылки')
        return value

    def _member(self, scope: _Scope, tok: Tok) -> Val:
        table, name = scope.table, tok.text
        column = table.columns.get(name)
        if column is not None:
            kind = "composite" if column.composite else _KIND.get(column.edm_type, "str")
            value = Val(self._colref(scope, name), [], kind, col=column, corr=self._colref(scope, name, True))
            if column.composite:
                value.type_sql = self._colref(scope, name + "_Type")
                value.corr_type = self._colref(scope, name + "_Type", True)
            return value
        nav = table.navigations.get(name)
        if nav is not None:
            return Val(self._colref(scope, nav.key_column, True), [], "ref", table=self._set(nav.target_set, tok))
        section = table.tabular.get(name)
        if section is not None:
            return Val(self._colref(scope, table.key[0], True), [], "coll", table=self._set(section, tok))
        raise self.syntax(tok, f'свойство "{name}" не найдено у "{table.set_name}"')

    def _set(self, name: str, tok: Tok) -> Table:
        target = self.schema.tables.get(name)
        if target is None:
            raise self.syntax(tok, f'набор "{name}" не опубликован')
        return target

    def _alias(self) -> str:
        self.aliases += 1
        return f"_{self.aliases}"

    def _through(self, ref: Val, tok: Tok) -> Val:
        """``Ref/Prop``: a correlated subquery on the target set by its key."""
        assert ref.table is not None
        alias = self._alias()
        inner = self._member(_Scope(ref.table, alias), tok)
        if inner.kind == "coll":
            raise self.syntax(tok, "отбор по табличной части связанного объекта не поддерживается")
        tail = f" FROM {q(ref.table.set_name)} AS {q(alias)} WHERE {q(alias)}.{q(ref.table.key[0])} = {ref.sql}"
        tail += (f" AND {ref.guard}" if ref.guard else "") + ")"
        tail_params = [*ref.params, *ref.guard_params]
        sql = f"(SELECT {inner.sql}{tail}"
        value = Val(sql, [*inner.params, *tail_params], inner.kind, corr=sql, table=inner.table)
        if inner.kind == "composite":
            value.type_sql = value.corr_type = f"(SELECT {inner.type_sql}{tail}"
            value.type_params = list(tail_params)
        return value

    def _lambda(self, coll: Val, word: str) -> Val:
        """``Товары/any(d: d/Цена gt 10)``: EXISTS over the tabular-section rows of this object."""
        assert coll.table is not None
        alias = self._alias()
        source = f"FROM {q(coll.table.set_name)} AS {q(alias)} WHERE {q(alias)}.{q('Ref_Key')} = {coll.sql}"
        self.expect("(")
        if self.punct(")"):
            if word == "all":
                self._unexpected("ожидалось лямбда-выражение")
            return Val(f"EXISTS (SELECT 1 {source})", list(coll.params), "pred")
        var = self.tok
        if var.kind != "name" or var.text in self.lambda_vars:
            self._unexpected("ожидалось имя переменной лямбда-функции")
        self.advance()
        self.expect(":")
        self.lambda_vars[var.text] = _Scope(coll.table, alias)
        self.sub_depth += 1
        try:
            start = self.tok
            body = self.parse_or()
            self.expect(")")
            body = self.predicate(body, start)
        finally:
            self.sub_depth -= 1
            del self.lambda_vars[var.text]
        params = [*coll.params, *body.params]
        if word == "any":
            return Val(f"EXISTS (SELECT 1 {source} AND {body.sql})", params, "pred")
        # all: no row where the condition is false or unknown.
        return Val(f"NOT EXISTS (SELECT 1 {source} AND ({body.sql}) IS NOT 1)", params, "pred")
