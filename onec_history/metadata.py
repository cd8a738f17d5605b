"""What a 1C base publishes: its ``$metadata`` (EDMX, OData v3) as a small read-only model.

``parse_metadata`` streams the XML once (defusedxml iterparse, elements cleared as soon as they
are read, so memory stays near the size of the result) and answers, per entity set: properties,
composite attributes (``X`` + ``X_Type``), single-type references (``X_Key`` + navigation),
tabular sections, bound operations (``Post``/``Unpost``…) and, for the base, its enums.
``MetadataCache`` keeps the parsed result as JSON on disk: a big base answers ``$metadata`` with
15-17 MB after ~20 s, the cache answers in a fraction of a second.

The shape handled is the live one (a trimmed live УТ 11 dump and the P4 probe in
github.com/Romandredan/odata1c-gate): one ``StandardODATA`` schema, container ``EnterpriseV8``,
Associations without AssociationSets, row ComplexTypes ``<Owner>_<Section>_RowType`` next to the
section's own EntityType, and FunctionImports bound only by a ``bindingParameter``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from onec_history import errors
from onec_history._edmx import RawEdmx, RawType, collection_item, local, read_edmx

__all__ = [
    "Composite",
    "EntitySet",
    "Metadata",
    "MetadataCache",
    "Property",
    "Reference",
    "SetKind",
    "TabularSection",
    "default_cache_dir",
    "parse_metadata",
    "set_kind",
]

log = logging.getLogger(__name__)

_JSON_FORMAT = 2


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

    def to_json(self) -> bytes:
        return json.dumps(_metadata_to_obj(self), ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Metadata:
        """Inverse of ``to_json``; ValueError when ``data`` is not such a document."""
        try:
            return _metadata_from_obj(json.loads(data))
        except (KeyError, TypeError, IndexError, AttributeError) as exc:
            raise ValueError(f"not a onec-history metadata document: {exc!r}") from exc


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


def _shape_to_obj(shape: _Shape, table: dict[Property, int]) -> dict[str, Any]:
    # Properties go by index into one table: the same property repeats across thousands of sets.
    return {
        "properties": [table.setdefault(p, len(table)) for p in shape.properties.values()],
        "composites": [[c.name, c.type_property] for c in shape.composites.values()],
        "references": [[r.name, r.key_property, r.target_set] for r in shape.references.values()],
    }


def _shape_from_obj(obj: Mapping[str, Any], table: list[Property]) -> dict[str, Any]:
    props = [table[i] for i in obj["properties"]]
    return {
        "properties": MappingProxyType({p.name: p for p in props}),
        "composites": MappingProxyType({c[0]: Composite(c[0], c[1]) for c in obj["composites"]}),
        "references": MappingProxyType({r[0]: Reference(r[0], r[1], r[2]) for r in obj["references"]}),
    }


def _metadata_to_obj(metadata: Metadata) -> dict[str, Any]:
    table: dict[Property, int] = {}
    sets = []
    for es in metadata.sets.values():
        sections = [
            {"name": ts.name, "set_name": ts.set_name, **_shape_to_obj(ts, table)}
            for ts in es.tabular_sections.values()
        ]
        sets.append(
            {
                "name": es.name,
                "kind": es.kind.value,
                "object_name": es.object_name,
                "type_name": es.type_name,
                "key": list(es.key),
                **_shape_to_obj(es, table),
                "tabular_sections": sections,
                "actions": list(es.actions),
                "owner": es.owner,
            }
        )
    return {
        "format": _JSON_FORMAT,
        "namespace": metadata.namespace,
        "container": metadata.container,
        "enums": {name: list(members) for name, members in metadata.enums.items()},
        "property_table": [[p.name, p.edm_type, p.nullable] for p in table],
        "sets": sets,
    }


def _metadata_from_obj(obj: Mapping[str, Any]) -> Metadata:
    if obj.get("format") != _JSON_FORMAT:
        raise ValueError(f"unsupported metadata format {obj.get('format')!r}")
    table = [Property(name, edm_type, bool(nullable)) for name, edm_type, nullable in obj["property_table"]]
    sets: dict[str, EntitySet] = {}
    for item in obj["sets"]:
        sections = {
            ts["name"]: TabularSection(name=ts["name"], set_name=ts["set_name"], **_shape_from_obj(ts, table))
            for ts in item["tabular_sections"]
        }
        sets[item["name"]] = EntitySet(
            name=item["name"],
            kind=SetKind(item["kind"]),
            object_name=item["object_name"],
            type_name=item["type_name"],
            key=tuple(item["key"]),
            **_shape_from_obj(item, table),
            tabular_sections=MappingProxyType(sections),
            actions=tuple(item["actions"]),
            owner=item["owner"],
        )
    enums = {name: tuple(members) for name, members in obj["enums"].items()}
    return Metadata(
        namespace=obj["namespace"],
        container=obj["container"],
        sets=MappingProxyType(sets),
        enums=MappingProxyType(enums),
    )


# --------------------------------------------------------------------------- cache


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/onec-history/metadata`` (``~/.cache/…``); ``%LOCALAPPDATA%`` on Windows."""
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "onec-history" / "cache" / "metadata"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec says a relative value is invalid and must be ignored.
    base_dir = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base_dir / "onec-history" / "metadata"


class MetadataCache:
    """Parsed ``$metadata`` per base (and user: publications differ by rights) as JSON files."""

    def __init__(self, directory: Path | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory if directory is not None else default_cache_dir()
        self._clock = clock

    def path_for(self, base_url: str, *, user: str = "") -> Path:
        key = hashlib.sha256(f"{base_url.rstrip('/')}\n{user}".encode()).hexdigest()
        return self.directory / f"{key}.json"

    def load(
        self,
        base_url: str,
        fetch: Callable[[], bytes],
        *,
        ttl: float = 86400.0,
        refresh: bool = False,
        user: str = "",
    ) -> Metadata:
        """The cached model when younger than ``ttl`` seconds, else ``fetch()`` parsed and stored."""
        path = self.path_for(base_url, user=user)
        if not refresh:
            cached = self._read(path, ttl)
            if cached is not None:
                return cached
        metadata = parse_metadata(fetch())
        self._write(path, metadata)
        return metadata

    def invalidate(self, base_url: str, *, user: str = "") -> None:
        self.path_for(base_url, user=user).unlink(missing_ok=True)

    def _read(self, path: Path, ttl: float) -> Metadata | None:
        try:
            obj = json.loads(path.read_bytes())
            age = self._clock() - float(obj["saved_at"])
            if not 0 <= age <= ttl:
                return None
            return _metadata_from_obj(obj["metadata"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            log.warning("ignoring unreadable metadata cache %s: %r", path, exc)
            return None

    def _write(self, path: Path, metadata: Metadata) -> None:
        document = {"saved_at": self._clock(), "metadata": _metadata_to_obj(metadata)}
        payload = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        tmp: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
            # Readers see the old file or the new one, never half of one.
            os.replace(tmp, path)
            tmp = None
        except OSError as exc:
            # A read-only or full disk must not stop the command: the next run fetches again.
            log.warning("could not write metadata cache %s: %r", path, exc)
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
