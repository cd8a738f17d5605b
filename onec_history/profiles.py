"""Configuration profiles: where each family keeps events and counterparties.

A profile maps *logical* fields ("subject", "counterparty", "state") to the attributes of the
base at hand, and knows how a family stores values (an enum name in УТ 10.3, a catalog
reference for УНФ's Состояние). The family is detected from ``$metadata``; every mapping can be
overridden from the config file's ``[profile]`` table. Above this module no code spells a
Russian attribute name.

Attribute names here are 1C's metadata names (``Контрагент``); :meth:`Profile.attr` looks at
``$metadata`` to see whether that is a composite pair (``Контрагент`` + ``Контрагент_Type``), a
single-type reference (``Контрагент_Key``) or a plain property in this base.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from . import family_c
from .errors import ConfigError, NotPublishedError
from .metadata import EntitySet, Metadata, TabularSection
from .models import Direction, EventKind, EventState
from .query import Filter, any_, or_, points_to

__all__ = ["Attr", "AttrKind", "Family", "Profile", "ProfileError", "builtin_profile", "detect_profile"]


class ProfileError(ConfigError):
    """The base's configuration is not one onec-history can work with (or the override is wrong).

    A configuration error: every such case is fixed (or worked around) in the config file's
    ``[profile]`` table, so the command line exits with the CONFIG code, not the one for a bug.
    """


class Family(str, Enum):
    A = "A"  # УТ 10.3, КА 1.1, УПП 1.3
    B = "B"  # УНФ 1.6 / 3.0
    C = "C"  # УТ 11, КА 2, ERP 2, БП 3.0 — no Document_Событие


FAMILY_TITLES = {
    Family.A: "family A (УТ 10.3 / КА 1.1 / УПП 1.3)",
    Family.B: "family B (УНФ 1.6 / 3.0)",
    Family.C: "family C (УТ 11 / КА 2 / ERP 2 / БП 3.0)",
}


class AttrKind(str, Enum):
    PLAIN = "plain"
    REF = "ref"  # single-type reference: X_Key
    COMPOSITE = "composite"  # X + X_Type


@dataclass(frozen=True)
class Attr:
    """One logical field resolved against ``$metadata``."""

    logical: str
    name: str  # the metadata name, e.g. "Контрагент"
    kind: AttrKind
    target_set: str | None = None

    @property
    def prop(self) -> str:
        """The OData property holding the value."""
        return f"{self.name}_Key" if self.kind is AttrKind.REF else self.name

    @property
    def type_prop(self) -> str | None:
        return f"{self.name}_Type" if self.kind is AttrKind.COMPOSITE else None

    @property
    def select(self) -> tuple[str, ...]:
        return (self.prop,) if self.type_prop is None else (self.prop, self.type_prop)

    def points_to(self, ref: str, target_set: str, *, prefix: str = "") -> Filter:
        """The filter "this attribute holds ``ref``" (``prefix`` for a lambda variable: ``d/``)."""
        return points_to(prefix + self.prop, ref, target_set,
                         composite=self.kind is AttrKind.COMPOSITE)


# System properties are the same in every configuration (odata-1c.md §1).
_DOC_SYSTEM = {"ref": "Ref", "data_version": "DataVersion", "number": "Number", "date": "Date",
               "posted": "Posted", "deleted": "DeletionMark"}
_CAT_SYSTEM = {"ref": "Ref", "data_version": "DataVersion", "code": "Code", "name": "Description",
               "parent": "Parent", "is_folder": "IsFolder", "deleted": "DeletionMark"}


@dataclass(frozen=True)
class Profile:
    family: Family
    event_set: str
    counterparty_set: str
    users_set: str  # who "responsible" points to
    event: Mapping[str, str | None]
    counterparty: Mapping[str, str | None]
    # the tabular section listing participants, and the column naming each one
    participants_section: str | None
    participant_column: str | None
    kinds: Mapping[EventKind, str]
    directions: Mapping[Direction, str]
    states: Mapping[EventState, str]
    state_catalog: str | None = None  # family B: Состояние is a catalog reference
    counterparty_on_event: bool = True  # family A keeps the client in the header
    object_kind_value: str | None = None  # family A: ВидОбъекта = Контрагент when a client is set
    can_post_events: bool = False
    lengths: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # Family C: events are several documents (:meth:`views`, one single-set profile each), the
    # client is a partner or one of its contact persons, and the counterparty points at its partner.
    documents: tuple[family_c.EventDoc, ...] = ()
    doc: family_c.EventDoc | None = None  # in a view: the document it reads
    partner_set: str | None = None
    person_set: str | None = None
    string_contact_set: str | None = None
    metadata: Metadata | None = field(default=None, compare=False, repr=False)

    # -- description ----------------------------------------------------------------------------
    def describe(self) -> str:
        return f"{FAMILY_TITLES[self.family]}: events in {self.event_set}, clients in {self.counterparty_set}"

    def required_sets(self) -> list[str]:
        if self.documents:
            return [s.name for s in family_c.SETS if s.required]
        return [self.event_set, self.counterparty_set]

    # -- family C: one view per interaction document ---------------------------------------------
    def views(self) -> list[Profile]:
        """The single-set profiles events are read through: this one for families A and B; for
        family C one per interaction document this base publishes (in the family's order)."""
        if not self.documents:
            return [self]
        md = self._md()
        return [self.view(d) for d in self.documents if d.set_name in md]

    def view(self, doc: family_c.EventDoc) -> Profile:
        """The profile of one interaction document: its attributes as the event's fields, the
        partner catalog as the client's set (contact persons count as the partner's)."""
        return replace(self, event_set=doc.set_name, event=doc.mapping(), participants_section=doc.section,
                       participant_column=doc.column, documents=(), doc=doc,
                       counterparty_set=self.partner_set or self.counterparty_set, counterparty_on_event=True)

    def view_of(self, entity_set: str) -> Profile | None:
        """The view reading ``entity_set`` when it is one of the base's event documents."""
        if not self.documents:
            return self if entity_set == self.event_set else None
        return next((self.view(d) for d in self.documents if d.set_name == entity_set), None)

    def event_sets(self) -> list[str]:
        """Every entity set holding events in this base (published or not, for families A/B)."""
        if not self.documents:
            return [self.event_set]
        return [d.set_name for d in self.documents]

    def client_sets(self) -> tuple[str, ...]:
        """Catalogs whose items stand for the client in an event: the counterparty (A, B); the
        partner and its contact persons (C)."""
        return tuple(s for s in (self.counterparty_set, self.person_set) if s)

    def optional_sets(self) -> list[str]:
        out = [self.users_set]
        if self.state_catalog:
            out.append(self.state_catalog)
        if self.participants_section:
            out.append(f"{self.event_set}_{self.participants_section}")
        return out

    # -- resolution against $metadata ------------------------------------------------------------
    def _md(self) -> Metadata:
        if self.metadata is None:
            raise ProfileError("The profile is not bound to a base's $metadata")
        return self.metadata

    def event_es(self) -> EntitySet:
        return self._md().get(self.event_set)

    def counterparty_es(self) -> EntitySet:
        return self._md().get(self.counterparty_set)

    def attr(self, es: EntitySet, logical: str, mapping: Mapping[str, str | None]) -> Attr | None:
        name = mapping.get(logical)
        if not name:
            return None
        return resolve_attr(es, logical, name)

    def event_attr(self, logical: str) -> Attr | None:
        return self.attr(self.event_es(), logical, self.event_fields())

    def counterparty_attr(self, logical: str) -> Attr | None:
        return self.attr(self.counterparty_es(), logical, self.counterparty_fields())

    def event_attrs(self, logicals: Iterable[str]) -> dict[str, Attr]:
        """The logical event fields this base has, resolved; absent ones are left out."""
        return {name: a for name in logicals if (a := self.event_attr(name)) is not None}

    def counterparty_attrs(self, logicals: Iterable[str]) -> dict[str, Attr]:
        return {name: a for name in logicals if (a := self.counterparty_attr(name)) is not None}

    def participant_attr(self) -> Attr | None:
        """The column of the participants section that names each participant, in this base.

        A reference without a navigation target (a row type has none) points at counterparties.
        """
        if not self.participants_section or not self.participant_column:
            return None
        ts = self.event_es().tabular_sections.get(self.participants_section)
        a = resolve_attr(ts, "participant", self.participant_column) if ts is not None else None
        if a is None or a.kind is AttrKind.PLAIN:
            return None
        return replace(a, target_set=self.counterparty_set) if a.target_set is None else a

    # -- "this client's events" --------------------------------------------------------------------
    def client_condition(self, ref: str) -> Filter | None:
        """Events whose header names the client ``ref``; ``None`` where the header does not (УНФ
        keeps its Контрагент for another purpose, the client is a participant row there)."""
        return self.header_condition([(ref, self.counterparty_set)])

    def header_condition(self, targets: Iterable[tuple[str, str]]) -> Filter | None:
        """Events whose header names one of ``targets`` ((reference, catalog) pairs: family C's
        partner and its contact persons); ``None`` where the header names no client."""
        terms = self.header_terms(targets)
        return or_(*terms) if terms else None

    def header_terms(self, targets: Iterable[tuple[str, str]]) -> list[Filter]:
        """One term per target of :meth:`header_condition`: a partner with many contact persons
        needs several requests under the URL budget (``Client.iter_any`` groups them)."""
        attr = self.event_attr("counterparty") if self.counterparty_on_event else None
        if attr is None:
            return []
        return [attr.points_to(ref, entity_set) for ref, entity_set in targets
                if attr.kind is AttrKind.COMPOSITE or attr.target_set in (None, entity_set)]

    def participant_sections(self) -> list[str]:
        """The participants section and (family C's outgoing e-mail) the further sections of the
        same shape — copies, blind copies — that this base's $metadata has."""
        if not self.participants_section or self.event_set not in self._md():
            return []
        present = self.event_es().tabular_sections
        more = self.doc.more_sections if self.doc is not None else ()
        return [s for s in (self.participants_section, *more) if s in present]

    def participant_any_terms(self, targets: Iterable[tuple[str, str]]) -> list[Filter]:
        """One ``Section/any(d: …)`` term per (participants section, target): the documents
        themselves whose rows name one of ``targets`` (family C reads them so, in one paged query)."""
        terms = self.participants_terms(list(targets), prefix="d/")
        return [any_(section, "d", t) for section in self.participant_sections() for t in terms]

    def participants_set(self) -> str | None:
        """The entity set of the participants section when this base publishes it, else ``None``."""
        if not self.participants_section or self.event_set not in self._md():
            return None
        ts = self.event_es().tabular_sections.get(self.participants_section)
        return ts.set_name if ts is not None else None

    def participant_condition(self, ref: str) -> Filter | None:
        """Rows of the participants section naming the client ``ref`` (asked of
        :meth:`participants_set`, their ``Ref_Key`` are the events); ``None`` without a section."""
        return self.participants_condition([(ref, self.counterparty_set)])

    def participants_condition(self, targets: Iterable[tuple[str, str]]) -> Filter | None:
        terms = self.participants_terms(targets)
        return or_(*terms) if terms else None

    def participants_terms(self, targets: Iterable[tuple[str, str]], *, prefix: str = "") -> list[Filter]:
        """One term per target: rows of the participants section naming it (``prefix`` for a lambda)."""
        attr = self.participant_attr()
        if attr is None:
            return []
        return [attr.points_to(ref, entity_set, prefix=prefix) for ref, entity_set in targets
                if attr.kind is AttrKind.COMPOSITE or attr.target_set in (None, entity_set)]

    def event_fields(self) -> dict[str, str | None]:
        return {**_DOC_SYSTEM, **self.event}

    def counterparty_fields(self) -> dict[str, str | None]:
        return {**_CAT_SYSTEM, **self.counterparty}

    def missing_attributes(self, md: Metadata) -> list[str]:
        """Attributes the mapping names that this base does not have."""
        problems: list[str] = []
        for set_name, mapping in ((self.event_set, self.event), (self.counterparty_set, self.counterparty)):
            if set_name not in md:
                continue
            es = md.get(set_name)
            for logical, name in mapping.items():
                if name and resolve_attr(es, logical, name) is None:
                    problems.append(f"{set_name}.{name} ({logical})")
        if self.participants_section and self.event_set in md:
            es = md.get(self.event_set)
            ts = es.tabular_sections.get(self.participants_section)
            if ts is None:
                problems.append(f"{self.event_set}.{self.participants_section} (participants)")
        return problems

    def known_lengths(self) -> dict[str, dict[str, int]]:
        return {k: dict(v) for k, v in self.lengths.items()}


def resolve_attr(es: EntitySet | TabularSection, logical: str, name: str) -> Attr | None:
    """How ``name`` is stored in this entity set (or tabular section), or ``None`` when it is absent."""
    if name == "Ref":
        return Attr(logical, "Ref", AttrKind.REF, es.name)
    if name in es.composites:
        return Attr(logical, name, AttrKind.COMPOSITE)
    ref = es.references.get(name)
    if ref is not None:
        return Attr(logical, name, AttrKind.REF, ref.target_set)
    if f"{name}_Key" in es.properties:
        return Attr(logical, name, AttrKind.REF, None)
    if name in es.properties:
        return Attr(logical, name, AttrKind.PLAIN)
    return None


_KINDS_A = {EventKind.CALL: "ТелефонныйЗвонок", EventKind.MEETING: "ЛичнаяВстреча",
            EventKind.EMAIL: "ЭлектронноеПисьмо", EventKind.LETTER: "ПочтовоеПисьмо", EventKind.OTHER: "Прочее"}
_KINDS_B = {EventKind.CALL: "ТелефонныйЗвонок", EventKind.MEETING: "ЛичнаяВстреча",
            EventKind.EMAIL: "ЭлектронноеПисьмо", EventKind.SMS: "СообщениеSMS", EventKind.OTHER: "Прочее",
            EventKind.RECORD: "Запись"}
_DIRECTIONS = {Direction.INCOMING: "Входящее", Direction.OUTGOING: "Исходящее"}
_STATES = {EventState.PLANNED: "Запланировано", EventState.COMPLETED: "Завершено",
           EventState.CANCELLED: "Отменено"}

_FAMILY_A = Profile(
    family=Family.A,
    event_set="Document_Событие",
    counterparty_set="Catalog_Контрагенты",
    users_set="Catalog_Пользователи",
    event={
        "kind": "ВидСобытия", "direction": "ТипСобытия", "state": "СостояниеСобытия",
        "counterparty": "Контрагент", "object_kind": "ВидОбъекта", "contact": "КонтактноеЛицо",
        "responsible": "Ответственный", "start": "НачалоСобытия", "end": "ОкончаниеСобытия",
        "subject": "ОписаниеСобытия", "body": "СодержаниеСобытия", "comment": "Комментарий",
        "basis": "Основание", "importance": "Важность",
    },
    counterparty={
        "full_name": "НаименованиеПолное", "inn": "ИНН", "kpp": "КПП", "manager": "ОсновнойМенеджерПокупателя",
        "buyer": "Покупатель", "supplier": "Поставщик", "legal_form": "ЮрФизЛицо", "comment": "Комментарий",
    },
    participants_section="СторонниеЛица",
    participant_column="Контрагент",
    kinds=_KINDS_A,
    directions=_DIRECTIONS,
    states=_STATES,
    object_kind_value="Контрагент",
    can_post_events=True,
    # Known string lengths of УТ 10.3 (configurations.md); 1C's $metadata carries none.
    lengths={
        "Document_Событие": {"ОписаниеСобытия": 200},
        "Catalog_Контрагенты": {"Description": 100, "Code": 9, "ИНН": 12, "КПП": 9},
    },
)

_FAMILY_B = Profile(
    family=Family.B,
    event_set="Document_Событие",
    counterparty_set="Catalog_Контрагенты",
    users_set="Catalog_Сотрудники",
    event={
        "kind": "ТипСобытия", "direction": "ВходящееИсходящееСобытие", "state": "Состояние",
        "responsible": "Ответственный", "author": "Автор", "start": "НачалоСобытия",
        "end": "ОкончаниеСобытия", "subject": "Тема", "body": "Содержание", "basis": "ДокументОснование",
    },
    counterparty={
        "full_name": "НаименованиеПолное", "inn": "ИНН", "kpp": "КПП", "manager": "Ответственный",
        "buyer": "Покупатель", "supplier": "Поставщик", "legal_form": "ЮридическоеФизическоеЛицо",
        "comment": "Комментарий",
    },
    participants_section="Участники",
    participant_column="Контакт",
    kinds=_KINDS_B,
    directions=_DIRECTIONS,
    states=_STATES,
    state_catalog="Catalog_СостоянияСобытий",
    counterparty_on_event=False,
    lengths={"Catalog_Контрагенты": {"Description": 100, "ИНН": 12, "КПП": 9}},
)


_FAMILY_C = Profile(
    family=Family.C,
    event_set=family_c.EVENT_DOCS[0].set_name,  # the call; every command reads all views()
    counterparty_set="Catalog_Контрагенты",
    users_set="Catalog_Пользователи",
    event=family_c.EVENT_DOCS[0].mapping(),
    counterparty=family_c.COUNTERPARTY_FIELDS,
    participants_section=None,
    participant_column=None,
    kinds={},
    directions={},
    states={},
    counterparty_on_event=True,
    can_post_events=False,  # every interaction has <Posting>Deny</Posting> in the УТ 11 dump
    documents=family_c.EVENT_DOCS,
    partner_set=family_c.PARTNERS,
    person_set=family_c.PERSONS,
    string_contact_set=family_c.STRING_CONTACTS,
    lengths={"Catalog_Контрагенты": {"Description": 100, "НаименованиеПолное": 250, "ИНН": 12, "КПП": 9},
             "Document_ТелефонныйЗвонок": {"Тема": 1024, "АбонентКакСвязаться": 100,
                                            "АбонентПредставление": 1024}},
)


def builtin_profile(family: Family) -> Profile:
    return {Family.A: _FAMILY_A, Family.B: _FAMILY_B, Family.C: _FAMILY_C}[family]


def detect_family(md: Metadata) -> Family:
    """Family A: Событие with ВидСобытия; B: Событие with ТипСобытия and Участники; C: any mark of the
    «Взаимодействия» configurations (an interaction document, Партнеры, Контрагенты.Партнер_Key…),
    whatever of them is published yet (:mod:`onec_history.family_c`)."""
    if "Document_Событие" in md:
        es = md.get("Document_Событие")
        if "ВидСобытия" in es.properties:
            return Family.A
        if "ТипСобытия" in es.properties or "Участники" in es.tabular_sections:
            return Family.B
    if family_c.is_family_c(md):
        return Family.C
    if "Document_Событие" in md:
        raise ProfileError(
            "Document_Событие is published but has neither ВидСобытия (family A) nor ТипСобытия (family B)",
            hint="Set [profile] family = \"A\" or \"B\" and map the event attributes in the config file.",
        )
    raise NotPublishedError("Document_Событие")


_OVERRIDE_KEYS = {"family", "event_set", "counterparty_set", "users_set", "event", "counterparty",
                  "participants_section", "participant_column", "state_catalog", "kinds", "directions",
                  "states", "lengths", "can_post_events", "links"}


def detect_profile(md: Metadata, overrides: Mapping[str, Any] | None = None) -> Profile:
    """The profile for this base: detected family, then the config file's overrides."""
    ov = dict(overrides or {})
    unknown = set(ov) - _OVERRIDE_KEYS
    if unknown:
        raise ProfileError(
            f"Unknown keys in the config file's [profile] table: {', '.join(sorted(unknown))}",
            hint="Allowed: " + ", ".join(sorted(_OVERRIDE_KEYS)) + ".",
        )
    if "family" in ov:
        try:
            family = Family(str(ov["family"]).upper())
        except ValueError:
            raise ProfileError(f"[profile] family must be A, B or C, not {ov['family']!r}") from None
    else:
        family = detect_family(md)
    profile = builtin_profile(family)
    changes: dict[str, Any] = {}
    for key in ("event_set", "counterparty_set", "users_set", "participants_section",
                "participant_column", "state_catalog", "can_post_events"):
        if key in ov:
            changes[key] = ov[key] or None if key != "can_post_events" else bool(ov[key])
    if "event" in ov:
        changes["event"] = {**profile.event, **ov["event"]}
    if "counterparty" in ov:
        changes["counterparty"] = {**profile.counterparty, **ov["counterparty"]}
    for key, enum_cls in (("kinds", EventKind), ("directions", Direction), ("states", EventState)):
        if key in ov:
            try:
                extra = {enum_cls(k): v for k, v in ov[key].items()}
            except ValueError as exc:
                raise ProfileError(f"[profile.{key}]: {exc}") from None
            changes[key] = {**getattr(profile, key), **extra}
    if "lengths" in ov:
        merged = {k: dict(v) for k, v in profile.lengths.items()}
        for set_name, props in ov["lengths"].items():
            merged.setdefault(set_name, {}).update(props)
        changes["lengths"] = merged
    bound = replace(profile, metadata=md, **changes)
    if bound.documents and not bound.views():
        first = bound.documents[0].set_name
        raise NotPublishedError(
            first,
            message="This base is a 'Взаимодействия' configuration (УТ 11 / КА 2 / ERP 2): its client history is "
                    "in the interaction documents (ТелефонныйЗвонок, Встреча, …), and none of them is published "
                    "over OData",
            hint="Run 'onec-history doctor': it lists every set family C needs, what each is for, and the 1C "
                 "code that publishes them; then run 'onec-history metadata --refresh'.",
        )
    return bound
