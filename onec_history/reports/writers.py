"""A report for people as CSV (plain or for Excel on a Russian Windows) and as an XLSX workbook.

- CSV: the headings, then one line per row, values as a Russian reader writes them (``4,2 %``,
  ``15,0``, ``да``, ``dd.mm.yyyy``). With ``excel``: a UTF-8 BOM (Excel reads UTF-8 only with
  it), ``;`` between fields (a Russian Excel's list separator), CRLF, and a first line holding
  the report's title and period — the plain CSV has no such line, so that a parser's first row
  is the headings (its period goes to stderr).
- XLSX: the title and period in the first row, the headings in the second (frozen, with an
  autofilter over the data), numbers as number cells (percentages with a percent format, one
  decimal for averages), dates as date cells shown ``dd.mm.yyyy``, columns as wide as their
  contents, and a print setup that repeats the headings on every page.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import IO, Any

from .layout import Column, Kind, Sheet, ru_text, week_monday

__all__ = ["XLSX_FORMATS", "write_csv", "xlsx_bytes"]

#: The number formats of XLSX cells per kind (Excel shows them in the reader's locale: 4,2% and 15,0
#: in a Russian one).
XLSX_FORMATS: dict[Kind, str] = {
    Kind.INT: "0",
    Kind.DECIMAL: "0.0",
    Kind.PERCENT: "0.0%",
    Kind.DATE: "dd.mm.yyyy",
    Kind.DATETIME: "dd.mm.yyyy hh:mm",
    Kind.WEEK: '"с "dd.mm.yyyy',
}
_MAX_WIDTH = 60  # a long subject wraps the sheet no wider than this; the cell keeps it whole


def write_csv(sheet: Sheet, stream: IO[str], *, excel: bool = False) -> int:
    """Write ``sheet`` as CSV to a text stream opened with ``newline=""``; returns the row count."""
    if excel:
        stream.write("\ufeff")
        writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
        writer.writerow([sheet.title])
    else:
        writer = csv.writer(stream)
    writer.writerow([c.heading for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow([ru_text(c.get(row), c.kind) for c in sheet.columns])
    return len(sheet.rows)


def _cell_width(column: Column, value: Any) -> int:
    if column.kind is Kind.PERCENT:
        return 7
    return max((len(line) for line in ru_text(value, column.kind).splitlines()), default=0)


def xlsx_bytes(sheet: Sheet) -> bytes:
    """The workbook of ``sheet`` (one worksheet), as the bytes of an .xlsx file."""
    import xlsxwriter  # type: ignore[import-untyped]

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": sheet.title, "comments": "onec-history report " + sheet.name})
    ws = book.add_worksheet(sheet.sheet_name[:31])
    formats: dict[tuple[Kind | None, bool], Any] = {}

    def fmt(kind: Kind | None, bold: bool = False) -> Any:
        if (kind, bold) not in formats:
            props: dict[str, Any] = {"bold": True} if bold else {}
            if kind in XLSX_FORMATS:
                props["num_format"] = XLSX_FORMATS[kind]
            formats[kind, bold] = book.add_format(props)
        return formats[kind, bold]

    columns = sheet.columns
    ws.write_string(0, 0, sheet.title, book.add_format({"bold": True, "font_size": 12}))
    head = book.add_format({"bold": True, "bottom": 1, "bg_color": "#EDEDED"})
    for j, c in enumerate(columns):
        ws.write_string(1, j, c.heading, head)
    widths = [len(c.heading) for c in columns]
    for i, row in enumerate(sheet.rows, start=2):
        bold = sheet.totals(row)
        for j, c in enumerate(columns):
            value = c.get(row)
            widths[j] = max(widths[j], _cell_width(c, value))
            _write(ws, i, j, c, value, fmt(c.kind, bold), fmt(None, bold))
    for j, width in enumerate(widths):
        ws.set_column(j, j, min(width, _MAX_WIDTH) + 2)
    last = max(len(sheet.rows) + 1, 1)
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, last, len(columns) - 1)
    ws.repeat_rows(1)
    ws.set_header("&L" + sheet.title.replace("&", "&&"))
    ws.set_footer("&R&P / &N")
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    book.close()
    return buffer.getvalue()


def _write(ws: Any, i: int, j: int, column: Column, value: Any, cell_format: Any, text_format: Any) -> None:
    """One cell: a number, a date or text — never a number written as text."""
    kind = column.kind
    if value is None or value == "":
        ws.write_blank(i, j, None, text_format)
    elif isinstance(value, bool):
        ws.write_string(i, j, "да" if value else "нет", text_format)
    elif kind in (Kind.INT, Kind.DECIMAL, Kind.PERCENT) and isinstance(value, int | float):
        ws.write_number(i, j, value, cell_format)
    elif kind in (Kind.DATE, Kind.DATETIME) and isinstance(value, datetime | date):
        ws.write_datetime(i, j, value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time()),
                          cell_format)
    elif kind is Kind.WEEK and (monday := week_monday(value)) is not None:
        ws.write_datetime(i, j, datetime.combine(monday, datetime.min.time()), cell_format)
    else:
        ws.write_string(i, j, ru_text(value, kind), text_format)
