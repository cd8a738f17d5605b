"""Event rows as 1C sends them → flat output tuples, without building a model per row.

:class:`EventRowMapper` follows :meth:`onec_history.mapping.EventMapper.map` field for field
(it reuses that mapper's resolved attributes, state lookup and participant column), but emits
a tuple in :data:`EVENT_COLUMNS` order straight from the row dict. Dates stay the ISO text 1C
sent; display names come from the :class:`~onec_history.names.NameResolver` after one bulk
``prefetch`` per page. The benchmark (benchmarks/bench_export.py) shows why: constructing and
then copying a pydantic ``Event`` per row costs several times the JSON parsing of that row.
A test keeps the two mappings in agreement on both demo families.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from .. import query as q
from ..errors import OnecError
from ..mapping import EventMapper
from ..models import EMPTY_DATE, EMPTY_REF, set_of_type
from ..names import NameResolver
from ..profiles import Attr, AttrKind
from .writers import Column

__all__ = ["EVENT_COLUMNS", "EventRowMapper", "NamePreloader", "columns", "headings"]

EVENT_COLUMNS: tuple[Column, ...] = (
    Column("ref", "Ссылка"),
    Column("number", "Номер"),
    Column("date", "Дата", "datetime"),
    Column("kind", "Вид события"),
    Column("kind_code", "Код вида"),
    Column("direction", "Направление"),
    Column("direction_code", "Код направления"),
    Column("state", "Состояние"),
    Column("state_code", "Код состояния"),
    Column("client", "Контрагент"),
    Column("client_ref", "Ссылка на контрагента"),
    Column("contact_ref", "Ссылка на контактное лицо"),
    Column("responsible", "Ответственный"),
    Column("responsible_ref", "Ссылка на ответственного"),
    Column("start", "Начало", "datetime"),
    Column("end", "Окончание", "datetime"),
    Column("duration_min", "Длительность, мин", "number"),
    Column("subject", "Описание"),
    Column("body", "Содержание"),
    Column("comment", "Комментарий"),
    Column("basis_type", "Тип основания"),
    Column("basis_ref", "Ссылка на основание"),
    Column("participants", "Участники"),
    Column("posted", "Проведён", "bool"),
    Column("deleted", "Помечен на удаление", "bool"),
    Column("data_version", "Версия данных"),
)
CHANGE_COLUMN = Column("change", "Изменение")
_N = len(EVENT_COLUMNS)


def columns(*, with_change: bool) -> tuple[Column, ...]:
    return (*EVENT_COLUMNS, CHANGE_COLUMN) if with_change else EVENT_COLUMNS


def headings(cols: Sequence[Column], style: str) -> list[str]:
    """``keys`` (stable names for scripts) or ``ru`` (what a person in 1C would call them)."""
    return [c.heading if style == "ru" else c.key for c in cols]


def _date(value: Any) -> str | None:
    if not value or value == EMPTY_DATE:
        return None
    return str(value)[:19]


def _ref(value: Any) -> str | None:
    if not value or value == EMPTY_REF:
        return None
    return str(value)


def _strip(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).strip() or None


_COMPOSITE, _REF, _PLAIN = 0, 1, 2
_Spec = tuple[int, str, str, "str | None"]  # how, value property, type property, target set
_Who = tuple["str | None", "str | None", "str | None"]  # ref, entity set, text


def _spec(a: Attr | None) -> _Spec | None:
    """An attribute flattened once, so the per-row code does no property calls."""
    if a is None:
        return None
    how = _COMPOSITE if a.kind is AttrKind.COMPOSITE else _REF if a.kind is AttrKind.REF else _PLAIN
    return how, a.prop, a.type_prop or "", a.target_set


def _who(row: Mapping[str, Any], spec: _Spec | None) -> _Who:
    """(ref, set, text) of a reference attribute, like ``records.composite_value``."""
    if spec is None:
        return None, None, None
    how, prop, type_prop, target = spec
    value = row.get(prop)
    if how == _COMPOSITE:
        type_name = row.get(type_prop)
        target = set_of_type(type_name)
        if target is not None:
            return _ref(value), target, None
        if type_name == "Edm.String" and value not in (None, ""):
            return None, None, str(value)
        return None, None, None
    if how == _REF:
        return _ref(value), target, None
    return None, None, _strip(value)


class EventRowMapper:
    """Maps raw ``Document_Событие`` rows of one base to tuples in :data:`EVENT_COLUMNS` order."""

    def __init__(self, mapper: EventMapper, names: NameResolver, *, users_set: str, counterparty_set: str) -> None:
        self.mapper = mapper
        self.names = names
        self.users_set = users_set
        self.counterparty_set = counterparty_set
        a = mapper.attrs
        self._p = {k: a[k].prop if k in a else None for k in (
            "number", "date", "posted", "deleted", "data_version", "kind", "direction", "start", "end")}
        self._kind_codes = {v: k.value for k, v in mapper.profile.kinds.items()}
        self._dir_codes = {v: k.value for k, v in mapper.profile.directions.items()}
        self._state_codes = {v: k.value for k, v in mapper.profile.states.items()}
        self._state = _spec(a.get("state"))
        self._cp = _spec(a.get("counterparty"))
        self._contact = _spec(a.get("contact"))
        self._resp = _spec(a.get("responsible"))
        self._basis = _spec(a.get("basis"))
        self._texts = [_spec(a.get(k)) for k in ("subject", "body", "comment")]
        self._section = mapper.section
        self._part = _spec(mapper.participant_attr) if mapper.section else None
        self.preloader = NamePreloader(names)

    # -- pieces ---------------------------------------------------------------------------------
    def _participants(self, row: Mapping[str, Any]) -> list[_Who]:
        if self._part is None:
            return []
        out = []
        for prow in row.get(self._section or "") or ():
            who = _who(prow, self._part)
            if who[0] is not None or who[2] is not None:
                out.append(who)
        return out

    @staticmethod
    def _text(row: Mapping[str, Any], spec: _Spec | None) -> str | None:
        if spec is None:
            return None
        value = row.get(spec[1])
        if spec[0] == _COMPOSITE and row.get(spec[2]) not in ("Edm.String", None):
            return None
        return None if value is None else str(value).rstrip() or None

    def _client(self, row: Mapping[str, Any], parts: list[_Who]) -> _Who:
        ref, target, text = _who(row, self._cp)
        if ref is None and text is None:
            # Family B keeps the client among the participants: the first counterparty is "the client".
            for p_ref, p_set, _ in parts:
                if p_set == self.counterparty_set:
                    return p_ref, p_set, None
            texts = [t for _, _, t in parts if t]
            return None, None, texts[0] if texts else None
        return ref, target, text

    # -- a page ---------------------------------------------------------------------------------
    def map_page(self, rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """Map a page: references first, then every display name in a few bulk requests, then tuples."""
        pre = []
        wanted: list[tuple[str | None, str | None]] = []
        users = self.users_set
        for row in rows:
            parts = self._participants(row)
            client = self._client(row, parts)
            resp = _who(row, self._resp)[0]
            pre.append((row, parts, client, resp))
            wanted.append((client[1], client[0]))
            wanted.append((users, resp))
            for p_ref, p_set, _ in parts:
                wanted.append((p_set, p_ref))
        self.preloader.consider(wanted, rows=len(pre))
        self.names.prefetch(wanted)
        return [self._row(*item) for item in pre]

    def map(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return self.map_page([row])[0]

    def _row(self, row: Mapping[str, Any], parts: list[_Who], client: _Who, resp: str | None) -> tuple[Any, ...]:
        p = self._p
        get = row.get
        name = self.names.name
        kind = _strip(get(p["kind"])) if p["kind"] else None
        direction = _strip(get(p["direction"])) if p["direction"] else None
        state, state_code = self._state_of(row)
        cp_ref, cp_set, cp_text = client
        start = _date(get(p["start"])) if p["start"] else None
        end = _date(get(p["end"])) if p["end"] else None
        b_ref, b_set, _ = _who(row, self._basis)
        subject, body, comment = (self._text(row, t) for t in self._texts)
        return (
            str(get("Ref_Key")),
            _strip(get(p["number"])) if p["number"] else None,
            _date(get(p["date"])) if p["date"] else None,
            kind,
            self._kind_codes.get(kind or "", "other" if kind else None),
            direction,
            self._dir_codes.get(direction or ""),
            state,
            state_code,
            (name(cp_set, cp_ref) if cp_ref else None) or cp_text,
            cp_ref,
            _who(row, self._contact)[0],
            name(self.users_set, resp) if resp else None,
            resp,
            start,
            end,
            _minutes(start, end),
            subject,
            body,
            comment,
            b_set if b_ref else None,
            b_ref if b_set else None,
            "; ".join((name(s, r) if r else None) or t or r or "" for r, s, t in parts) or None if parts else None,
            get(p["posted"]) if p["posted"] else None,
            bool(get(p["deleted"])) if p["deleted"] else False,
            get(p["data_version"]) if p["data_version"] else None,
        )

    def _state_of(self, row: Mapping[str, Any]) -> tuple[str | None, str | None]:
        spec = self._state
        if spec is None:
            return None, None
        raw = row.get(spec[1])
        if spec[0] == _REF:
            ref = _ref(raw)
            if ref is None:
                return None, None
            name, st = self.mapper.state_lookup.get(ref, (ref, None))
            return name, st.value if st is not None else "other"
        text = _strip(raw)
        if text is None:
            return None, None
        return text, self._state_codes.get(text, "other")


def _minutes(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    s, e = datetime.fromisoformat(start), datetime.fromisoformat(end)
    if e < s:
        return None
    return round((e - s).total_seconds() / 60, 2)


def vanished_row(ref: str, change: str) -> tuple[Any, ...]:
    """A row for an event that is no longer there: only its reference and the change."""
    return (ref, *([None] * (_N - 1)), change)


class NamePreloader:
    """Reads a whole catalogue's names in one narrow paged pass when that is cheaper than by key.

    By key, about 20 references fit one URL (odata-1c.md §2), so an export touching thousands
    of clients would cost a name request per 20 clients. A paged pass over ``Ref_Key`` and the
    name costs one request per ``page`` rows. Counting 1C's cost as ~30 ms a request and ~15 µs
    a row, the pass is cheaper once the export has seen more than 1/``RATIO`` of the catalogue,
    so the decision waits until enough distinct references were asked for, then asks ``$count``
    once. With ``expected_rows`` (the export's own ``$count``) the references seen so far are
    projected to the whole export, so a big export decides on its first page.
    """

    MIN_SEEN = 200
    RATIO = 50
    PAGE = 5000

    def __init__(self, names: NameResolver) -> None:
        self.names = names
        self._seen: dict[str, set[str]] = {}
        self._sizes: dict[str, int] = {}
        self._done: set[str] = set()
        self.preloaded: list[str] = []
        self.expected_rows: int | None = None
        self._rows = 0

    def consider(self, wanted: Iterable[tuple[str | None, str | None]], *, rows: int = 0) -> None:
        """Note the references a page of ``rows`` rows asks for; preload a catalogue when it pays."""
        for entity_set, ref in wanted:
            if entity_set and ref and entity_set not in self._done:
                self._seen.setdefault(entity_set, set()).add(ref)
        self._rows += rows
        scale = max(1.0, (self.expected_rows or 0) / self._rows) if self._rows else 1.0
        for entity_set, refs in list(self._seen.items()):
            if len(refs) >= self.MIN_SEEN and self._worth_it(entity_set, len(refs) * scale):
                self._preload(entity_set)

    def _worth_it(self, entity_set: str, seen: float) -> bool:
        if entity_set not in self._sizes:
            try:
                self._sizes[entity_set] = self.names.client.count(entity_set)
            except OnecError:
                self._sizes[entity_set] = -1
        size = self._sizes[entity_set]
        if size < 0:
            self._forget(entity_set)
            return False
        return size <= self.RATIO * seen

    def _forget(self, entity_set: str) -> None:
        self._done.add(entity_set)
        self._seen.pop(entity_set, None)

    def _preload(self, entity_set: str) -> None:
        self._forget(entity_set)
        try:
            props = self.names.client.entity_set(entity_set).properties
        except OnecError:
            return
        field = next((f for f in ("Description", "Number", "Code") if f in props), None)
        if field is None:
            return
        query = q.Query(select=("Ref_Key", field), orderby=("Ref_Key",))
        try:
            for row in self.names.client.iterate(entity_set, query, page_size=self.PAGE):
                self.names.remember(entity_set, str(row["Ref_Key"]), str(row.get(field) or "").strip())
        except OnecError:
            return  # by key, as before
        self.preloaded.append(entity_set)
