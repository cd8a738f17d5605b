"""Which (document, attribute) pairs can hold a link to another document — 1C's «СвязанныеДокументы».

1C's own form «Структура подчиненности» reads the filter criterion СвязанныеДокументы, which OData
does not expose (configurations.md), so the list is rebuilt here from three sources, in order:

1. a built-in table per configuration family (the links the configurations are known to have);
2. ``$metadata`` of the base: a composite named like a basis link on any published document, and
   every single-type reference whose navigation target is a ``Document_`` set;
3. the config file: ``[profile] links = {add = [...], remove = [...], discover = true}``.

Every entry is checked against ``$metadata``: whether it is a composite or a single-type reference
is decided by the base at hand (the same name differs between configurations, odata-1c.md §3), and
entries of unpublished sets are dropped with a warning that names them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .. import family_c
from ..errors import ConfigError
from ..metadata import EntitySet, Metadata, SetKind
from ..profiles import Family

__all__ = [
    "Link",
    "LinkKind",
    "LinkSpec",
    "LinkTable",
    "builtin_links",
    "discover_links",
    "parse_link_overrides",
]


class LinkKind(str, Enum):
    COMPOSITE = "composite"  # X + X_Type: filter with X eq cast(guid'…','Set')
    REF = "ref"  # X_Key: filter with X_Key eq guid'…'


@dataclass(frozen=True)
class LinkSpec:
    """A link as a table or the config names it, before it is checked against ``$metadata``.

    ``targets`` narrows a composite to the document sets it may hold (None: any document); it is
    a hint from the configuration's own type list, used to skip queries that cannot match.
    """

    source_set: str
    attribute: str
    section: str | None = None
    targets: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        return ".".join(p for p in (self.source_set, self.section, self.attribute) if p)


@dataclass(frozen=True)
class Link:
    """One (document set, attribute) pair that holds a reference to another document.

    ``source_set`` is the document holding the attribute (the *child* of the link); ``section``
    the tabular section when the attribute is a row column; ``section_set`` the section's own
    entity set when it is published (reverse queries use it), else None (rows are read inline and
    reverse queries use ``Section/any(…)`` on the owner).
    """

    source_set: str
    attribute: str
    kind: LinkKind
    section: str | None = None
    section_set: str | None = None
    targets: tuple[str, ...] | None = None
    origin: str = "builtin"  # builtin | metadata | config

    @property
    def value_prop(self) -> str:
        return self.attribute if self.kind is LinkKind.COMPOSITE else f"{self.attribute}_Key"

    @property
    def type_prop(self) -> str | None:
        return f"{self.attribute}_Type" if self.kind is LinkKind.COMPOSITE else None

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.value_prop,) if self.type_prop is None else (self.value_prop, self.type_prop)

    @property
    def query_set(self) -> str:
        """The entity set a reverse query reads: the document, or its tabular-section set."""
        return self.section_set or self.source_set

    @property
    def name(self) -> str:
        """The attribute as 1C's form names it: ``Основание`` or ``Товары.ЗаказПокупателя``."""
        return f"{self.section}.{self.attribute}" if self.section else self.attribute

    @property
    def label(self) -> str:
        return f"{self.source_set}.{self.name}"

    def admits(self, target_set: str) -> bool:
        """Can this link point at a document of ``target_set``?"""
        return self.targets is None or target_set in self.targets


