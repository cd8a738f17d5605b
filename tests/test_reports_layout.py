"""The Russian values of the reports' human formats, and a workbook of every kind of cell read back by openpyxl."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from onec_history.client import Client
from onec_history.demo.server import DemoServer
from onec_history.history import History
from onec_history.reports.layout import Column, Kind, Period, Sheet, days_word, ru_text, week_monday
from onec_history.reports.writers import write_csv, xlsx_bytes
from onec_history.transport import Transport


@pytest.mark.parametrize(("value", "kind", "text"), [
    (0.042, Kind.PERCENT, "4,2 %"),
    (1.0, Kind.PERCENT, "100,0 %"),
    (15, Kind.DECIMAL, "15,0"),
    (3.14159, Kind.DECIMAL, "3,1"),
    (True, Kind.BOOL, "да"),
    (False, Kind.TEXT, "нет"),
    (datetime(2026, 3, 2, 10, 15), Kind.DATE, "02.03.2026"),
    (datetime(2026, 3, 2, 10, 15), Kind.DATETIME, "02.03.2026 10:15"),
    (date(2026, 3, 2), Kind.DATETIME, "02.03.2026"),
    ("2026-W45 (02.11)", Kind.WEEK, "02.11–08.11.2026"),
    ("2026-W53 (28.12)", Kind.WEEK, "28.12.2026–03.01.2027"),  # a week across the new year: both years
    ("2025-W53 (29.12)", Kind.WEEK, "2025-W53 (29.12)"),  # 2025 has no 53rd ISO week: shown as it is
    (None, Kind.INT, ""),
    (763, Kind.INT, "763"),
    ("  Обсуждение\n скидки ", Kind.TEXT, "Обсуждение скидки"),
])
def test_russian_text_values(value: object, kind: Kind, text: str) -> None:
    assert ru_text(value, kind) == text


def test_days_words_and_periods() -> None:
    assert [days_word(n) for n in (1, 2, 5, 11, 12, 21, 22, 25, 30, 101, 111)] == [
        "день", "дня", "дней", "дней", "дней", "день", "дня", "дней", "дней", "день", "дней"]
    whole = Period(datetime(2026, 7, 1), datetime(2026, 1, 1), datetime(2026, 6, 30, 23, 59, 59))
    assert whole.words() == "01.01.2026 – 30.06.2026"
    default = Period(datetime(2026, 6, 30, 18), datetime(2026, 5, 31, 18), datetime(2026, 6, 30, 18), default_days=30)
    assert default.words() == "за 30 дней: 31.05.2026 18:00 – 30.06.2026 18:00"
    assert week_monday("2026-W01 (29.12)") == date(2025, 12, 29) and week_monday("итого") is None


def _sheet() -> Sheet:
    rows: list[dict[str, Any]]
    columns = [Column("name", "Имя"), Column("n", "Число", Kind.INT), Column("avg", "Среднее", Kind.DECIMAL),
               Column("share", "Доля", Kind.PERCENT), Column("day", "Дата", Kind.DATE),
               Column("flag", "Признак", Kind.BOOL), Column("week", "Неделя", Kind.WEEK)]
    rows = [{"name": "=1+1", "n": 3, "avg": 2.5, "share": 0.25, "day": datetime(2026, 3, 2, 10, 15), "flag": True,
             "week": "2026-W10 (02.03)"},
            {"name": "ООО «Ромашка»", "n": None, "avg": None, "share": None, "day": None, "flag": False,
             "week": "—"}]
    return Sheet("test", "Проверка 01.01.2026 – 30.06.2026", "Проверка", columns, rows,
                 Period(datetime(2026, 7, 1), datetime(2026, 1, 1), datetime(2026, 6, 30, 23, 59, 59)))


def test_every_kind_of_cell_in_a_workbook() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(_sheet())))
    ws = book.active
    assert ws is not None and ws.title == "Проверка" and ws["A1"].value == "Проверка 01.01.2026 – 30.06.2026"
    first = [c.value for c in ws[3]]
    assert first == ["=1+1", 3, 2.5, 0.25, datetime(2026, 3, 2, 10, 15), "да", datetime(2026, 3, 2)]
    assert ws["A3"].data_type == "s"  # text that looks like a formula stays text
    assert [ws.cell(3, j).number_format for j in (2, 3, 4, 5, 7)] == ["0", "0.0", "0.0%", "dd.mm.yyyy",
                                                                      '"с "dd.mm.yyyy']
    assert [c.value for c in ws[4]] == ["ООО «Ромашка»", None, None, None, None, "нет", "—"]
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:G4"
    assert ws.print_title_rows == "$2:$2"  # the headings on every printed page


def test_csv_for_excel_and_plain() -> None:
    plain, excel = io.StringIO(newline=""), io.StringIO(newline="")
    assert write_csv(_sheet(), plain) == write_csv(_sheet(), excel, excel=True) == 2
    assert plain.getvalue().splitlines()[0] == "Имя,Число,Среднее,Доля,Дата,Признак,Неделя"
    assert list(csv.reader(io.StringIO(plain.getvalue())))[1] == [
        "=1+1", "3", "2,5", "25,0 %", "02.03.2026", "да", "02.03–08.03.2026"]
    text = excel.getvalue()
    assert text.startswith("\ufeffПроверка 01.01.2026 – 30.06.2026\r\nИмя;Число;") and text.endswith("\r\n")
    assert text.splitlines()[2] == "=1+1;3;2,5;25,0 %;02.03.2026;да;02.03–08.03.2026"


def test_a_script_writes_the_workbook_as_the_package_doc_says(ut10: DemoServer, tmp_path: Path) -> None:
    from onec_history import reports

    history, moment = History(Client(Transport(ut10.url))), datetime(2026, 6, 30, 18)
    rows = reports.overdue(history, now=moment)
    sheet = reports.sheet_for("overdue", rows, reports.Period(moment, None, moment), history.profile.family)
    (tmp_path / "overdue.xlsx").write_bytes(reports.xlsx_bytes(sheet))
    ws = openpyxl.load_workbook(tmp_path / "overdue.xlsx").active
    assert ws is not None and ws.max_row == len(rows) + 2 and ws["B2"].value == "Начало"
    assert [ws.cell(i, 3).value for i in range(3, len(rows) + 3)] == [r["days_overdue"] for r in rows]
