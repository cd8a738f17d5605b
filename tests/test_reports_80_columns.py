"""Report tables in an 80- and a 120-column terminal (issue 17, item 8, the reports' part), through the
command line with a terminal for stdout, on the three demo families: no line wider than the terminal,
the title and its period whole (wrapped, never cut), dates, numbers and names whole, references
dropped first; --wide and piped output keep every column. The captures are left in
test-artifacts/reports/ for a person to look at."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onec_history.cli import output
from onec_history.cli.main import main
from onec_history.demo.server import DemoServer, start_demo

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "reports"
AS_OF = ["--as-of", "2026-06-30 18:00"]
REPORTS: dict[str, list[str]] = {
    "inactive": ["inactive", "--days", "45", *AS_OF],
    "overdue": ["overdue", *AS_OF],
    "activity-kind": ["activity", "--by", "kind", "--since", "2026-01-01", "--until", "2026-06-30", *AS_OF],
    "activity-week": ["activity", "--by", "week", *AS_OF],
    "funnel": ["funnel", "--since", "2026-01-01", "--until", "2026-06-30"],
}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module", params=["ut10", "unf", "ut11"])
def base(request: pytest.FixtureRequest) -> Iterator[tuple[str, DemoServer]]:
    with start_demo(request.param) as server:
        yield request.param, server


def on_terminal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], width: int,
                *args: str) -> str:
    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback=(80, 24): os.terminal_size((width, 24)))
    screen = Terminal()
    with monkeypatch.context() as m:
        m.setattr(sys, "stdout", screen)
        code = main(list(args))
    assert code == 0, capsys.readouterr().err
    return screen.getvalue()


def piped(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out = capsys.readouterr().out
    assert code == 0
    return out


def rows_of(capsys: pytest.CaptureFixture[str], url: str, report: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(piped(capsys, "--url", url, "-q", "report", *report, "--format", "json"))
    return rows


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", list(REPORTS))
def test_report_tables_fit_the_terminal(name: str, width: int, base: tuple[str, DemoServer],
                                        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    dataset, server = base
    args = ["--url", server.url, "-q", "report", *REPORTS[name]]
    text = on_terminal(monkeypatch, capsys, width, *args)
    whole = piped(capsys, *args)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{dataset}-{name}-{width}.txt").write_text(text, encoding="utf-8")
    lines = text.splitlines()
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    blank = lines.index("")
    assert " ".join(lines[:blank]) == whole.splitlines()[0]  # the title and its period, wrapped, never cut
    assert max(len(line) for line in whole.splitlines()) > width or name.startswith(("activity", "funnel"))
    rows = rows_of(capsys, server.url, REPORTS[name])
    body = "\n".join(lines[blank + 3:])
    if name == "overdue":
        assert "Ссылка" not in lines[blank + 1]  # references go first
        for r in rows:
            start = r["start"][8:10] + "." + r["start"][5:7] + "." + r["start"][:4] + " " + r["start"][11:16]
            assert f"{start}  {r['days_overdue']:>4}" in body  # the date and the days whole, side by side
            assert r["number"] in body and r["client"] in body and f"\n{r['responsible']}\n" in f"\n{body}\n"
    if name == "inactive":
        for r in rows:
            assert r["client"] in body and f"\n{r['manager']}\n" in f"\n{body}\n"
            if r["days_since"] is not None:
                assert f"{r['last_completed'][8:10]}.{r['last_completed'][5:7]}.{r['last_completed'][:4]}" in body
    if name.startswith("activity") or name == "funnel":
        for r in rows:  # narrow reports: every number shown as in the whole table
            assert f"{r['events' if name != 'funnel' else 'count']}" in body
        assert lines[blank:] == whole.splitlines()[1:]  # they fit 80 columns as they are


@pytest.mark.usefixtures("isolated")
def test_wide_keeps_every_report_column_on_a_terminal(base: tuple[str, DemoServer],
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    url = base[1].url
    args = ["--url", url, "-q", "--wide", "report", *REPORTS["overdue"]]
    monkeypatch.setattr(output, "WIDE", False)  # --wide sets it; the fixture puts it back
    text = on_terminal(monkeypatch, capsys, 80, *args)
    assert "Ссылка" in text and all(r["ref"] in text for r in rows_of(capsys, url, REPORTS["overdue"]))
    assert text == piped(capsys, *args)
