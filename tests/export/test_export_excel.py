"""``events export`` for Excel, as a manager opens it: ``--excel`` CSV (BOM, ';', CRLF, Russian
values) read with the csv module and by LibreOffice in a Russian locale, XLSX read with openpyxl —
each compared with the JSONL export of the same events, on the three demo families."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter

from onec_history.cli.main import main
from onec_history.demo.server import DemoServer, start_demo
from onec_history.exitcodes import ExitCode

SINCE = "2024-01-01"


@pytest.fixture(scope="module", params=["ut10", "unf", "ut11"])
def family(request: pytest.FixtureRequest) -> Iterator[DemoServer]:
    with start_demo(request.param) as srv:
        yield srv


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("ONEC_URL", "ONEC_USER", "ONEC_PASSWORD", "ONEC_CONFIG", "ONEC_BASE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def export(capsys: pytest.CaptureFixture[str], srv: DemoServer, *args: str) -> str:
    code = main(["--url", srv.url, "-q", "events", "export", "--since", SINCE, *args])
    out, err = capsys.readouterr()
    assert code == ExitCode.OK, err
    return out


def machine_rows(capsys: pytest.CaptureFixture[str], srv: DemoServer) -> list[dict[str, Any]]:
    return [json.loads(line) for line in export(capsys, srv, "--format", "jsonl").splitlines()]


def russian_date(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%d.%m.%Y %H:%M:%S") if iso else ""


def russian_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def test_excel_csv_speaks_russian_and_the_default_csv_does_not_change(
        family: DemoServer, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = machine_rows(capsys, family)
    assert rows
    path = tmp_path / "events.csv"
    export(capsys, family, "--excel", "-o", str(path))
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")
    records = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(records) == len(rows)
    flag = {True: "да", False: "нет", None: ""}
    for got, want in zip(records, rows, strict=True):
        assert got["ref"] == want["ref"] and got["client"] == (want["client"] or "")
        assert got["date"] == russian_date(want["date"]) and got["start"] == russian_date(want["start"])
        assert got["duration_min"] == russian_number(want["duration_min"])
        assert got["posted"] == flag[want["posted"]] and got["deleted"] == flag[want["deleted"]]
    assert any(r["duration_min"] for r in records) == any(r["duration_min"] is not None for r in rows)

    # The CSV without --excel: ',' , no BOM, ISO-like dates with a space, 30.0, true/false — for scripts.
    plain = list(csv.DictReader(io.StringIO(export(capsys, family), newline="")))
    for got, want in zip(plain, rows, strict=True):
        assert got["date"] == want["date"].replace("T", " ")
        assert got["duration_min"] == ("" if want["duration_min"] is None else str(want["duration_min"]))
        assert got["posted"] == {True: "true", False: "false", None: ""}[want["posted"]]


def test_xlsx_has_number_boolean_and_date_cells(family: DemoServer, capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    rows = machine_rows(capsys, family)
    path = tmp_path / "events.xlsx"
    export(capsys, family, "--headings", "ru", "-o", str(path))
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    heads = [c.value for c in ws[1]]
    col = {key: heads.index(title) + 1 for key, title in (("date", "Дата"), ("duration_min", "Длительность, мин"),
                                                          ("posted", "Проведён"), ("deleted", "Помечен на удаление"),
                                                          ("number", "Номер"))}
    assert ws.max_row == len(rows) + 1 and ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{get_column_letter(len(heads))}{len(rows) + 1}"
    for i, want in enumerate(rows, start=2):
        date = ws.cell(i, col["date"])
        assert isinstance(date, Cell) and date.is_date and date.value == datetime.fromisoformat(want["date"])
        minutes = ws.cell(i, col["duration_min"])
        if want["duration_min"] is None:
            assert minutes.value is None
        else:
            assert minutes.data_type == "n" and minutes.value == want["duration_min"]
        for key in ("posted", "deleted"):
            cell = ws.cell(i, col[key])
            assert cell.value is want[key] and (want[key] is None or cell.data_type == "b")
        assert ws.cell(i, col["number"]).data_type == "s"  # 00000000001 stays text: its zeros are kept


def test_excel_does_not_apply_to_jsonl(capsys: pytest.CaptureFixture[str], family: DemoServer) -> None:
    code = main(["--url", family.url, "events", "export", "--excel", "--format", "jsonl"])
    assert code == ExitCode.USAGE and "--excel" in capsys.readouterr().err


def test_libreoffice_in_a_russian_locale_reads_the_excel_csv_as_dates_and_numbers(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    with start_demo("ut10") as srv:
        rows = machine_rows(capsys, srv)
        export(capsys, srv, "--excel", "-o", str(tmp_path / "events.csv"))
    profile = (tmp_path / "lo-profile").as_uri()
    # CSV import as a Russian Excel does it: ';', '"', UTF-8, from line 1, the language ru-RU (1049)
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--infilter=CSV:59,34,76,1,,1049",
                    "--convert-to", "xlsx", str(tmp_path / "events.csv"), "--outdir", str(tmp_path / "lo")],
                   capture_output=True, timeout=180, check=True)
    ws = openpyxl.load_workbook(tmp_path / "lo" / "events.xlsx").active
    assert ws is not None
    heads = [c.value for c in ws[1]]
    date, minutes = heads.index("date") + 1, heads.index("duration_min") + 1
    for i, want in enumerate(rows, start=2):
        assert ws.cell(i, date).value == datetime.fromisoformat(want["date"])
        if want["duration_min"] is not None:
            assert ws.cell(i, minutes).value == want["duration_min"]


def test_the_extension_of_the_output_picks_the_format_and_a_contradiction_is_refused(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with start_demo("ut10") as srv:
        export(capsys, srv, "-o", str(tmp_path / "e.xlsx"))
        assert zipfile_names(tmp_path / "e.xlsx") >= {"xl/workbook.xml"}
        export(capsys, srv, "-o", str(tmp_path / "e.jsonl"))
        first = (tmp_path / "e.jsonl").read_text(encoding="utf-8").splitlines()[0]
        assert json.loads(first)["ref"]
        code = main(["--url", srv.url, "events", "export", "--format", "csv", "-o", str(tmp_path / "x.xlsx")])
        assert code == ExitCode.USAGE and "x.xlsx" in capsys.readouterr().err
        assert not (tmp_path / "x.xlsx").exists()


def zipfile_names(path: Path) -> set[str]:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())
