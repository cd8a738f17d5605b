"""Contact information of counterparties: phones, e-mails and contact persons as 1C keeps them.

Family A (УТ 10.3 / КА 1.1 / УПП) keeps contact information of every object in the register
``InformationRegister_КонтактнаяИнформация`` (dimensions ``Объект`` + ``Объект_Type``, ``Тип``,
``Вид``; resources ``Представление``, ``Поле1…Поле10``, ``Комментарий``); its contact persons are
``Catalog_КонтактныеЛицаКонтрагентов`` (``Owner_Key`` → the counterparty, ``Должность``).
Family B (УНФ) keeps it in each catalogue's tabular section ``КонтактнаяИнформация``
(``Catalog_Контрагенты_КонтактнаяИнформация``: ``Ref_Key`` is the owner, ``Тип``, ``Вид_Key``,
``Представление``, and the БСП's ``АдресЭП``/``НомерТелефона``…); contact persons are
``Catalog_КонтактныеЛица`` with ``Owner_Key`` and a section of their own.

Where everything lives is read from ``$metadata``; a base that does not publish a set gets empty
lists and a note saying which set is missing — never an error. Every read is in bulk: refs are
asked for in ``or`` groups under the URL budget (1C has no ``in``).

Finding a client by phone or e-mail (:class:`ContactBook`): 1C cannot filter on normalised digits,
so a lookup first asks for the rows whose Представление holds the number's last four digits as
people group them (one request; ``substringof``), then compares each candidate whole
(:mod:`.phones`). Only when that finds nobody (or the platform rejects ``substringof``) does it
read the whole phone list once — ``Тип``, owner and Представление only, page by page — and keep
it for the rest of the run, so an unknown number costs that scan once and every later lookup none.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import query as q
from ..client import Client
from ..errors import BadQueryError, NotFoundError, NotPublishedError, QueryError, UnsupportedError
from ..metadata import Metadata
from ..models import Counterparty
from ..profiles import Family, Profile
from .phones import normalize_email, normalize_phone, phone_numbers, search_fragments

if TYPE_CHECKING:
    from ..history import History

__all__ = [
    "EMAIL",
    "PHONE",
    "ContactBook",
    "ContactCard",
    "ContactPerson",
    "ContactSource",
    "contact_source",
    "phones_of",
]

log = logging.getLogger("onec_history.contacts")

REGISTER_SET = "InformationRegister_КонтактнаяИнформация"
SECTION_NAME = "КонтактнаяИнформация"
PHONE = "Телефон"
EMAIL = "АдресЭлектроннойПочты"
PERSON_SETS = {Family.A: "Catalog_КонтактныеЛицаКонтрагентов", Family.B: "Catalog_КонтактныеЛица",
               Family.C: "Catalog_КонтактныеЛицаПартнеров"}
"""Where each family keeps a counterparty's contact persons (``Owner_Key`` → the counterparty;
family C: → the counterparty's partner)."""
_PERSON_SETS = PERSON_SETS


@dataclass(frozen=True)
class ContactSource:
    """Where this base keeps one kind of owner's contact information, resolved against ``$metadata``."""

    entity_set: str
    owner_prop: str  # Объект (register, composite) or Ref_Key (tabular section)
    owner_type_prop: str | None  # Объект_Type for the register's composite owner
    type_prop: str | None  # Тип (enum ТипыКонтактнойИнформации)
    kind_prop: str | None  # Вид_Key / Вид
    presentation_prop: str  # Представление
    owner_set: str  # the catalogue whose items own the rows

    @property
    def composite_owner(self) -> bool:
        return self.owner_type_prop is not None

    def select(self) -> tuple[str, ...]:
        props = (self.owner_prop, self.owner_type_prop, self.type_prop, self.presentation_prop)
        return tuple(p for p in props if p)

    def owner_term(self, ref: str) -> q.Filter:
        return q.points_to(self.owner_prop, ref, self.owner_set, composite=self.composite_owner)

    def owner_of(self, row: dict[str, Any]) -> str | None:
        """The owner's ref when the row belongs to this source's catalogue (a register row may
        belong to a contact person or an organisation)."""
        if self.owner_type_prop is not None:
            typ = str(row.get(self.owner_type_prop) or "")
            if typ.removeprefix("StandardODATA.") != self.owner_set:
                return None
        value = row.get(self.owner_prop)
        return str(value) if value else None

    def of_type(self, kind: str) -> q.Filter | None:
        return q.eq(self.type_prop, kind) if self.type_prop else None


