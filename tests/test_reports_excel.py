"""Reports a manager opens in Excel (issue 17, item 6), tried as a manager and an administrator would:
`-o FILE`, `--format table|csv|xlsx|json|jsonl`, `--excel`; Russian numbers and dates where people
read them, machine values in JSON; the period in every header, said aloud when it is the default;
the funnel's steps and the grouping's heading in 1C's words. The XLSX files are read back with
openpyxl (an independent reader) and the CSV for Excel with LibreOffice in a Russian locale."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.demo.server import DemoServer, start_demo
from onec_history.history import History
from onec_history.presentations import event_labels
from onec_history.profiles import Family
from onec_history.transport import Transport

AS_OF = "2026-06-30 18:00"  # the demo datasets' "today"
MOMENT = datetime(2026, 6, 30, 18, 0)
PERIOD = ["--since", "2026-01-01", "--until", "2026-06-30"]
REPORTS: dict[str, list[str]] = {
    "inactive": ["inactive", "--days", "45", "--as-of", AS_OF],
    "overdue": ["overdue", "--as-of", AS_OF],
    "activity": ["activity", "--by", "kind", *PERIOD, "--as-of", AS_OF],
    "funnel": ["funnel", *PERIOD],
}
# The columns whose cells must be numbers, and dates, in each report's workbook (by JSON key).
NUMBERS = {"inactive": ("days_since",), "overdue": ("days_overdue",),
           "activity": ("events", "total_minutes", "avg_minutes", "with_duration"),
           "funnel": ("count", "conversion", "conversion_total", "median_days")}
DATES = {"inactive": ("last_completed", "next_planned"), "overdue": ("start",), "activity": (), "funnel": ()}
KEYS = {  # the workbook's columns in order, by JSON key
    "inactive": ["manager", "client", "inn", "last_completed", "days_since", "last_kind", "last_subject",
                 "next_planned", "next_subject", "client_ref"],
    "overdue": ["responsible", "start", "days_overdue", "client", "kind", "subject", "number", "ref"],
    "activity": ["group", "events", "total_minutes", "avg_minutes", "with_duration"],
    "funnel": ["step", "count", "conversion", "conversion_total", "median_days"],
}


@pytest.fixture(scope="module", params=["ut10", "unf", "ut11"])
def base(request: pytest.FixtureRequest) -> Iterator[DemoServer]:
    with start_demo(request.param) as server:
        yield server


@pytest.fixture(scope="module")
def family(base: DemoServer) -> Family:
    return History(Client(Transport(base.url))).profile.family


def run(capsys: pytest.CaptureFixture[str], base: DemoServer, *args: str) -> tuple[int, str, str]:
    code = main(["--url", base.url, "report", *args])
    out, err = capsys.readouterr()
    return code, out, err


def json_rows(capsys: pytest.CaptureFixture[str], base: DemoServer, name: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, base, *REPORTS[name], "--format", "json")
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def widths(ws: Worksheet) -> dict[int, float]:
    """Column index (1-based) → width, over the ranges openpyxl reads (<col min= max=>)."""
    out: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        for i in range(dim.min or 0, (dim.max or 0) + 1):
            out[i] = dim.width
    return out


# -- XLSX ------------------------------------------------------------------------------------------
@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize("name", list(REPORTS))
def test_the_workbook_has_typed_cells_a_title_a_frozen_header_and_a_filter(
        name: str, base: DemoServer, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = json_rows(capsys, base, name)
    path = tmp_path / f"{name}.xlsx"
    code, out, err = run(capsys, base, *REPORTS[name], "-o", str(path))  # the extension picks the format
    assert code == 0 and out == "" and f"Written {path}" in err
    assert not (tmp_path / f"{name}.xlsx.tmp").exists()
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    title = str(ws["A1"].value)
    if name in ("activity", "funnel"):
        assert "01.01.2026 – 30.06.2026" in title
    else:
        assert "30.06.2026 18:00" in title
    heads = [c.value for c in ws[2]]
    assert len(heads) == len(KEYS[name]) and all(heads)
    assert ws.freeze_panes == "A3"  # the title and the headings stay in sight
    last = get_column_letter(len(heads))
    assert ws.auto_filter.ref == f"A2:{last}{len(rows) + 2}"
    assert ws.max_row == len(rows) + 2
    shown = widths(ws)
    for j, head in enumerate(heads, start=1):
        assert shown.get(j, 0) >= len(str(head)), (head, shown.get(j))  # fitted to the heading at least
    for i, row in enumerate(rows, start=3):
        cells = {k: ws.cell(i, j) for j, k in enumerate(KEYS[name], start=1)}
        for key in NUMBERS[name]:
            cell, value = cells[key], row[key]
            if value is None:
                assert cell.value is None
                continue
            assert isinstance(cell.value, int | float) and not isinstance(cell.value, bool), (key, cell.value)
            assert cell.value == pytest.approx(value)
            assert ("%" in cell.number_format) == key.startswith("conversion"), (key, cell.number_format)
            if key in ("avg_minutes", "total_minutes", "median_days"):
                assert cell.number_format == "0.0"  # 15,0 in a Russian Excel
        for key in DATES[name]:
            cell = cells[key]
            if row[key] is None:
                assert cell.value is None
                continue
            assert isinstance(cell.value, datetime) and cell.number_format.startswith("dd.mm.yyyy"), cell.value
            assert cell.value == datetime.fromisoformat(row[key]).replace(microsecond=0)
        if "ref" in KEYS[name] or "client_ref" in KEYS[name]:
            ref = cells.get("ref") or cells["client_ref"]
            assert ref.value == row.get("ref", row.get("client_ref"))  # identifiers stay text, whole
    if name == "activity":
        total = ws.cell(len(rows) + 2, 1)
        assert total.value == "Итого" and total.font.b


@pytest.mark.usefixtures("isolated")
def test_weeks_are_date_cells_under_the_heading_неделя(base: DemoServer, capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    path = tmp_path / "weeks.xlsx"
    code, _, err = run(capsys, base, "activity", "--by", "week", *PERIOD, "--format", "xlsx", "-o", str(path))
    assert code == 0, err
    ws = openpyxl.load_workbook(path).active
    assert ws is not None and ws["A2"].value == "Неделя"
    mondays = [d for i in range(3, ws.max_row) if isinstance(d := ws.cell(i, 1).value, datetime)]
    assert mondays and len(mondays) == ws.max_row - 3 and all(d.weekday() == 0 for d in mondays)
    assert mondays == sorted(mondays) and ws.cell(ws.max_row, 1).value == "Итого"


# -- CSV, plain and for Excel ----------------------------------------------------------------------
@pytest.mark.usefixtures("isolated")
def test_csv_for_excel_has_bom_semicolons_crlf_a_title_line_and_russian_numbers(
        base: DemoServer, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = json_rows(capsys, base, "funnel")
    path = tmp_path / "funnel.csv"
    code, _, err = run(capsys, base, *REPORTS["funnel"], "--excel", "-o", str(path))  # --excel: csv
    assert code == 0, err
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == len(rows) + 2
    assert b"\n" not in data.replace(b"\r\n", b"")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert lines[0][0].startswith("Воронка продаж: первые обращения 01.01.2026 – 30.06.2026")
    assert lines[1][0] == "Шаг" and len(lines[1]) == 5
    assert lines[2][0] == "Первое обращение"
    # --excel with a workbook's name writes the workbook (never CSV bytes in a file called .xlsx)
    code, _, err = run(capsys, base, *REPORTS["funnel"], "--excel", "-o", str(tmp_path / "funnel.xlsx"))
    assert code == 0, err
    assert openpyxl.load_workbook(tmp_path / "funnel.xlsx").active is not None
    for text, row in zip(lines[2:], rows, strict=True):
        assert text[1] == str(row["count"])
        if row["conversion"] is not None:
            assert text[2].endswith(" %") and "," in text[2]
            assert float(text[2].removesuffix(" %").replace(",", ".")) == pytest.approx(row["conversion"] * 100)
        if row["median_days"] is not None:
            assert text[4] == f"{row['median_days']:.1f}".replace(".", ",")


@pytest.mark.usefixtures("isolated")
def test_plain_csv_starts_with_its_headings_and_says_the_period_on_stderr(
        base: DemoServer, family: Family, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, base, *REPORTS["overdue"], "--format", "csv")
    assert code == 0
    lines = list(csv.reader(io.StringIO(out)))
    assert lines[0][:3] == ["Ответственный", "Начало", "Просрочено, дней"]
    assert lines[0][4] == event_labels(family).kind and lines[0][5] == event_labels(family).subject
    assert "Просроченные запланированные события на 30.06.2026 18:00" in err
    for line in lines[1:]:
        datetime.strptime(line[1], "%d.%m.%Y %H:%M")  # dd.mm.yyyy, not ISO
        assert line[2].isdigit()
        assert line[4] and not any(a.islower() and b.isupper() for a, b in zip(line[4], line[4][1:], strict=False))


# -- JSON keeps machine values ---------------------------------------------------------------------
@pytest.mark.usefixtures("isolated")
def test_json_and_jsonl_keep_identifiers_numbers_and_carry_the_period(
        base: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    rows = json_rows(capsys, base, "funnel")
    assert [r["step"] for r in rows] == ["first incoming event", "order", "delivery"]
    assert isinstance(rows[1]["conversion"], float) and rows[0]["document_type"] is None
    assert all(r["since"] == "2026-01-01T00:00:00" and r["until"] == "2026-06-30T23:59:59" for r in rows)
    code, out, _ = run(capsys, base, *REPORTS["overdue"], "--format", "jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and lines and all(r["as_of"] == "2026-06-30T18:00:00" and r["since"] is None for r in lines)
    assert all(r["kind_raw"] and " " not in r["kind_raw"] for r in lines)  # 1C's identifier, not its title


# -- the default period said aloud -----------------------------------------------------------------
@pytest.mark.usefixtures("isolated")
def test_activity_without_since_says_its_period(base: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    since = MOMENT - timedelta(days=30)
    code, out, err = run(capsys, base, "activity", "--as-of", AS_OF)
    assert code == 0
    words = f"за 30 дней: {since:%d.%m.%Y %H:%M} – {MOMENT:%d.%m.%Y %H:%M}"
    assert f"Period: {words}" in err and "default" in err
    assert out.splitlines()[0] == f"Завершённые события по ответственным {words}"
    assert out.splitlines()[2].startswith("Ответственный")
    code, out, err = run(capsys, base, "activity", "--as-of", AS_OF, "--format", "json")
    rows = json.loads(out)
    assert rows and {(r["since"], r["until"], r["as_of"]) for r in rows} == {
        (since.isoformat(), MOMENT.isoformat(), MOMENT.isoformat())}
    assert sum(r["events"] for r in rows[:-1]) == rows[-1]["events"]
    code, out, err = run(capsys, base, "activity", "--since", "2026-06-01", "--as-of", AS_OF)
    assert code == 0 and "Period:" not in err  # asked for: nothing to say


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize(("by", "heading"), [("manager", "Ответственный"), ("week", "Неделя"), ("kind", None)])
def test_the_grouping_heads_its_column(by: str, heading: str | None, base: DemoServer, family: Family,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, base, "activity", "--by", by, *PERIOD, "--format", "csv")
    first = out.splitlines()[0].split(",")[0]
    assert code == 0 and first == (heading or event_labels(family).kind)
    if by == "kind":  # the kinds as 1C presents them: «Телефонный звонок», not ТелефонныйЗвонок / call
        groups = [line.split(",")[0] for line in out.splitlines()[1:]]
        assert "Телефонный звонок" in groups and groups[-1] == "Итого"
        assert not {"call", "email", "ТелефонныйЗвонок"} & set(groups)


@pytest.mark.usefixtures("isolated")
def test_funnel_steps_in_1c_words(base: DemoServer, family: Family, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, base, *REPORTS["funnel"], "--format", "csv")
    steps = [line.split(",")[0] for line in out.splitlines()[1:]]
    assert code == 0 and steps == ["Первое обращение", *{
        Family.A: ["Заказ покупателя", "Реализация товаров и услуг"],
        Family.B: ["Заказ покупателя", "Расходная накладная"],
        Family.C: ["Заказ клиента", "Реализация товаров и услуг"]}[family]]


# -- refusals, up front --------------------------------------------------------------------------------
UNREACHABLE = "http://127.0.0.1:9/odata/standard.odata/"  # nothing listens: a request would be exit 4


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize("fmt", ["json", "jsonl", "table"])
def test_excel_with_a_format_it_does_not_shape_is_a_usage_error(fmt: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--url", UNREACHABLE, "report", "overdue", "--excel", "--format", fmt])
    err = capsys.readouterr().err
    assert code == 2 and f"--format {fmt}" in err and "--format csv or xlsx" in err and "Traceback" not in err


@pytest.mark.usefixtures("isolated")
def test_xlsx_to_a_terminal_is_refused(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code = main(["--url", UNREACHABLE, "report", "funnel", *PERIOD, "--format", "xlsx"])
    assert code == 2 and "-o FILE.xlsx" in capsys.readouterr().err


@pytest.mark.usefixtures("isolated")
def test_a_missing_folder_is_refused_before_1c_is_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["--url", UNREACHABLE, "report", "overdue", "-o", str(tmp_path / "no" / "such.xlsx")])
    assert code == 2 and "does not exist" in capsys.readouterr().err  # not exit 4: nothing was asked of 1C


# -- a Russian Windows, reproduced ---------------------------------------------------------------------
def _subprocess(url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "cp1251", "XDG_CACHE_HOME": str(tmp / "cache"),
           "XDG_CONFIG_HOME": str(tmp / "config"), "XDG_DATA_HOME": str(tmp / "data")}
    env.pop("ONEC_URL", None)
    return subprocess.run([sys.executable, "-m", "onec_history", "--url", url, "-q", "report", *args],
                          capture_output=True, env=env, timeout=120, check=False)


def test_redirected_excel_csv_is_utf8_with_bom_under_cp1251(base: DemoServer, tmp_path: Path) -> None:
    done = _subprocess(base.url, tmp_path, *REPORTS["overdue"], "--excel")
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert done.stdout.startswith(b"\xef\xbb\xbf") and "Ответственный".encode() in done.stdout
    table = _subprocess(base.url, tmp_path, *REPORTS["funnel"])
    assert table.returncode == 0 and "Первое обращение" in table.stdout.decode("cp1251")


def test_xlsx_to_a_redirect_is_a_workbook(base: DemoServer, tmp_path: Path) -> None:
    done = _subprocess(base.url, tmp_path, *REPORTS["overdue"], "--format", "xlsx")
    assert done.returncode == 0 and done.stdout.startswith(b"PK"), done.stderr.decode("utf-8", "replace")
    (tmp_path / "piped.xlsx").write_bytes(done.stdout)
    ws = openpyxl.load_workbook(tmp_path / "piped.xlsx").active
    assert ws is not None and ws["A2"].value == "Ответственный" and ws.freeze_panes == "A3"


# -- LibreOffice, a second independent reader -------------------------------------------------------------
def _soffice(tmp: Path, *args: str) -> None:
    profile = (tmp / "lo-profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", *args, "--outdir", str(tmp / "lo")],
                   capture_output=True, timeout=180, check=True)


@pytest.mark.usefixtures("isolated")
def test_libreoffice_in_a_russian_locale_reads_numbers_and_dates(base: DemoServer, capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    funnel, overdue = json_rows(capsys, base, "funnel"), json_rows(capsys, base, "overdue")
    assert run(capsys, base, *REPORTS["funnel"], "--excel", "-o", str(tmp_path / "funnel.csv"))[0] == 0
    assert run(capsys, base, *REPORTS["overdue"], "--excel", "-o", str(tmp_path / "overdue.csv"))[0] == 0
    # CSV import as a Russian Excel does it: ';', '"', UTF-8, from line 1, the language ru-RU (1049)
    _soffice(tmp_path, "--infilter=CSV:59,34,76,1,,1049", "--convert-to", "xlsx",
             str(tmp_path / "funnel.csv"), str(tmp_path / "overdue.csv"))
    ws = openpyxl.load_workbook(tmp_path / "lo" / "funnel.xlsx").active
    assert ws is not None
    for i, row in enumerate(funnel, start=3):
        assert ws.cell(i, 2).value == row["count"]
        if row["conversion"] is not None:  # «3,3 %» is read as the number 0.033 with a percent format
            assert ws.cell(i, 3).value == pytest.approx(row["conversion"]) and "%" in ws.cell(i, 3).number_format
            assert ws.cell(i, 5).value == pytest.approx(row["median_days"])
    ws = openpyxl.load_workbook(tmp_path / "lo" / "overdue.xlsx").active
    assert ws is not None
    for i, row in enumerate(overdue, start=3):
        start = ws.cell(i, 2).value
        assert isinstance(start, datetime) and start == datetime.fromisoformat(row["start"]).replace(second=0)
        assert ws.cell(i, 3).value == row["days_overdue"]
    # and our workbook as LibreOffice shows it: the dates and percentages in their number formats
    assert run(capsys, base, *REPORTS["funnel"], "-o", str(tmp_path / "wb.xlsx"))[0] == 0
    _soffice(tmp_path, "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,1049,false,true,true",
             str(tmp_path / "wb.xlsx"))
    shown = list(csv.reader((tmp_path / "lo" / "wb.csv").read_text(encoding="utf-8").splitlines()))
    assert shown[1][0] == "Шаг" and shown[3][2].endswith("%") and shown[2][1] == str(funnel[0]["count"])