@dataclass(frozen=True)
class LinkTable:
    """The links in use for one base, with the warnings about what had to be skipped."""

    links: tuple[Link, ...]
    warnings: tuple[str, ...] = ()
    _by_source: dict[str, tuple[Link, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        grouped: dict[str, list[Link]] = {}
        for link in self.links:
            grouped.setdefault(link.source_set, []).append(link)
        self._by_source.update({k: tuple(v) for k, v in grouped.items()})

    def __iter__(self) -> Any:
        return iter(self.links)

    def __len__(self) -> int:
        return len(self.links)

    def of_set(self, source_set: str) -> tuple[Link, ...]:
        """Links held by documents of ``source_set`` (header and tabular sections)."""
        return self._by_source.get(source_set, ())

    def header_links(self, source_set: str) -> tuple[Link, ...]:
        return tuple(lk for lk in self.of_set(source_set) if lk.section is None)

    def section_links(self, source_set: str) -> tuple[Link, ...]:
        return tuple(lk for lk in self.of_set(source_set) if lk.section is not None)

    def pointing_to(self, target_set: str) -> tuple[Link, ...]:
        """Links that may hold a reference to a document of ``target_set``."""
        return tuple(lk for lk in self.links if lk.admits(target_set))

    def document_sets(self) -> tuple[str, ...]:
        """Every document set that holds a link or is a known target, in a stable order."""
        sets: dict[str, None] = {}
        for link in self.links:
            sets[link.source_set] = None
            for t in link.targets or ():
                sets[t] = None
        return tuple(sets)

    def find(self, label: str) -> Link | None:
        return next((lk for lk in self.links if lk.label == label), None)


# --------------------------------------------------------------------------- family data
# Family-specific 1C names live in this block only (configurations.md, read from the public XML
# dumps of УТ 10.3.88.3, УНФ 1.6.4 / 3.0.8). Code outside it spells no Russian attribute name.

_A_ORDER = "Document_ЗаказПокупателя"
_A_INVOICE = "Document_СчетНаОплатуПокупателю"
_A_SALE = "Document_РеализацияТоваровУслуг"
_EVENT = "Document_Событие"

_BUILTIN: dict[Family, tuple[LinkSpec, ...]] = {
    Family.A: (
        LinkSpec(_EVENT, "Основание"),  # 22 document types: any
        LinkSpec(_A_ORDER, "ДокументОснование",
                 targets=("Document_ЗаказПоставщику", _EVENT, _A_INVOICE)),
        LinkSpec(_A_INVOICE, "ЗаказПокупателя"),
        LinkSpec(_A_INVOICE, "ЗаказПокупателя", section="Товары"),
        LinkSpec(_A_SALE, "Сделка", targets=(_A_ORDER, _A_INVOICE)),
        LinkSpec(_A_SALE, "ЗаказПокупателя", section="Товары"),
    ),
    Family.B: (
        LinkSpec(_EVENT, "ДокументОснование"),
        LinkSpec("Document_ЗаказПокупателя", "Событие"),
        LinkSpec("Document_СчетНаОплату", "Событие"),
        LinkSpec("Document_РасходнаяНакладная", "Заказ"),
    ),
    Family.C: tuple(LinkSpec(source, attribute, section=section, targets=targets)
                    for source, attribute, section, targets in family_c.BUILTIN_LINKS),
}

# Names a basis link carries across 1C configurations: a composite of this name on any published
# document is taken as a link to "any document" (configurations.md: ДокументОснование in most
# documents of family A, Основание on Событие, Сделка on deliveries, Заказ in УНФ).
_LINK_NAMES = ("Основание", "ДокументОснование", "Сделка", "Заказ", "ОснованиеПисьма")

# ------------------------------------------------------------------------- end family data


def builtin_links(family: Family | None) -> tuple[LinkSpec, ...]:
    return _BUILTIN.get(family, ()) if family is not None else ()


def _parse_one(item: Any, where: str) -> LinkSpec:
    if isinstance(item, str):
        parts = [p.strip() for p in item.split(".")]
        if len(parts) not in (2, 3) or not all(parts) or "_" not in parts[0]:
            raise ConfigError(
                f"{where}: {item!r} is not a link",
                hint="Write 'Document_X.Attribute' or 'Document_X.Section.Attribute'.",
            )
        return LinkSpec(parts[0], parts[-1], section=parts[1] if len(parts) == 3 else None)
    if isinstance(item, Mapping):
        unknown = set(item) - {"set", "attribute", "section", "targets"}
        if unknown or "set" not in item or "attribute" not in item:
            raise ConfigError(
                f"{where}: {dict(item)!r} is not a link",
                hint="A link table has keys set, attribute, and optionally section and targets.",
            )
        targets = item.get("targets")
        if targets is not None and (isinstance(targets, str) or not all(isinstance(t, str) for t in targets)):
            raise ConfigError(f"{where}: targets must be a list of entity-set names")
        return LinkSpec(str(item["set"]), str(item["attribute"]), section=item.get("section") or None,
                        targets=tuple(targets) if targets is not None else None)
    raise ConfigError(f"{where}: {item!r} is not a link (a string or a table)")


def parse_link_overrides(raw: Any) -> tuple[tuple[LinkSpec, ...], tuple[str, ...], bool]:
    """``[profile] links`` → (links to add, labels or sets to remove, whether to read ``$metadata``)."""
    if raw is None:
        return (), (), True
    if not isinstance(raw, Mapping):
        raise ConfigError("[profile] links must be a table: links = {add = [...], remove = [...]}")
    unknown = set(raw) - {"add", "remove", "discover"}
    if unknown:
        raise ConfigError(f"[profile] links: unknown keys {', '.join(sorted(unknown))}",
                          hint="Allowed: add, remove, discover.")
    add = tuple(_parse_one(item, "[profile] links.add") for item in raw.get("add", ()))
    remove_raw = raw.get("remove", ())
    if isinstance(remove_raw, str) or not all(isinstance(r, str) for r in remove_raw):
        raise ConfigError("[profile] links.remove must be a list of strings such as 'Document_X.Attribute'")
    return add, tuple(r.strip() for r in remove_raw), bool(raw.get("discover", True))


def _resolve(md: Metadata, spec: LinkSpec, origin: str, warnings: list[str]) -> Link | None:
    """The spec checked against ``$metadata``; None (with a warning) when it cannot be used."""
    if spec.source_set not in md:
        warnings.append(f"{spec.source_set} is not published: link {spec.label} skipped")
        return None
    es = md.get(spec.source_set)
    shape: Any = es
    section_set: str | None = None
    if spec.section is not None:
        ts = es.tabular_sections.get(spec.section)
        if ts is None:
            warnings.append(f"{spec.source_set} has no tabular section {spec.section}: link {spec.label} skipped")
            return None
        shape, section_set = ts, ts.set_name
    if spec.attribute in shape.composites:
        return Link(spec.source_set, spec.attribute, LinkKind.COMPOSITE, spec.section, section_set,
                    spec.targets, origin)
    ref = shape.reference(spec.attribute)
    if ref is not None or f"{spec.attribute}_Key" in shape.properties:
        target = ref.target_set if ref is not None and ref.target_set else None
        targets = (target,) if target else spec.targets
        if targets is None or len(targets) != 1:
            # A bare X_Key does not say which set the GUID belongs to: without it nothing can be fetched.
            warnings.append(f"{spec.label}: the target set is unknown (unpublished?), link skipped; "
                            "name it with targets = [\"Document_…\"] in [profile] links.add")
            return None
        if targets[0] not in md:
            warnings.append(f"{targets[0]} is not published: link {spec.label} skipped")
            return None
        if md.get(targets[0]).kind is not SetKind.DOCUMENT:
            warnings.append(f"{spec.label} points at {targets[0]}, which is not a document: link skipped")
            return None
        return Link(spec.source_set, spec.attribute, LinkKind.REF, spec.section, section_set, targets, origin)
    warnings.append(f"{spec.label}: no such attribute in this base's $metadata, link skipped")
    return None


def _shapes(es: EntitySet) -> Iterable[tuple[str | None, str | None, Any]]:
    yield None, None, es
    for name, ts in es.tabular_sections.items():
        yield name, ts.set_name, ts


def _discovered(md: Metadata) -> Iterable[Link]:
    """Links the metadata itself shows: basis-named composites and references to documents."""
    for es in md.sets.values():
        if es.kind is not SetKind.DOCUMENT:
            continue
        for section, section_set, shape in _shapes(es):
            for comp in shape.composites.values():
                if comp.name in _LINK_NAMES:
                    yield Link(es.name, comp.name, LinkKind.COMPOSITE, section, section_set, None, "metadata")
            for ref in shape.references.values():
                target = ref.target_set
                if target and target in md and md.get(target).kind is SetKind.DOCUMENT:
                    yield Link(es.name, ref.name, LinkKind.REF, section, section_set, (target,), "metadata")


def _removed(link: Link, removals: Sequence[str]) -> bool:
    return any(r in (link.label, link.source_set) for r in removals)


def discover_links(md: Metadata, family: Family | None, overrides: Any = None) -> LinkTable:
    """The link table for this base: built-in for ``family``, completed from ``$metadata``, then the config."""
    add, remove, discover = parse_link_overrides(overrides)
    warnings: list[str] = []
    found: dict[str, Link] = {}
    unpublished: dict[str, list[str]] = {}
    for spec in builtin_links(family):
        if spec.source_set not in md:
            unpublished.setdefault(spec.source_set, []).append(".".join(p for p in (spec.section, spec.attribute) if p))
            continue
        link = _resolve(md, spec, "builtin", warnings)
        if link is not None:
            found.setdefault(link.label, link)
    for set_name, names in unpublished.items():
        warnings.append(f"{set_name} is not published: its links ({', '.join(names)}) are skipped")
    if discover:
        for link in _discovered(md):
            found.setdefault(link.label, link)
    for spec in add:
        link = _resolve(md, spec, "config", warnings)
        if link is not None:
            found[link.label] = link  # the config wins over the table and the metadata
    links = tuple(lk for lk in found.values() if not _removed(lk, remove))
    for r in remove:
        if not any(r in (lk.label, lk.source_set) for lk in found.values()):
            warnings.append(f"[profile] links.remove: {r} is not a link in use, nothing removed")
    return LinkTable(tuple(sorted(links, key=lambda lk: (lk.source_set, lk.section or "", lk.attribute))),
                     tuple(dict.fromkeys(warnings)))
