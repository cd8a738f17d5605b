"""What a recording can answer, indexed for the rules listed in :mod:`onec_history.demo.replay`."""

from __future__ import annotations

import json
import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ..recording import ROOT_PLACEHOLDER, Recorded

__all__ = ["Answers", "Request", "Term"]

_JSON = "application/json;charset=utf-8"
_KEY = re.compile(r"Ref_Key eq guid'([0-9a-fA-F-]{36})'")
_ENTITY = re.compile(r"^([^()/]+)\(guid'([0-9a-fA-F-]{36})'\)$")
_SEARCH_FUNCTIONS = ("startswith", "like", "substringof")
_LIT = r"'(?P<{}>(?:[^']|'')*)'"
# One equality a lookup by references is made of: ``F eq guid'…'`` or ``F eq cast(guid'…','Set')``.
_TERM = re.compile(r"(?P<field>[^\s()/,']+) eq (?:cast\(guid'(?P<cast>[0-9a-fA-F-]{36})',\s*'(?P<type>[^']+)'\)|"
                   r"guid'(?P<guid>[0-9a-fA-F-]{36})')")
_SEARCH = re.compile(rf"^(?:(?P<head>.+) and )?(?:startswith\((?P<f1>[\w/]+),\s*{_LIT.format('l1')}\)|"
                     rf"substringof\({_LIT.format('l2')},\s*(?P<f2>[\w/]+)\)|"
                     rf"like\((?P<f3>[\w/]+),\s*{_LIT.format('l3')}\))$")


@dataclass(frozen=True)
class Term:
    """``field eq guid'ref'`` (``type`` None) or ``field eq cast(guid'ref','type')``."""

    field: str
    ref: str
    type: str | None = None

    def matches(self, row: Mapping[str, Any]) -> bool | None:
        """Whether ``row`` holds this value; None when the row does not show the property."""
        if self.field not in row:
            return None
        if str(row[self.field]).lower() != self.ref:
            return False
        if self.type is None:
            return True
        typed = row.get(f"{self.field}_Type")
        if not isinstance(typed, str):
            return None
        return typed.rpartition(".")[2] == self.type

    def text(self) -> str:
        return f"{self.field} eq cast(guid'{self.ref}','{self.type}')" if self.type else \
            f"{self.field} eq guid'{self.ref}'"


