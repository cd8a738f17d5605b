"""Writing through the command line as an integrator does: stdin, dry runs, unresolvable values.

Each test pins one thing found wrong in a review of the whole tool against the demo base.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from onec_history.cli.main import main
from onec_history.demo.server import DemoServer
from onec_history.exitcodes import ExitCode
from onec_history.local.inputs import input_format

pytestmark = pytest.mark.usefixtures("isolated")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("-", b'{"kind": "call"}\n', "jsonl"),
    ("-", b'\xef\xbb\xbf {"kind": "call"}\n', "jsonl"),
    ("-", b"kind,start\ncall,2026-04-01\n", "csv"),
    ("calls", b'{"kind": "call"}\n', "jsonl"),
    ("calls.csv", b'{"kind": "call"}\n', "csv"),  # an explicit extension wins
    ("calls.jsonl", b"", "jsonl"),
])
def test_input_format_from_the_content_when_the_name_does_not_say(name: str, data: bytes, expected: str) -> None:
    assert input_format(name, None, data) == expected


def test_events_import_reads_jsonl_from_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                              fresh: DemoServer) -> None:
    line = {"external_id": "crm-1", "counterparty": "inn:7701000001", "kind": "email", "start": "2026-04-03 09:00",
            "subject": "Письмо из CRM"}
    feed_stdin(monkeypatch, (json.dumps(line, ensure_ascii=False) + "\n").encode())
    code, out, err = run(capsys, "--url", fresh.url, "events", "import", "-", "--format", "json")
    assert code == ExitCode.OK, err
    assert [r["status"] for r in json.loads(out)] == ["created"]


def test_counterparties_import_reads_jsonl_from_stdin(capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch, fresh: DemoServer) -> None:
    row = {"name": "ООО Ромашка", "inn": "7701000001", "kpp": "770101001", "comment": "из JSONL"}
    feed_stdin(monkeypatch, (json.dumps(row, ensure_ascii=False) + "\n").encode())
    code, out, err = run(capsys, "--url", fresh.url, "counterparties", "import", "-", "--dry-run", "--format", "json")
    assert code == ExitCode.OK, err
    assert [r["status"] for r in json.loads(out)] == ["would_update"]


def test_a_value_that_matches_nobody_is_not_found_not_ambiguous(capsys: pytest.CaptureFixture[str],
                                                                fresh: DemoServer) -> None:
    code, out, err = run(capsys, "--url", fresh.url, "events", "create", "--kind", "call",
                         "--counterparty", "7701000001", "--responsible", "Нет", "--dry-run")
    assert code == ExitCode.NOT_PUBLISHED  # not found: 6 in every command (issue 12.12)
    assert "matches nobody" in err
    assert out == ""  # no "null" body for a row that was never shaped
    code, _, err = run(capsys, "--url", fresh.url, "events", "create", "--kind", "call",
                       "--counterparty", "7701000001", "--responsible", "С", "--dry-run")
    assert code == ExitCode.AMBIGUOUS
    assert "Смирнова" in err and "Соколов" in err


def test_create_twice_says_already_present_cleanly(capsys: pytest.CaptureFixture[str], fresh: DemoServer) -> None:
    args = ("--url", fresh.url, "events", "create", "--kind", "call", "--counterparty", "7701000001",
            "--start", "2026-04-05 10:00", "--subject", "Повтор", "--external-id", "pbx-77")
    code, first, _ = run(capsys, *args)
    assert code == ExitCode.OK
    code, again, err = run(capsys, *args)
    assert code == ExitCode.OK and again == first
    assert err.startswith("Already present: Document_Событие ") and "  " not in err.strip()


def test_a_report_that_cannot_be_written_is_refused_before_anything_is_sent(
        capsys: pytest.CaptureFixture[str], fresh: DemoServer, tmp_path: Path) -> None:
    calls = tmp_path / "calls.csv"
    calls.write_text("external_id,counterparty,kind,start\npbx-1,7701000001,call,2026-04-01 10:00\n",
                     encoding="utf-8")
    served = fresh.requests_served
    code, out, err = run(capsys, "--url", fresh.url, "events", "import", str(calls),
                         "--report", str(tmp_path / "missing" / "report.csv"))
    assert code == ExitCode.USAGE and "does not exist" in err
    assert out == "" and fresh.requests_served == served  # nothing was read, nothing created
    code, _, err = run(capsys, "--url", fresh.url, "counterparties", "import", str(calls), "--report", str(tmp_path))
    assert code == ExitCode.USAGE and "is a directory" in err
