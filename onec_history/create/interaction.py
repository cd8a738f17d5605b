"""Family C: a new event is a new *interaction* — a call, a meeting or a planned interaction.

The kind picks the document (``call`` → ``Document_ТелефонныйЗвонок``, ``meeting`` →
``Document_Встреча``, ``planned`` → ``Document_ЗапланированноеВзаимодействие``); e-mails and SMS
are documents a mail client writes, with accounts, message ids and recipients' addresses, and are
refused. The client is the counterparty's *partner* (``Контрагенты.Партнер``), or one of the
partner's contact persons (``--contact NAME``), or an unregistered caller.

An unregistered caller is written as 1C's own code writes one: the call keeps the text in
``АбонентПредставление`` (and the number in ``АбонентКакСвязаться``) with ``АбонентКонтакт``
empty, a meeting a participant row with ``ПредставлениеКонтакта`` and no ``Контакт``. The
document's ``ПриЗаписи`` (``Взаимодействия.ПриЗаписиДокумента`` in the УТ 11 dump) then finds the
``Catalog_СтроковыеКонтактыВзаимодействий`` item of that text, or creates it, for the register
``КонтактыВзаимодействий``; the client writes no catalog item of its own, so a call stays one write,
exactly once as any other.

Where each document keeps what (every name checked against ``$metadata`` through the profile's
view of the document): a call's moment is its ``Date`` (it has no start or end attribute), its
direction the Boolean ``Входящий``; a meeting has ``ДатаНачала``/``ДатаОкончания`` (without an end,
the end is 30 minutes after the start, the БСП's default) and one row in ``Участники``; a planned
interaction's ``Date`` is the moment it is created and its due date ``РассмотретьПосле`` in the
register ``ПредметыПапкиВзаимодействий`` (:mod:`.register`). Interactions cannot be posted.

Family C has no state attribute. A state given with a row must be the one the written document
reads as (a call or a past meeting is completed, a meeting ahead or a planned interaction is
planned); anything else is refused with what to do instead, never faked.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .. import query as q
from ..counterparties.specs import Spec
from ..models import Direction, EventKind, EventState
from ..profiles import AttrKind, Profile
from .register import SubjectRegister
from .shape import Resolved, Shaper, _put, put_texts
from .spec import NewEvent, RowError

if TYPE_CHECKING:
    from ..client import Client
    from ..history import History
    from ..users import Found
    from .prepare import Prepared

__all__ = ["WRITABLE_KINDS", "InteractionShaper", "PartnerResolver", "PhoneBook", "PhoneMatch", "document_for",
           "folded"]

# --------------------------------------------------------------------------- family data
# Names of the УТ 11.5 dump (Documents/Встреча.xml, ЗапланированноеВзаимодействие.xml,
# ТелефонныйЗвонок.xml); each is used only where this base's $metadata has it.
ROW_TEXT = "ПредставлениеКонтакта"  # a participant row: the contact as text (Строка(100), required)
ROW_HOW = "КакСвязаться"  # a participant row: the phone or address (Строка(100))
PARTICIPANT_LIST = "СписокУчастников"  # the participants as one string (ПередЗаписью rebuilds it)
TEXT_LENGTHS = {"Тема": 1024, "АбонентПредставление": 1024, "АбонентКакСвязаться": 100, PARTICIPANT_LIST: 1024}
ROW_LENGTHS = {ROW_TEXT: 100, ROW_HOW: 100}
MEETING_LENGTH = timedelta(minutes=30)  # Встреча.УстановитьДатыПоУмолчанию: ДатаОкончания = ДатаНачала + 1800
# ------------------------------------------------------------------------- end family data

WRITABLE_KINDS = (EventKind.CALL, EventKind.MEETING, EventKind.PLANNED)
"""What ``events create`` writes in family C; the other interactions belong to a mail client."""

_LOGICAL_C = ("direction", "counterparty", "responsible", "author", "start", "end", "subject", "body", "comment",
              "basis", "date", "phone", "contact_text", "importance")
_PHONE = re.compile(r"^\+?[\d\s()\-.]{5,}$")


def folded(name: str) -> str:
    return " ".join(name.casefold().replace("ё", "е").split())


def document_for(profile: Profile, kind: EventKind) -> tuple[str | None, RowError | None]:
    """The interaction document a new event of ``kind`` is written to, or why none can be."""
    if kind in (EventKind.EMAIL, EventKind.SMS):
        return None, RowError("kind", f"{kind.value}: e-mails and SMS of УТ 11 / КА 2 / ERP are documents of the "
                                      "mail and SMS clients (account, message id, recipients' addresses); "
                                      "onec-history writes calls, meetings and planned interactions only")
    docs = [d for d in profile.documents if d.kind == kind.value]
    if kind not in WRITABLE_KINDS or not docs:
        return None, RowError("kind", f"{kind.value!r} is no interaction of this base; it writes "
                                      + ", ".join(k.value for k in WRITABLE_KINDS))
    name = docs[0].set_name
    md = profile.metadata
    if md is None or name not in md:
        return None, RowError("kind", f"{name} is not published over OData: a {kind.value} cannot be written "
                                      "('onec-history doctor' shows how to publish it)", missing=True)
    return name, None


@dataclass
class InteractionShaper(Shaper):
    """The body of one interaction document (a view of a family-C profile, see the module doc)."""

    interaction_sets: tuple[str, ...] = ()
    register: SubjectRegister | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        p = self.profile
        assert p.doc is not None
        self.doc = p.doc
        self.attrs = p.event_attrs(_LOGICAL_C)
        self.client_in_header = "counterparty" in self.attrs
        self.marker_attr = self.attrs.get("comment") or self.attrs.get("body")
        self.planned = self.doc.kind == EventKind.PLANNED.value
        es = p.event_es()
        self.list_attr = PARTICIPANT_LIST if PARTICIPANT_LIST in es.properties and self.section else None
        row_props = es.tabular_sections[self.section].properties if self.section else {}
        self.row_text = ROW_TEXT if ROW_TEXT in row_props else None
        self.row_how = ROW_HOW if ROW_HOW in row_props else None

    @property
    def kind_label(self) -> str:
        return self.event_set.removeprefix("Document_")

    # -- what this document can hold --------------------------------------------------------------
    def problems(self, ev: NewEvent, *, now: datetime | None = None) -> list[RowError]:
        now = now or datetime.now()
        out: list[RowError] = []
        doc = self.event_set
        why = {"direction": " (only a call keeps one: Входящий)",
               "end": " (a planned interaction is due at its start)" if self.planned else
                      " (a call is kept as its moment: no end or duration)"}
        for name in ("direction", "end", "subject", "body", "comment", "responsible", "basis"):
            if getattr(ev, name) is not None and name not in self.attrs:
                out.append(RowError(name, f"{doc} has no attribute for {name!r}{why.get(name, '')}"))
        state_error = self._state_problem(ev, now)
        if state_error is not None:
            out.append(state_error)
        if (ev.counterparty or ev.caller) and not (self.client_in_header or self.participant is not None):
            out.append(RowError("counterparty", f"{doc} has no place for a client in this base"))
        if ev.caller and not self._caller_possible():
            out.append(RowError("caller", f"{doc} cannot keep an unregistered caller as text in this base"))
        if ev.post:
            out.append(RowError("post", "interactions cannot be posted (<Posting>Deny</Posting> in УТ 11 / КА 2 / "
                                        "ERP): drop post"))
        if ev.basis is not None:
            out.extend(self._basis_problems(ev.basis.entity_set))
        if self.planned:
            problem = self.register.problem() if self.register is not None else "the subject register is unknown"
            if problem is not None:
                out.append(RowError("start", f"the due date of a planned interaction cannot be written: {problem}"))
        elif "start" not in self.attrs and "date" not in self.attrs:
            out.append(RowError("start", f"{doc} has no date attribute in this base"))
        return out

    def _basis_problems(self, basis_set: str) -> list[RowError]:
        a = self.attrs.get("basis")
        if a is None:
            return []
        if a.kind is AttrKind.REF and a.target_set and a.target_set != basis_set:
            return [RowError("basis", f"the basis must be a {a.target_set} in this base")]
        if self.interaction_sets and basis_set not in self.interaction_sets:
            return [RowError("basis", f"the basis of an interaction (ВзаимодействиеОснование) is another interaction, "
                                      f"not a {basis_set}; a deal or an order is the interaction's subject")]
        return []

    def _state_problem(self, ev: NewEvent, now: datetime) -> RowError | None:
        if ev.state_name is not None:
            return RowError("state", f"{ev.state_name!r}: УТ 11 / КА 2 / ERP keep no state of an interaction")
        if ev.state is None or ev.state is self.reads_as(ev.start, now):
            return None
        doc = self.event_set
        if ev.state is EventState.CANCELLED:
            return RowError("state", "family C has no state attribute, so nothing is 'cancelled': a contact that did "
                                     "not take place is not entered (or is marked for deletion)")
        if self.planned:
            return RowError("state", "a planned interaction has no state: it is done when the call or meeting it "
                                     "planned is entered with it as the basis (--basis), or marked reviewed "
                                     "(Рассмотрено) in 1C")
        if ev.state is EventState.PLANNED:
            if self.doc.planned_when_future:
                return RowError("state", f"a meeting whose start has passed reads as held ({doc} has no state): give "
                                         "a start ahead, or --kind planned")
            return RowError("state", f"a call ({doc}) is the record of a call: a call to make is --kind planned "
                                     "(Document_ЗапланированноеВзаимодействие)")
        return RowError("state", f"a meeting ahead of now reads as planned ({doc} has no state): give the time it "
                                 "was held")

    def reads_as(self, start: datetime, now: datetime) -> EventState:
        """The state the written document is read as (events/shape.py: from its type and dates)."""
        if self.planned:
            return EventState.PLANNED
        if self.doc.planned_when_future and start > now:
            return EventState.PLANNED
        return EventState(self.doc.state)

    def _caller_possible(self) -> bool:
        if self.client_in_header:
            return "contact_text" in self.attrs
        return self.participant is not None and self.row_text is not None

    def resolved_problems(self, ev: NewEvent, res: Resolved) -> list[RowError]:
        """What the base cannot hold of the resolved client (a customised base's single reference)."""
        target = self.person_set if res.contact else res.client_set
        slot = self.attrs.get("counterparty") if self.client_in_header else self.participant
        out: list[RowError] = []
        if res.counterparty and slot is not None and slot.kind is AttrKind.REF and slot.target_set \
                and target != slot.target_set:
            out.append(RowError("contact" if res.contact else "counterparty",
                                f"{self.event_set}.{slot.name} holds a {slot.target_set} in this base, not a {target}"))
        if ev.basis is not None:
            out.extend(self._basis_problems(ev.basis.entity_set))
        return out

    @property
    def person_set(self) -> str | None:
        return self.profile.person_set

    # -- the body ---------------------------------------------------------------------------------
    def body(self, ev: NewEvent, res: Resolved, *, ref_key: uuid.UUID | None, marker: str | None,
             now: datetime) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if ref_key is not None:
            out["Ref_Key"] = str(ref_key)
        a = self.attrs
        when = ev.start.strftime(_DATETIME)
        if "start" in a:  # a meeting: its dates; a historical record is also dated when it happened
            out[a["start"].prop] = when
            if "end" in a:
                out[a["end"].prop] = (ev.end or ev.start + MEETING_LENGTH).strftime(_DATETIME)
            if "date" in a and ev.start <= now:
                out[a["date"].prop] = when
        elif not self.planned and "date" in a:  # a call: its moment is its date
            out[a["date"].prop] = when
        # a planned interaction: Date is when it was created (1C's default), the due date goes to the register
        if ev.direction is not None and "direction" in a:
            out[a["direction"].prop] = ev.direction is Direction.INCOMING
        self._client(out, ev, res)
        if res.responsible and "responsible" in a:
            out[a["responsible"].prop] = res.responsible
        if res.author and "author" in a:
            out[a["author"].prop] = res.author
        put_texts(out, a, ev, marker, self.marker_attr)
        return out

    def _client(self, out: dict[str, Any], ev: NewEvent, res: Resolved) -> None:
        ref = res.contact or res.counterparty
        target = self.person_set if res.contact else (res.client_set or self.profile.counterparty_set)
        text = res.presentation or ev.caller
        phone = ev.phone or (ev.caller if ev.caller and _PHONE.match(ev.caller) else None)
        a = self.attrs
        if self.client_in_header:
            if ref:
                _put(out, a["counterparty"], ref, target)
            if text and "contact_text" in a:
                out[a["contact_text"].prop] = text
            if phone and "phone" in a:
                out[a["phone"].prop] = phone
            return
        if self.participant is None or not (ref or text):
            return
        row: dict[str, Any] = {"LineNumber": "1"}
        if ref:
            _put(row, self.participant, ref, target)
        if text and self.row_text:
            row[self.row_text] = text[:ROW_LENGTHS[ROW_TEXT]]
        if phone and self.row_how:
            row[self.row_how] = phone[:ROW_LENGTHS[ROW_HOW]]
        assert self.section is not None
        out[self.section] = [row]
        if text and self.list_attr:
            out[self.list_attr] = text

    def column_of(self, exc: Any) -> str:
        column = super().column_of(exc)
        return {"date": "start", "contact_text": "caller", "phone": "phone"}.get(column, column)

    def known_lengths(self) -> dict[str, dict[str, int]]:
        es = self.profile.event_es()
        out = {self.event_set: {k: v for k, v in TEXT_LENGTHS.items() if k in es.properties}}
        if self.section:
            ts = es.tabular_sections[self.section]
            out[ts.set_name or f"{self.event_set}_{self.section}"] = {
                k: v for k, v in ROW_LENGTHS.items() if k in ts.properties}
        return out

    # -- finding what earlier runs wrote ----------------------------------------------------------
    @property
    def lookup_attr(self) -> Any:
        """A meeting is found by its start, a call by its date (its moment); a planned interaction
        has neither (see :meth:`candidate_pages`)."""
        if self.planned:
            return None
        return self.attrs.get("start") or self.attrs.get("date")

    def candidate_pages(self, client: Client, rows: Sequence[Prepared],
                        select: tuple[str, ...]) -> Iterator[list[dict[str, Any]]] | None:
        """A planned interaction's candidates: the ones naming the row's client among their
        participants (its due date is in the register, its date the moment it was written)."""
        if not self.planned:
            return None
        return self._by_participants(client, rows, select)

    def _by_participants(self, client: Client, rows: Sequence[Prepared],
                         select: tuple[str, ...]) -> Iterator[list[dict[str, Any]]]:
        ts_set = self.profile.participants_set()
        slot = self.participant
        if ts_set is None or slot is None:
            return
        terms: list[q.Filter] = []
        for p in rows:
            res = p.resolved
            ref = res.contact or res.counterparty
            if ref:
                target = self.person_set if res.contact else (res.client_set or self.profile.counterparty_set)
                if target:
                    terms.append(slot.points_to(ref, target))
            elif p.event.caller and self.row_text:
                terms.append(q.eq(self.row_text, p.event.caller[:ROW_LENGTHS[ROW_TEXT]]))
        terms = list({t.text: t for t in terms}.values())
        if not terms:
            return
        refs = {str(r["Ref_Key"]) for page in client.iter_any(ts_set, terms, q.Query(select=("Ref_Key",)))
                for r in page}
        if refs:
            yield from client.iter_by(self.event_set, "Ref_Key", [uuid.UUID(r) for r in sorted(refs)], select=select)

    # -- after the document ------------------------------------------------------------------------
    def needs_after_write(self, ev: NewEvent) -> bool:
        return self.planned

    def after_write(self, client: Client, p: Prepared, ref: str) -> None:
        """A planned interaction's due date into the subject register (raises what 1C answered)."""
        if not self.planned or self.register is None:
            return
        basis = (p.event.basis.entity_set, p.event.basis.ref) if p.event.basis is not None else None
        self.register.ensure_due(self.event_set, ref, p.event.start, basis=basis)

    def after_write_note(self, ev: NewEvent) -> str:
        if not self.planned or self.register is None:
            return ""
        return f"due {ev.start:%d.%m.%Y %H:%M}: written to {self.register.set_name} (РассмотретьПосле)"


_DATETIME = "%Y-%m-%dT%H:%M:%S"


@dataclass
class PartnerResolver:
    """Family C's clients: a counterparty spec → its partner (or a partner named directly by its
    code or reference); a contact person's name → one of the partner's persons. In bulk, once per run."""

    history: History
    _persons: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # partner → (ref, name)

    @property
    def profile(self) -> Profile:
        return self.history.profile

    def partners(self, specs: Iterable[str], counterparties: Mapping[str, Found]) -> dict[str, Found]:
        """Each spec → Found(partner ref, partner's name), from what it resolved to as a counterparty;
        a spec no counterparty answers is asked of the partners (reference, code, exact name)."""
        from ..users import Found

        p = self.profile
        partner_set = p.partner_set or ""
        out: dict[str, Found] = {}
        cps = {spec: f for spec in dict.fromkeys(specs) if (f := counterparties.get(spec)) is not None}
        base = self.history.base
        base.partners.prefetch_partners(f.ref for f in cps.values() if f.ref)
        direct = self._direct([s for s, f in cps.items() if f.ref is None and not f.ambiguous])
        for spec, f in cps.items():
            if f.ref is None:
                out[spec] = direct.get(spec) or f
                continue
            partner = base.partners.partner_of(f.ref)
            out[spec] = Found(partner, name=f.name) if partner else Found(None, (
                f"the counterparty {f.name or f.ref} has no partner (Партнер is empty): an interaction names a "
                "partner; set the counterparty's partner in 1C, or give the partner's code or reference"))
        names = self.history.names
        names.prefetch([(partner_set, f.ref) for f in out.values() if f.ref])
        return {s: (Found(f.ref, name=names.name(partner_set, f.ref) or f.name) if f.ref else f)
                for s, f in out.items()}

    def _direct(self, specs: list[str]) -> dict[str, Found]:
        """Specs that name a partner itself: its reference, its code (УТ 11 codes live on partners)
        or its exact name."""
        from ..users import Found

        partner_set = self.profile.partner_set
        md = self.history.client.metadata()
        if not specs or not partner_set or partner_set not in md:
            return {}
        es = md.get(partner_set)
        by_stage: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for spec in specs:
            parsed = Spec.parse(spec)
            for stage in parsed.stages:
                prop = {"ref": "Ref_Key", "code": "Code", "name": "Description"}.get(stage)
                if prop and prop in es.properties:
                    key = str(uuid.UUID(parsed.text)) if stage == "ref" else parsed.text
                    by_stage[prop][key].append(spec)
        out: dict[str, Found] = {}
        select = tuple(x for x in ("Ref_Key", "Description", "Code", "DeletionMark", "IsFolder") if x in es.properties)
        for prop, wanted in by_stage.items():
            values: list[Any] = [uuid.UUID(v) if prop == "Ref_Key" else v for v in sorted(wanted)]
            found: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for page in self.history.client.iter_by(partner_set, prop, values, select=select):
                for row in page:
                    if not row.get("IsFolder"):
                        found[str(row.get(prop) or "").strip().casefold()].append(row)
            for key, spec_list in wanted.items():
                rows = found.get(key.casefold(), [])
                live = [r for r in rows if not r.get("DeletionMark")] or (rows if prop == "Ref_Key" else [])
                for spec in spec_list:
                    if spec in out:
                        continue
                    if len(live) == 1:
                        out[spec] = Found(str(live[0]["Ref_Key"]), name=str(live[0].get("Description") or "").strip())
                    elif len(live) > 1:
                        out[spec] = Found(None, f"{spec!r} matches {len(live)} partners; give the code or the "
                                                "reference", ambiguous=True)
        return out

    def persons(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Found]:
        """(partner, name) → the partner's contact person of that name: the same name (case, ё and
        spaces aside), else the only one whose name begins with it."""
        from ..users import Found

        person_set = self.profile.person_set
        md = self.history.client.metadata()
        out: dict[tuple[str, str], Found] = {}
        wanted = list(dict.fromkeys(pairs))
        if not wanted:
            return out
        if not person_set or person_set not in md or "Owner_Key" not in md.get(person_set).properties:
            return {pair: Found(None, f"{person_set or 'the contact persons catalog'} is not published: a contact "
                                      "person cannot be named") for pair in wanted}
        self._load(person_set, {partner for partner, _ in wanted})
        for partner, name in wanted:
            persons = self._persons.get(partner, [])
            exact = [(r, n) for r, n in persons if r == name.strip().lower() or folded(n) == folded(name)]
            begins = exact or [(r, n) for r, n in persons if folded(n).startswith(folded(name))]
            if len(begins) == 1:
                out[(partner, name)] = Found(begins[0][0], name=begins[0][1])
            elif begins:
                out[(partner, name)] = Found(None, f"{name!r} matches {len(begins)} of the partner's contact persons: "
                                                   + ", ".join(n for _, n in begins[:5]), ambiguous=True)
            else:
                known = ", ".join(n for _, n in persons[:10]) or "none"
                out[(partner, name)] = Found(None, f"the partner has no contact person named {name!r} (it has: "
                                                   f"{known})")
        return out

    def _load(self, person_set: str, partners: set[str]) -> None:
        todo = sorted(p for p in partners if p not in self._persons)
        if not todo:
            return
        es = self.history.client.entity_set(person_set)
        select = tuple(x for x in ("Ref_Key", "Owner_Key", "Description", "DeletionMark") if x in es.properties)
        for partner in todo:
            self._persons[partner] = []
        for page in self.history.client.iter_by(person_set, "Owner_Key", [uuid.UUID(p) for p in todo], select=select):
            for row in page:
                if row.get("DeletionMark"):
                    continue
                name = str(row.get("Description") or "").strip()
                ref = str(row["Ref_Key"])
                self._persons.setdefault(str(row.get("Owner_Key")), []).append((ref, name))
                self.history.names.remember(person_set, ref, name)


@dataclass(frozen=True)
class PhoneMatch:
    """Who a phone number is in family C: a partner (and the contact person whose number it is),
    an unregistered caller (nobody has it), or why neither (several have it, or it is no number)."""

    phone: str
    partner: str | None = None
    person: str | None = None
    caller: str | None = None
    error: str | None = None
    ambiguous: bool = False


@dataclass
class PhoneBook:
    """Family C keeps phones on partners and on their contact persons (their sections
    ``КонтактнаяИнформация``), not on counterparties: a number is looked up there, one filtered
    request per source and number (the whole list, once, where the platform refuses the filter)."""

    history: History
    _seen: dict[str, PhoneMatch] = field(default_factory=dict)
    _lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _owner: dict[str, str | None] = field(default_factory=dict)  # contact person → its partner

    def match(self, phone: str) -> PhoneMatch:
        from ..counterparties.contacts import PHONE, contact_source
        from ..counterparties.phones import normalize_phone, phone_numbers, search_fragments
        from ..errors import BadQueryError, UnsupportedError

        phone = phone.strip()
        if phone in self._seen:
            return self._seen[phone]
        number = normalize_phone(phone)
        if number is None:
            return PhoneMatch(phone, error=f"{phone!r} is not a phone number (give at least 5 digits)")
        p, client = self.profile, self.history.client
        md = client.metadata()
        found: dict[str, set[str]] = {}
        for owner_set in (p.partner_set, p.person_set):
            source = contact_source(md, p, owner_set) if owner_set and owner_set in md else None
            if source is None:
                continue
            fragments = q.or_(*(q.substringof(f, source.presentation_prop) for f in search_fragments(number)))
            try:
                rows = list(client.iterate(source.entity_set, q.Query(
                    filter=q.and_(source.of_type(PHONE), fragments), select=source.select())))
            except (BadQueryError, UnsupportedError):
                if source.entity_set not in self._lists:
                    self._lists[source.entity_set] = list(client.iterate(source.entity_set, q.Query(
                        filter=source.of_type(PHONE), select=source.select())))
                rows = self._lists[source.entity_set]
            owners = {o for row in rows if (o := source.owner_of(row))
                      and number in phone_numbers(str(row.get(source.presentation_prop) or ""))}
            found[owner_set or ""] = self._live(owner_set or "", owners)
            if found[owner_set or ""]:
                break
        partners = sorted(found.get(p.partner_set or "", set()))
        persons = sorted(found.get(p.person_set or "", set()))
        result: PhoneMatch
        if len(partners) == 1:
            result = PhoneMatch(phone, partner=partners[0])
        elif len(persons) == 1 and self._owner.get(persons[0]):
            result = PhoneMatch(phone, partner=self._owner[persons[0]], person=persons[0])
        elif partners or persons:
            names = self.history.names
            shown = [names.name(p.partner_set, r) or r for r in partners] or [
                names.name(p.person_set, r) or r for r in persons]
            result = PhoneMatch(phone, ambiguous=True, error=(
                f"the phone {phone!r} belongs to {len(shown)} {'partners' if partners else 'contact persons'}: "
                + ", ".join(shown[:5]) + "; give the counterparty (and --contact) instead"))
        else:
            result = PhoneMatch(phone, caller=phone)  # nobody has it: an unregistered caller, kept as text
        self._seen[phone] = result
        return result

    @property
    def profile(self) -> Profile:
        return self.history.profile

    def _live(self, owner_set: str, refs: set[str]) -> set[str]:
        """The ``refs`` not marked for deletion (a contact person's partner remembered)."""
        if not refs:
            return set()
        client = self.history.client
        es = client.entity_set(owner_set)
        select = tuple(x for x in ("Ref_Key", "Description", "DeletionMark", "Owner_Key") if x in es.properties)
        live: set[str] = set()
        for page in client.iter_by(owner_set, "Ref_Key", [uuid.UUID(r) for r in sorted(refs)], select=select):
            for row in page:
                ref = str(row["Ref_Key"])
                self.history.names.remember(owner_set, ref, str(row.get("Description") or "").strip())
                if "Owner_Key" in row:
                    self._owner[ref] = str(row.get("Owner_Key") or "") or None
                if not row.get("DeletionMark"):
                    live.add(ref)
        return live

    def rows(self, rows: Iterable[Any]) -> Iterator[Any]:
        """Import rows with their ``phone`` turned into the partner (``counterparty``), the contact
        person (``contact``) or an unregistered ``caller``; the number itself stays, for the call."""
        from dataclasses import replace as _replace

        for row in rows:
            values = dict(row.values)
            phone = str(values.get("phone") or "").strip()
            if row.error is not None or not phone:
                values.pop("phone", None)
                yield _replace(row, values=values)
                continue
            if str(values.get("counterparty") or "").strip() or str(values.get("caller") or "").strip():
                yield _replace(row, values=values,
                               error="phone: give either phone, counterparty or caller, not several")
                continue
            found = self.match(phone)
            values.update(self.values_of(found))
            yield _replace(row, values=values, error=f"phone: {found.error}" if found.error else None)

    @staticmethod
    def values_of(found: PhoneMatch) -> dict[str, str]:
        """The row's columns for a match: ``counterparty`` (the partner's reference) and ``contact``,
        or ``caller``; and ``phone``, which the call keeps."""
        out = {"phone": found.phone}
        if found.partner:
            out["counterparty"] = found.partner
            if found.person:
                out["contact"] = found.person
        elif found.caller:
            out["caller"] = found.caller
        return out
