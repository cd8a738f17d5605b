"""Event rows as 1C sends them → flat output tuples, without building a model per row.

:class:`EventRowMapper` reads rows through the same :class:`~onec_history.events.shape.EventShape`
as :meth:`onec_history.mapping.EventMapper.map` (attributes resolved once, the state lookup, the
participant column, the client rule), but emits a tuple in :data:`EVENT_COLUMNS` order straight
from the row dict. Dates stay the ISO text 1C sent; display names come from the
:class:`~onec_history.names.NameResolver` after one bulk ``prefetch`` per page. The benchmark
(benchmarks/bench_export.py) shows why: constructing and then copying a pydantic ``Event`` per
row costs several times the JSON parsing of that row. A test keeps the two mappings in
agreement on both demo families.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .. import query as q
from ..errors import OnecError
from ..events.shape import EventShape, Slot, Who
from ..models import EMPTY_DATE, EMPTY_REF, EventState, set_of_type
from ..names import NameResolver
from .writers import Column

if TYPE_CHECKING:
    from ..counterparties.partners import Partners

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
    # appended after the columns of the first releases, which consumers read by position
    Column("document_type", "Тип документа"),
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


def _strip(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).strip() or None


class EventRowMapper:
    """Maps raw event rows of one document set to tuples in :data:`EVENT_COLUMNS` order.

    Everything that depends on the set is decided here, once: which properties hold what, and
    for family C (one mapper per interaction document) the kind and code of the document type
    and how a contact stands for its partner. The per-row code then only reads the row.
    """

    def __init__(self, shape: EventShape, names: NameResolver, *, users_set: str,
                 partners: Partners | None = None, preloader: NamePreloader | None = None,
                 compiled: bool = True) -> None:
        self.shape = shape
        self.names = names
        self.users_set = users_set
        self._p = shape.props
        self._kind_codes = {v: k.value for k, v in shape.profile.kinds.items()}
        self._dir_codes = {v: k.value for k, v in shape.profile.directions.items()}
        self._state_codes = {v: k.value for k, v in shape.profile.states.items()}
        self._contact = shape.slots.get("contact")
        self._resp = shape.slots.get("responsible")
        self._basis = shape.slots.get("basis")
        self._texts = [shape.slots.get(k) for k in ("subject", "body", "comment")]
        self._posted = self._p["posted"] if shape.postable else None  # family C: not postable
        self.document_type = shape.document_set
        self.preloader = preloader or NamePreloader(names)
        # family C: the document type is the kind; a contact person stands for its partner
        self._doc = doc = shape.doc
        self._doc_kind: tuple[str | None, str | None] = (None, None)
        self._fixed_direction: tuple[str | None, str | None] | None = None  # (words, code) the type fixes
        self._fixed_state: tuple[EventState | None, str | None] | None = None
        self._clients: _FamilyCClients | None = None
        if doc is not None:
            kind, raw = shape.kind({})
            self._doc_kind = (raw, kind.value if kind is not None else None)
            if doc.direction is not None:
                d, words = shape.direction({})
                self._fixed_direction = (words, d.value if d is not None else None)
            if not doc.planned_when_future and self._p.get("state") is None:
                self._fixed_state = shape.state({})  # the type's own state: nothing in the row says otherwise
            self._clients = _FamilyCClients(shape, names, partners)
            if partners is not None and shape.profile.person_set:
                self.preloader.loaders.setdefault(shape.profile.person_set, partners.preload_owners)
        # Families A and B: the page read by two functions compiled for this shape (see _compile);
        # ``compiled=False`` keeps the generic path, which the tests hold them to.
        self._compiled = _build(self) if doc is None and compiled else None

    # -- a page ---------------------------------------------------------------------------------
    def map_page(self, rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """Map a page: references first, then every display name in a few bulk requests, then tuples."""
        if self._compiled is not None:
            scan, emit = self._compiled
            wanted: set[tuple[str, str]] = set()  # the page's names, each once
            pre = scan(rows, wanted)
            self.preloader.consider(wanted, rows=len(pre))
            self.names.prefetch(wanted)
            return emit(pre, self.names.name)  # type: ignore[no-any-return]
        pre = []
        users = self.users_set
        shape = self.shape
        resp_slot = self._resp
        contact_slot = self._contact
        section, participant = shape.section or "", shape.participant  # as EventShape.participants reads them
        for row in rows:
            if participant is not None and (lines := row.get(section)):
                parts = [w for w in map(participant.who, lines) if w[0] is not None or w[2] is not None]
            else:
                parts = []
            client = shape.client(row, parts)
            resp = resp_slot.who(row)[0] if resp_slot is not None else None
            contact = contact_slot.who(row)[0] if contact_slot is not None else None
            pre.append((row, parts, client, resp, contact))
        rows_seen = len(pre)
        if self._clients is not None:
            # Family C: the contact persons' partners, by key or (a big export) the whole catalog at once.
            self.preloader.consider(self._clients.persons(pre), rows=rows_seen)
            rows_seen = 0
            pre = self._clients.resolve(pre)
        wanted_all: list[tuple[str | None, str | None]] = []
        for _, parts, client, resp, _ in pre:
            wanted_all.append((client[1], client[0]))
            wanted_all.append((users, resp))
            for p_ref, p_set, _ in parts:
                wanted_all.append((p_set, p_ref))
        self.preloader.consider(wanted_all, rows=rows_seen)
        self.names.prefetch(wanted_all)
        if self._clients is not None:
            pre = self._clients.texts(pre)
        return [self._row(*item) for item in pre]

    def map(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return self.map_page([row])[0]

    def _row(self, row: Mapping[str, Any], parts: list[Who], client: Who, resp: str | None,
             contact: str | None) -> tuple[Any, ...]:
        p = self._p
        get = row.get
        name = self.names.name
        if self._doc is None:
            kind = _strip(get(p["kind"])) if p["kind"] else None
            kind_code = self._kind_codes.get(kind or "", "other" if kind else None)
            direction = _strip(get(p["direction"])) if p["direction"] else None
            direction_code = self._dir_codes.get(direction or "")
        else:
            kind, kind_code = self._doc_kind
            if self._fixed_direction is None:
                d, direction = self.shape.direction(row)
                direction_code = d.value if d is not None else None
            else:
                direction, direction_code = self._fixed_direction
        state_of, state = self.shape.state(row) if self._fixed_state is None else self._fixed_state
        state_code = state_of.value if state_of is not None else None
        cp_ref, cp_set, cp_text = client
        start = _date(get(p["start"])) if p["start"] else None
        end = _date(get(p["end"])) if p["end"] else None
        b_ref, b_set, _ = self._basis.who(row) if self._basis is not None else (None, None, None)
        subject, body, comment = (t.text(row) if t is not None else None for t in self._texts)
        return (
            str(get("Ref_Key")),
            _strip(get(p["number"])) if p["number"] else None,
            _date(get(p["date"])) if p["date"] else None,
            kind,
            kind_code,
            direction,
            direction_code,
            state,
            state_code,
            (name(cp_set, cp_ref) if cp_ref else None) or cp_text,
            cp_ref,
            contact,
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
            get(self._posted) if self._posted else None,
            bool(get(p["deleted"])) if p["deleted"] else False,
            get(p["data_version"]) if p["data_version"] else None,
            self.document_type,
        )


_Pre = tuple[Mapping[str, Any], list[Who], Who, "str | None", "str | None"]
"""(row, participants, client, responsible, contact) of one row, before the names are known."""


class _FamilyCClients:
    """Family C's client of a page of interactions, as :class:`~onec_history.events.interactions.
    InteractionReader` reads it: the partner; a contact person's partner (the person is the
    contact), its owners asked in bulk; an unregistered caller's name or text as the client text
    (also when the contact is empty and only the text is filled); anyone else (a user, a private
    person) by the text the document shows."""

    def __init__(self, shape: EventShape, names: NameResolver, partners: Partners | None) -> None:
        profile = shape.profile
        self.names = names
        self.partners = partners
        self.partner_set = profile.partner_set or profile.counterparty_set
        self.person_set = profile.person_set
        self.string_set = profile.string_contact_set
        self.contact_text = shape.slots.get("contact_text")

    def persons(self, pre: list[_Pre]) -> list[tuple[str | None, str | None]]:
        """(catalog, ref) of the contact persons that are the page's clients."""
        person_set = self.person_set
        return [(person_set, c[0]) for _, _, c, _, _ in pre if c[0] and c[1] == person_set]

    def resolve(self, pre: list[_Pre]) -> list[_Pre]:
        """Contact persons → their partners (a few requests for the page's unknown ones), in place."""
        person_set = self.person_set
        persons = [c[0] for _, _, c, _, _ in pre if c[0] and c[1] == person_set]
        if not persons:
            return pre
        owners = self.partners.owners(persons) if self.partners is not None else {}
        for i, (row, parts, client, resp, _) in enumerate(pre):
            person = client[0]
            if person and client[1] == person_set:
                owner = owners.get(person)
                pre[i] = (row, parts, (owner, self.partner_set if owner else None, None), resp, person)
        return pre

    def texts(self, pre: list[_Pre]) -> list[_Pre]:
        """Clients that are no partner → a text (after the page's names were fetched), in place."""
        partner_set, string_set, contact_text = self.partner_set, self.string_set, self.contact_text
        for i, (row, parts, client, resp, contact) in enumerate(pre):
            ref, entity_set, text = client
            if ref is None:
                if text is None and contact is None and contact_text is not None:
                    # an unregistered caller as 1C's code writes one: no contact, only the contact's text
                    text = contact_text.text(row)
                    if text:
                        pre[i] = (row, parts, (None, None, text), resp, contact)
                continue
            if entity_set == partner_set:
                continue
            text = self.names.name(entity_set, ref) if entity_set == string_set else None
            if text is None and contact_text is not None:
                text = contact_text.text(row)
            pre[i] = (row, parts, (None, None, text), resp, contact)
        return pre


def _minutes(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    s, e = datetime.fromisoformat(start), datetime.fromisoformat(end)
    if e < s:
        return None
    return round((e - s).total_seconds() / 60, 2)


def vanished_row(ref: str, change: str, document_type: str | None = None) -> tuple[Any, ...]:
    """A row for an event that is no longer there: only its reference, its document type and the change."""
    return (ref, *([None] * (_N - 2)), document_type, change)


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
        #: A catalog read whole by its own pass instead of the names' (family C's contact persons:
        #: their partners too); the loader takes the page size and says whether it read the catalog.
        self.loaders: dict[str, Callable[[int], bool]] = {}

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
        loader = self.loaders.get(entity_set)
        if loader is not None:
            if loader(self.PAGE):
                self.preloaded.append(entity_set)
            return
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


# -- the row functions of one profile, compiled once ---------------------------------------------------
# The generic path above reads each attribute through its Slot (a method call and a few branches
# per attribute, per row). For families A and B the whole row is known once the shape is: the
# functions below are Python source generated from the shape and compiled once per mapper, so a
# row is read by one function with the property names as constants and no call per attribute.
# tests/test_lean_rows.py holds them equal to the generic path on every demo row and on edge values.

class _TypeSets(dict[Any, "str | None"]):
    """``StandardODATA.Catalog_X`` → ``Catalog_X``, each type name worked out once."""

    def __missing__(self, key: Any) -> str | None:
        value = self[key] = set_of_type(key)
        return value


def _who_src(slot: Slot | None, prefix: str, get: str = "g") -> list[str]:
    """Lines setting ``{prefix}_ref``, ``{prefix}_set``, ``{prefix}_text`` as :meth:`Slot.who` returns them."""
    r, s, t = f"{prefix}_ref", f"{prefix}_set", f"{prefix}_text"
    if slot is None:
        return [f"{r} = {s} = {t} = None"]
    if slot.composite:
        return [f"v = {get}({slot.prop!r})",
                f"tn = {get}({slot.type_prop!r})",
                "tg = TYPES[tn] if tn is None or tn.__class__ is str else set_of_type(tn)",
                "if tg is not None:",
                f"    {r} = None if not v or v == EMPTY_REF else str(v)",
                f"    {s} = tg",
                f"    {t} = None",
                "elif tn == 'Edm.String' and v not in NONE_EMPTY:",
                f"    {r} = {s} = None",
                f"    {t} = str(v)",
                "else:",
                f"    {r} = {s} = {t} = None"]
    if slot.ref:
        return [f"v = {get}({slot.prop!r})",
                f"{r} = None if not v or v == EMPTY_REF else str(v)",
                f"{s} = {slot.target!r}",
                f"{t} = None"]
    return [f"v = {get}({slot.prop!r})",
            f"{r} = {s} = None",
            f"{t} = None if v is None else str(v).strip() or None"]


def _text_src(slot: Slot | None, var: str) -> list[str]:
    """Lines setting ``var`` as :meth:`Slot.text` returns it."""
    if slot is None:
        return [f"{var} = None"]
    lines = [f"v = g({slot.prop!r})", f"{var} = None if v is None else str(v).rstrip() or None"]
    if slot.composite:
        return [f"if g({slot.type_prop!r}) not in STRING_OR_NONE:", f"    {var} = None", "else:",
                *("    " + line for line in lines)]
    return lines


def _stripped_src(prop: str | None, var: str) -> list[str]:
    if not prop:
        return [f"{var} = None"]
    return [f"v = g({prop!r})", f"{var} = None if v is None else str(v).strip() or None"]


def _date_src(prop: str | None, var: str) -> list[str]:
    if not prop:
        return [f"{var} = None"]
    return [f"v = g({prop!r})", f"{var} = None if not v or v == EMPTY_DATE else str(v)[:19]"]


def _get_src(prop: str | None) -> str:
    return f"g({prop!r})" if prop else "None"


def _compile(m: EventRowMapper) -> tuple[list[str], list[str]]:
    """``scan(rows, wanted)`` → the page's (row, participants, client, responsible, contact), adding
    the (set, ref) pairs it names to the set ``wanted``; ``emit(pre, name)`` → the page's tuples."""
    shape, p = m.shape, m._p
    part = shape.participant
    scan = ["def scan(rows, wanted):", "    out = []", "    add = wanted.add", "    for row in rows:",
            "        g = row.get"]
    body: list[str] = []
    if part is not None and shape.section:
        body += ["parts = []", f"lines = g({shape.section!r})", "if lines:", "    for line in lines:",
                 "        lg = line.get",
                 *("        " + x for x in _who_src(part, "w", "lg")),
                 "        if w_ref is not None or w_text is not None:",
                 "            parts.append((w_ref, w_set, w_text))",
                 "            if w_ref and w_set:",
                 "                add((w_set, w_ref))"]
    else:
        body += ["parts = []"]
    body += _who_src(shape.slots.get("counterparty"), "c")
    body += ["if c_ref is not None or c_text is not None:", "    client = (c_ref, c_set, c_text)",
             "else:", "    client = fallback(parts)",
             "if client[0] and client[1]:", "    add((client[1], client[0]))"]
    body += _who_src(m._resp, "r")
    if m.users_set:
        body += ["if r_ref:", f"    add(({m.users_set!r}, r_ref))"]
    body += _who_src(m._contact, "k")
    body += ["out.append((row, parts, client, r_ref, k_ref))"]
    scan += ["        " + x for x in body] + ["    return out"]

    state = shape.slots.get("state")
    emit = ["def emit(pre, name):", "    out = []", "    append = out.append",
            "    for row, parts, client, resp, contact in pre:", "        g = row.get"]
    body = _stripped_src(p["kind"], "kind")
    body += ["kind_code = KIND_CODES.get(kind or '', 'other' if kind else None)"]
    body += _stripped_src(p["direction"], "direction")
    body += ["direction_code = DIR_CODES.get(direction or '')"]
    if state is None:
        body += ["state = state_code = None"]
    elif state.ref:
        body += [f"v = g({state.prop!r})", "if not v or v == EMPTY_REF:", "    state = state_code = None",
                 "else:", "    state, state_code = STATE_REFS.get(str(v)) or (str(v), OTHER)"]
    else:
        body += _stripped_src(state.prop, "state")
        body += ["state_code = None if state is None else STATE_CODES.get(state, OTHER)"]
    body += _date_src(p["start"], "start") + _date_src(p["end"], "end")
    body += _who_src(m._basis, "b")
    for logical, slot in zip(("subject", "body", "comment"), m._texts, strict=True):
        body += _text_src(slot, f"t_{logical}")
    body += ["cp_ref, cp_set, cp_text = client"]
    body += _stripped_src(p["number"], "number") + _date_src(p["date"], "date")
    deleted = f"bool(g({p['deleted']!r}))" if p["deleted"] else "False"
    body += ["append((",
             "    str(g('Ref_Key')), number, date, kind, kind_code, direction, direction_code, state, state_code,",
             "    (name(cp_set, cp_ref) if cp_ref else None) or cp_text, cp_ref, contact,",
             f"    name({m.users_set!r}, resp) if resp else None, resp, start, end, minutes(start, end),",
             "    t_subject, t_body, t_comment, b_set if b_ref else None, b_ref if b_set else None,",
             "    joined(parts, name) if parts else None,",
             f"    {_get_src(m._posted)}, {deleted}, {_get_src(p['data_version'])},",
             f"    {m.document_type!r}))"]
    emit += ["        " + x for x in body] + ["    return out"]
    return scan, emit


def _joined(parts: list[Who], name: Callable[[str | None, str | None], str | None]) -> str | None:
    """The participants column: each one's name, else its text, else its reference."""
    return "; ".join((name(s, r) if r else None) or t or r or "" for r, s, t in parts) or None


def _build(m: EventRowMapper) -> tuple[Callable[..., Any], Callable[..., Any]]:
    scan, emit = _compile(m)
    shape = m.shape
    namespace: dict[str, Any] = {
        "TYPES": _TypeSets(), "set_of_type": set_of_type, "EMPTY_REF": EMPTY_REF, "EMPTY_DATE": EMPTY_DATE,
        "NONE_EMPTY": (None, ""), "STRING_OR_NONE": ("Edm.String", None),
        "fallback": functools.partial(shape.client, {}),  # the header names nobody: the participants decide
        "KIND_CODES": m._kind_codes, "DIR_CODES": m._dir_codes, "STATE_CODES": m._state_codes,
        "STATE_REFS": {ref: (words, st.value) for ref, (words, st) in shape.state_lookup.items()},
        "OTHER": EventState.OTHER.value, "minutes": _minutes, "joined": _joined,
    }
    source = "\n".join([*scan, "", *emit, ""])
    # our own source: the property names are in it as literals (repr), never as code
    exec(compile(source, f"<event rows of {m.document_type}>", "exec"), namespace)
    return namespace["scan"], namespace["emit"]
