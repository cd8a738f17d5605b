"""Streaming writers for exports (CSV, JSONL, XLSX) and the atomic output file.

Rows arrive as tuples in column order, already plain values: ``str``, ``int``, ``float``,
``bool``, ``None``, and dates as the ISO text 1C sends (``2024-07-03T10:02:53``). Each writer
converts only what its format needs, so the hot loop does no per-cell type dispatch beyond
the date and flag columns it was told about. XLSX writes real cells — numbers, booleans (which a
Russian Excel shows as ИСТИНА/ЛОЖЬ and filters as such), dates (``dd.mm.yyyy hh:mm:ss``) — with a
frozen heading, an autofilter and widths by kind; CSV for Excel (``CsvOptions.excel()``) writes
the same values as a Russian Excel reads them from text.

Nothing is ever held back: CSV and JSONL write each batch through; XLSX uses XlsxWriter's
``constant_memory`` mode (each row is flushed to a temporary file when the next one starts,
strings are written inline instead of into a shared-string table that would grow with the
export).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Protocol

import orjson  # 3-5x faster than json at dumping rows (benchmarks/README.md)

from ..errors import OnecError

__all__ = [
    "FORMATS",
    "AtomicOutput",
    "Column",
    "CsvOptions",
    "RowWriter",
    "cleanup_stale_partials",
    "needs_seek",
    "open_writer",
]

FORMATS = ("csv", "jsonl", "xlsx")

# Excel's limit per sheet (1,048,576 rows, the heading included); further rows go to a new sheet.
XLSX_MAX_ROWS = 1_048_576
_PARTIAL_MARK = ".onec-partial-"


@dataclass(frozen=True)
class Column:
    """One output column: its stable key, a heading for people, and its kind of value."""

    key: str
    heading: str
    kind: str = "text"  # text | datetime | bool | number


@dataclass(frozen=True)
class CsvOptions:
    """CSV dialect. ``excel()`` is what a Russian-locale Excel opens by double-click: a BOM, ``;``
    and Russian values (``russian``): dates ``dd.mm.yyyy HH:MM:SS``, the decimal comma, да/нет.

    The default (``,``, no BOM, ``2024-07-03 10:02:53``, ``30.0``, ``true``) is what scripts read:
    it does not change.
    """

    delimiter: str = ","
    bom: bool = False
    russian: bool = False

    @classmethod
    def excel(cls) -> CsvOptions:
        return cls(delimiter=";", bom=True, russian=True)


class RowWriter(Protocol):
    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None: ...

    def close(self) -> None: ...


class _CsvWriter:
    """RFC 4180 CSV as the ``csv`` module writes it (QUOTE_MINIMAL, ``\\r\\n``), byte for byte.

    Rows are not written through ``csv.writer``: its C loop examines every character of every
    field, and an event's body is most of its bytes. Here a field is quoted when it holds a quote,
    the delimiter or a line break (``in`` on a str is a fast scan), and a page is encoded once;
    tests/test_lean_csv.py holds the output equal to the ``csv`` module's on awkward values.
    """

    def __init__(self, stream: BinaryIO, columns: Sequence[Column], headings: Sequence[str],
                 options: CsvOptions) -> None:
        if options.bom:
            stream.write(codecs.BOM_UTF8)  # Excel reads UTF-8 only with the BOM; otherwise cp1251
        self._stream = stream
        self._delimiter = options.delimiter
        heading = io.StringIO(newline="")
        csv.writer(heading, delimiter=options.delimiter).writerow(headings)
        stream.write(heading.getvalue().encode("utf-8"))
        self._dates = [i for i, c in enumerate(columns) if c.kind == "datetime"]
        self._flags = [i for i, c in enumerate(columns) if c.kind == "bool"]
        self._numbers = [i for i, c in enumerate(columns) if c.kind == "number"]
        self._russian = options.russian

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        cells = self._russian_cells(rows) if self._russian else self._cells(rows)
        delimiter = self._delimiter
        field = _field_writer(delimiter)
        lines = [delimiter.join([field(v) for v in row]) for row in cells]
        if lines:
            lines.append("")
            self._stream.write("\r\n".join(lines).encode("utf-8"))

    def _cells(self, rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
        dates, flags = self._dates, self._flags
        out = []
        for row in rows:
            cells = list(row)
            for i in dates:
                v = cells[i]
                if v:
                    # "2024-07-03 10:02:53" is recognised as a date by Excel and LibreOffice; the T form is not.
                    cells[i] = v.replace("T", " ", 1)
            for i in flags:
                v = cells[i]
                if v is not None:
                    cells[i] = "true" if v else "false"
            out.append(cells)
        return out

    def _russian_cells(self, rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
        """What a Russian Excel (and LibreOffice in a Russian locale) reads as dates, numbers and
        flags: ``03.07.2024 10:02:53``, ``12,5`` (a whole number without decimals), ``да``/``нет``."""
        dates, flags, numbers = self._dates, self._flags, self._numbers
        out = []
        for row in rows:
            cells = list(row)
            for i in dates:
                v = cells[i]
                if v:
                    cells[i] = f"{v[8:10]}.{v[5:7]}.{v[0:4]} {v[11:19]}".rstrip()
            for i in flags:
                v = cells[i]
                if v is not None:
                    cells[i] = "да" if v else "нет"
            for i in numbers:
                v = cells[i]
                if isinstance(v, float):
                    cells[i] = str(int(v)) if v.is_integer() else repr(v).replace(".", ",")
            out.append(cells)
        return out

    def close(self) -> None:
        self._stream.flush()


def _field_writer(delimiter: str) -> Callable[[Any], str]:
    """One CSV field as ``csv.writer`` (QUOTE_MINIMAL, ``"`` doubled) writes it: ``None`` is empty."""

    def field(v: Any) -> str:
        if v is None:
            return ""
        s = v if v.__class__ is str else str(v)
        if '"' in s:
            return '"' + s.replace('"', '""') + '"'
        if delimiter in s or "\n" in s or "\r" in s:
            return '"' + s + '"'
        return s

    return field


class _JsonlWriter:
    def __init__(self, stream: BinaryIO, columns: Sequence[Column]) -> None:
        self._stream = stream
        self._keys = tuple(c.key for c in columns)

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        keys = self._keys
        dumps = orjson.dumps
        self._stream.write(b"".join(dumps(dict(zip(keys, row, strict=True))) + b"\n" for row in rows))

    def close(self) -> None:
        self._stream.flush()


class _XlsxWriter:
    def __init__(self, stream: BinaryIO, columns: Sequence[Column], headings: Sequence[str]) -> None:
        import xlsxwriter  # type: ignore[import-untyped]  # optional: only XLSX exports need it

        self._book = xlsxwriter.Workbook(stream, {"constant_memory": True, "strings_to_numbers": False,
                                                  "strings_to_formulas": False, "strings_to_urls": False})
        self._bold = self._book.add_format({"bold": True})
        self._date_fmt = self._book.add_format({"num_format": "dd.mm.yyyy hh:mm:ss"})
        self._columns = list(columns)
        self._headings = list(headings)
        self._dates = {i for i, c in enumerate(columns) if c.kind == "datetime"}
        self._sheets = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self._sheets += 1
        name = "events" if self._sheets == 1 else f"events {self._sheets}"
        self._sheet = self._book.add_worksheet(name)
        # Widths before the first row: in constant_memory mode the columns are written with it.
        for i, (c, heading) in enumerate(zip(self._columns, self._headings, strict=True)):
            self._sheet.set_column(i, i, max(_WIDTHS.get(c.kind, 12), min(len(heading) + 2, 40)))
        self._sheet.write_row(0, 0, self._headings, self._bold)
        self._sheet.freeze_panes(1, 0)
        self._row = 1

    def _close_sheet(self) -> None:
        self._sheet.autofilter(0, 0, max(self._row - 1, 1), len(self._columns) - 1)

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        sheet, dates, fmt = self._sheet, self._dates, self._date_fmt
        for row in rows:
            if self._row >= XLSX_MAX_ROWS:
                self._close_sheet()
                self._new_sheet()
                sheet = self._sheet
            r = self._row
            for i, v in enumerate(row):
                if v is None or v == "":
                    continue
                if i in dates:
                    sheet.write_datetime(r, i, datetime.fromisoformat(v), fmt)
                elif isinstance(v, str):
                    sheet.write_string(r, i, v)
                elif isinstance(v, bool):
                    sheet.write_boolean(r, i, v)
                else:
                    sheet.write_number(r, i, v)
            self._row = r + 1

    def close(self) -> None:
        self._close_sheet()
        self._book.close()


# Column widths (in characters) by kind: what a date, a flag, a number and a text need to be read.
_WIDTHS = {"datetime": 19, "bool": 8, "number": 10, "text": 16}


def needs_seek(fmt: str) -> bool:
    """Whether the writer of ``fmt`` seeks in its output: XLSX is a zip archive, which a pipe cannot take."""
    return fmt == "xlsx"


def open_writer(fmt: str, stream: BinaryIO, columns: Sequence[Column], *, headings: Sequence[str] | None = None,
                csv_options: CsvOptions | None = None) -> RowWriter:
    """A writer of ``fmt`` over a binary stream; the heading row (CSV, XLSX) is written at once."""
    heads = list(headings) if headings is not None else [c.key for c in columns]
    if fmt == "csv":
        return _CsvWriter(stream, columns, heads, csv_options or CsvOptions())
    if fmt == "jsonl":
        return _JsonlWriter(stream, columns)
    if fmt == "xlsx":
        return _XlsxWriter(stream, columns, heads)
    raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")


class AtomicOutput:
    """Write to a temporary file beside ``path``; replace ``path`` only on :meth:`commit`.

    Any exit without ``commit`` (an error, Ctrl-C, SIGTERM turned into an exception) removes
    the temporary file, so a reader of ``path`` sees the old file or the complete new one,
    never a half-written one. The temporary file lives in the same directory because
    ``os.replace`` is atomic only within one file system.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._tmp: Path | None = None
        self._file: BinaryIO | None = None

    def __enter__(self) -> BinaryIO:
        directory = self.path.parent
        if not directory.is_dir():
            raise OnecError(f"The output directory {directory} does not exist")
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}{_PARTIAL_MARK}", dir=directory)
        self._tmp = Path(tmp)
        self._file = os.fdopen(fd, "wb", buffering=1 << 20)
        return self._file

    def commit(self) -> None:
        if self._file is None or self._tmp is None:
            raise RuntimeError("AtomicOutput.commit() outside its with-block or twice")
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        try:
            mode = self.path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.chmod(self._tmp, mode)  # mkstemp makes 0600; keep what the replaced file (or umask) had
        os.replace(self._tmp, self.path)
        self._tmp = None

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.abort()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def cleanup_stale_partials(path: str | Path) -> list[Path]:
    """Remove temporary files a killed run (SIGKILL, power loss) left beside ``path``.

    Call only while holding the run lock: then no other run can be writing them.
    """
    target = Path(path)
    removed = []
    for candidate in target.parent.glob(f".{target.name}{_PARTIAL_MARK}*"):
        candidate.unlink(missing_ok=True)
        removed.append(candidate)
    return removed
