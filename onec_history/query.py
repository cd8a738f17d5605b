"""The query language of 1C's standard OData interface — pure, no I/O.

Every value that enters a URL passes through :func:`literal`; every field name through
:func:`field`. Filters are small immutable objects combined with ``&``, ``|`` and ``~``;
:class:`Query` renders the whole query string, percent-encoded the way 1C needs it.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from urllib.parse import quote

from .errors import QueryError

__all__ = [
    "DEFAULT_BUDGET",
    "Filter",
    "Query",
    "all_",
    "and_",
    "any_",
    "cast",
    "cast_eq",
    "encode",
    "endswith",
    "eq",
    "field",
    "ge",
    "gt",
    "guid",
    "isof",
    "le",
    "like",
    "like_escape",
    "literal",
    "lt",
    "ne",
    "not_",
    "or_",
    "split_or",
    "startswith",
    "substringof",
]

DEFAULT_BUDGET = 1500
"""Bytes of query string we allow ourselves; IIS rejects over 2048 with an HTML 404 (odata-1c.md §2)."""

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"

# Safe characters for OData URLs. Everything else is UTF-8 percent-encoded, and a space is
# %20: 1C reads '+' as a literal plus and fails with HTTP 500 (odata-1c.md §2).
_SAFE = "'(),/:*$@!"

_NAME = re.compile(r"^[^\W\d]\w*(?:/[^\W\d]\w*)*$")
_VAR = re.compile(r"^[^\W\d]\w*$")


def encode(text: str) -> str:
    """Percent-encode a query-string value for 1C (UTF-8, ``%20`` for spaces)."""
    return quote(text, safe=_SAFE, encoding="utf-8")


def field(name: str) -> str:
    """Check a property name or navigation path (``Контрагент/Description``) and return it."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise QueryError(
            f"{name!r} is not a valid property name",
            hint="Property names are letters, digits and '_', optionally joined by '/' for navigation.",
        )
    return name


def guid(value: uuid.UUID | str) -> str:
    """``guid'…'`` for a UUID or its text (checked)."""
    return f"guid'{_uuid_text(value)}'"


def _uuid_text(value: uuid.UUID | str) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise QueryError(f"{value!r} is not a GUID") from None


