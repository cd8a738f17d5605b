"""The one progress line (issue 17, item 9) on the long commands besides export: events import and
mirror draw it on a terminal's stderr, in the same style, and write nothing of it under cron."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from onec_history.cli import progress as progress_mod
from onec_history.cli.main import main
from onec_history.demo.server import DemoServer
from onec_history.exitcodes import ExitCode


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def drawn(raw: str) -> list[str]:
    return [piece.strip() for line in raw.split("\n") for piece in line.split("\r") if piece.strip()]


def calls(path: Path, n: int) -> Path:
    lines = ["external_id,counterparty,kind,start,subject"]
    lines += [f"p{i},code:000000004,call,2024-05-01 11:{i:02d},звонок {i}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.usefixtures("isolated")
def test_import_counts_its_rows_against_the_total_on_a_terminal(
        ut10: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(progress_mod, "REDRAW_EVERY", 0.0)
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    code = main(["--url", ut10.url, "events", "import", str(calls(tmp_path / "in.csv", 6)), "--dry-run",
                 "--ledger", str(tmp_path / "ledger.db")])
    assert code == ExitCode.OK
    states = [s for s in drawn(term.getvalue()) if s.startswith("import:")]
    assert states and states[-1].startswith("import: 6/6 rows  100%"), states
    assert any(s.startswith("import: 3/6 rows  50%") for s in states)
    assert "\x1b" not in term.getvalue()


@pytest.mark.usefixtures("isolated")
def test_mirror_stages_a_line_per_set_and_keeps_the_set_lines_above_it(
        ut10: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_mod, "REDRAW_EVERY", 0.0)
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    db = f"sqlite:///{tmp_path / 'm.sqlite'}"
    assert main(["--url", ut10.url, "--page-size", "50", "mirror", "--db", db]) == ExitCode.OK
    states = drawn(term.getvalue())
    events = [s for s in states if s.startswith("mirror Document_Событие:")]
    assert any(s.startswith("mirror Document_Событие: 50 rows") for s in events), states[:20]
    said = [s for s in states if s.startswith("Document_Событие: full,")]
    assert len(said) == 1  # the set's own line, printed above the progress line and kept


@pytest.mark.usefixtures("isolated")
def test_under_cron_neither_writes_a_progress_line(ut10: DemoServer, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", ut10.url, "events", "import", str(calls(tmp_path / "in.csv", 3)), "--dry-run",
                 "--ledger", str(tmp_path / "ledger.db")]) == ExitCode.OK
    assert main(["--url", ut10.url, "mirror", "--db", f"sqlite:///{tmp_path / 'm.sqlite'}"]) == ExitCode.OK
    err = capsys.readouterr().err
    assert "\r" not in err and "import:" not in err and "mirror Document_" not in err
    assert "Document_Событие: full," in err  # the per-set lines stay, as before


@pytest.mark.usefixtures("isolated")
def test_a_report_from_1c_counts_its_requests_and_clears_the_line_before_the_table(
        ut10: DemoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(progress_mod, "REDRAW_EVERY", 0.0)
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    code = main(["--url", ut10.url, "--page-size", "20", "report", "funnel", "--since", "2026-01-01",
                 "--until", "2026-06-30"])
    assert code == ExitCode.OK
    states = [s for s in drawn(term.getvalue()) if s.startswith("report funnel:")]
    counts = [int(s.split()[2]) for s in states]
    assert len(counts) > 3 and counts == sorted(counts) and counts[-1] > 3, states
    last = term.getvalue().rsplit(states[-1], 1)[1]
    assert last.startswith("\r" + " " * len(states[-1]) + "\r")  # erased before anything else is written
    assert "Первое обращение" in capsys.readouterr().out


@pytest.mark.usefixtures("isolated")
def test_a_long_list_counts_what_it_reads_and_a_short_one_draws_nothing(
        ut10: DemoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(progress_mod, "REDRAW_EVERY", 0.0)
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main(["--url", ut10.url, "events", "list", "--limit", "0", "--format", "jsonl"]) == ExitCode.OK
    n = len(capsys.readouterr().out.splitlines())
    states = [s for s in drawn(term.getvalue()) if s.startswith("events:")]
    assert n > 100 and states[-1].startswith(f"events: {n} events"), states[-3:]
    term.seek(0), term.truncate()
    assert main(["--url", ut10.url, "events", "list", "--limit", "5"]) == ExitCode.OK
    assert "events:" not in term.getvalue()
