"""Input files for ``events import``: CSV (as Excel and scripts write it) and JSONL.

CSV: UTF-8 with or without a BOM, UTF-16 with a BOM (Excel's "Unicode text") or without one
(told by its NUL bytes), or cp1251 (what Excel on a Russian Windows saves as "CSV"); detected, or
chosen with ``encoding``. The delimiter (``,``, ``;`` or a tab) is taken from the header line.
Every record keeps the number of the physical line it starts on, so errors can name it even when
quoted values span several lines. Blank lines are skipped; a record with fewer fields than the
header, or an unterminated quote, is reported as a bad row (typically a truncated last line),
never silently shortened. A value may be as long as the file (the csv module's 131,072-character
field limit is raised), so a long body reaches the length check of its attribute.

Damaged text is the row's error, not the file's: in a UTF-8 file, a line holding bytes that are
not UTF-8 (a paste from another program) fails alone, naming the line and the column, where it
used to turn the whole file into cp1251; a JSONL value holding a lone surrogate (``"\\ud800"``,
half of a UTF-16 pair) fails its line the same way. A file that is not UTF-8 at all is cp1251 when
detected, or refused whole when ``encoding`` says UTF-8.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
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
    "external_id", "counterparty", "caller", "phone", "contact", "kind", "direction", "state", "start", "end",
    "duration", "subject", "body", "comment", "responsible", "basis", "basis_type", "post",
)
"""The documented columns, in the order the README lists them."""

ALIASES = {"id": "external_id", "client": "counterparty", "date": "start", "topic": "subject", "text": "body"}


@dataclass
class InputRow:
    """One record of the input: its first physical line, its values, or why it cannot be read."""

    line: int
    values: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


# Bytes that are not UTF-8, as ``errors="surrogateescape"`` keeps them (U+DC80–U+DCFF), and any
# surrogate at all (a lone half of a UTF-16 pair, from a JSON ``\\ud800`` escape).
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_WIDE = re.compile("[\u0080-\ud7ff\ue000-\U0010ffff]")  # characters beyond ASCII, surrogates excepted
_SAMPLE = 4096  # bytes looked at for the NUL-byte pattern of UTF-16


def detect_encoding(head: bytes) -> str:
    """The encoding of a CSV file from its first bytes: BOMs first, then UTF-16's NUL bytes, then
    UTF-8 (also with a few damaged lines, which fail alone), else cp1251.

    A file that is valid UTF-8 is read as UTF-8; Cyrillic in cp1251 is almost never valid UTF-8,
    so the fallback is safe for the files Excel writes on a Russian Windows.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    wide = _utf16_without_bom(head)
    if wide is not None:
        return wide
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is not evidence against UTF-8.
        if exc.start < len(head) - 3 and not _mostly_utf8(head.decode("utf-8", errors="surrogateescape")):
            return "cp1251"
    return "utf-8"


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when the bytes have UTF-16's NUL pattern: the high byte of
    every Latin letter, digit, delimiter and line end is zero, at odd offsets (LE) or even ones (BE)."""
    sample = head[:_SAMPLE]
    if b"\x00" not in sample:
        return None
    pairs = len(sample) // 2
    even = sample[0:pairs * 2:2].count(0)
    odd = sample[1:pairs * 2:2].count(0)
    if odd >= 0.3 * pairs and even <= 0.02 * pairs:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd <= 0.02 * pairs:
        return "utf-16-be"
    return None


def _mostly_utf8(text: str) -> bool:
    """Text decoded with ``surrogateescape``: more real non-ASCII characters than stray bytes —
    UTF-8 with a few damaged lines, not cp1251 (whose Cyrillic bytes are almost all stray)."""
    return len(_WIDE.findall(text)) > len(_NOT_UTF8.findall(text))


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


def column_key(name: str) -> str:
    """A column's name as the documented names are spelt: case, blanks, ``-`` and a BOM aside."""
    return name.strip().strip("\ufeff").lower().replace("-", "_").replace(" ", "_")


def normalise_header(names: list[str], *, allow_unknown: bool = False) -> list[str | None]:
    """Column names → documented names (case, spaces and ``-`` ignored; a few aliases).

    Unknown columns are an error (1C would drop what they hold without a word) unless
    ``allow_unknown``; then they map to ``None`` and are ignored.
    """
    out: list[str | None] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for raw in names:
        key = column_key(raw)
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


