"""What a 1C base publishes: its ``$metadata`` (EDMX, OData v3) as a small read-only model.

``parse_metadata`` streams the XML once (defusedxml iterparse, elements cleared as soon as they
are read, so memory stays near the size of the result) and answers, per entity set: properties,
composite attributes (``X`` + ``X_Type``), single-type references (``X_Key`` + navigation),
tabular sections, bound operations (``Post``/``Unpost``…) and, for the base, its enums.
:mod:`onec_history.metadata_cache` keeps the parsed result as JSON on disk: a big base answers
``$metadata`` with 15-17 MB after ~20 s, the cache answers in a fraction of a second.

The shape handled is the live one (a trimmed live УТ 11 dump and the P4 probe in
github.com/Romandredan/odata1c-gate): one ``StandardODATA`` schema, container ``EnterpriseV8``,
Associations without AssociationSets, row ComplexTypes ``<Owner>_<Section>_RowType`` next to the
section's own EntityType, and FunctionImports bound only by a ``bindingParameter``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from onec_history import errors
from onec_history._edmx import RawEdmx, RawType, collection_item, local, read_edmx

__all__ = [
    "Composite",
    "EntitySet",
    "Metadata",
    "Property",
    "Reference",
    "SetKind",
    "TabularSection",
    "parse_metadata",
    "set_kind",
]

log = logging.getLogger(__name__)



class SetKind(str, Enum):
    CATALOG = "Catalog"
    DOCUMENT = "Document"
    DOCUMENT_JOURNAL = "DocumentJournal"
    CONSTANT = "Constant"
    EXCHANGE_PLAN = "ExchangePlan"
    CHART_OF_ACCOUNTS = "ChartOfAccounts"
    CHART_OF_CHARACTERISTIC_TYPES = "ChartOfCharacteristicTypes"
    CHART_OF_CALCULATION_TYPES = "ChartOfCalculationTypes"
    INFORMATION_REGISTER = "InformationRegister"
    ACCUMULATION_REGISTER = "AccumulationRegister"
    ACCOUNTING_REGISTER = "AccountingRegister"
    CALCULATION_REGISTER = "CalculationRegister"
    BUSINESS_PROCESS = "BusinessProcess"
    TASK = "Task"
    TABULAR_SECTION = "TabularSection"
    OTHER = "Other"


_PREFIXES = {k.value: k for k in SetKind if k not in (SetKind.TABULAR_SECTION, SetKind.OTHER)}
_REGISTERS = frozenset(
    {
        SetKind.INFORMATION_REGISTER,
        SetKind.ACCUMULATION_REGISTER,
        SetKind.ACCOUNTING_REGISTER,
        SetKind.CALCULATION_REGISTER,
    }
)
# Tabular-section rows are keyed by the owner's Ref_Key and LineNumber (P4 probe, live УТ 11).
_ROW_KEY = ("Ref_Key", "LineNumber")


@dataclass(frozen=True, slots=True)
class Property:
    name: str
    edm_type: str
    nullable: bool = True


@dataclass(frozen=True, slots=True)
class Composite:
    """A composite attribute: the value in ``name``, the 1C type of the value in ``type_property``."""

    name: str
    type_property: str


@dataclass(frozen=True, slots=True)
class Reference:
    """A single-type reference ``name`` stored in ``key_property``; ``target_set`` None when unknown."""

    name: str
    key_property: str
    target_set: str | None


class _Shape:
    """Lookups shared by entity sets and tabular sections."""

    __slots__ = ()
    properties: Mapping[str, Property]
    composites: Mapping[str, Composite]
    references: Mapping[str, Reference]

    def property(self, name: str) -> Property | None:
        return self.properties.get(name)

    def is_composite(self, name: str) -> bool:
        return name in self.composites

    def reference(self, name: str) -> Reference | None:
        """The reference by its name (``Контрагент``) or by its key property (``Контрагент_Key``)."""
        found = self.references.get(name)
        if found is None and name.endswith("_Key"):
            found = self.references.get(name[: -len("_Key")])
        return found


@dataclass(frozen=True, slots=True)
class TabularSection(_Shape):
    """A tabular section as it arrives inline in its owner (the row ComplexType)."""

    name: str
    set_name: str | None
    properties: Mapping[str, Property]
    composites: Mapping[str, Composite]
    references: Mapping[str, Reference]


@dataclass(frozen=True, slots=True)
class EntitySet(_Shape):
    """One published entity set.

    ``type_name`` is qualified (``StandardODATA.Document_Событие``). ``properties`` lists every
    ``<Property>`` in 1C's order, tabular-section collections included. ``owner`` is the owning
    set of a tabular-section set, or the record-set set of a register's ``_RecordType`` set.
    ``actions`` are the bound operations (``Post``, ``Unpost``, ``SliceLast``, ``Balance``…).
    """

    name: str
    kind: SetKind
    object_name: str
    type_name: str
    key: tuple[str, ...]
    properties: Mapping[str, Property]
    composites: Mapping[str, Composite]
    references: Mapping[str, Reference]
    tabular_sections: Mapping[str, TabularSection]
    actions: tuple[str, ...]
    owner: str | None


@dataclass(frozen=True, slots=True)
class Metadata:
    namespace: str
    container: str
    sets: Mapping[str, EntitySet]
    enums: Mapping[str, tuple[str, ...]]

    def get(self, name: str) -> EntitySet:
        try:
            return self.sets[name]
        except KeyError:
            raise errors.NotPublishedError(name) from None

    def __contains__(self, name: object) -> bool:
        return name in self.sets



def set_kind(set_name: str) -> tuple[SetKind, str]:
    """Split ``Prefix_Name`` into its kind and the 1C object name, by the prefix alone.

    ``Document_Событие_СторонниеЛица`` gives ``(DOCUMENT, "Событие_СторонниеЛица")``: only
    ``parse_metadata``, which sees the owner, knows it is a tabular section.
    """
    prefix, sep, rest = set_name.partition("_")
    kind = _PREFIXES.get(prefix)
    if kind is None or not sep or not rest:
        return SetKind.OTHER, set_name
    return kind, rest


def parse_metadata(data: bytes) -> Metadata:
    """Parse a ``$metadata`` answer; ResponseError when it is not EDMX (HTML, Atom, JSON, cut off)."""
    return _Assembler(read_edmx(data)).build()


# --------------------------------------------------------------------------- assembling


def _composites(props: Mapping[str, Property]) -> dict[str, Composite]:
    found: dict[str, Composite] = {}
    for prop in props.values():
        if prop.edm_type != "Edm.String":
            continue
        pair = props.get(prop.name + "_Type")
        if pair is not None and pair.edm_type == "Edm.String":
            found[prop.name] = Composite(prop.name, pair.name)
    return found


def _references(props: Mapping[str, Property], targets: Mapping[str, str | None]) -> dict[str, Reference]:
    found: dict[str, Reference] = {}
    for prop in props.values():
        # Ref_Key is the object's own key (a row's owner in a tabular-section set), not a link.
        if prop.edm_type == "Edm.Guid" and prop.name.endswith("_Key") and prop.name != "Ref_Key":
            base = prop.name[: -len("_Key")]
            found[base] = Reference(base, prop.name, targets.get(base))
    return found


def _sections_of(type_name: str, raw_type: RawType) -> list[tuple[str, str]]:
    """(section name, row ComplexType) for each ``Collection(NS.<Type>_<Section>_RowType)``."""
    found = []
    for name, edm_type, _ in raw_type.props:
        item = collection_item(edm_type) if edm_type[:1] == "C" else None
        # A register's RecordSet is Collection(<Register>_RowType): no section name, not a section.
        if item is not None and local(item) == f"{type_name}_{name}_RowType":
            found.append((name, local(item)))
    return found


class _Assembler:
    def __init__(self, raw: RawEdmx) -> None:
        self.raw = raw
        self.set_types = {name: type_ for name, type_ in raw.sets if name}
        self.type_to_set: dict[str, str] = {}
        for name, type_ in raw.sets:
            self.type_to_set.setdefault(type_, name)
        # The same (name, type, nullable) repeats across thousands of types: share one Property.
        self.shared: dict[tuple[str, str, bool], Property] = {}
        self.actions: dict[tuple[str, str], list[str]] = {}
        for action, by, target in raw.bound:
            names = self.actions.setdefault((by, target), [])
            if action not in names:
                names.append(action)

    def properties(self, raw_type: RawType) -> dict[str, Property]:
        found: dict[str, Property] = {}
        shared = self.shared
        for item in raw_type.props:
            prop = shared.get(item)
            if prop is None:
                prop = shared[item] = Property(*item)
            found[item[0]] = prop
        return found

    def targets(self, raw_type: RawType | None) -> dict[str, str | None]:
        """Navigation name -> target entity set (None when the target type is not published)."""
        found: dict[str, str | None] = {}
        for name, relationship, to_role, v4_type in raw_type.navs if raw_type else ():
            if v4_type:
                target_type = local(collection_item(v4_type) or v4_type)
            else:
                target_type = self.raw.associations.get(local(relationship), {}).get(to_role, "")
            found[name] = self.type_to_set.get(target_type)
        return found

    def section(self, owner_set: str, name: str, row_type: str) -> TabularSection:
        set_name: str | None = f"{owner_set}_{name}"
        set_type = None
        if set_name in self.set_types:
            set_type = self.raw.entity_types.get(self.set_types[set_name])
        else:
            set_name = None
        props = self.properties(self.raw.complex_types.get(row_type) or set_type or RawType())
        return TabularSection(
            name=name,
            set_name=set_name,
            properties=MappingProxyType(props),
            composites=MappingProxyType(_composites(props)),
            # The row ComplexType carries no navigations: targets come from the section's own set.
            references=MappingProxyType(_references(props, self.targets(set_type))),
        )

    def owner_of(
        self, set_name: str, raw_type: RawType, owners: Mapping[str, tuple[str, str]]
    ) -> tuple[SetKind, str, str | None]:
        """Kind, object name and owner set, knowing every set (underscores alone are ambiguous)."""
        kind, object_name = set_kind(set_name)
        if set_name in owners:
            owner, section = owners[set_name]
            return SetKind.TABULAR_SECTION, section, owner
        if raw_type.key == _ROW_KEY:
            # A section set whose owner lists no collection for it, or is not published at all.
            cut = len(set_name)
            while (cut := set_name.rfind("_", 0, cut)) > 0:
                if set_name[:cut] in self.set_types:
                    return SetKind.TABULAR_SECTION, set_name[cut + 1 :], set_name[:cut]
            return SetKind.TABULAR_SECTION, object_name, None
        base = set_name.removesuffix("_RecordType")
        if kind in _REGISTERS and base != set_name and base in self.set_types:
            return kind, set_kind(base)[1], base
        return kind, object_name, None

    def build(self) -> Metadata:
        types = {name: self.raw.entity_types.get(type_name) or RawType() for name, type_name in self.set_types.items()}
        sections_of = {name: _sections_of(self.set_types[name], raw_type) for name, raw_type in types.items()}
        owners = {f"{name}_{section}": (name, section) for name, found in sections_of.items() for section, _ in found}
        sets: dict[str, EntitySet] = {}
        for set_name, type_name in self.set_types.items():
            raw_type = types[set_name]
            kind, object_name, owner = self.owner_of(set_name, raw_type, owners)
            sections = {
                section: self.section(set_name, section, row_type)
                for section, row_type in sections_of[set_name]
                if kind is not SetKind.TABULAR_SECTION
            }
            props = self.properties(raw_type)
            actions = self.actions.get(("type", type_name), []) + self.actions.get(("set", set_name), [])
            sets[set_name] = EntitySet(
                name=set_name,
                kind=kind,
                object_name=object_name,
                type_name=f"{self.raw.namespace}.{type_name}" if self.raw.namespace else type_name,
                key=raw_type.key,
                properties=MappingProxyType(props),
                composites=MappingProxyType(_composites(props)),
                references=MappingProxyType(_references(props, self.targets(raw_type))),
                tabular_sections=MappingProxyType(sections),
                actions=tuple(dict.fromkeys(actions)),
                owner=owner,
            )
        return Metadata(
            namespace=self.raw.namespace,
            container=self.raw.container,
            sets=MappingProxyType(sets),
            enums=MappingProxyType(dict(self.raw.enums)),
        )


# --------------------------------------------------------------------------- JSON form