def contact_source(md: Metadata, profile: Profile, owner_set: str | None = None) -> ContactSource | None:
    """The contact-information set of ``owner_set``'s items (counterparties by default) in this
    base, or ``None`` when it does not publish one."""
    owner = owner_set or profile.counterparty_set
    candidates = [REGISTER_SET, f"{owner}_{SECTION_NAME}"]
    if profile.family is not Family.A:
        candidates.reverse()
    for name in candidates:
        if name not in md:
            continue
        es = md.get(name)
        props = es.properties
        if "Представление" not in props:
            continue
        type_prop = "Тип" if "Тип" in props else None
        kind_prop = "Вид_Key" if "Вид_Key" in props else ("Вид" if "Вид" in props else None)
        if name == REGISTER_SET:
            if "Объект" not in es.composites:
                continue
            return ContactSource(name, "Объект", es.composites["Объект"].type_property, type_prop, kind_prop,
                                 "Представление", owner)
        return ContactSource(name, "Ref_Key", None, type_prop, kind_prop, "Представление", owner)
    return None


def _rows_of(client: Client, source: ContactSource, refs: list[str], where: q.Filter | None,
             extra: tuple[str, ...] = ()) -> Iterator[dict[str, Any]]:
    if not refs:
        return
    terms = [source.owner_term(ref) for ref in refs]
    query = q.Query(filter=where, select=tuple(dict.fromkeys(source.select() + extra)))
    for page in client.iter_any(source.entity_set, terms, query):
        yield from page


def _values_of(client: Client, source: ContactSource, refs: list[str], kind: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {ref: [] for ref in refs}
    for row in _rows_of(client, source, refs, source.of_type(kind)):
        owner = source.owner_of(row)
        text = str(row.get(source.presentation_prop) or "").strip()
        if owner in out and text and text not in out[owner]:
            out[owner].append(text)
    return out


def _canonical(refs: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(str(uuid.UUID(str(r))) for r in refs if r))


def phones_of(history: History, refs: Iterable[str]) -> dict[str, list[str]]:
    """Counterparty ``Ref_Key`` → its phones as 1C shows them (Представление), in 1C's order.

    Every ref asked is a key of the answer (an empty list when it has no phone). The refs are
    asked for in ``or`` groups, as many per request as the URL budget allows (1C has no ``in``):
    a page of 50 counterparties is one request. A base that does not publish its contact
    information answers empty lists (logged once as a warning).
    """
    wanted = _canonical(refs)
    source = contact_source(history.client.metadata(), history.profile)
    if source is None:
        if wanted:
            log.warning("this base publishes no contact information (%s or %s_%s): no phones shown",
                        REGISTER_SET, history.profile.counterparty_set, SECTION_NAME)
        return {ref: [] for ref in wanted}
    client = history.client
    keyed = client.requests_for(source.entity_set, [source.owner_term(r) for r in wanted],
                                q.Query(filter=source.of_type(PHONE), select=source.select())) if wanted else 0
    if keyed > 2:  # a composite owner costs ~200 bytes a term: maybe reading the whole list is cheaper
        book = history.contacts
        pages = book._scan_requests(PHONE)
        if pages is not None and pages + 1 < keyed:
            listed = book.presentations(PHONE)
            return {ref: list(listed.get(ref, [])) for ref in wanted}
    return _values_of(client, source, wanted, PHONE)


# -- the card ------------------------------------------------------------------------------------
@dataclass
class ContactPerson:
    ref: str
    name: str
    position: str | None = None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)


