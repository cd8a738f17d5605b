"""Schema of the demo base: entity sets, their columns, navigations and tabular sections."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str              # the OData property name, exactly: "Ref_Key", "Контрагент", "Контрагент_Type", "Ответственный_Key"
    edm_type: str          # "Edm.Guid" | "Edm.String" | "Edm.DateTime" | "Edm.Boolean" | "Edm.Int64" | "Edm.Double" | "Edm.Binary"
    composite: bool = False  # True on the VALUE column of a composite pair; its type column is f"{name}_Type" (also a Column, Edm.String)
    enum: str | None = None  # enum type name when the property holds an enum value (stored as the member name, "" = empty)
    max_length: int | None = None  # known string length (1C does NOT publish it in $metadata; used only for silent truncation)


@dataclass(frozen=True)
class Navigation:
    name: str          # "Контрагент" (for single-type ref column "Контрагент_Key")
    key_column: str    # "Контрагент_Key"
    target_set: str    # "Catalog_Контрагенты"


@dataclass(frozen=True)
class Table:
    set_name: str                      # "Document_Событие" or tabular-section set "Document_Событие_СторонниеЛица"
    columns: dict[str, Column]         # ordered as 1C orders properties
    key: tuple[str, ...]               # ("Ref_Key",) for objects, ("Ref_Key", "LineNumber") for tabular-section rows
    navigations: dict[str, Navigation]
    tabular: dict[str, str]            # section name -> tabular-section set name (objects only)
    owner: str | None = None           # for a tabular-section table: the owning set name
    actions: tuple[str, ...] = ()      # ("Post", "Unpost") for postable documents


@dataclass(frozen=True)
class Schema:
    tables: dict[str, Table]           # by set name, including tabular-section sets
    enums: dict[str, tuple[str, ...]]
