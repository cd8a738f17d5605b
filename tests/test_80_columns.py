"""Tables in an 80-column terminal (issue 17, item 8): references dropped first, dates, numbers and
names kept whole, long values cut in the middle so look-alikes stay apart."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from onec_history.cli.output import emit, shorten
from onec_history.cli.rows import CP_COLUMNS, EVENT_COLUMNS, cp_row, event_row, marked
from onec_history.client import Client
from onec_history.demo.server import DemoServer, start_demo
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


@pytest.mark.usefixtures("isolated")
def test_columns_in_the_environment_is_a_width_asked_for_even_when_piped(ut10: DemoServer) -> None:
    """``COLUMNS=80 onec-history … | less`` (or a capture of an 80-column screen) fits 80 columns;
    without COLUMNS the same pipe gets whole lines."""
    import subprocess
    import sys

    def run(*args: str, columns: str | None) -> list[str]:
        env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
        if columns is not None:
            env["COLUMNS"] = columns
        done = subprocess.run([sys.executable, "-m", "onec_history", "--url", ut10.url, "-q", *args],
                              capture_output=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode("utf-8").splitlines()

    for args in (["events", "list", "--limit", "10"], ["history", "7701000001"], ["chain", "Событие", "270"],
                 ["report", "overdue"], ["counterparties", "search", "Ром"]):
        narrow, whole = run(*args, columns="80"), run(*args, columns=None)
        assert max(len(line) for line in narrow) <= 80, (args, max(narrow, key=len))
        assert max(len(line) for line in whole) > 80, args


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


# -- history and chain (issue 17, item 8): lines go on under themselves, nothing cut ---------------

_TREE = set("│├└─ ")


@pytest.fixture(scope="module")
def ut11() -> Iterator[DemoServer]:
    with start_demo("ut11") as server:
        yield server


def _on_terminal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], width: int,
                 *args: str) -> str:
    """What ``args`` print on a terminal ``width`` columns wide (stdout a tty, its size ``width``)."""
    from onec_history.cli.main import main

    screen = Terminal()
    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback=(80, 24): os.terminal_size((width, 24)))
    with monkeypatch.context() as m:
        m.setattr("sys.stdout", screen)
        assert main(list(args)) == 0, capsys.readouterr().err
    return screen.getvalue()


def _piped(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    from onec_history.cli.main import main

    assert main(list(args)) == 0
    return capsys.readouterr().out


def _words(text: str) -> list[str]:
    return [w for w in text.split() if not set(w) <= _TREE]


def _whole(text: str, doc_nodes: list[dict[str, object]]) -> None:
    """Every document's type and number, moment, amount and other party are on one line."""
    from onec_history.chains.render import money
    from onec_history.presentations import type_title

    lines = text.splitlines()
    for n in doc_nodes:
        head = " ".join(x for x in (type_title(str(n["set"])), str(n["number"] or "")) if x)
        assert any(head in line for line in lines), head
        if n["amount"] is not None:
            assert any(money(float(str(n["amount"]))) in line for line in lines)
        party = n["counterparty"]
        if isinstance(party, dict) and party["name"] and str(party["name"]) in text.replace("\n", " "):
            assert any(str(party["name"]) in line for line in lines), party


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("base", ["ut10", "unf", "ut11"])
def test_history_fits_the_terminal_and_loses_nothing(base: str, width: int, request: pytest.FixtureRequest,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import json

    url = request.getfixturevalue(base).url
    args = ("--url", url, "-q", "history", "7720000023")
    screen = _on_terminal(monkeypatch, capsys, width, *args)
    lines = screen.splitlines()
    assert max(len(line) for line in lines) <= width, max(lines, key=len)
    whole = _piped(capsys, *args)
    assert max(len(line) for line in whole.splitlines()) > width or width == 120  # there was something to fit
    assert _words(screen) == _words(whole)  # the same text, only broken into more lines
    doc = json.loads(_piped(capsys, "--url", url, "history", "7720000023", "--format", "json"))
    nodes = [n for c in doc["chains"] for n in c["nodes"]]
    _whole(screen, nodes)
    for n in nodes:  # each step starts with its moment, whole
        when = n["start"] or n["date"]
        assert f"  {when[8:10]}.{when[5:7]}.{when[:4]} {when[11:16]}  " in screen


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("base", ["ut10", "unf", "ut11"])
def test_chain_fits_the_terminal_and_keeps_its_tree(base: str, width: int, request: pytest.FixtureRequest,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    import json

    url = request.getfixturevalue(base).url
    history = json.loads(_piped(capsys, "--url", url, "history", "7701000001", "--format", "json"))
    start = max(history["chains"], key=lambda c: c["size"])["nodes"][-1]["id"]
    args = ("--url", url, "-q", "chain", start)
    screen = _on_terminal(monkeypatch, capsys, width, *args)
    lines = screen.splitlines()
    assert max(len(line) for line in lines) <= width, max(lines, key=len)
    whole = _piped(capsys, *args)
    assert _words(screen) == _words(whole)
    doc = json.loads(_piped(capsys, *args, "--format", "json"))
    _whole(screen, doc["nodes"])
    # a document's further lines keep the tree: under a line with children, the next one carries │
    heads = [i for i, line in enumerate(lines) if any(m in line[:60] for m in "✓○✗·?")
             and line.lstrip("│├└─ ")[:1] in "✓○✗·?"]
    assert len(heads) == len(whole.splitlines())
    for i, line in enumerate(lines):
        if i not in heads and i + 1 < len(lines):
            below = lines[i + 1]
            column = len(line) - len(line.lstrip("│ "))
            for c, ch in enumerate(line[:column]):
                if ch == "│":
                    assert c < len(below) and below[c] in "│├└", (line, below)


def test_history_in_a_real_terminal_of_80_columns(ut10: DemoServer, tmp_path: Path) -> None:
    """The whole way: a pseudo-terminal of 80 columns, as a person's console is."""
    import fcntl
    import pty
    import struct
    import subprocess
    import sys
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    errors = (tmp_path / "stderr").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "onec_history", "--url", ut10.url, "-q", "history", "7720000023"],
                            stdin=follower, stdout=follower, stderr=errors, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    code = proc.wait(timeout=60)
    errors.close()
    assert code == 0, (tmp_path / "stderr").read_text(encoding="utf-8")
    lines = b"".join(chunks).decode("utf-8").replace("\r\n", "\n").splitlines()
    assert len(lines) > 20 and max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert any(line.startswith(" " * 22 + "← ") for line in lines)  # a basis on a line of its own
