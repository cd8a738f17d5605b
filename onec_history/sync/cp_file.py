"""Reading a counterparty file: CSV or JSONL, decoded the way ``events import`` decodes its files.

Encoding and delimiter detection come from :mod:`onec_history.create.reader` (UTF-8 with or
without a BOM, UTF-16 with a BOM, cp1251 as Excel on a Russian Windows saves; ``,`` ``;`` or a
tab). Its ``read_rows`` maps headers onto the *event* columns, so the record loop is repeated
here with the headers left as written: :class:`~onec_history.sync.cp_rows.CpSchema` resolves
them against the counterparty set.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..create.reader import InputRow, detect_encoding, sniff_delimiter
from ..errors import ValidationError

__all__ = ["InputRow", "read_records"]


def read_records(path: str | Path, *, fmt: str | None = None, encoding: str | None = None,
                 data: bytes | None = None) -> tuple[list[str], Iterator[InputRow]]:
    """(the header as written, the records); for JSONL the header is the keys of all lines."""
    name = str(path)
    kind = fmt or ("jsonl" if name.lower().endswith((".jsonl", ".ndjson", ".json")) else "csv")
    if kind not in ("csv", "jsonl"):
        raise ValidationError(f"Unknown input format {kind!r}; use csv or jsonl", field="format")
    if data is None:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ValidationError(f"Cannot read {name}: {exc.strerror or exc}", field="file") from None
    text = _decode(data, encoding if kind == "csv" else (encoding or "utf-8-sig"))
    if kind == "jsonl":
        rows = list(_jsonl(text))
        header: dict[str, None] = {}
        for r in rows:
            header.update(dict.fromkeys(r.values))
        return list(header), iter(rows)
    return _csv(text)


def _decode(data: bytes, encoding: str | None) -> str:
    enc = encoding or detect_encoding(data[:65536])
    try:
        return data.decode(enc).lstrip("\ufeff")
    except (UnicodeDecodeError, LookupError) as exc:
        raise ValidationError(f"The file is not valid {enc}: {exc}", field="encoding",
                              hint="Pass --encoding (utf-8, cp1251, utf-16) to say how the file was saved.") from None


def _csv(text: str) -> tuple[list[str], Iterator[InputRow]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text.split("\n", 1)[0]),
                        strict=True)
    header: list[str] = []
    for record in reader:
        if any(cell.strip() for cell in record):
            header = [h.strip() for h in record]
            break
    if not header:
        raise ValidationError("The file is empty: no header line", field="header")
    return header, _records(reader, header)


def _records(reader: Any, header: list[str]) -> Iterator[InputRow]:
    consumed = reader.line_num
    while True:
        start = consumed + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield InputRow(start, error=f"unreadable CSV from line {start} on ({exc}); a quote is probably not "
                                        "closed (a truncated last line?)")
            return
        consumed = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) < len(header):
            yield InputRow(start, error=f"{len(record)} fields where the header has {len(header)} "
                                        "(a truncated line or a missing delimiter?)")
            continue
        if len(record) > len(header) and any(c.strip() for c in record[len(header):]):
            yield InputRow(start, error=f"{len(record)} fields where the header has {len(header)} "
                                        "(an unquoted delimiter inside a value?)")
            continue
        yield InputRow(start, {h: cell for h, cell in zip(header, record, strict=False) if h})


def _jsonl(text: str) -> Iterator[InputRow]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield InputRow(number, error=f"not a JSON object ({exc.args[0] if exc.args else exc}); a truncated line?")
            continue
        if not isinstance(obj, dict):
            yield InputRow(number, error="each line must be a JSON object")
            continue
        yield InputRow(number, {str(k): v for k, v in obj.items()})
