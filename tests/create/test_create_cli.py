"""``events create`` and ``events import`` from the command line: output, reports and exit codes."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest
from create_helpers import calls_csv, make_history

from onec_history.cli.main import main
from onec_history.create import Ledger
from onec_history.demo.server import DemoServer
from onec_history.exitcodes import ExitCode


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_prints_the_ref_and_repeating_it_creates_nothing(
        capsys: pytest.CaptureFixture[str], ut10: DemoServer, tmp_path: Path) -> None:
    args = ("--url", ut10.url, "events", "create", "--counterparty", "7701000001", "--kind", "ТелефонныйЗвонок",
            "--direction", "вход", "--state", "завершено", "--start", "06.05.2024 10:00", "--duration", "5:00",
            "--subject", "Звонок из CLI", "--responsible", "Петров", "--post")
    code, out, err = run(capsys, *args)
    assert code == ExitCode.OK, err
    ref = out.strip()
    assert len(ref) == 36 and "Created" in err
    code, out, err = run(capsys, *args)
    assert code == ExitCode.OK and out.strip() == ref and "Already present" in err
    shown = make_history(ut10.url).get_event(ref)
    assert shown.subject == "Звонок из CLI" and shown.posted is True
    assert shown.end == datetime(2024, 5, 6, 10, 5) and shown.responsible_name == "Петров Сергей Николаевич"
    # The ledger lives in the user's data directory.
    assert (tmp_path / "data" / "onec-history" / "ledger.sqlite").is_file()


def test_create_dry_run_prints_the_exact_body(capsys: pytest.CaptureFixture[str], ut10: DemoServer) -> None:
    code, out, err = run(capsys, "--url", ut10.url, "events", "create", "--caller", "+7 900 000-00-00",
                         "--kind", "call", "--start", "2024-05-06 10:00", "--dry-run")
    assert code == ExitCode.OK, err
    body = json.loads(out)
    assert body["Контрагент"] == "+7 900 000-00-00" and body["Контрагент_Type"] == "Edm.String"
    assert body["ВидСобытия"] == "ТелефонныйЗвонок" and "Ref_Key" in body


def test_create_failures_have_documented_codes(capsys: pytest.CaptureFixture[str], ut10: DemoServer) -> None:
    code, _, err = run(capsys, "--url", ut10.url, "events", "create", "--counterparty", "Ромашка", "--kind", "call")
    assert code == ExitCode.AMBIGUOUS and "ООО Ромашка" in err and "OOO Ромашка" in err
    code, _, err = run(capsys, "--url", ut10.url, "events", "create", "--counterparty", "7701000001",
                       "--kind", "call", "--start", "31.02.2024")
    assert code == ExitCode.BAD_INPUT and "start:" in err
    code, _, err = run(capsys, "--url", ut10.url, "events", "create", "--counterparty", "7701000001",
                       "--kind", "call", "--subject", "x" * 201)
    assert code == ExitCode.BAD_INPUT and "holds 200" in err


def test_import_report_file_exit_code_and_defaults(capsys: pytest.CaptureFixture[str], ut10: DemoServer,
                                                   tmp_path: Path) -> None:
    src = tmp_path / "calls.csv"
    src.write_text("external_id;counterparty;start;subject\n"
                   "1;7701000001;06.05.2024 10:00;Импорт 1\n"
                   "2;Никто;06.05.2024 11:00;Импорт 2\n", encoding="cp1251")
    report = tmp_path / "report.csv"
    code, out, err = run(capsys, "--url", ut10.url, "events", "import", str(src), "--set", "kind=call",
                         "--report", str(report))
    assert code == ExitCode.PARTIAL
    assert out == "" and err.strip().splitlines()[-1].startswith("2 rows: 1 created, 0 already present, 1 failed")
    with report.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["line"], r["status"], r["external_id"]) for r in rows] == [("2", "created", "1"), ("3", "failed", "2")]
    assert rows[1]["field"] == "counterparty" and "Никто" in rows[1]["message"] and rows[0]["ref"]
    code, out, _ = run(capsys, "--url", ut10.url, "events", "import", str(src), "--set", "kind=call",
                       "--format", "jsonl")
    assert code == ExitCode.PARTIAL
    assert [json.loads(line)["status"] for line in out.splitlines()] == ["already_present", "failed"]


def test_import_jsonl_dry_run_and_nothing_to_do(capsys: pytest.CaptureFixture[str], ut10: DemoServer,
                                                tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"counterparty": "7701000001", "kind": "call", "start": "2024-05-06"},
                              ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "--url", ut10.url, "events", "import", str(src), "--dry-run")
    assert code == ExitCode.OK and "would_create" in out and '"Контрагент_Type"' in out
    empty = tmp_path / "empty.csv"
    empty.write_text("counterparty,kind,start\n\n", encoding="utf-8")
    code, _, _ = run(capsys, "--url", ut10.url, "events", "import", str(empty))
    assert code == ExitCode.NOTHING_TO_DO


def test_import_bad_header_is_bad_input(capsys: pytest.CaptureFixture[str], ut10: DemoServer, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("counterparty,kind,start,subjcet\n7701000001,call,2024-05-06,x\n", encoding="utf-8")
    code, _, err = run(capsys, "--url", ut10.url, "events", "import", str(src))
    assert code == ExitCode.BAD_INPUT and "'subjcet'" in err and "Traceback" not in err
    code, _, err = run(capsys, "--url", ut10.url, "events", "import", str(src), "--ignore-unknown-columns")
    assert code == ExitCode.OK, err


def test_import_waits_for_no_one_while_another_run_holds_the_base(
        capsys: pytest.CaptureFixture[str], ut10: DemoServer, tmp_path: Path) -> None:
    src = tmp_path / "calls.csv"
    src.write_text(calls_csv(2), encoding="utf-8")
    ledger = tmp_path / "l.sqlite"
    with Ledger(ledger, ut10.url) as other, other.exclusive():
        code, _, err = run(capsys, "--url", ut10.url, "events", "import", str(src), "--ledger", str(ledger))
    assert code == ExitCode.LOCKED and "Another onec-history run" in err
    code, _, _ = run(capsys, "--url", ut10.url, "events", "import", str(src), "--ledger", str(ledger), "-j", "2")
    assert code == ExitCode.OK


def test_commands_have_help(capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("create", "import"):
        code, out, _ = run(capsys, "events", name, "--help")
        assert code == 0 and "--dry-run" in out and "--ledger" in out
