"""Reading a counterparty file: CSV or JSONL, read the way ``events import`` reads its files.

The reading itself is :func:`onec_history.local.inputs.read_rows` (encodings, delimiters, line
numbers, damaged rows); only the header differs: the names are kept as written (trimmed), since
:class:`~onec_history.counterparties.rows.CpSchema` resolves them against the counterparty set.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

from ..errors import ValidationError
from ..local.inputs import InputRow, input_format, read_input, read_rows

__all__ = ["InputRow", "read_records"]


def read_records(path: str | Path, *, fmt: str | None = None, encoding: str | None = None,
                 data: bytes | None = None) -> tuple[list[str], Iterator[InputRow]]:
    """(the header as written, the records); for JSONL the header is the keys of all lines."""
    headers: list[list[str]] = []

    def as_written(names: list[str]) -> list[str | None]:
        trimmed = [n.strip() for n in names]
        headers.append(trimmed)
        return [n or None for n in trimmed]

    if data is None:
        data = read_input(path)
    records = read_rows(path, fmt=fmt, encoding=encoding, stream=io.BytesIO(data), header=as_written)
    # The header is wanted before the records: for JSONL it takes every line; for CSV, the
    # records up to its header line (and any damaged ones before it, to be reported).
    if input_format(str(path), fmt, data) == "jsonl":
        rows = list(records)
        return list(dict.fromkeys(n for names in headers for n in names if n)), iter(rows)
    early: list[InputRow] = []
    for row in records:
        early.append(row)
        if headers:
            break
    if not headers:
        raise ValidationError("The file is empty: no header line", field="header")
    return headers[0], chain(early, records)
