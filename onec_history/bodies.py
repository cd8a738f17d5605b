"""Write bodies checked against ``$metadata`` before anything is sent.

1C silently drops unknown properties and truncates strings longer than the attribute
(odata-1c.md §4), and it answers a wrong type with a 500 deep in its own stack. Here each value
is checked against its ``Edm`` type, nullability and known length — tabular-section rows too —
and converted to what 1C's JSON wants (Int64 as a string, naive ``YYYY-MM-DDTHH:MM:SS`` dates,
canonical GUIDs); every problem is a :class:`~onec_history.errors.ValidationError` naming the
property.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from . import errors
from .metadata import EntitySet, Property

__all__ = ["validate_object"]

_INT64 = re.compile(r"^-?\d+$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


def _json_value(prop: Property, name: str, value: Any) -> Any:
    t = prop.edm_type
    bad = errors.ValidationError(
        f"{name}: {value!r} is not a valid {t}", field=name, hint="Fix the value; 1C would ignore it silently."
    )
    if value is None:
        if not prop.nullable:
            raise errors.ValidationError(f"{name} must not be null", field=name)
        return None
    if t == "Edm.Guid":
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            raise bad from None
    if t == "Edm.Boolean":
        if not isinstance(value, bool):
            raise bad
        return value
    if t == "Edm.Int64" or t == "Edm.Int32" or t == "Edm.Int16":
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and _INT64.match(value))):
            raise bad
        return str(value) if t == "Edm.Int64" else int(value)
    if t in ("Edm.Double", "Edm.Decimal", "Edm.Single"):
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise bad
        return float(value)
    if t == "Edm.DateTime":
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                raise errors.ValidationError(
                    f"{name}: 1C dates are naive server-local times; got {value.isoformat()}", field=name
                )
            return value.strftime("%Y-%m-%dT%H:%M:%S")
        if isinstance(value, date):
            return value.strftime("%Y-%m-%dT00:00:00")
        if isinstance(value, str) and _DATETIME.match(value):
            return value
        raise bad
    if t == "Edm.String":
        if not isinstance(value, str):
            raise bad
        return value
    return value


def validate_object(
    es: EntitySet,
    body: Mapping[str, Any],
    lengths: Mapping[str, int],
    all_lengths: Mapping[str, Mapping[str, int]],
    label: str,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in body.items():
        where = f"{label}.{name}"
        if name in es.tabular_sections:
            ts = es.tabular_sections[name]
            if not isinstance(value, list):
                raise errors.ValidationError(f"{where}: a tabular section must be a list of rows", field=name)
            ts_lengths = all_lengths.get(ts.set_name or f"{es.name}_{name}", {})
            out[name] = [
                _validate_row(ts.properties, row, ts_lengths, f"{where}[{i}]", i)
                for i, row in enumerate(value, start=1)
            ]
            continue
        prop = es.properties.get(name)
        if prop is None:
            raise errors.ValidationError(
                f"{where} is not a property of {es.name} in this base's $metadata",
                field=name,
                hint="1C would silently ignore it; check the spelling or the configuration profile.",
            )
        out[name] = _checked(prop, where, value, lengths.get(name))
    for comp in es.composites.values():
        if (comp.name in out) != (comp.type_property in out):
            raise errors.ValidationError(
                f"{label}.{comp.name}: a composite attribute needs both {comp.name} and {comp.type_property}",
                field=comp.name,
            )
    return out


def _validate_row(
    props: Mapping[str, Property], row: Any, lengths: Mapping[str, int], where: str, line: int
) -> dict[str, Any]:
    if not isinstance(row, Mapping):
        raise errors.ValidationError(f"{where}: a row must be an object", field=where)
    out: dict[str, Any] = {}
    for name, value in row.items():
        prop = props.get(name)
        if prop is None:
            raise errors.ValidationError(f"{where}.{name} is not a column of this tabular section", field=name)
        out[name] = _checked(prop, f"{where}.{name}", value, lengths.get(name))
    # A tabular section is replaced whole; rows are numbered 1..n (odata-1c.md §4).
    out.setdefault("LineNumber", str(line))
    return out


def _checked(prop: Property, where: str, value: Any, max_len: int | None) -> Any:
    converted = _json_value(prop, where, value)
    if max_len is not None and isinstance(converted, str) and len(converted) > max_len:
        raise errors.ValidationError(
            f"{where} is {len(converted)} characters long; the attribute holds {max_len}",
            field=where,
            hint="1C would silently cut it; shorten the value or put the rest into a longer attribute.",
        )
    return converted

