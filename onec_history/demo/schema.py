"""Schema of the demo base: entity sets, their columns, navigations and tabular sections."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One OData property.

    ``name``: exactly as 1C spells it ("Ref_Key", "Контрагент", "Контрагент_Type", "Ответственный_Key").
    ``edm_type``: "Edm.Guid" | "Edm.String" | "Edm.DateTime" | "Edm.Boolean" | "Edm.Int64" | "Edm.Double" |
    "Edm.Binary". ``composite``: True on the VALUE column of a composite pair; its type column is
    f"{name}_Type" (also a Column, Edm.String). ``enum``: the enum type name when the property holds an
    enum value (stored as the member name, "" = empty). ``max_length``: the known string length (1C does
    NOT publish it in $metadata; used only for silent truncation).
    """

    name: str
    edm_type: str
    composite: bool = False
    enum: str | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class Navigation:
    name: str  # "Контрагент" (for single-type ref column "Контрагент_Key")
    key_column: str  # "Контрагент_Key"
    target_set: str  # "Catalog_Контрагенты"


@dataclass(frozen=True)
class Table:
    set_name: str  # "Document_Событие" or tabular-section set "Document_Событие_СторонниеЛица"
    columns: dict[str, Column]  # ordered as 1C orders properties
    key: tuple[str, ...]  # ("Ref_Key",) for objects, ("Ref_Key", "LineNumber") for tabular-section rows
    navigations: dict[str, Navigation]
    tabular: dict[str, str]  # section name -> tabular-section set name (objects only)
    owner: str | None = None  # for a tabular-section table: the owning set name
    actions: tuple[str, ...] = ()  # ("Post", "Unpost") for postable documents


@dataclass(frozen=True)
class Schema:
    tables: dict[str, Table]  # by set name, including tabular-section sets
    enums: dict[str, tuple[str, ...]]


# --- building tables -------------------------------------------------------------------------------

EMPTY_REF = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"
UNDEFINED_TYPE = "StandardODATA.Undefined"
NAMESPACE = "StandardODATA"


@dataclass(frozen=True)
class Attr:
    """One configuration attribute as a developer declares it; expands into OData columns."""

    name: str
    kind: str  # "string" | "bool" | "date" | "double" | "int64" | "ref" | "composite" | "enum"
    length: int | None = None  # string length; None = unlimited
    target: str | None = None  # "ref": target set; "enum": enum name


def string(name: str, length: int | None = None) -> Attr:
    return Attr(name, "string", length)


def boolean(name: str) -> Attr:
    return Attr(name, "bool")


def date(name: str) -> Attr:
    return Attr(name, "date")


def double(name: str) -> Attr:
    return Attr(name, "double")


def int64(name: str) -> Attr:
    return Attr(name, "int64")


def ref(name: str, target: str) -> Attr:
    return Attr(name, "ref", target=target)


def composite(name: str, length: int | None = None) -> Attr:
    return Attr(name, "composite", length)


def enum(name: str, enum_name: str) -> Attr:
    return Attr(name, "enum", target=enum_name)


def _expand(attr: Attr, columns: dict[str, Column], navigations: dict[str, Navigation]) -> None:
    if attr.kind == "string":
        columns[attr.name] = Column(attr.name, "Edm.String", max_length=attr.length)
    elif attr.kind == "bool":
        columns[attr.name] = Column(attr.name, "Edm.Boolean")
    elif attr.kind == "date":
        columns[attr.name] = Column(attr.name, "Edm.DateTime")
    elif attr.kind == "double":
        columns[attr.name] = Column(attr.name, "Edm.Double")
    elif attr.kind == "int64":
        columns[attr.name] = Column(attr.name, "Edm.Int64")
    elif attr.kind == "enum":
        columns[attr.name] = Column(attr.name, "Edm.String", enum=attr.target)
    elif attr.kind == "ref":
        assert attr.target is not None
        key = f"{attr.name}_Key"
        columns[key] = Column(key, "Edm.Guid")
        navigations[attr.name] = Navigation(attr.name, key, attr.target)
    elif attr.kind == "composite":
        # odata-1c.md §3: a composite is two Edm.String properties, X and X_Type.
        columns[attr.name] = Column(attr.name, "Edm.String", composite=True, max_length=attr.length)
        columns[f"{attr.name}_Type"] = Column(f"{attr.name}_Type", "Edm.String")
    else:
        raise ValueError(f"unknown attribute kind {attr.kind!r}")


def _tabular(owner: str, section: str, attrs: list[Attr]) -> Table:
    set_name = f"{owner}_{section}"
    columns = {"Ref_Key": Column("Ref_Key", "Edm.Guid"), "LineNumber": Column("LineNumber", "Edm.Int64")}
    navigations: dict[str, Navigation] = {}
    for attr in attrs:
        _expand(attr, columns, navigations)
    return Table(set_name, _types_last(columns), ("Ref_Key", "LineNumber"), navigations, {}, owner=owner)


