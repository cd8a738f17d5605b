"""The export's CSV writer writes what the csv module would, byte for byte (it no longer uses it for rows)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from onec_history.export.writers import Column, CsvOptions, open_writer

COLUMNS = (Column("text", "Текст"), Column("when", "Дата", "datetime"), Column("flag", "Флаг", "bool"),
           Column("n", "Число", "number"), Column("other", "Прочее"))

AWKWARD = ["", " ", "plain", "Иванов, Пётр", 'say "hi"', '"', '""', "a;b", "line\nbreak", "cr\rhere",
           "crlf\r\n", "tab\there", "\ufeffbom", "trailing ", "emoji 🙂", ",", ";", "\n"]


def _expected(rows: list[tuple[Any, ...]], heads: list[str], delimiter: str) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(heads)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _rows() -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for i, text in enumerate(AWKWARD):
        other: Any = (None, 7, 2.5, -0.1, 1e20, True, "x,y", AWKWARD[-1 - i])[i % 8]
        rows.append((text, None, None, None, other))
    return rows


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_fields_are_quoted_as_the_csv_module_quotes_them(delimiter: str) -> None:
    rows = _rows()
    heads = ["text", 'he"ad', "a,b", "c;d", "e\nf"]
    out = io.BytesIO()
    writer = open_writer("csv", out, COLUMNS, headings=heads, csv_options=CsvOptions(delimiter=delimiter))
    writer.write_rows(rows[:5])
    writer.write_rows([])  # an empty page writes nothing
    writer.write_rows(iter(rows[5:]))
    writer.close()
    assert out.getvalue() == _expected(rows, heads, delimiter)


def test_dates_flags_and_numbers_as_before() -> None:
    rows = [("a", "2024-07-03T10:02:53", True, 30.0, None), ("b", None, False, 12.5, ""), ("c", "", None, None, 0)]
    out = io.BytesIO()
    writer = open_writer("csv", out, COLUMNS, csv_options=CsvOptions())
    writer.write_rows(rows)
    writer.close()
    assert out.getvalue().decode("utf-8").split("\r\n") == [
        "text,when,flag,n,other", "a,2024-07-03 10:02:53,true,30.0,", "b,,false,12.5,", "c,,,,0", ""]


def test_excel_csv_in_russian_with_the_bom() -> None:
    rows = [("Иванов; Пётр", "2024-07-03T10:02:53", True, 30.0, None), ('«"»', None, False, 12.5, "x")]
    out = io.BytesIO()
    writer = open_writer("csv", out, COLUMNS, csv_options=CsvOptions.excel())
    writer.write_rows(rows)
    writer.close()
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode("utf-8").split("\r\n") == [
        "text;when;flag;n;other", '"Иванов; Пётр";03.07.2024 10:02:53;да;30;', '"«""»";;нет;12,5;x', ""]
    parsed = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))
    assert parsed[1][0] == "Иванов; Пётр" and parsed[2][0] == '«"»'
