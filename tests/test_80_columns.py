"""Tables in an 80-column terminal (issue 17, item 8): references dropped first, dates, numbers and
names kept whole, long values cut in the middle so look-alikes stay apart."""

from __future__ import annotations

import io
import os
import shutil

import pytest

from onec_history.cli.output import emit, shorten
from onec_history.cli.rows import CP_COLUMNS, EVENT_COLUMNS, cp_row, event_row, marked
from onec_history.client import Client
from onec_history.demo.server import DemoServer
from onec_history.history import History
from onec_history.transport import Transport


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture()
def eighty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback=(80, 24): os.terminal_size((80, 24)))


@pytest.mark.usefixtures("eighty")
def test_events_list_keeps_dates_and_numbers_whole_at_80_columns(ut10: DemoServer) -> None:
    h = History(Client(Transport(ut10.url)))
    events = list(h.events(limit=20))
    out = Terminal()
    emit((event_row(e, mark=True, postable=True) for e in events), "table", columns=marked(EVENT_COLUMNS, "table"),
         out=out)
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines), max(len(x) for x in lines)
    assert "Ссылка" not in lines[0]  # the GUID goes first: a cut one helps nobody
    for e, line in zip(events, lines[2:], strict=True):
        assert f"{e.date:%d.%m.%Y %H:%M}" in line and (e.number or "") in line


@pytest.mark.usefixtures("eighty")
def test_look_alike_names_stay_apart_when_cut(ut10: DemoServer) -> None:
    h = History(Client(Transport(ut10.url)))
    found = h.counterparty_search.with_names(list(h.search_counterparties("Ром")))
    out = Terminal()
    emit((cp_row(c, mark=True) for c in found), "table", columns=marked(CP_COLUMNS, "table"), out=out)
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines)
    names = [line.split("  ")[1] if line.startswith("  ") else line for line in lines[2:]]
    assert len(set(names)) == len(found) == 3  # «OOO Ромашка», «ООО Ромашкa», «ООО Ромашка»: three rows told apart


def test_piped_output_keeps_every_column_whole() -> None:
    out = io.StringIO()
    emit([{"ref": "6f1c2a34-0000-0000-0000-000000000001", "subject": "x" * 150}], "table",
         columns=[("ref", "Ссылка"), ("subject", "Описание")], out=out)
    assert "x" * 150 in out.getvalue() and "6f1c2a34-0000-0000-0000-000000000001" in out.getvalue()


def test_shortening_in_the_middle() -> None:
    assert shorten("ООО Ромашка", 20) == "ООО Ромашка"
    assert shorten("Общество с ограниченной ответственностью «Ромашка»", 21) == "Общество с… «Ромашка»"
    assert len(shorten("abcdefghijklmnop", 9)) == 9 and shorten("abcdef", 4) == "abc…"


@pytest.mark.usefixtures("eighty")
def test_wide_keeps_every_column_whole_on_a_terminal(ut10: DemoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from onec_history.cli import output

    monkeypatch.setattr(output, "WIDE", True)  # what --wide sets
    h = History(Client(Transport(ut10.url)))
    events = list(h.events(limit=3))
    out = Terminal()
    emit((event_row(e) for e in events), "table", columns=EVENT_COLUMNS, out=out)
    assert "Ссылка" in out.getvalue() and all(e.ref in out.getvalue() for e in events)


def test_the_wide_option_is_taken(capsys: pytest.CaptureFixture[str], ut10: DemoServer) -> None:
    from onec_history.cli import output
    from onec_history.cli.main import main

    try:
        assert main(["--url", ut10.url, "--wide", "-q", "events", "list", "--limit", "1"]) == 0
        assert output.WIDE is True
    finally:
        output.WIDE = False
    assert "Ссылка" in capsys.readouterr().out
