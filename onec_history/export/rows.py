"""Event rows as 1C sends them → flat output tuples, without building a model per row.

:class:`EventRowMapper` follows :meth:`onec_history.records.EventMapper.map` field for field
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

from ..models import EMPTY_DATE, EMPTY_REF, set_of_type
from ..names import NameResolver
from ..profiles import Attr, AttrKind
from ..records import EventMapper
from .writers import Column

__all__ = ["EVENT_COLUMNS", "EventRowMapper", "columns", "headings"]

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
        self._state = a.get("state")
        self._cp = a.get("counterparty")
        self._contact = a.get("contact")
        self._resp = a.get("responsible")
        self._basis = a.get("basis")
        self._texts = [a.get(k) for k in ("subject", "body", "comment")]
        self._section = mapper.section
        self._part = mapper.participant_attr

    # -- pieces ---------------------------------------------------------------------------------
    @staticmethod
    def _ref_of(row: Mapping[str, Any], attr: Attr | None) -> tuple[str | None, str | None, str | None]:
        """(ref, set, text) like records.composite_value, inlined for the hot path."""
        if attr is None:
            return None, None, None
        value = row.get(attr.prop)
        if attr.kind is AttrKind.COMPOSITE:
            type_name = row.get(attr.type_prop or "")
            target = set_of_type(type_name)
            if target is not None:
                return _ref(value), target, None
            if type_name == "Edm.String" and value not in (None, ""):
                return None, None, str(value)
            return None, None, None
        if attr.kind is AttrKind.REF:
            return _ref(value), attr.target_set, None
        return None, None, _strip(value)

    def _participants(self, row: Mapping[str, Any]) -> list[tuple[str | None, str | None, str | None]]:
        if not self._section or self._part is None:
            return []
        out = []
        for prow in row.get(self._section) or ():
            ref, target, text = self._ref_of(prow, self._part)
            if ref is not None or text is not None:
                out.append((ref, target, text))
        return out

    def _text(self, row: Mapping[str, Any], a: Attr | None) -> str | None:
        if a is None:
            return None
        value = row.get(a.prop)
        if a.kind is AttrKind.COMPOSITE and row.get(a.type_prop or "") not in ("Edm.String", None):
            return None
        return None if value is None else str(value).rstrip() or None

    def _client(self, row: Mapping[str, Any],
                parts: list[tuple[str | None, str | None, str | None]]) -> tuple[str | None, str | None, str | None]:
        ref, target, text = self._ref_of(row, self._cp)
        if ref is None and text is None:
            # Family B keeps the client among the participants: the first counterparty is "the client".
            for p_ref, p_set, _ in parts:
                if p_set == self.counterparty_set:
                    return p_ref, p_set, None
            texts = [t for _, _, t in parts if t]
            return None, None, texts[0] if texts else None
        return ref, target, text

    # -- names ----------------------------------------------------------------------------------
    def prefetch(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Fetch the display names a page needs, in a few bulk requests (never one per row)."""
        wanted: list[tuple[str | None, str | None]] = []
        for row in rows:
            parts = self._participants(row)
            ref, target, _ = self._client(row, parts)
            wanted.append((target, ref))
            wanted.append((self.users_set, self._ref_of(row, self._resp)[0]))
            wanted.extend((p_set, p_ref) for p_ref, p_set, _ in parts)
        self.names.prefetch(wanted)

    # -- the row --------------------------------------------------------------------------------
    def map(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        p = self._p
        get = row.get
        kind = _strip(get(p["kind"])) if p["kind"] else None
        direction = _strip(get(p["direction"])) if p["direction"] else None
        state, state_code = self._state_of(row)
        parts = self._participants(row)
        cp_ref, cp_set, cp_text = self._client(row, parts)
        resp = self._ref_of(row, self._resp)[0]
        name = self.names.name
        start = _date(get(p["start"])) if p["start"] else None
        end = _date(get(p["end"])) if p["end"] else None
        b_ref, b_set, _ = self._ref_of(row, self._basis)
        subject, body, comment = (self._text(row, a) for a in self._texts)
        deleted = get(p["deleted"]) if p["deleted"] else None
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
            self._ref_of(row, self._contact)[0],
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
            "; ".join((name(s, r) if r else None) or t or r or "" for r, s, t in parts) or None,
            get(p["posted"]) if p["posted"] else None,
            bool(deleted),
            get(p["data_version"]) if p["data_version"] else None,
        )

    def _state_of(self, row: Mapping[str, Any]) -> tuple[str | None, str | None]:
        a = self._state
        if a is None:
            return None, None
        raw = row.get(a.prop)
        if a.kind is AttrKind.REF:
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