def _decode(data: bytes, encoding: str | None, detected: str) -> str:
    """The file's text. UTF-8 keeps stray bytes as U+DC80–U+DCFF so their lines fail alone,
    unless they are so many that the file is not UTF-8 at all (then the file is refused)."""
    enc = encoding or detected
    try:
        name = codecs.lookup(enc).name
    except LookupError:
        raise ValidationError(f"Unknown encoding {enc!r}", field="encoding",
                              hint="Pass --encoding utf-8, cp1251, utf-16, utf-16-le or utf-16-be.") from None
    if encoding is None:
        _refuse_nul_bytes(data)
    if name in ("utf-8", "utf-8-sig"):
        text = data.decode(enc, errors="surrogateescape")
        stray = _NOT_UTF8.search(text)
        if stray is not None and not _mostly_utf8(text):
            raise ValidationError(
                f"The file is not valid {enc}: line {_line_of(text, stray.start())} holds the byte "
                f"0x{ord(stray.group()) - 0xDC00:02x}, which is not UTF-8", field="encoding",
                hint="Pass --encoding (utf-8, cp1251, utf-16) to say how the file was saved.")
        return text.lstrip("\ufeff")
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        how = " (told by its NUL bytes; it has no byte-order mark)" if encoding is None and enc != "utf-16" else ""
        raise ValidationError(
            f"The file looks like {enc}{how}, but is not valid {enc} at byte {exc.start}: {exc.reason}",
            field="encoding",
            hint="Pass --encoding (utf-8, cp1251, utf-16-le, utf-16-be) to say how the file was saved; "
                 "a file cut short may have lost half of its last character.",
        ) from None
    return text.lstrip("\ufeff")


def _refuse_nul_bytes(data: bytes) -> None:
    """Many NUL bytes without UTF-16's pattern: UTF-32, or not text at all — never read as text."""
    sample = data[:_SAMPLE]
    if sample and sample.count(0) >= 0.1 * len(sample) and _utf16_without_bom(sample) is None \
            and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ValidationError(
            f"The file holds {sample.count(0)} NUL bytes in its first {len(sample)}: it is not text in UTF-8, "
            "cp1251 or UTF-16 (UTF-32, or a binary file such as .xlsx?)",
            field="encoding",
            hint="Save it as CSV (UTF-8) or pass --encoding to say how it was saved.",
        )


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _damage(cells: list[tuple[str, str]]) -> str | None:
    """What is wrong with the first (column, text) pair that holds a stray byte or a lone surrogate."""
    for column, text in cells:
        found = _SURROGATE.search(text)
        if found is None:
            continue
        ch = found.group()
        if _NOT_UTF8.fullmatch(ch):
            return (f"not valid UTF-8: the byte 0x{ord(ch) - 0xDC00:02x} in {column}; the rest of the file is "
                    "UTF-8 — retype this text, or pass --encoding if the file is in another encoding")
        return (f"{column} holds a lone surrogate ('\\u{ord(ch):04x}'), half of a UTF-16 pair, which is not a "
                "character: the text was cut or converted wrongly")
    return None


def _csv(data: bytes, encoding: str | None, map_header: HeaderMap) -> Iterator[InputRow]:
    text = _decode(data, encoding, detect_encoding(data) if encoding is None else encoding)
    # csv refuses a value over 131,072 characters as if a quote were not closed: no value can be
    # longer than the file, so allow that, and a long body reaches its attribute's length check.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
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
        damage = _damage([(f"column {i}", cell) for i, cell in enumerate(record, start=1)])
        if damage is not None:
            raise ValidationError(f"line {start}, the header: {damage}", field="header")
        return map_header(record)
    named = [(col or f"column {i}", cell) for i, (col, cell) in
             enumerate(zip([*header, *[None] * len(record)], record, strict=False), start=1)]
    damage = _damage(named)
    if damage is not None:
        clean = {col: cell for col, cell in zip(header, record, strict=False)
                 if col is not None and not _SURROGATE.search(cell)}
        return InputRow(start, clean, error=damage)
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
    text = _decode(data, encoding, _jsonl_encoding(data))
    # Only line ends end a line: a JSON string may hold U+2028 or U+0085, which splitlines() splits on.
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if not line.strip():
            continue
        damage = _damage([("the line", line)]) if _NOT_UTF8.search(line) else None
        if damage is not None:
            yield InputRow(number, error=damage)
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
        damage = _damage(list(_texts(obj)))
        if damage is not None:
            clean = {k: v for k, v in obj.items() if not any(True for _ in _damaged_texts(k, v))}
            try:
                mapped = map_header([str(k) for k in clean])
            except ValidationError:
                clean, mapped = {}, []
            yield InputRow(number, {c: v for c, v in zip(mapped, clean.values(), strict=True) if c is not None},
                           error=damage)
            continue
        try:
            mapped = map_header([str(k) for k in obj])
        except ValidationError as exc:
            yield InputRow(number, error=exc.message)
            continue
        yield InputRow(number, {col: v for col, v in zip(mapped, obj.values(), strict=True) if col is not None})


def _jsonl_encoding(data: bytes) -> str:
    """JSON is UTF-8 (RFC 8259), or UTF-16 with a BOM or with UTF-16's NUL bytes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return _utf16_without_bom(data) or "utf-8-sig"


def _texts(obj: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(where, text) of every key and string in a JSON value, nested ones included."""
    if isinstance(obj, str):
        yield where or "the value", obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            name = f"{where}.{key}" if where else str(key)
            yield ("a key", str(key)) if _SURROGATE.search(str(key)) else (name, "")
            yield from _texts(value, _printable(name))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _texts(value, f"{where}[{i}]")


def _damaged_texts(key: str, value: Any) -> Iterator[str]:
    return (t for _, t in _texts({key: value}) if _SURROGATE.search(t))


def _printable(name: str) -> str:
    return _SURROGATE.sub("?", name)
