"""What a command says when it is interrupted (Ctrl-C, or SIGTERM from cron or systemd).

A long command wraps its work in :func:`on_interrupt` with a function that describes, at that
moment, what was done and what a rerun will do; ``main`` prints it (exit code 130) instead of
the generic message::

    with on_interrupt(lambda: f"{done} rows were written; run it again to finish."):
        ...
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType

__all__ = ["GENERIC", "Interrupted", "message_of", "on_interrupt", "sigterm_as_interrupt"]

GENERIC = ("Anything already written to 1C stays there; run the same command again to finish: imports skip "
           "the rows they already created, a mirror copies only what is missing.")


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with what the interrupted command has to say about it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextlib.contextmanager
def on_interrupt(describe: Callable[[], str]) -> Iterator[None]:
    """Turn a Ctrl-C inside the block into :class:`Interrupted` carrying ``describe()``."""
    try:
        yield
    except Interrupted:
        raise  # an inner block said it more precisely
    except KeyboardInterrupt:
        raise Interrupted(describe()) from None


def message_of(exc: BaseException) -> str:
    """The interrupted command's message (found on ``exc`` or what it was raised from), else the generic one."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, Interrupted):
            return seen.message
        seen = seen.__cause__ or seen.__context__
    return GENERIC


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """cron and systemd stop jobs with SIGTERM: turn it into KeyboardInterrupt so cleanup runs."""
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (e.g. inside a test runner's worker): nothing to do
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
