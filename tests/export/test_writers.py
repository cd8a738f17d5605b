"""CSV for Excel, JSONL, streaming XLSX, and the atomic output file."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from onec_history.export import AtomicOutput, Column, CsvOptions, cleanup_stale_partials, open_writer
from onec_history.export import writers as w

COLS = (Column("ref", "Ссылка"), Column("date", "Дата", "datetime"), Column("client", "Контрагент"),
        Column("minutes", "Мин", "number"), Column("posted", "Проведён", "bool"))
ROWS = [("r1", "2024-07-03T10:02:53", "ООО «Ромашка»; 5 мониторов 24\"", 30.0, True),
        ("r2", None, "Иванов\nмногострочный", None, False)]


def written(fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    writer = open_writer(fmt, buf, COLS, **kw)  # type: ignore[arg-type]
    writer.write_rows(ROWS)
    writer.close()
    return buf.getvalue()


def test_csv_for_excel_has_bom_semicolons_crlf_and_russian_values() -> None:
    data = written("csv", csv_options=CsvOptions.excel(), headings=[c.heading for c in COLS])
    # CRLF ends the heading and the two records; the line break inside a quoted value stays as it was
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 3 and data.endswith(b"\r\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Ссылка", "Дата", "Контрагент", "Мин", "Проведён"]
    assert rows[1] == ["r1", "03.07.2024 10:02:53", "ООО «Ромашка»; 5 мониторов 24\"", "30", "да"]
    assert rows[2] == ["r2", "", "Иванов\nмногострочный", "", "нет"]
    fraction = io.BytesIO()
    writer = open_writer("csv", fraction, COLS, csv_options=CsvOptions.excel())
    writer.write_rows([("r3", "2024-12-31T23:59:59", "x", 12.5, None)])
    writer.close()
    assert fraction.getvalue().decode("utf-8-sig").splitlines()[1] == "r3;31.12.2024 23:59:59;x;12,5;"


def test_plain_csv_stays_as_scripts_read_it() -> None:
    data = written("csv")
    assert data.startswith(b"ref,date,client")
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert rows[1] == ["r1", "2024-07-03 10:02:53", "ООО «Ромашка»; 5 мониторов 24\"", "30.0", "true"]
    assert rows[2] == ["r2", "", "Иванов\nмногострочный", "", "false"]
    semicolons = written("csv", csv_options=CsvOptions(delimiter=";", bom=True))  # --bom -d ';' without --excel
    assert semicolons.decode("utf-8-sig").splitlines()[1].startswith("r1;2024-07-03 10:02:53;")


def test_jsonl_keeps_types() -> None:
    lines = written("jsonl").decode("utf-8").splitlines()
    assert [json.loads(x) for x in lines] == [
        {"ref": "r1", "date": "2024-07-03T10:02:53", "client": ROWS[0][2], "minutes": 30.0, "posted": True},
        {"ref": "r2", "date": None, "client": ROWS[1][2], "minutes": None, "posted": False},
    ]
    assert "Ромашка" in lines[0]  # UTF-8, not \\u escapes


def _sheet_xml(data: bytes, n: int = 1) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(f"xl/worksheets/sheet{n}.xml").decode("utf-8")


def test_xlsx_is_streamed_with_inline_cyrillic_and_real_dates() -> None:
    data = written("xlsx", headings=[c.heading for c in COLS])
    xml = _sheet_xml(data)
    # constant_memory writes strings inline: no shared-string table growing with the export
    assert "Контрагент" in xml and "ООО «Ромашка»" in xml and 't="inlineStr"' in xml
    first_date = re.search(r'<c r="B2"[^>]*><v>([\d.]+)</v>', xml)
    assert first_date is not None and 45476 < float(first_date.group(1)) < 45477  # 2024-07-03 as a serial


def test_xlsx_cells_are_numbers_booleans_and_dates_with_a_filter(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "e.xlsx"
    path.write_bytes(written("xlsx", headings=[c.heading for c in COLS]))
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    assert [c.value for c in ws[1]] == ["Ссылка", "Дата", "Контрагент", "Мин", "Проведён"]
    date, minutes, posted = ws["B2"], ws["D2"], ws["E2"]
    assert date.is_date and date.value == datetime(2024, 7, 3, 10, 2, 53)
    assert date.number_format == "dd.mm.yyyy hh:mm:ss"
    assert minutes.data_type == "n" and minutes.value == 30
    assert posted.data_type == "b" and posted.value is True and ws["E3"].value is False
    assert ws["B3"].value is None and ws["D3"].value is None  # empty, not "" or 0
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:E3"
    assert ws.column_dimensions["B"].width >= 19


def test_xlsx_starts_a_new_sheet_at_excels_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(w, "XLSX_MAX_ROWS", 2)
    data = written("xlsx")
    assert "r1" in _sheet_xml(data, 1) and "r2" in _sheet_xml(data, 2)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        open_writer("xml", io.BytesIO(), COLS)


def test_atomic_output_replaces_only_on_commit(tmp_path: Path) -> None:
    target = tmp_path / "events.csv"
    target.write_bytes(b"old")
    out = AtomicOutput(target)
    with out as stream:
        stream.write(b"new")
        assert target.read_bytes() == b"old"
        out.commit()
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["events.csv"]


def test_atomic_output_interrupted_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "events.csv"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), AtomicOutput(target) as stream:
        stream.write(b"half of it")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["events.csv"]


def test_stale_partials_of_a_killed_run_are_cleaned(tmp_path: Path) -> None:
    target = tmp_path / "events.csv"
    (tmp_path / ".events.csv.onec-partial-abc").write_bytes(b"x")
    (tmp_path / ".other.csv.onec-partial-abc").write_bytes(b"x")
    removed = cleanup_stale_partials(target)
    assert [p.name for p in removed] == [".events.csv.onec-partial-abc"]
    assert (tmp_path / ".other.csv.onec-partial-abc").exists()