def _number(value: float | Decimal) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise QueryError(f"{value!r} cannot be sent to 1C: only finite numbers are allowed")
    dec = Decimal(repr(value)) if isinstance(value, float) else value
    if not dec.is_finite():
        raise QueryError(f"{value!r} cannot be sent to 1C: only finite numbers are allowed")
    # 1C does not accept an exponent: render positional notation always.
    text = format(dec, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _datetime(value: datetime, server_tz: tzinfo | None) -> str:
    if value.tzinfo is not None:
        if server_tz is None:
            raise QueryError(
                f"{value.isoformat()} has a time zone, but 1C dates are naive server-local times",
                hint="Pass a naive datetime, or set server_timezone in the config so it can be converted.",
            )
        value = value.astimezone(server_tz).replace(tzinfo=None)
    return f"datetime'{value.year:04d}-{value:%m-%dT%H:%M:%S}'"


def literal(value: object, *, server_tz: tzinfo | None = None) -> str:
    """The one function that turns a Python value into an OData literal for 1C."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return _number(value)
    if isinstance(value, uuid.UUID):
        return guid(value)
    if isinstance(value, datetime):
        return _datetime(value, server_tz)
    if isinstance(value, date):
        return f"datetime'{value.year:04d}-{value:%m-%d}T00:00:00'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, Filter):
        return value.text
    raise QueryError(f"cannot use a value of type {type(value).__name__} in a 1C query")


@dataclass(frozen=True)
class Filter:
    """A ``$filter`` expression. ``op`` is the top-level boolean operator, if any."""

    text: str
    op: str = ""

    def _wrapped(self, op: str) -> str:
        return self.text if self.op in ("", op) else f"({self.text})"

    def __and__(self, other: Filter) -> Filter:
        return and_(self, other)

    def __or__(self, other: Filter) -> Filter:
        return or_(self, other)

    def __invert__(self) -> Filter:
        return not_(self)

    def __str__(self) -> str:
        return self.text


def _join(op: str, parts: Iterable[Filter | None]) -> Filter:
    items = [p for p in parts if p is not None and p.text]
    if not items:
        raise QueryError(f"'{op}' needs at least one condition")
    if len(items) == 1:
        return items[0]
    return Filter(f" {op} ".join(p._wrapped(op) for p in items), op)


def and_(*parts: Filter | None) -> Filter:
    """``a and b and …``; ``None`` parts are skipped, so optional conditions compose easily."""
    return _join("and", parts)


def or_(*parts: Filter | None) -> Filter:
    return _join("or", parts)


def not_(part: Filter) -> Filter:
    return Filter(f"not ({part.text})", "not")


def _compare(op: str, name: str, value: object, server_tz: tzinfo | None) -> Filter:
    return Filter(f"{field(name)} {op} {literal(value, server_tz=server_tz)}")


def eq(name: str, value: object, *, server_tz: tzinfo | None = None) -> Filter:
    return _compare("eq", name, value, server_tz)


def ne(name: str, value: object, *, server_tz: tzinfo | None = None) -> Filter:
    return _compare("ne", name, value, server_tz)


def gt(name: str, value: object, *, server_tz: tzinfo | None = None) -> Filter:
    return _compare("gt", name, value, server_tz)


def ge(name: str, value: object, *, server_tz: tzinfo | None = None) -> Filter:
    return _compare("ge", name, value, server_tz)


def lt(name: str, value: object, *, server_tz: tzinfo | None = None) -> Filter:
    return _compare("lt", name, value, server_tz)


def le(name: str, value: object, *, server_tz: tzinfo | None = None) -> Filter:
    return _compare("le", name, value, server_tz)


def startswith(name: str, prefix: str) -> Filter:
    return Filter(f"startswith({field(name)},{literal(prefix)})")


def endswith(name: str, suffix: str) -> Filter:
    return Filter(f"endswith({field(name)},{literal(suffix)})")


def substringof(needle: str, name: str) -> Filter:
    """``substringof('needle', Field)`` — note the OData v3 argument order."""
    return Filter(f"substringof({literal(needle)},{field(name)})")


def like_escape(text: str) -> str:
    """Escape ``%``, ``_`` and ``[`` for 1C's ``like`` (ПОДОБНО) with character classes.

    1C's ПОДОБНО treats ``[…]`` as a character class, so ``[%]`` matches a literal percent.
    Whether every platform applies this inside OData ``like`` is unverified (odata-1c.md marks
    like() itself as unsure), which is why ``like`` is only a fallback for startswith.
    """
    return "".join(f"[{ch}]" if ch in "%_[" else ch for ch in text)


def like(name: str, pattern: str) -> Filter:
    """1C's own ``like(Field, 'Ром%')``; ``pattern`` is used as given (see :func:`like_escape`)."""
    return Filter(f"like({field(name)},{literal(pattern)})")


def cast(ref: uuid.UUID | str, entity_set: str) -> str:
    """``cast(guid'…','Document_X')`` — the set name without the StandardODATA. prefix."""
    return f"cast({guid(ref)},{literal(_bare_set(entity_set))})"


def cast_eq(name: str, ref: uuid.UUID | str, entity_set: str) -> Filter:
    """A composite attribute equals a reference: ``X eq cast(guid'…','Set')``.

    ``X eq guid'…'`` on a composite always returns nothing on 1C (odata-1c.md §3).
    """
    return Filter(f"{field(name)} eq {cast(ref, entity_set)}")


def points_to(name: str, ref: uuid.UUID | str, entity_set: str, *, composite: bool) -> Filter:
    """A reference attribute ``name`` points at ``ref`` of ``entity_set``: a cast for a composite
    attribute (where ``eq guid'…'`` finds nothing), a plain ``eq`` for a single-type one."""
    return cast_eq(name, ref, entity_set) if composite else eq(name, uuid.UUID(str(ref)))


def isof(name: str, entity_set: str) -> Filter:
    return Filter(f"isof({field(name)},{literal(_bare_set(entity_set))})")


def _bare_set(entity_set: str) -> str:
    bare = entity_set.removeprefix("StandardODATA.")
    field(bare)
    return bare


def _lambda(kind: str, section: str, var: str, condition: Filter) -> Filter:
    if not _VAR.match(var):
        raise QueryError(f"{var!r} is not a valid lambda variable")
    return Filter(f"{field(section)}/{kind}({var}: {condition.text})")


def any_(section: str, var: str, condition: Filter) -> Filter:
    """``Section/any(d: …)``; refer to row fields as ``d/Field`` in ``condition``."""
    return _lambda("any", section, var, condition)


def all_(section: str, var: str, condition: Filter) -> Filter:
    return _lambda("all", section, var, condition)


def split_or(terms: Sequence[Filter], *, budget: int = DEFAULT_BUDGET, overhead: int = 0) -> Iterator[Filter]:
    """Group ``terms`` into ``or``-filters whose encoded length stays under ``budget``.

    1C has no ``in`` operator, and IIS rejects long URLs, so a long list of keys becomes several
    requests. ``overhead`` is the encoded length of the rest of the query string.
    """
    room = budget - overhead
    sep = len(encode(" or "))
    group: list[Filter] = []
    used = 0
    for term in terms:
        size = len(encode(term._wrapped("or")))
        if size > room:
            raise QueryError(f"one condition alone is longer than the query budget: {term.text[:80]}…")
        if group and used + sep + size > room:
            yield or_(*group)
            group, used = [], 0
        used += size + (sep if group else 0)
        group.append(term)
    if group:
        yield or_(*group)


@dataclass(frozen=True)
class Query:
    """Query options for a collection request; render with :meth:`render`."""

    filter: Filter | None = None
    select: tuple[str, ...] = ()
    orderby: tuple[str, ...] = ()
    top: int | None = None
    skip: int | None = None
    expand: tuple[str, ...] = ()
    allowed_only: bool = False
    extra: tuple[tuple[str, str], ...] = dc_field(default=())

    def where(self, condition: Filter | None) -> Query:
        if condition is None:
            return self
        return replace(self, filter=condition if self.filter is None else self.filter & condition)

    def params(self, *, json: bool = True) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if json:
            # 1C answers Atom XML unless $format=json is in the URL (odata-1c.md §1).
            out.append(("$format", "json"))
        if self.filter is not None:
            out.append(("$filter", self.filter.text))
        if self.select:
            out.append(("$select", ",".join(_select_name(s) for s in self.select)))
        if self.expand:
            out.append(("$expand", ",".join(_expand_name(e) for e in self.expand)))
        if self.orderby:
            out.append(("$orderby", ",".join(_order_item(o) for o in self.orderby)))
        if self.top is not None:
            out.append(("$top", str(_non_negative("top", self.top))))
        if self.skip:
            out.append(("$skip", str(_non_negative("skip", self.skip))))
        if self.allowed_only:
            out.append(("allowedOnly", "true"))
        out.extend(self.extra)
        return out

    def render(self, *, json: bool = True) -> str:
        return "&".join(f"{k}={encode(v)}" for k, v in self.params(json=json))


def _non_negative(name: str, value: int) -> int:
    if value < 0:
        raise QueryError(f"${name} must not be negative")
    return value


def _select_name(name: str) -> str:
    return name if name in ("*", "**") else field(name)


def _expand_name(name: str) -> str:
    # Composite navigation needs the type: ДокументОснование/Document_ЗаказПокупателя.
    return field(name)


def _order_item(item: str) -> str:
    parts = item.split()
    if len(parts) == 2 and parts[1].lower() in ("asc", "desc"):
        return f"{field(parts[0])} {parts[1].lower()}"
    if len(parts) == 1:
        return field(parts[0])
    raise QueryError(f"{item!r} is not a valid $orderby item (expected 'Name' or 'Name desc')")
