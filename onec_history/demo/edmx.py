"""``$metadata`` of a demo base: a Schema written as the EDMX a live 1C server sends, and read back.

The shape follows a live УТ 11 dump (see /tmp/brief/edmx-facts.md): one ``StandardODATA`` schema;
EntityTypes, then row ComplexTypes, EnumTypes, Associations (no AssociationSet), and the
``EnterpriseV8`` container last with EntitySets then FunctionImports; every Property carries
Nullable; no MaxLength anywhere (1C does not publish string lengths).
"""

from __future__ import annotations

from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

from onec_history.demo.schema import NAMESPACE, Column, Navigation, Schema, Table, type_columns

_EDMX = "http://schemas.microsoft.com/ado/2007/06/edmx"
_META = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
_EDM = "http://schemas.microsoft.com/ado/2009/11/edm"
_NOT_NULL = {"Ref_Key", "LineNumber"}
_NS = {"e": _EDM}


def _property(name: str, edm_type: str) -> str:
    nullable = "false" if name in _NOT_NULL else "true"
    return f'<Property Name={quoteattr(name)} Type={quoteattr(edm_type)} Nullable="{nullable}"/>'


def _row_type(owner: str, section: str) -> str:
    return f"{owner}_{section}_RowType"


def _properties(table: Table) -> list[str]:
    """Properties in 1C's order: attributes, tabular sections, then every ``X_Type`` half."""
    types = type_columns(table)
    out = [_property(c.name, c.edm_type) for c in table.columns.values() if c.name not in types]
    for section in table.tabular:
        out.append(_property(section, f"Collection({NAMESPACE}.{_row_type(table.set_name, section)})"))
    out += [_property(name, "Edm.String") for name in table.columns if name in types]
    return out


def _entity_type(table: Table) -> str:
    keys = "".join(f"<PropertyRef Name={quoteattr(k)}/>" for k in table.key)
    # Tabular-section row sets are open types in a live dump (edmx-facts §5).
    open_type = ' OpenType="true"' if table.owner is not None or "Ref_Key" not in table.key else ""
    body = [f"<Key>{keys}</Key>", *_properties(table)]
    for nav in table.navigations.values():
        body.append(
            f"<NavigationProperty Name={quoteattr(nav.name)} "
            f'Relationship={quoteattr(f"{NAMESPACE}.{table.set_name}_{nav.name}")} FromRole="Begin" ToRole="End"/>'
        )
    return f"<EntityType Name={quoteattr(table.set_name)}{open_type}>{''.join(body)}</EntityType>"


def _complex_type(ts: Table, section: str) -> str:
    assert ts.owner is not None
    props = "".join(_properties(ts))
    return f"<ComplexType Name={quoteattr(_row_type(ts.owner, section))}>{props}</ComplexType>"


def _association(table: Table, nav: Navigation) -> str:
    return (
        f"<Association Name={quoteattr(f'{table.set_name}_{nav.name}')}>"
        f'<End Role="Begin" Type={quoteattr(f"{NAMESPACE}.{table.set_name}")} Multiplicity="*"/>'
        f'<End Role="End" Type={quoteattr(f"{NAMESPACE}.{nav.target_set}")} Multiplicity="0..1"/>'
        "</Association>"
    )


def _function_imports(table: Table) -> list[str]:
    out = []
    for action in table.actions:
        out.append(
            f'<FunctionImport Name={quoteattr(action)} IsBindable="true" IsSideEffecting="true">'
            f'<Parameter Name="bindingParameter" Type={quoteattr(f"{NAMESPACE}.{table.set_name}")}/>'
            '<Parameter Name="PostingModeOperational" Type="Edm.Boolean"/>'
            "</FunctionImport>"
        )
    return out


def write_edmx(schema: Schema) -> bytes:
    """The ``$metadata`` document for ``schema``."""
    tables = list(schema.tables.values())
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<edmx:Edmx xmlns:edmx="{_EDMX}" Version="1.0">',
        f'<edmx:DataServices xmlns:m="{_META}" m:DataServiceVersion="3.0" m:MaxDataServiceVersion="3.0">',
        f'<Schema xmlns="{_EDM}" Namespace="{NAMESPACE}">',
    ]
    parts += [_entity_type(t) for t in tables]
    for table in tables:
        for section, ts_set in table.tabular.items():
            parts.append(_complex_type(schema.tables[ts_set], section))
    for name, members in schema.enums.items():
        items = "".join(f"<Member Name={quoteattr(m)}/>" for m in members)
        parts.append(f'<EnumType Name={quoteattr(name)} UnderlyingType="Edm.Int32">{items}</EnumType>')
    parts += [_association(t, n) for t in tables for n in t.navigations.values()]
    parts.append('<EntityContainer Name="EnterpriseV8" m:IsDefaultEntityContainer="true">')
    parts += [
        f"<EntitySet Name={quoteattr(t.set_name)} EntityType={quoteattr(f'{NAMESPACE}.{t.set_name}')}/>" for t in tables
    ]
    for table in tables:
        parts += _function_imports(table)
    parts.append("</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>")
    return "\n".join(parts).encode("utf-8")


