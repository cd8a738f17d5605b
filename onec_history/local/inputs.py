"""Input files for ``events import``: CSV (as Excel and scripts write it) and JSONL.

CSV: UTF-8 with or without a BOM, UTF-16 with a BOM (Excel's "Unicode text"), or cp1251 (what
Excel on a Russian Windows saves as "CSV"); detected, or chosen with ``encoding``. The delimiter
(``,``, ``;`` or a tab) is taken from the header line. Every record keeps the number of the
physical line it starts on, so errors can name it even when quoted values span several lines.
Blank lines are skipped; a record with fewer fields than the header, or an unterminated quote,
is reported as a bad row (typically a truncated last line), never silently shortened.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from ..errors import ValidationError

__all__ = [
    "ALIASES", "COLUMNS", "HeaderMap", "InputRow", "detect_encoding", "input_format", "normalise_header", "read_input",
    "read_rows", "sniff_delimiter",
]

COLUMNS = (
    "external_id", "counterparty", "caller", "kind", "direction", "state", "start", "end", "duration",
    "subject", "body", "comment", "responsible", "basis", "basis_type", "post",
)
"""The documented columns, in the order the README lists them."""

ALIASES = {"id": "external_id", "client": "counterparty", "date": "start", "topic": "subject", "text": "body"}


@dataclass
class InputRow:
    """One record of the input: its first physical line, its values, or why it cannot be read."""

    line: int
    values: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def detect_encoding(head: bytes) -> str:
    """The encoding of a CSV file from its first bytes: BOMs first, then strict UTF-8, else cp1251.

    A file that is valid UTF-8 is read as UTF-8; Cyrillic in cp1251 is almost never valid UTF-8,
    so the fallback is safe for the files Excel writes on a Russian Windows.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is not evidence against UTF-8.
        if exc.start < len(head) - 3:
            return "cp1251"
    return "utf-8"


def sniff_delimiter(header: str) -> str:
    """``;`` (Excel with a Russian locale), ``,`` or a tab: whichever the header line uses most."""
    counts = {d: 0 for d in (";", ",", "\t")}
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def normalise_header(names: list[str], *, allow_unknown: bool = False) -> list[str | None]:
    """Column names → documented names (case, spaces and ``-`` ignored; a few aliases).

    Unknown columns are an error (1C would drop what they hold without a word) unless
    ``allow_unknown``; then they map to ``None`` and are ignored.
    """
    out: list[str | None] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for raw in names:
        key = raw.strip().strip("\ufeff").lower().replace("-", "_").replace(" ", "_")
        key = ALIASES.get(key, key)
        if key not in COLUMNS:
            if key:
                unknown.append(raw.strip())
            out.append(None)
            continue
        if key in seen:
            raise ValidationError(f"The column {key!r} appears twice in the header", field=key)
        seen.add(key)
        out.append(key)
    if unknown and not allow_unknown:
        raise ValidationError(
            "Unknown column(s) in the header: " + ", ".join(repr(u) for u in unknown),
            field=unknown[0],
            hint="Known columns: " + ", ".join(COLUMNS) + ". Rename them, or pass --ignore-unknown-columns.",
        )
    return out


HeaderMap = Callable[[list[str]], list[str | None]]
"""Names in a header (a CSV header line, the keys of a JSONL line) → the column each one fills
(``None``: not read). May raise :class:`ValidationError` to refuse the header."""


def read_rows(
    path: str | Path,
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    allow_unknown: bool = False,
    stream: IO[bytes] | None = None,
    header: HeaderMap | None = None,
) -> Iterator[InputRow]:
    """Records of a CSV or JSONL file (``fmt`` from the extension unless given; ``-`` is stdin).

    Column names are mapped onto the documented event columns unless ``header`` maps them.
    """
    name = str(path)
    data = read_input(path, stream)
    kind = input_format(name, fmt, data)
    if kind == "jsonl":
        yield from _jsonl(data, encoding, header or partial(normalise_header, allow_unknown=allow_unknown))
    else:
        yield from _csv(data, encoding, header or partial(_event_header, allow_unknown=allow_unknown))


def read_input(path: str | Path, stream: IO[bytes] | None = None) -> bytes:
    """The bytes of the input file (or of ``stream``, e.g. stdin for ``-``); unreadable → ValidationError."""
    if stream is not None:
        return stream.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ValidationError(f"Cannot read {path}: {exc.strerror or exc}", field="file") from None


