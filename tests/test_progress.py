"""The one progress line: only on a terminal, throttled, within the width, no ANSI, cleared or finished."""

from __future__ import annotations

import io

import pytest

from onec_history.cli.progress import Progress, progress, shown_on


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def screen(raw: str) -> str:
    """What a terminal shows of a carriage-return redrawn stream: the last state of each line."""
    lines: list[str] = []
    for physical in raw.split("\n"):
        cells: list[str] = []
        col = 0
        for ch in physical:
            if ch == "\r":
                col = 0
                continue
            if col < len(cells):
                cells[col] = ch
            else:
                cells.append(ch)
            col += 1
        lines.append("".join(cells).rstrip())
    return "\n".join(lines)


def test_nothing_is_written_off_a_terminal_or_when_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TERM", raising=False)
    piped = io.StringIO()
    with progress("export", total=10, stream=piped) as bar:
        bar.advance(5)
        bar.note("a note")
        bar.finish("done")
    assert piped.getvalue() == ""
    term = Terminal()
    with progress("export", total=10, stream=term, quiet=True) as bar:
        bar.advance(5)
    assert term.getvalue() == ""


def test_term_dumb_gets_no_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    assert not shown_on(Terminal())
    monkeypatch.setenv("TERM", "xterm")
    assert shown_on(Terminal())


def test_total_rate_and_eta(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    term = Terminal()
    bar = Progress("export", total=1000, unit="events", stream=term, clock=clock, columns=80)
    with bar:
        clock.now += 2.0
        bar.advance(250)  # 125/s, 750 left: 6 s
    shown = bar.text()
    assert shown == "export: 250/1000 events  25%  125/s  ETA 0:06"
    assert "\x1b" not in term.getvalue()


def test_unknown_total_shows_count_and_elapsed() -> None:
    clock = Clock()
    bar = Progress("import", unit="rows", stream=Terminal(), clock=clock, columns=80)
    clock.now += 65.0
    bar.done = 13
    assert bar.text() == "import: 13 rows  0.2/s  1:05"


def test_redraws_are_throttled_to_five_a_second() -> None:
    clock = Clock()
    term = Terminal()
    with Progress("export", total=10_000, stream=term, clock=clock, columns=80) as bar:
        for _ in range(1000):  # 1000 pages in one second
            clock.now += 0.001
            bar.advance(10)
    redraws = term.getvalue().count("\r")
    # the first draw, at most 5 in the second that passed, each up to two carriage returns, and the clearing
    assert 2 <= redraws <= 2 * 7
    assert screen(term.getvalue()) == ""  # cleared at the end


def test_the_line_fits_the_terminal_and_shrinks_cleanly() -> None:
    clock = Clock()
    term = Terminal()
    bar = Progress("mirror Document_ЗаказПокупателя_ТабличнаяЧастьСоВсемДлиннымИменем", total=123_456_789,
                   unit="rows", stream=term, clock=clock, columns=40)
    with bar:
        for line in term.getvalue().split("\r"):
            assert len(line) <= 39
        bar.stage("mirror x", total=5)
        assert screen(term.getvalue()) == "mirror x: 0/5 rows  0%  0:00"
        bar.finish("mirror: 5 tables")
    assert screen(term.getvalue()) == "mirror: 5 tables\n"


def test_note_goes_above_the_line() -> None:
    clock = Clock()
    term = Terminal()
    with Progress("mirror", total=3, unit="tables", stream=term, clock=clock, columns=80) as bar:
        bar.advance(1)
        bar.note("Catalog_Контрагенты: full, 30 fetched")
        clock.now += 1
        bar.advance(1)
    assert screen(term.getvalue()) == "Catalog_Контрагенты: full, 30 fetched\n"


def test_an_interrupt_leaves_a_clean_line() -> None:
    term = Terminal()
    with pytest.raises(KeyboardInterrupt), Progress("export", stream=term, columns=80) as bar:
        bar.advance(3)
        raise KeyboardInterrupt
    assert screen(term.getvalue()) == ""
    assert term.getvalue().endswith("\r")
