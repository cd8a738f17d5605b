"""Events and counterparties as plain rows for scripts: lists of dicts, and pandas DataFrames.

>>> rows = to_records(h.events(counterparty="7701000001"))      # doctest: +SKIP
>>> json.dumps(rows, ensure_ascii=False)                        # doctest: +SKIP
>>> frame = to_dataframe(h.events(since="2026-01-01"))          # doctest: +SKIP
>>> frame.groupby("kind").size()                                # doctest: +SKIP

A record holds what ``--format json`` prints for the same object: the stable identifiers
(``ref`` GUIDs, ``kind`` ``call``, ``state`` ``completed``, ``direction`` ``incoming``) beside
1C's own values (``kind_raw`` «ТелефонныйЗвонок»), dates as ISO text, nested references
(``basis``, ``topic``) and participants as dicts — every value JSON-able. An event also gets
``who`` (the client as a person reads it) and ``duration_minutes``.

pandas is an optional extra (``pip install 'onec-history[pandas]'``) imported only by
:func:`to_dataframe`: importing onec_history never imports it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from enum import Enum
from typing import Any, get_args

from .models import Counterparty, DocumentRef, Event

__all__ = ["PANDAS_HINT", "to_dataframe", "to_records"]

PANDAS_HINT = "pip install 'onec-history[pandas]'"

Item = Event | Counterparty


def _record(item: Item, mode: str) -> dict[str, Any]:
    if isinstance(item, Event):
        row = item.model_dump(mode=mode)
        row["who"] = item.who
        row["duration_minutes"] = item.duration_minutes
        return row
    if isinstance(item, Counterparty):
        return item.model_dump(mode=mode)
    raise TypeError(f"to_records takes events and counterparties, not {type(item).__name__}")


def to_records(items: Iterable[Item]) -> list[dict[str, Any]]:
    """Events or counterparties (any iterable: ``h.events(…)`` is read to its end) as JSON-able dicts."""
    return [_record(item, "json") for item in items]


def to_dataframe(items: Iterable[Item]) -> Any:
    """Events or counterparties as a pandas DataFrame, one row each, the columns of :func:`to_records`.

    Dates are real datetimes (``datetime64`` columns); a nested reference is spread over columns
    named ``basis.ref``, ``basis.entity_set``, ``basis.number``… (present, empty, where an event
    has none); participants stay a list in their cell. Without pandas: an ImportError saying
    what to install.
    """
    pandas = _pandas()
    return pandas.DataFrame([_flat(_record(item, "python")) for item in items])


_REF_FIELDS = tuple(DocumentRef.model_fields)
_NESTED = tuple(name for name, info in Event.model_fields.items() if DocumentRef in get_args(info.annotation))


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in _NESTED:
            out.update({f"{key}.{name}": (value or {}).get(name) for name in _REF_FIELDS})
        elif isinstance(value, Enum):  # the stable identifier, not the enum's repr
            out[key] = value.value
        elif isinstance(value, tuple):  # participants: a list of dicts in one cell
            out[key] = list(value)
        else:
            out[key] = value
    return out


def _pandas() -> Any:
    try:
        return importlib.import_module("pandas")
    except ImportError:
        raise ImportError(f"to_dataframe needs pandas, an optional extra of onec-history: {PANDAS_HINT}") from None