def input_format(name: str, fmt: str | None = None, data: bytes | None = None) -> str:
    """``csv`` or ``jsonl``: ``fmt`` if given, else from the file name's extension, else from the content.

    Stdin (``-``) and files without a known extension are JSONL when their first character is
    ``{`` (no CSV header starts with one), CSV otherwise.
    """
    lowered = name.lower()
    if fmt:
        kind = fmt
    elif lowered.endswith((".jsonl", ".ndjson", ".json")):
        kind = "jsonl"
    elif lowered.endswith((".csv", ".tsv", ".txt")) or data is None:
        kind = "csv"
    else:
        kind = "jsonl" if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv"
    if kind not in ("csv", "jsonl"):
        raise ValidationError(f"Unknown input format {kind!r}; use csv or jsonl", field="format")
    return kind


def _event_header(names: list[str], *, allow_unknown: bool) -> list[str | None]:
    mapped = normalise_header(names, allow_unknown=allow_unknown)
    if not any(mapped):
        raise ValidationError("The header line names none of the documented columns", field="header",
                              hint="Known columns: " + ", ".join(COLUMNS) + ".")
    return mapped


def _decode(data: bytes, encoding: str | None) -> str:
    enc = encoding or detect_encoding(data)
    try:
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ValidationError(
            f"The file is not valid {enc}: {exc}", field="encoding",
            hint="Pass --encoding (utf-8, cp1251, utf-16) to say how the file was saved.",
        ) from None
    return text.lstrip("\ufeff")


def _csv(data: bytes, encoding: str | None, map_header: HeaderMap) -> Iterator[InputRow]:
    text = _decode(data, encoding)
    # Physical lines exactly as the csv module counts them (\n, \r or \r\n), for line numbers.
    lines = io.StringIO(text, newline="").readlines()
    if not lines:
        return
    delimiter = sniff_delimiter(lines[0])
    ends_with_newline = lines[-1].endswith(("\n", "\r"))
    header: list[str | None] | None = None
    offset = 0  # lines before the current reader's first one
    while offset < len(lines):
        reader = csv.reader(io.StringIO("".join(lines[offset:]), newline=""), delimiter=delimiter, strict=True)
        consumed = 0
        try:
            for record in reader:
                start = offset + consumed + 1
                consumed = reader.line_num
                row = _record(record, start, header, delimiter, map_header,
                              at_end=offset + consumed >= len(lines) and not ends_with_newline)
                if isinstance(row, list):
                    header = row
                elif row is not None:
                    yield row
            return
        except csv.Error as exc:
            # A quote opened and never closed: report the record, then read on from its next line
            # so one damaged row does not swallow the rest of the file.
            start = offset + consumed + 1
            yield InputRow(start, error=f"unreadable CSV ({exc}); a quote is probably not closed "
                                        "(a truncated last line?)")
            offset = start


def _record(record: list[str], start: int, header: list[str | None] | None, delimiter: str, map_header: HeaderMap,
            *, at_end: bool) -> InputRow | list[str | None] | None:
    """One parsed record → the header (a list), a row, or ``None`` for a blank line."""
    if not any(cell.strip() for cell in record):
        return None  # blank lines, or lines of bare delimiters, are not records
    if header is None:
        return map_header(record)
    values = {col: cell for col, cell in zip(header, record, strict=False) if col is not None}
    if len(record) < len(header):
        why = "truncated last line?" if at_end else "a missing delimiter or an unquoted line break?"
        # The values read so far are kept only so the report can show the row's external_id.
        return InputRow(start, values, error=f"{len(record)} fields where the header has {len(header)} ({why})")
    if len(record) > len(header) and any(c.strip() for c in record[len(header):]):
        return InputRow(start, values, error=f"{len(record)} fields where the header has {len(header)} "
                                             f"(an unquoted {delimiter!r} inside a value?)")
    return InputRow(start, values)


def _jsonl(data: bytes, encoding: str | None, map_header: HeaderMap) -> Iterator[InputRow]:
    text = _decode(data, encoding or "utf-8-sig")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield InputRow(number, error=f"not a JSON object ({exc.args[0] if exc.args else exc}); "
                                         "a truncated line?")
            continue
        if not isinstance(obj, dict):
            yield InputRow(number, error="each line must be a JSON object")
            continue
        try:
            mapped = map_header([str(k) for k in obj])
        except ValidationError as exc:
            yield InputRow(number, error=exc.message)
            continue
        yield InputRow(number, {col: v for col, v in zip(mapped, obj.values(), strict=True) if col is not None})