@dataclass(frozen=True)
class Request:
    """A request target taken apart: the path and the query options, decoded."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, method: str, target: str) -> Request:
        path, _, query = target.partition("?")
        params = []
        for item in query.split("&") if query else ():
            key, _, value = item.partition("=")
            params.append((unquote(key, encoding="utf-8"), unquote(value, encoding="utf-8")))
        return cls(method, unquote(path, encoding="utf-8"), tuple(params))

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.params if k == name), None)

    def number(self, name: str) -> int | None:
        value = self.get(name)
        return int(value) if value is not None and value.isdigit() else None

    @property
    def entity_set(self) -> str:
        return self.path.split("(")[0].split("/")[0]

    def page_key(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        """What a page of the same query shares: everything but ``$top`` and ``$skip``."""
        return self.method, self.path, tuple(sorted(p for p in self.params if p[0] not in ("$top", "$skip")))

    def keys(self) -> list[str] | None:
        """The keys of a pure lookup by ``Ref_Key`` (``a or b or …``), else None."""
        text = (self.get("$filter") or "").strip()
        while text.startswith("(") and text.endswith(")"):
            text = text[1:-1].strip()
        terms = [t.strip().strip("()").strip() for t in text.split(" or ")] if text else []
        found = [_KEY.fullmatch(t) for t in terms]
        if not found or not all(found):
            return None
        return [m.group(1).lower() for m in found if m]

    def terms(self) -> tuple[Term, ...] | None:
        """The equalities of a filter that is one or an ``or`` of several (``F eq guid'…'``,
        ``F eq cast(guid'…','Set')``), else None."""
        text = (self.get("$filter") or "").strip()
        while text.startswith("(") and text.endswith(")"):
            text = text[1:-1].strip()
        out: list[Term] = []
        for part in text.split(" or ") if text else ():
            part = part.strip()
            while part.startswith("(") and part.endswith(")"):
                part = part[1:-1].strip()
            m = _TERM.fullmatch(part)
            if m is None:
                return None
            ref = (m.group("cast") or m.group("guid")).lower()
            out.append(Term(m.group("field"), ref, m.group("type") if m.group("cast") else None))
        return tuple(out) or None

    def rest_key(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        """What queries share whatever their filter and page: everything but ``$filter``, ``$top``, ``$skip``."""
        return self.method, self.path, tuple(sorted(p for p in self.params if p[0] not in ("$filter", "$top", "$skip")))

    def canonical(self) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
        """The request with the equalities of its filter in a fixed order (None: not such a filter):
        ``A or B`` asks what ``B or A`` asks."""
        terms = self.terms()
        if terms is None:
            return None
        method, path, rest = self.rest_key()
        page = tuple(p for p in self.params if p[0] in ("$top", "$skip"))
        flt = " or ".join(sorted({t.text() for t in terms}))
        return method, path, tuple(sorted((*rest, *page, ("$filter", flt))))

    def select(self) -> tuple[str, ...]:
        value = self.get("$select")
        return tuple(s.strip() for s in value.split(",")) if value else ("*",)


@dataclass
class _Page:
    skip: int
    rows: list[Any]
    complete: bool  # shorter than its $top (or no $top): nothing comes after these rows
    doc: dict[str, Any]
    content_type: str


@dataclass
class _Row:
    values: dict[str, Any]
    whole: bool = False  # seen with $select=* (tabular sections included)
    no_sections: bool = False  # seen with $select=** (every property but tabular sections)


class Answers:
    """What a recording can answer, indexed for the rules in :mod:`onec_history.demo.replay`'s docstring."""

    def __init__(self, items: Iterable[Recorded]) -> None:
        self.exact: dict[tuple[str, str], deque[Recorded]] = defaultdict(deque)
        self.canonical: dict[tuple[str, str, tuple[tuple[str, str], ...]], deque[Recorded]] = defaultdict(deque)
        # the rows of each equality a complete recorded answer held, by the rest of its query
        self.by_term: dict[tuple[str, str, tuple[tuple[str, str], ...]], dict[Term, list[Any]]] = defaultdict(dict)
        self.term_docs: dict[tuple[str, str, tuple[tuple[str, str], ...]], tuple[dict[str, Any], str]] = {}
        self.pages: dict[tuple[str, str, tuple[tuple[str, str], ...]], list[_Page]] = defaultdict(list)
        self.rows: dict[str, dict[str, _Row]] = defaultdict(dict)
        self.absent: dict[str, set[str]] = defaultdict(set)
        self.rejected: dict[tuple[str, str], Recorded] = {}
        self.sets: set[str] = set()
        for item in items:
            self.exact[(item.method, item.target)].append(item)
            self._index(item)

    def _index(self, item: Recorded) -> None:
        req = Request.parse(item.method, item.target)
        self.sets.add(req.entity_set)
        canonical = req.canonical()
        if canonical is not None:
            self.canonical[canonical].append(item)
        if item.method != "GET":
            return
        flt = req.get("$filter") or ""
        if item.status in (400, 501):
            for fn in _SEARCH_FUNCTIONS:
                if f"{fn}(" in flt:
                    self.rejected.setdefault((req.entity_set, fn), item)
            return
        entity = _ENTITY.match(req.path)
        if item.status == 404 and entity and '"9"' in item.body:
            self.absent[entity.group(1)].add(entity.group(2).lower())
            return
        if item.status != 200 or "json" not in item.content_type.lower():
            return
        try:
            doc = json.loads(item.body)
        except ValueError:
            return
        if not isinstance(doc, dict) or req.get("$expand") is not None:
            return
        select = req.select()
        if entity:
            self._remember(entity.group(1), {k: v for k, v in doc.items() if not k.startswith("odata.")}, select)
            return
        rows = doc.get("value")
        if "/" in req.path or "(" in req.path or not isinstance(rows, list):
            return
        top, skip = req.number("$top"), req.number("$skip") or 0
        complete = top is None or len(rows) < top
        self.pages[req.page_key()].append(_Page(skip, rows, complete, doc, item.content_type))
        for row in rows:
            if isinstance(row, dict):
                self._remember(req.entity_set, row, select)
        keys = req.keys()
        if keys is not None and complete and skip == 0:
            seen = {str(r.get("Ref_Key")).lower() for r in rows if isinstance(r, dict)}
            self.absent[req.entity_set].update(k for k in keys if k not in seen)
        terms = req.terms()
        if terms is not None and complete and skip == 0:
            self._index_terms(req, terms, rows, doc, item.content_type)

    def _index_terms(self, req: Request, terms: tuple[Term, ...], rows: list[Any], doc: dict[str, Any],
                     content_type: str) -> None:
        """Which rows of a complete answer each equality of its filter holds (every row must show
        the properties compared, unless the filter is one equality)."""
        owned: dict[Term, list[Any]] = {t: [] for t in terms}
        for row in rows:
            if len(owned) == 1:
                owned[terms[0]].append(row)
                continue
            if not isinstance(row, dict):
                return
            hits = [t.matches(row) for t in owned]
            if None in hits or not any(hits):
                return
            for term, hit in zip(owned, hits, strict=True):
                if hit:
                    owned[term].append(row)
        key = req.rest_key()
        for term, found in owned.items():
            self.by_term[key].setdefault(term, found)
        self.term_docs.setdefault(key, ({k: v for k, v in doc.items() if k != "value"}, content_type))

    def _remember(self, entity_set: str, row: Mapping[str, Any], select: tuple[str, ...]) -> None:
        ref = row.get("Ref_Key")
        if not isinstance(ref, str):
            return
        known = self.rows[entity_set].setdefault(ref.lower(), _Row({}))
        for k, v in row.items():
            known.values.setdefault(k, v)
        known.whole |= "*" in select
        known.no_sections |= "**" in select or "*" in select

    # -- answers -----------------------------------------------------------------------------------
    def take(self, method: str, target: str) -> tuple[int, bytes, str] | None:
        req = Request.parse(method, target)
        canonical = req.canonical()
        for queue in (self.exact.get((method, target)), self.canonical.get(canonical) if canonical else None):
            if queue:
                rec = queue.popleft() if len(queue) > 1 else queue[0]
                return rec.status, rec.body.encode("utf-8"), rec.content_type or _JSON
        if method != "GET":
            return None
        return (self._slice(req) or self._lookup(req) or self._by_terms(req) or self._search(req)
                or self._rejection(req))

    def _slice(self, req: Request) -> tuple[int, bytes, str] | None:
        top, skip = req.number("$top"), req.number("$skip") or 0
        found = self._rows_of(req.page_key(), skip, top)
        if found is None:
            return None
        doc, rows, ctype = found
        return 200, _dumps({**doc, "value": rows}), ctype

    def _rows_of(self, key: tuple[str, str, tuple[tuple[str, str], ...]], skip: int,
                 top: int | None) -> tuple[dict[str, Any], list[Any], str] | None:
        """Rows ``skip`` … ``skip + top`` of a recorded query (its answer's envelope, the rows, the type)."""
        pages = sorted(self.pages.get(key, ()), key=lambda p: (p.skip, -len(p.rows)))
        for first in pages:
            rows, complete, end = list(first.rows), first.complete, first.skip + len(first.rows)
            for nxt in pages:  # join the pages that follow this one
                if not complete and nxt.skip == end and nxt.rows:
                    rows += nxt.rows
                    complete, end = nxt.complete, end + len(nxt.rows)
            if first.skip <= skip and (complete or (top is not None and skip + top <= end)):
                start = skip - first.skip
                part = rows[start:] if top is None else rows[start:start + top]
                return first.doc, part, first.content_type or _JSON
        return None

    def _by_terms(self, req: Request) -> tuple[int, bytes, str] | None:
        """A lookup by references (``F eq cast(guid'…','Set') or …``) whose every equality a
        complete recorded answer of the same query held: those rows, together."""
        terms = req.terms()
        if terms is None or req.get("$expand") is not None or req.get("$inlinecount") is not None:
            return None
        key = req.rest_key()
        known = self.by_term.get(key, {})
        if not all(t in known for t in terms):
            return None
        rows: dict[str, Any] = {}
        for term in terms:
            for row in known[term]:
                rows.setdefault(json.dumps(row, ensure_ascii=False, sort_keys=True), row)
        found = list(rows.values())
        if req.get("$orderby"):
            found = _ordered(found, req.get("$orderby"))
        skip, top = req.number("$skip") or 0, req.number("$top")
        found = found[skip:] if top is None else found[skip:skip + top]
        doc, ctype = self.term_docs[key]
        return 200, _dumps({**doc, "value": found}), ctype or _JSON

    def _search(self, req: Request) -> tuple[int, bytes, str] | None:
        m = _SEARCH.match(req.get("$filter") or "")
        if m is None:
            return None
        head, fn = m.group("head"), "startswith" if m.group("f1") else "substringof" if m.group("f2") else "like"
        field = m.group("f1") or m.group("f2") or m.group("f3")
        text = m.group("l1") or m.group("l2") or m.group("l3") or ""
        text = text.replace("''", "'")
        params = tuple(sorted((k, v) for k, v in req.params if k not in ("$top", "$skip", "$filter")))
        if head:
            params = tuple(sorted((*params, ("$filter", head))))
        everything = self._rows_of((req.method, req.path, params), 0, None)
        if everything is None:
            return None
        doc, rows, ctype = everything
        match = _matcher(fn, text)
        part = _ordered([r for r in rows if isinstance(r, dict) and match(str(r.get(field.split("/")[-1]) or ""))],
                        req.get("$orderby"))
        skip, top = req.number("$skip") or 0, req.number("$top")
        part = part[skip:] if top is None else part[skip:skip + top]
        return 200, _dumps({**doc, "value": part}), ctype

    def _lookup(self, req: Request) -> tuple[int, bytes, str] | None:
        if req.get("$expand") is not None or req.get("$inlinecount") is not None:
            return None
        select = req.select()
        entity = _ENTITY.match(req.path)
        if entity:
            set_name, ref = entity.group(1), entity.group(2).lower()
            if ref in self.absent.get(set_name, ()):
                return 404, _error("9", f'Экземпляр сущности "{set_name}" не найден по переданному ключу.'), _JSON
            row = self._row(set_name, ref, select)
            if row is None:
                return None
            return 200, _dumps({"odata.metadata": f"{ROOT_PLACEHOLDER}$metadata#{set_name}/@Element", **row}), _JSON
        keys = req.keys()
        if keys is None or "/" in req.path:
            return None
        set_name, absent, found = req.entity_set, self.absent.get(req.entity_set, set()), []
        for ref in dict.fromkeys(keys):
            if ref in absent:
                continue
            row = self._row(set_name, ref, select)
            if row is None:
                return None
            found.append(row)
        found = _ordered(found, req.get("$orderby"))
        skip, top = req.number("$skip") or 0, req.number("$top")
        found = found[skip:] if top is None else found[skip:skip + top]
        return 200, _dumps({"odata.metadata": f"{ROOT_PLACEHOLDER}$metadata#{set_name}", "value": found}), _JSON

    def _row(self, set_name: str, ref: str, select: tuple[str, ...]) -> dict[str, Any] | None:
        known = self.rows.get(set_name, {}).get(ref)
        if known is None:
            return None
        values = known.values
        if "*" in select:
            return dict(values) if known.whole else None
        if "**" in select:
            if not (known.whole or known.no_sections):
                return None
            return {k: v for k, v in values.items() if not isinstance(v, list)}
        if not all(name in values for name in select):
            return None
        wanted = set(select)
        return {k: v for k, v in values.items() if k in wanted or k.split("@")[0] in wanted}

    def _rejection(self, req: Request) -> tuple[int, bytes, str] | None:
        flt = req.get("$filter") or ""
        for fn in _SEARCH_FUNCTIONS:
            rec = self.rejected.get((req.entity_set, fn))
            if rec is not None and f"{fn}(" in flt:
                return rec.status, rec.body.encode("utf-8"), rec.content_type or _JSON
        return None

    def missing(self, method: str, target: str) -> bytes:
        """The short 1C-style answer to a request the recording cannot answer."""
        set_name = Request.parse(method, target).entity_set or "/"
        seen = " (в записи есть другие запросы к нему)" if set_name in self.sets else ""
        return _error("9", f"Ответ не записан: {method} {set_name}{seen}.")


