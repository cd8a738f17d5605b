"""Rows of a counterparty file → typed values, checked before anything is sent.

A column is named by a logical field (``inn``, ``full_name`` …, see :data:`FIELDS`), by the 1C
attribute the profile maps that field to (so a header written in 1C's own names works too), or by
any other plain property of the counterparty set in ``$metadata`` (a custom attribute). An empty
cell (or a JSON ``null``) means "no value given": it never clears what 1C holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..dates import parse_datetime_text
from ..errors import ValidationError
from ..metadata import EntitySet
from ..profiles import AttrKind, Profile
from .inn import inn_problem, kpp_problem, normalize_inn, normalize_kpp
from .legal_forms import LEGAL, PERSON, STANDARD_HEADERS, legal_form_values

__all__ = ["FIELDS", "CpSchema", "FieldSpec", "ParsedRow", "parse_bool"]

# The documented columns: logical name → what it holds. Every one is optional per row.
FIELDS: dict[str, str] = {
    "external_id": "a stable id of the row in the source system (CRM id); else the match key is the id",
    "ref": "the 1C reference (Ref_Key) — for --match column:ref",
    "group": "folder for a new counterparty: a name or a path 'Покупатели/Москва' (not used on update)",
    "name": "Description, the short name (required to create)",
    "full_name": "the full legal name",
    "code": "Code (1C assigns one when empty)",
    "inn": "ИНН: 10 digits (organisation) or 12 (person), check digits verified",
    "kpp": "КПП: 9 characters",
    "legal_form": "legal or person (or the 1C value); when empty on creation: from the ИНН length",
    "buyer": "true/false (also 1/0, yes/no, да/нет)",
    "supplier": "true/false",
    "manager": "the responsible manager: a user name (prefix) or a reference",
    "comment": "Comment",
}
_SPECIAL = ("external_id", "ref", "group")
_NOT_WRITABLE = {"Ref_Key", "DataVersion", "Predefined", "PredefinedDataName", "IsFolder", "DeletionMark",
                 "Parent_Key"}
_TRUE = {"true", "1", "yes", "y", "да", "д", "истина", "+"}
_FALSE = {"false", "0", "no", "n", "нет", "н", "ложь", "-"}


@dataclass(frozen=True)
class FieldSpec:
    """One file column resolved against the profile and ``$metadata``."""

    name: str  # logical name, or the OData property for a custom column
    prop: str | None  # the OData property written; None for external_id, ref, group
    edm_type: str = "Edm.String"
    target_set: str | None = None  # references (manager)


@dataclass
class ParsedRow:
    line: int
    raw: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)  # field name → parsed value (non-empty only)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not true/false (also 1/0, yes/no, да/нет)")


class CpSchema:
    """How file columns map onto ``Catalog_Контрагенты`` of one base."""

    def __init__(self, profile: Profile, es: EntitySet, *, inn_checksum: bool = True,
                 legal_forms: Mapping[str, str] | None = None) -> None:
        self.profile = profile
        self.es = es
        self.inn_checksum = inn_checksum
        self.legal_forms = legal_form_values(profile.family, legal_forms)
        self.by_logical: dict[str, FieldSpec] = {}
        self.by_prop: dict[str, FieldSpec] = {}
        name_attr = profile.counterparty_attr("name")
        self.name_prop = name_attr.prop if name_attr is not None else "Description"
        for name in _SPECIAL:
            self.by_logical[name] = FieldSpec(name, None)
        for logical in FIELDS:
            if logical in _SPECIAL:
                continue
            attr = profile.counterparty_attr(logical)
            if attr is None or attr.kind is AttrKind.COMPOSITE or attr.prop in _NOT_WRITABLE:
                continue
            prop = es.properties.get(attr.prop)
            if prop is None:
                continue
            spec = FieldSpec(logical, attr.prop, prop.edm_type, attr.target_set)
            self.by_logical[logical] = spec
            self.by_prop[attr.prop] = spec
            self.by_prop.setdefault(attr.name, spec)

    def resolve(self, header: str) -> FieldSpec | None:
        """The field a header names: logical name, the 1C attribute, or a plain property."""
        h = header.strip()
        logical = STANDARD_HEADERS.get(h.casefold(), h.lower())
        spec = self.by_logical.get(logical) or self.by_prop.get(h)
        if spec is not None:
            return spec
        if h == "Ref_Key":
            return self.by_logical["ref"]
        prop = self.es.properties.get(h)
        if prop is None or h in _NOT_WRITABLE or prop.edm_type.startswith("Collection("):
            return None
        ref = next((r for r in self.es.references.values() if r.key_property == h), None)
        return FieldSpec(h, h, prop.edm_type, ref.target_set if ref else None)

    def header_map(self, headers: list[str]) -> dict[str, FieldSpec]:
        """Headers → fields; an unknown or repeated column is an error for the whole file."""
        out: dict[str, FieldSpec] = {}
        unknown: list[str] = []
        seen: dict[str, str] = {}
        for h in headers:
            if not h.strip():
                continue
            spec = self.resolve(h)
            if spec is None:
                unknown.append(h)
                continue
            if spec.name in seen:
                raise ValidationError(f"Columns {seen[spec.name]!r} and {h!r} both set {spec.name}", field=h)
            seen[spec.name] = h
            out[h] = spec
        if unknown:
            known = ", ".join(n for n in FIELDS if n in self.by_logical)
            raise ValidationError(
                f"Unknown column(s) in the file: {', '.join(unknown)}", field=unknown[0],
                hint=f"Known columns: {known}; or a property of {self.es.name} as $metadata names it. "
                     "Rename or remove the column (1C would silently ignore it).")
        return out

    # -- values ----------------------------------------------------------------------------------
    def parse(self, line: int, raw: Mapping[str, Any], columns: Mapping[str, FieldSpec]) -> ParsedRow:
        row = ParsedRow(line, dict(raw))
        for header, value in raw.items():
            spec = columns.get(header)
            if spec is None or value is None or (isinstance(value, str) and not value.strip()):
                continue
            try:
                row.values[spec.name] = self._value(spec, value)
            except ValueError as exc:
                row.errors.append(f"{header}: {exc}")
        return row

    def _value(self, spec: FieldSpec, value: Any) -> Any:
        if spec.name == "inn":
            problem = inn_problem(str(value), checksum=self.inn_checksum)
            if problem:
                raise ValueError(problem)
            return normalize_inn(str(value))
        if spec.name == "kpp":
            problem = kpp_problem(str(value))
            if problem:
                raise ValueError(problem)
            return normalize_kpp(str(value))
        if spec.name == "legal_form":
            return self.legal_form(value)
        if spec.name == "manager":
            return str(value).strip()  # a name or a reference, looked up in bulk by the planner
        if spec.name == "ref" or spec.edm_type == "Edm.Guid":
            return _guid(value)
        return _typed(spec.edm_type, value)

    def legal_form(self, value: Any) -> str:
        text = str(value).strip()
        if text.casefold() in (LEGAL, PERSON) and text.casefold() in self.legal_forms:
            return self.legal_forms[text.casefold()]
        if text in self.legal_forms.values():
            return text
        allowed = ", ".join([LEGAL, PERSON, *self.legal_forms.values()])
        raise ValueError(f"{text!r} is not a legal form ({allowed})")


def _guid(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise ValueError(f"{value!r} is not a reference (a GUID)") from None


def _typed(edm_type: str, value: Any) -> Any:
    if edm_type == "Edm.Boolean":
        return parse_bool(value)
    if edm_type in ("Edm.Double", "Edm.Decimal", "Edm.Single"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        try:
            return float(str(value).strip().replace(" ", "").replace(",", "."))
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if edm_type in ("Edm.Int64", "Edm.Int32", "Edm.Int16"):
        text = str(value).strip()
        if not text.lstrip("-").isdigit():
            raise ValueError(f"{value!r} is not a whole number")
        return int(text)
    if edm_type == "Edm.DateTime":
        return _datetime(value)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | int | float):
        return str(value)
    raise ValueError(f"{value!r} is not text")


def _datetime(value: Any) -> str:
    """A date as the event import reads it (dates.py: one rule for two-digit years), as 1C's text."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT00:00:00")
    return parse_datetime_text(str(value)).strftime("%Y-%m-%dT%H:%M:%S")  # ValueError says what is expected
