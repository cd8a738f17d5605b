"""The one progress line of every long command (export, import, mirror, reports over many documents).

A person at a terminal sees how far the work is, how fast it goes and, when the total is known,
when it will end::

    export: 12340/50000 events  24%  1830/s  ETA 0:20

The line goes to stderr, and only when stderr is a terminal: under cron, a redirect or a pipe
nothing is written (scripts read stdout and log stderr). It is redrawn with a carriage return
and padded with spaces — no ANSI sequence, which a legacy Windows console would print as text —
at most five times a second, and never wider than the terminal (80 columns when unknown).
``TERM=dumb`` (Emacs shells, some CI consoles, which do not redraw a line) gets no line at all.
Nothing here is coloured, so ``NO_COLOR`` has nothing to turn off.

Usage — the object is always there, a no-op when the line is not shown, so callers never branch::

    with progress("export", unit="events", total=n, quiet=app.quiet) as bar:
        for page in pages:
            bar.advance(len(page))
        bar.finish("export: 50000 events")   # optional: a final line that stays; else it is cleared

``stage()`` starts a new phase on the same line (the mirror's tables, one after another), and
``note()`` prints a message above the line without breaking it.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import TextIO, TypeVar

__all__ = ["Progress", "progress", "shown_on"]

T = TypeVar("T")

REDRAW_EVERY = 0.2  # seconds: at most five redraws a second
_FALLBACK_COLUMNS = 80


def shown_on(stream: TextIO) -> bool:
    """Is ``stream`` a terminal that can redraw a line (not a redirect, a pipe or ``TERM=dumb``)?"""
    if os.environ.get("TERM", "") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # a closed or detached stream
        return False


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or _FALLBACK_COLUMNS
    except (AttributeError, ValueError, OSError):
        return shutil.get_terminal_size((_FALLBACK_COLUMNS, 24)).columns or _FALLBACK_COLUMNS


def _duration(seconds: float) -> str:
    s = max(0, int(seconds + 0.5))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _rate(per_second: float) -> str:
    if per_second >= 100:
        return f"{per_second:.0f}/s"
    return f"{per_second:.1f}/s"


class Progress:
    """A progress line on ``stream``; every method is a no-op when ``enabled`` is false.

    Thread-safe: ``advance`` may be called from worker threads (imports with ``--jobs``).
    """

    def __init__(self, label: str, *, total: int | None = None, unit: str = "rows", enabled: bool = True,
                 stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic,
                 columns: int | None = None) -> None:
        self.stream: TextIO = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.label = label
        self.unit = unit
        self.total = total
        self.done = 0
        self._clock = clock
        self._columns = columns
        self._started = clock()
        self._drawn_at: float | None = None
        self._width = 0  # what the line on screen is wide now: a shorter text is padded over it
        self._lock = threading.Lock()

    # -- what callers use ------------------------------------------------------------------

    def advance(self, n: int = 1) -> None:
        """``n`` more units are done; the line is redrawn if the last redraw is old enough."""
        with self._lock:
            self.done += n
            if self.enabled:
                self._maybe_draw()

    def over(self, items: Iterable[T]) -> Iterator[T]:
        """``items`` as they come, each one counted."""
        for item in items:
            self.advance()
            yield item

    def set_total(self, total: int | None) -> None:
        """The total became known (or changed) after the start."""
        with self._lock:
            self.total = total

    def stage(self, label: str, *, total: int | None = None, unit: str | None = None) -> None:
        """Start a new phase on the same line: the count, rate and ETA start again."""
        with self._lock:
            self.label = label
            self.total = total
            if unit is not None:
                self.unit = unit
            self.done = 0
            self._started = self._clock()
            if self.enabled:
                self._draw()

    def note(self, message: str) -> None:
        """A line for the person above the progress line (which is drawn again under it)."""
        with self._lock:
            if not self.enabled:
                return
            self._erase()
            self.stream.write(message + "\n")
            self._draw()

    def finish(self, message: str | None = None) -> None:
        """End the line: ``message`` stays as the final line; without one the line is cleared."""
        with self._lock:
            if not self.enabled:
                return
            self.enabled = False
            if message is None:
                self._erase()
            else:
                self._put(self._fit(message))
                self.stream.write("\n")
            self.stream.flush()

    def text(self) -> str:
        """The line as it is drawn now (before fitting to the terminal)."""
        elapsed = max(self._clock() - self._started, 0.0)
        parts: list[str] = []
        if self.total is not None:
            parts.append(f"{self.done}/{self.total} {self.unit}")
            if self.total > 0:
                parts.append(f"{min(100, self.done * 100 // self.total)}%")
        else:
            parts.append(f"{self.done} {self.unit}")
        rate = self.done / elapsed if elapsed >= 0.5 and self.done else None
        if rate:
            parts.append(_rate(rate))
        if rate and self.total is not None and self.total >= self.done:
            parts.append(f"ETA {_duration((self.total - self.done) / rate)}")
        else:
            parts.append(_duration(elapsed))
        return f"{self.label}: " + "  ".join(parts)

    def __enter__(self) -> Progress:
        if self.enabled:
            with self._lock:
                self._draw()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # Also on an error or Ctrl-C: the message that follows must start on a clean line.
        self.finish()

    # -- drawing ---------------------------------------------------------------------------

    def _maybe_draw(self) -> None:
        if self._drawn_at is None or self._clock() - self._drawn_at >= REDRAW_EVERY:
            self._draw()

    def _draw(self) -> None:
        self._put(self._fit(self.text()))
        self._drawn_at = self._clock()
        self.stream.flush()

    def _fit(self, text: str) -> str:
        # One column short of the edge: writing into the last one wraps the cursor on some consoles.
        room = max((self._columns or _columns(self.stream)) - 1, 10)
        # ASCII: a legacy code page would widen "…" into "..." after the length was counted.
        return text if len(text) <= room else text[:room - 3] + "..."

    def _put(self, text: str) -> None:
        pad = " " * max(self._width - len(text), 0)
        self.stream.write("\r" + text + pad)
        if pad:
            self.stream.write("\r" + text)
        self._width = len(text)

    def _erase(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
            self.stream.flush()


def progress(label: str, *, total: int | None = None, unit: str = "rows", quiet: bool = False,
             stream: TextIO | None = None) -> Progress:
    """A progress line on stderr (or ``stream``), shown only on a terminal and never with ``quiet``."""
    out = stream if stream is not None else sys.stderr
    return Progress(label, total=total, unit=unit, enabled=not quiet and shown_on(out), stream=out)