def _ordered(rows: list[dict[str, Any]], orderby: str | None) -> list[dict[str, Any]]:
    """``rows`` sorted by a ``$orderby`` (``Description,Ref_Key``, ``Date desc``), as text."""
    rows = list(rows)
    for item in reversed([o.strip() for o in (orderby or "").split(",") if o.strip()]):
        name, _, direction = item.partition(" ")
        rows.sort(key=_text_of(name), reverse=direction.strip().lower() == "desc")
    return rows


def _text_of(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda row: str(row.get(name, ""))


def _matcher(fn: str, text: str) -> Callable[[str], bool]:
    """``startswith`` / ``substringof`` / ``like`` as 1C applies them to a name: case-insensitively."""
    if fn == "like":
        parts = re.findall(r"\[(.)\]|(%)|(_)|(.)", text, flags=re.DOTALL)
        pattern = "".join(re.escape(a) if a else ".*" if b else "." if c else re.escape(d) for a, b, c, d in parts)
        rx = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        return lambda value: rx.fullmatch(value) is not None
    needle = text.casefold()
    if fn == "startswith":
        return lambda value: value.casefold().startswith(needle)
    return lambda value: needle in value.casefold()


def _dumps(doc: Mapping[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _error(code: str, message: str) -> bytes:
    return _dumps({"odata.error": {"code": code, "message": {"lang": "ru", "value": message}}})