def _object(
    set_name: str,
    head: list[Column],
    attrs: list[Attr],
    navigations: dict[str, Navigation],
    tabular: dict[str, list[Attr]],
    actions: tuple[str, ...],
) -> list[Table]:
    columns = {c.name: c for c in head}
    for attr in attrs:
        _expand(attr, columns, navigations)
    sections = [_tabular(set_name, name, rows) for name, rows in tabular.items()]
    main = Table(
        set_name,
        _types_last(columns),
        ("Ref_Key",),
        navigations,
        {name: t.set_name for name, t in zip(tabular, sections, strict=True)},
        actions=actions,
    )
    return [main, *sections]


def _types_last(columns: dict[str, Column]) -> dict[str, Column]:
    """1C lists every ``X_Type`` half of a composite pair after all other properties (edmx-facts §2)."""
    types = {f"{c.name}_Type" for c in columns.values() if c.composite}
    ordered = {k: c for k, c in columns.items() if k not in types}
    ordered.update((k, columns[k]) for k in columns if k in types)
    return ordered


def type_columns(table: Table) -> set[str]:
    """Names of the ``X_Type`` halves of the table's composite pairs."""
    return {f"{c.name}_Type" for c in table.columns.values() if c.composite}


def catalog(
    name: str,
    attrs: list[Attr],
    *,
    code_length: int | None = 9,
    description_length: int = 100,
    hierarchical: bool = False,
    owner: str | None = None,
    tabular: dict[str, list[Attr]] | None = None,
) -> list[Table]:
    """A ``Catalog_<name>`` set with 1C's system properties (odata-1c.md §1) and its tabular sections."""
    set_name = f"Catalog_{name}"
    # System properties in the order a live 1C $metadata lists them (edmx-facts §2).
    head = [
        Column("Ref_Key", "Edm.Guid"),
        Column("Predefined", "Edm.Boolean"),
        Column("PredefinedDataName", "Edm.String"),
        Column("DataVersion", "Edm.String"),
        Column("Description", "Edm.String", max_length=description_length),
    ]
    navigations: dict[str, Navigation] = {}
    if code_length is not None:
        head.append(Column("Code", "Edm.String", max_length=code_length))
    if hierarchical:
        head += [Column("Parent_Key", "Edm.Guid"), Column("IsFolder", "Edm.Boolean")]
        navigations["Parent"] = Navigation("Parent", "Parent_Key", set_name)
    if owner is not None:
        head.append(Column("Owner_Key", "Edm.Guid"))
        navigations["Owner"] = Navigation("Owner", "Owner_Key", owner)
    head.append(Column("DeletionMark", "Edm.Boolean"))
    return _object(set_name, head, attrs, navigations, tabular or {}, ())


def document(
    name: str,
    attrs: list[Attr],
    *,
    number_length: int = 11,
    postable: bool = True,
    tabular: dict[str, list[Attr]] | None = None,
) -> list[Table]:
    """A ``Document_<name>`` set; postable documents get the bound Post/Unpost actions."""
    head = [
        Column("Ref_Key", "Edm.Guid"),
        Column("DataVersion", "Edm.String"),
        Column("Number", "Edm.String", max_length=number_length),
        Column("Date", "Edm.DateTime"),
        Column("DeletionMark", "Edm.Boolean"),
        Column("Posted", "Edm.Boolean"),
    ]
    actions = ("Post", "Unpost") if postable else ()
    return _object(f"Document_{name}", head, attrs, {}, tabular or {}, actions)


def register(name: str, dimensions: list[Attr], resources: list[Attr]) -> list[Table]:
    """An independent ``InformationRegister_<name>`` (no recorder): one row per combination of its
    dimensions, keyed by them as 1C keys it (a composite dimension by its value and its ``_Type``)."""
    set_name = f"InformationRegister_{name}"
    columns: dict[str, Column] = {}
    navigations: dict[str, Navigation] = {}
    key: list[str] = []
    for attr in dimensions:
        before = set(columns)
        _expand(attr, columns, navigations)
        key.extend(c for c in columns if c not in before and not c.endswith("_Type"))
    key.extend(f"{a.name}_Type" for a in dimensions if a.kind == "composite")
    for attr in resources:
        _expand(attr, columns, navigations)
    return [Table(set_name, _types_last(columns), tuple(key), navigations, {})]


def make_schema(tables: list[list[Table]], enums: dict[str, tuple[str, ...]]) -> Schema:
    """Collect tables; check that every navigation and enum points at something that exists."""
    by_name: dict[str, Table] = {}
    for group in tables:
        for table in group:
            by_name[table.set_name] = table
    for table in by_name.values():
        for nav in table.navigations.values():
            if nav.target_set not in by_name:
                raise ValueError(f"{table.set_name}.{nav.name} points at unknown set {nav.target_set}")
        for column in table.columns.values():
            if column.enum is not None and column.enum not in enums:
                raise ValueError(f"{table.set_name}.{column.name} uses unknown enum {column.enum}")
    return Schema(by_name, dict(enums))


def is_catalog(table: Table) -> bool:
    return table.set_name.startswith("Catalog_") and table.owner is None


def is_register(table: Table) -> bool:
    return "Ref_Key" not in table.key


def is_document(table: Table) -> bool:
    return table.set_name.startswith("Document_") and table.owner is None
