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
from .query import Filter, points_to

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
    metadata: Metadata | None = field(default=None, compare=False, repr=False)

    # -- description ----------------------------------------------------------------------------
    def describe(self) -> str:
        return f"{FAMILY_TITLES[self.family]}: events in {self.event_set}, clients in {self.counterparty_set}"

    def required_sets(self) -> list[str]:
        return [self.event_set, self.counterparty_set]

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
        attr = self.event_attr("counterparty") if self.counterparty_on_event else None
        return attr.points_to(ref, self.counterparty_set) if attr is not None else None

    def participants_set(self) -> str | None:
        """The entity set of the participants section when this base publishes it, else ``None``."""
        if not self.participants_section or self.event_set not in self._md():
            return None
        ts = self.event_es().tabular_sections.get(self.participants_section)
        return ts.set_name if ts is not None else None

    def participant_condition(self, ref: str) -> Filter | None:
        """Rows of the participants section naming the client ``ref`` (asked of
        :meth:`participants_set`, their ``Ref_Key`` are the events); ``None`` without a section."""
        attr = self.participant_attr()
        return attr.points_to(ref, self.counterparty_set) if attr is not None else None

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


def builtin_profile(family: Family) -> Profile:
    if family is Family.A:
        return _FAMILY_A
    if family is Family.B:
        return _FAMILY_B
    raise _family_c_error()


def _family_c_error() -> ProfileError:
    return ProfileError(
        "This base is a 'Взаимодействия' configuration (УТ 11 / КА 2 / ERP 2 / БП 3.0): it has no "
        "Document_Событие; calls and meetings are the documents ТелефонныйЗвонок, Встреча and others",
        hint=(
            "onec-history reads family A (УТ 10.3 / КА 1.1 / УПП) and family B (УНФ); reading family C's "
            "interactions is not supported yet ('onec-history doctor' lists the sets it will need). If this "
            "base does have an event document under another name, map it with [profile] family and event_set "
            "in the config file (README, 'Customised bases')."
        ),
    )


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
            raise ProfileError(f"[profile] family must be A or B, not {ov['family']!r}") from None
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
    return replace(profile, metadata=md, **changes)
