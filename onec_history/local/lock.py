"""One run at a time: an advisory lock on a file beside the state (or output) file.

The lock is held by the operating system for the life of the open file descriptor
(``flock`` on POSIX, ``msvcrt.locking`` on Windows), so a run killed with SIGKILL or a power
loss leaves no stale lock behind — the next cron run simply gets it. The file's content (pid,
start time) is only for the message a second run prints.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from ..errors import LockedError

__all__ = ["LockedError", "RunLock", "lock_path_for", "rows_lock"]


def lock_path_for(path: str | Path) -> Path:
    p = Path(path)
    return p.with_name(p.name + ".lock")


def rows_lock(base: str, url: str, identities: Iterable[str], folder: Path) -> RunLock:
    """The lock on one base and a set of rows' identities: two imports of the same file (with any
    ledgers, from any folder) cannot both decide that its rows are new. ``base`` is the base's
    identity key, ``url`` how it is named to the user."""
    digest = hashlib.sha256("\n".join([base, *sorted(identities)]).encode()).hexdigest()[:24]
    folder.mkdir(parents=True, exist_ok=True)
    return RunLock(folder / f"import-{digest}.lock",
                   message=f"Another onec-history run is importing the same rows into {url}",
                   hint="Wait for it to finish and run again: the rows it created are then found as already "
                        "present (a crashed run releases the lock when its process ends).")


class RunLock:
    """``with RunLock(path):`` — raises :class:`LockedError` at once if another process holds it."""

    def __init__(self, path: str | Path, *, message: str | None = None, hint: str | None = None) -> None:
        """``message`` and ``hint`` are what a second run is told (by default they name the lock file)."""
        self.path = Path(path)
        self.message = message or f"Another run holds the lock {self.path}"
        self.hint = hint or "Wait for it to finish; the lock is released automatically when that process ends."
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(fd)
        except OSError:
            holder = _read(fd)
            os.close(fd)
            raise LockedError(self.message + (f" ({holder})" if holder else ""), hint=self.hint) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def _read(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 200).decode("utf-8", "replace").strip()
    except OSError:
        return ""


if sys.platform == "win32":  # pragma: no cover - CI runs on Linux
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