@dataclass
class ContactCard:
    """What the client card shows under «Контактная информация» and «Контактные лица»."""

    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    other: list[tuple[str, str]] = field(default_factory=list)  # (Тип, Представление): addresses, sites
    persons: list[ContactPerson] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # sets this base does not publish

    def as_dict(self) -> dict[str, Any]:
        return {"phones": self.phones, "emails": self.emails,
                "other": [{"type": t, "presentation": p} for t, p in self.other],
                "contact_persons": [{"ref": p.ref, "name": p.name, "position": p.position, "phones": p.phones,
                                     "emails": p.emails} for p in self.persons],
                "unpublished": self.missing}


class ContactBook:
    """Contact information of one base: the card's contacts, and clients found by phone or e-mail.

    Keep one per run (``History.contacts``): the phone and e-mail lists read by a scan stay here.
    """

    def __init__(self, history: History) -> None:
        self.history = history
        self.client = history.client
        self.profile = history.profile
        md = self.client.metadata()
        self.source = contact_source(md, self.profile)
        person_set = _PERSON_SETS.get(self.profile.family)
        self.person_set = person_set if person_set and person_set in md and "Owner_Key" in md.get(
            person_set).properties else None
        self.person_source = contact_source(md, self.profile, self.person_set) if self.person_set else None
        self._index: dict[str, dict[str, set[str]]] = {}  # Тип → normalised value → owners
        self._listed: dict[str, dict[str, list[str]]] = {}  # Тип → owner → presentations
        self._cps: dict[str, Counterparty | None] = {}  # counterparties read, None: a folder or deleted
        self._narrow_ok = True
        self._person_index: dict[str, dict[str, set[str]]] = {}  # Тип → normalised value → contact persons
        self._person_owner: dict[str, str | None] = {}  # contact person → its counterparty (None: deleted)
        # Family C keeps contacts on the partner and its persons: found partners lead to their counterparties.
        partners = self.profile.partner_set if self.profile.documents else None
        self.partner_source = contact_source(md, self.profile, partners) if partners and partners in md else None

    # -- the card ---------------------------------------------------------------------------------
    def card(self, ref: str) -> ContactCard:
        """Phones, e-mails, other contact information and contact persons of counterparty ``ref``."""
        ref = _canonical([ref])[0]
        card = ContactCard()
        if self.source is None:
            card.missing.append(f"{REGISTER_SET} / {self.profile.counterparty_set}_{SECTION_NAME}")
        else:
            for row in _rows_of(self.client, self.source, [ref], None):
                if self.source.owner_of(row) == ref:
                    _file(card.phones, card.emails, card.other, row, self.source)
        owner = ref
        if self.profile.documents:  # family C: the partner's contact information and persons
            partner = self.history.base.partners.partner_of(ref)
            if partner is None:
                return card
            owner = partner
            if self.partner_source is not None:
                for row in _rows_of(self.client, self.partner_source, [partner], None):
                    if self.partner_source.owner_of(row) == partner:
                        _file(card.phones, card.emails, card.other, row, self.partner_source)
        if self.person_set is None:
            card.missing.append(_PERSON_SETS.get(self.profile.family, "contact persons"))
            return card
        card.persons = self._persons([owner]).get(owner, [])
        if card.persons and self.person_source is not None:
            by_ref = {p.ref: p for p in card.persons}
            for row in _rows_of(self.client, self.person_source, list(by_ref), None):
                person = by_ref.get(self.person_source.owner_of(row) or "")
                if person is not None:
                    _file(person.phones, person.emails, [], row, self.person_source)
        return card

    def _persons(self, owners: list[str]) -> dict[str, list[ContactPerson]]:
        assert self.person_set is not None
        es = self.client.entity_set(self.person_set)
        select = tuple(p for p in ("Ref_Key", "Owner_Key", "Description", "Должность", "DeletionMark")
                       if p in es.properties)
        out: dict[str, list[ContactPerson]] = {o: [] for o in owners}
        for page in self.client.iter_by(self.person_set, "Owner_Key", [uuid.UUID(o) for o in owners],
                                        select=select, orderby=("Description",)):
            for row in page:
                if row.get("DeletionMark"):
                    continue
                owner = str(row.get("Owner_Key"))
                out.setdefault(owner, []).append(ContactPerson(
                    ref=str(row["Ref_Key"]), name=str(row.get("Description") or "").strip(),
                    position=str(row.get("Должность") or "").strip() or None))
        return out

    # -- finding clients -----------------------------------------------------------------------------
    def find_phone(self, text: str) -> list[Counterparty]:
        """The counterparties (not folders, not marked for deletion) one of whose phones is the
        number in ``text``, however it is written (see :mod:`.phones`)."""
        number = normalize_phone(text)
        if number is None:
            raise QueryError(f"'{text}' is not a phone number",
                             hint="Give at least 5 digits, e.g. +7 (495) 123-45-67, 84951234567 or 495-123-45-67.")
        fragments = [q.substringof(f, self._presentation()) for f in search_fragments(number)]
        return self._find(PHONE, number, fragments, phone_numbers)

    def find_email(self, text: str) -> list[Counterparty]:
        """The counterparties one of whose e-mails is ``text`` (trimmed, case-insensitive, whole)."""
        address = normalize_email(text)
        if address is None:
            raise QueryError(f"'{text}' is not an e-mail address", hint="Give it whole, e.g. info@romashka.ru.")
        typed = text.strip()
        fragments = [q.eq(self._presentation(), v) for v in dict.fromkeys((typed, address))]
        return self._find(EMAIL, address, fragments, _emails)

    def prefetch(self, kind: str, count: int) -> None:
        """Read the whole list of ``kind`` (PHONE or EMAIL) now when ``count`` lookups are coming
        and one scan costs fewer requests than one narrow query each."""
        if self.source is None or kind in self._index:
            return
        pages = self._scan_requests(kind)
        if pages is not None and pages < count:
            self._load(kind)

    def _presentation(self) -> str:
        return self.source.presentation_prop if self.source else "Представление"

    def _find(self, kind: str, value: str, fragments: list[q.Filter],
              values_of: Any) -> list[Counterparty]:
        if self.source is None and self.partner_source is not None:  # family C without the counterparties' own
            found = self._of_partners(self._owners_in(self.partner_source, kind, value, fragments, values_of))
            if not found and self.person_source is not None:
                found = self._by_person(kind, value, fragments, values_of)
            return found
        if self.source is None:
            raise NotPublishedError(f"{REGISTER_SET} / {self.profile.counterparty_set}_{SECTION_NAME}")
        owners: set[str] = set()
        if kind in self._index:
            owners = set(self._index[kind].get(value, ()))
        else:
            narrow = self._narrow(kind, value, fragments, values_of)
            if narrow is None:  # the platform refused the filter: the whole list, once per run
                self._load(kind)
                owners = set(self._index[kind].get(value, ()))
            else:  # an empty answer is nobody: one request per unknown caller, not a scan of the list
                owners = narrow
        found = self._counterparties(owners)
        if not found and self.partner_source is not None:
            found = self._of_partners(self._owners_in(self.partner_source, kind, value, fragments, values_of))
        if not found and self.person_source is not None:
            found = self._by_person(kind, value, fragments, values_of)
        return found

    def _owners_in(self, src: ContactSource, kind: str, value: str, fragments: list[q.Filter],
                   values_of: Any) -> set[str]:
        """Owners in ``src`` one of whose rows holds ``value``: one filtered request (the whole
        list where the platform refuses the filter)."""
        filtered = q.Query(filter=q.and_(src.of_type(kind), q.or_(*fragments)), select=src.select())
        try:
            rows = list(self.client.iterate(src.entity_set, filtered))
        except (BadQueryError, UnsupportedError):
            rows = list(self.client.iterate(src.entity_set, q.Query(filter=src.of_type(kind), select=src.select())))
        return {owner for row in rows if (owner := src.owner_of(row))
                and value in values_of(str(row.get(src.presentation_prop) or ""))}

    def _of_partners(self, partners: set[str]) -> list[Counterparty]:
        """Family C: the counterparties of ``partners`` (not marked for deletion)."""
        prop = self.history.base.partners.partner_attr
        if not partners or prop is None:
            return []
        search = self.history.counterparty_search
        found: dict[str, Counterparty] = {}
        for page in self.client.iter_by(self.profile.counterparty_set, prop, [uuid.UUID(p) for p in sorted(partners)],
                                        select=search.mapper.select()):
            for c in map(search.mapper.map, page):
                if not c.deleted:
                    found[c.ref] = c
        return sorted(found.values(), key=lambda c: (c.name, c.ref))

    def _by_person(self, kind: str, value: str, fragments: list[q.Filter], values_of: Any) -> list[Counterparty]:
        """The counterparties whose contact person has ``value`` (a call from the buyer's own mobile):
        one filtered request on the persons' contact information (the whole list where the platform
        refuses the filter), then their owners in bulk."""
        src, person_set = self.person_source, self.person_set
        assert src is not None and person_set is not None
        persons: set[str] = set()
        if kind in self._person_index:  # read with the whole list: no request
            persons = set(self._person_index[kind].get(value, ()))
        else:
            filtered = q.Query(filter=q.and_(src.of_type(kind), q.or_(*fragments)), select=src.select())
            try:
                rows = list(self.client.iterate(src.entity_set, filtered))
            except (BadQueryError, UnsupportedError):
                rows = list(self.client.iterate(src.entity_set,
                                                q.Query(filter=src.of_type(kind), select=src.select())))
            for row in rows:
                owner = src.owner_of(row)
                if owner and value in values_of(str(row.get(src.presentation_prop) or "")):
                    persons.add(owner)
        todo = sorted(p for p in persons if p not in self._person_owner)
        for page in self.client.iter_by(person_set, "Ref_Key", [uuid.UUID(p) for p in todo],
                                        select=("Ref_Key", "Owner_Key", "DeletionMark")):
            for r in page:
                owner = str(r.get("Owner_Key") or "")
                self._person_owner[str(r["Ref_Key"])] = None if r.get("DeletionMark") or not owner else owner
        owners = {o for p in persons if (o := self._person_owner.get(p))}
        if self.profile.documents:  # family C: a person belongs to a partner
            return self._of_partners(owners)
        return self._counterparties(owners)

    def _narrow(self, kind: str, value: str, fragments: list[q.Filter], values_of: Any) -> set[str] | None:
        """Owners whose rows hold ``value`` among the candidates of one filtered request; ``None``
        when the platform refuses the filter."""
        assert self.source is not None
        if not self._narrow_ok:
            return None
        where = q.and_(self.source.of_type(kind), q.or_(*fragments))
        query = q.Query(filter=where, select=self.source.select())
        found: set[str] = set()
        try:
            for row in self.client.iterate(self.source.entity_set, query):
                owner = self.source.owner_of(row)
                if owner and value in values_of(str(row.get(self.source.presentation_prop) or "")):
                    found.add(owner)
        except (BadQueryError, UnsupportedError) as exc:
            log.info("the platform refused the narrow contact filter (%s); reading the whole list", exc.message)
            self._narrow_ok = False
            return None
        return found

    def _scan_query(self, kind: str) -> q.Query:
        assert self.source is not None
        return q.Query(filter=self.source.of_type(kind), select=self.source.select())

    def _scan_requests(self, kind: str) -> int | None:
        assert self.source is not None
        try:
            rows = self.client.count(self.source.entity_set, self.source.of_type(kind))
        except (BadQueryError, UnsupportedError, NotFoundError):
            return None
        return rows // self.client.page_size + 1

    def presentations(self, kind: str) -> dict[str, list[str]]:
        """Owner → every Представление of ``kind`` (in 1C's order), read by one scan kept for the run."""
        if kind not in self._listed:
            self._load(kind)
        return self._listed[kind]

    def _load(self, kind: str) -> None:
        """The whole list of ``kind``: owner and Представление of every row, page by page."""
        assert self.source is not None
        values_of = phone_numbers if kind == PHONE else _emails
        index: dict[str, set[str]] = {}
        listed: dict[str, list[str]] = {}
        persons: dict[str, set[str]] = {}
        src = self.person_source
        same_set = src is not None and src.entity_set == self.source.entity_set
        for row in self.client.iterate(self.source.entity_set, self._scan_query(kind)):
            owner = self.source.owner_of(row)
            if owner is None:
                person = src.owner_of(row) if same_set and src is not None else None
                for v in values_of(str(row.get(self.source.presentation_prop) or "")) if person else ():
                    persons.setdefault(v, set()).add(person or "")
                continue
            text = str(row.get(self.source.presentation_prop) or "").strip()
            if text and text not in listed.setdefault(owner, []):
                listed[owner].append(text)
            for v in values_of(text):
                index.setdefault(v, set()).add(owner)
        if src is not None and not same_set:  # family B: the persons keep theirs in a set of their own
            for row in self.client.iterate(src.entity_set, q.Query(filter=src.of_type(kind), select=src.select())):
                person = src.owner_of(row)
                for v in values_of(str(row.get(src.presentation_prop) or "")) if person else ():
                    persons.setdefault(v, set()).add(person or "")
        self._index[kind] = index
        self._listed[kind] = listed
        if src is not None:
            self._person_index[kind] = persons

    def find_phones(self, texts: Iterable[str]) -> dict[str, list[Counterparty] | QueryError]:
        """:meth:`find_phone` for many numbers at once: the phone list read once when that is
        cheaper than a narrow request each, the counterparties found read in bulk."""
        wanted = list(dict.fromkeys(t.strip() for t in texts if t.strip()))
        numbers = {t: normalize_phone(t) for t in wanted}
        distinct = {n for n in numbers.values() if n}
        if len(distinct) > 1:
            self.prefetch(PHONE, len(distinct))
        out: dict[str, list[Counterparty] | QueryError] = {}
        if PHONE in self._index:
            index = self._index[PHONE]
            self._remember(set().union(*(index.get(n, set()) for n in distinct)) if distinct else set())
        for text in wanted:
            try:
                out[text] = self.find_phone(text)
            except QueryError as exc:
                out[text] = exc
        return out

    def _remember(self, refs: set[str]) -> None:
        """Read the counterparties ``refs`` not read yet, in bulk (``None`` for a folder or a deleted one)."""
        todo = sorted(r for r in refs if r not in self._cps)
        if not todo:
            return
        search = self.history.counterparty_search
        for page in self.client.iter_by(self.profile.counterparty_set, "Ref_Key", [uuid.UUID(r) for r in todo],
                                        select=search.mapper.select()):
            for c in map(search.mapper.map, page):
                self._cps[c.ref] = None if c.is_folder or c.deleted else c
        for r in todo:
            self._cps.setdefault(r, None)

    def _counterparties(self, refs: set[str]) -> list[Counterparty]:
        self._remember(refs)
        found = [c for r in refs if (c := self._cps.get(r)) is not None]
        return sorted(found, key=lambda c: (c.name, c.ref))


def _emails(presentation: str) -> list[str]:
    out = []
    for part in presentation.replace(";", ",").split(","):
        address = normalize_email(part)
        if address is not None:
            out.append(address)
    return out


def _file(phones: list[str], emails: list[str], other: list[tuple[str, str]], row: dict[str, Any],
          source: ContactSource) -> None:
    text = str(row.get(source.presentation_prop) or "").strip()
    if not text:
        return
    kind = str(row.get(source.type_prop) or "") if source.type_prop else ""
    target = phones if kind == PHONE else emails if kind == EMAIL else None
    if target is not None:
        if text not in target:
            target.append(text)
    else:
        other.append((kind, text))