# (properties as (name, Edm type), key, navigation properties) of one EntityType
_RawType = tuple[list[tuple[str, str]], tuple[str, ...], dict[str, Navigation]]


def _local(qualified: str) -> str:
    """``StandardODATA.Name`` → ``Name``."""
    return qualified.rsplit(".", 1)[-1]


def _association_targets(schema_el: ElementTree.Element) -> dict[str, str]:
    """{association name: the set at its "End" role}."""
    targets: dict[str, str] = {}
    for assoc in schema_el.findall("e:Association", _NS):
        for end in assoc.findall("e:End", _NS):
            if end.get("Role") == "End":
                targets[str(assoc.get("Name"))] = _local(str(end.get("Type", "")))
    return targets


def _bound_actions(schema_el: ElementTree.Element) -> dict[str, list[str]]:
    """{set name: names of the FunctionImports bound to it}."""
    actions: dict[str, list[str]] = {}
    for fi in schema_el.findall("e:EntityContainer/e:FunctionImport", _NS):
        for param in fi.findall("e:Parameter", _NS):
            if param.get("Name") == "bindingParameter":
                actions.setdefault(_local(str(param.get("Type", ""))), []).append(str(fi.get("Name")))
    return actions


def _entity_types(
    schema_el: ElementTree.Element, assoc_target: dict[str, str], set_names: set[str]
) -> dict[str, _RawType]:
    """Every EntityType; a navigation is kept only if it leads to a set and has its ``_Key`` property."""
    raw: dict[str, _RawType] = {}
    for et in schema_el.findall("e:EntityType", _NS):
        props = [(str(p.get("Name")), str(p.get("Type"))) for p in et.findall("e:Property", _NS)]
        key = tuple(str(k.get("Name")) for k in et.findall("e:Key/e:PropertyRef", _NS))
        navs: dict[str, Navigation] = {}
        for nav in et.findall("e:NavigationProperty", _NS):
            nav_name = str(nav.get("Name"))
            target = assoc_target.get(_local(str(nav.get("Relationship", ""))))
            if target in set_names and any(p == f"{nav_name}_Key" for p, _ in props):
                navs[nav_name] = Navigation(nav_name, f"{nav_name}_Key", target)
        raw[str(et.get("Name"))] = (props, key, navs)
    return raw


def _section_owners(raw: dict[str, _RawType]) -> dict[str, str]:
    """{tabular-section set: its owner}, from the owners' ``Collection(...)`` properties."""
    owners: dict[str, str] = {}
    for name, (props, _key, _navs) in raw.items():
        for prop, edm in props:
            if edm.startswith("Collection(") and f"{name}_{prop}" in raw:
                owners[f"{name}_{prop}"] = name
    return owners


def _columns(
    name: str, props: list[tuple[str, str]], lengths: dict[str, int]
) -> tuple[dict[str, Column], dict[str, str]]:
    """(columns, {tabular section: its set}) of set ``name``; ``X`` is composite when ``X_Type`` exists."""
    names = {p for p, _ in props}
    columns: dict[str, Column] = {}
    tabular: dict[str, str] = {}
    for prop, edm in props:
        if edm.startswith("Collection("):
            tabular[prop] = f"{name}_{prop}"
            continue
        composite = edm == "Edm.String" and f"{prop}_Type" in names
        columns[prop] = Column(prop, edm, composite=composite, max_length=lengths.get(f"{name}.{prop}"))
    return columns, tabular


def _enums(schema_el: ElementTree.Element) -> dict[str, tuple[str, ...]]:
    return {
        str(e.get("Name")): tuple(str(m.get("Name")) for m in e.findall("e:Member", _NS))
        for e in schema_el.findall("e:EnumType", _NS)
    }


def read_edmx(data: bytes, *, lengths: dict[str, int] | None = None) -> Schema:
    """A Schema from a ``$metadata`` of the shape above (a recorded base, or our own output).

    Enum-valued properties cannot be recognised (1C types them Edm.String with no link to the
    EnumType), and string lengths are unknown unless ``lengths`` ({"Set.Property": n}) names them.
    """
    root = ElementTree.fromstring(data)
    schema_el = root.find(".//e:Schema", _NS)
    if schema_el is None:
        raise ValueError("not an EDMX document: no Schema element")
    actions = _bound_actions(schema_el)
    set_names = {str(es.get("Name")) for es in schema_el.findall("e:EntityContainer/e:EntitySet", _NS)}
    raw = _entity_types(schema_el, _association_targets(schema_el), set_names)
    owners = _section_owners(raw)
    lengths = lengths or {}
    tables: dict[str, Table] = {}
    for name, (props, key, navs) in raw.items():
        if name not in set_names:
            continue
        columns, tabular = _columns(name, props, lengths)
        tables[name] = Table(
            name, columns, key, navs, tabular, owner=owners.get(name), actions=tuple(actions.get(name, ()))
        )
    return Schema(tables, _enums(schema_el))
