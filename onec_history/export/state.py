"""The incremental-export state: which events were exported, at which ``DataVersion``.

The state file is a small SQLite database (stdlib ``sqlite3``; nothing to install)::

    meta(key TEXT PRIMARY KEY, value TEXT)
        format   = "onec-history/export-state/1"
        base     = service root without credentials
        event_set, scope (the filters other than the period, as canonical JSON),
        since, until, updated (ISO time of the last successful run), events (row count)
    events(ref TEXT PRIMARY KEY, version TEXT NOT NULL, deleted INTEGER NOT NULL) WITHOUT ROWID
        ref = Ref_Key, version = DataVersion, deleted = DeletionMark at the last export

SQLite rather than JSON because a state holds one row per event of the period — a million
rows would be a 70 MB JSON document parsed into memory on every run; here the diff between
the last state and the current scan is a join on disk, and memory stays flat.

A run never touches the old file. :meth:`StateFile.begin` builds the new state in a
temporary file in the same directory (with the old one attached read-only), and
:meth:`StateRun.commit` moves it into place with ``os.replace`` — only after the export
itself succeeded. An interrupted run deletes its temporary file; the old state stays as it was.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from ..errors import ConfigError
from ..transport import base_key

__all__ = ["CHANGE_CHANGED", "CHANGE_DELETED", "CHANGE_NEW", "CHANGE_WAS_MARKED", "FORMAT", "DiffCounts",
           "StateFile", "StateRun", "scope_key"]

FORMAT = "onec-history/export-state/1"

CHANGE_NEW = "new"  # not in the last state
CHANGE_CHANGED = "changed"  # DataVersion differs
CHANGE_DELETED = "deleted"  # newly marked for deletion (DeletionMark became true)
CHANGE_WAS_MARKED = "changed:marked"  # changed, and already marked for deletion at the last run

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS events(ref TEXT PRIMARY KEY, version TEXT NOT NULL,
                                  deleted INTEGER NOT NULL) WITHOUT ROWID;
"""
# Work tables of one run; dropped before the state is committed.
_WORK = """
CREATE TABLE scan(pos INTEGER PRIMARY KEY, ref TEXT NOT NULL, version TEXT NOT NULL);
CREATE TABLE todo(pos INTEGER PRIMARY KEY, ref TEXT NOT NULL, change TEXT NOT NULL);
"""


@dataclass(frozen=True)
class DiffCounts:
    scanned: int
    new: int
    changed: int
    gone: int  # in the last state but not in this scan (deleted in 1C, or out of the period/filter)

    @property
    def todo(self) -> int:
        return self.new + self.changed


class StateFile:
    """The state file at ``path`` (it may not exist yet: the first run exports everything)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.is_file()

    def read_meta(self) -> dict[str, str]:
        if not self.exists():
            return {}
        with closing(_connect(self.path)) as db:
            _check_format(db, self.path)
            return {k: v for k, v in db.execute("SELECT key, value FROM meta")}

    def versions(self) -> dict[str, str]:
        """ref → DataVersion of the last run (for tests and inspection; loads everything)."""
        if not self.exists():
            return {}
        with closing(_connect(self.path)) as db:
            _check_format(db, self.path)
            return {r: v for r, v in db.execute("SELECT ref, version FROM events")}

    def begin(self, meta: Mapping[str, str]) -> StateRun:
        """Start a run; ``meta`` must agree with the old state's ``base``, ``event_set`` and ``scope``."""
        if self.exists():
            old = self.read_meta()
            for key in ("base", "event_set", "scope"):
                if key in meta and key in old and old[key] != meta[key] and not _legacy_base(key, old[key], meta[key]):
                    raise ConfigError(
                        f"The state file {self.path} was made for another {key} "
                        f"({old[key]!r}, now {meta[key]!r})",
                        hint="Use one state file per base and set of filters; delete the file to start over "
                             "(the next run then exports everything).",
                    )
        if not self.path.parent.is_dir():
            raise ConfigError(f"The directory of the state file {self.path} does not exist")
        return StateRun(self.path, dict(meta), has_old=self.exists())


class StateRun:
    """The new state under construction; ``commit`` replaces the old file, anything else discards."""

    def __init__(self, path: Path, meta: dict[str, str], *, has_old: bool) -> None:
        self.path = path
        self.meta = meta
        self.has_old = has_old
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.onec-partial-", dir=path.parent)
        os.close(fd)
        self._tmp: Path | None = Path(tmp)
        self.db = sqlite3.connect(Path(tmp).resolve().as_uri(), uri=True, isolation_level=None)
        # The file is rebuilt from scratch each run and replaced only whole: durability per
        # statement buys nothing, so skip the journal and fsyncs until commit().
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;")
        self.db.executescript(_SCHEMA + _WORK)
        if has_old:
            # Read-only: whatever happens to this run, the old state cannot be changed by it.
            self.db.execute("ATTACH DATABASE ? AS old", (path.resolve().as_uri() + "?mode=ro",))
            _check_format(self.db, self.path, schema="old")
        self._pos = 0
        self.db.execute("BEGIN")

    # -- filling -----------------------------------------------------------------------------------
    def add_scan(self, rows: Iterable[tuple[str, str]]) -> int:
        """Append (ref, DataVersion) of the current scan, in the scan's order.

        No DeletionMark: setting it is a write, so it changes DataVersion (odata-1c.md §1) and
        the event is fetched anyway; whether it became marked is read from the fetched row.
        """
        start = self._pos

        def numbered() -> Iterator[tuple[int, str, str]]:
            for ref, version in rows:
                self._pos += 1
                yield self._pos, ref, version

        self.db.executemany("INSERT INTO scan(pos, ref, version) VALUES (?, ?, ?)", numbered())
        return self._pos - start

    def record(self, rows: Iterable[tuple[str, str, bool]]) -> None:
        """Remember (ref, DataVersion, DeletionMark) as exported."""
        self.db.executemany("INSERT OR REPLACE INTO events(ref, version, deleted) VALUES (?, ?, ?)",
                            ((r, v, 1 if d else 0) for r, v, d in rows))

    def forget(self, refs: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM events WHERE ref = ?", ((r,) for r in refs))

    # -- diff ----------------------------------------------------------------------------------
    def diff(self) -> DiffCounts:
        """Compare the scan with the old state: fill the to-do list, carry unchanged rows over."""
        db = self.db
        db.execute("CREATE INDEX scan_ref ON scan(ref)")
        if self.has_old:
            db.execute(
                """INSERT INTO todo(pos, ref, change)
                   SELECT s.pos, s.ref,
                          CASE WHEN o.ref IS NULL THEN 'new'
                               WHEN o.deleted = 1 THEN 'changed:marked'
                               ELSE 'changed' END
                   FROM scan s LEFT JOIN old.events o ON o.ref = s.ref
                   WHERE o.ref IS NULL OR o.version <> s.version"""
            )
            # Unchanged events keep their state row; exported ones are recorded as they arrive.
            db.execute(
                """INSERT OR REPLACE INTO events(ref, version, deleted)
                   SELECT o.ref, o.version, o.deleted FROM old.events o JOIN scan s ON s.ref = o.ref
                   WHERE o.version = s.version"""
            )
            gone = db.execute(
                "SELECT count(*) FROM old.events o WHERE NOT EXISTS (SELECT 1 FROM scan s WHERE s.ref = o.ref)"
            ).fetchone()[0]
        else:
            db.execute("INSERT INTO todo(pos, ref, change) SELECT pos, ref, 'new' FROM scan")
            gone = 0
        counts = {c: n for c, n in db.execute("SELECT change, count(*) FROM todo GROUP BY change")}
        scanned = db.execute("SELECT count(*) FROM scan").fetchone()[0]
        return DiffCounts(scanned=scanned, new=counts.get(CHANGE_NEW, 0),
                          changed=counts.get(CHANGE_CHANGED, 0) + counts.get(CHANGE_WAS_MARKED, 0), gone=gone)

    def todo_chunks(self, size: int) -> Iterator[list[tuple[str, str]]]:
        """(ref, change) of the to-do list in scan order, ``size`` at a time (keyset paging on disk)."""
        last = 0
        while True:
            rows = self.db.execute("SELECT pos, ref, change FROM todo WHERE pos > ? ORDER BY pos LIMIT ?",
                                   (last, size)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [(ref, change) for _, ref, change in rows]

    def todo_buckets(self, size: int) -> Iterator[tuple[int, list[tuple[str, str]]]]:
        """The to-do list grouped by page of the scan: (page index, [(ref, change)]), in scan order.

        Page ``i`` holds scan positions ``i*size+1 … (i+1)*size`` — the rows ``$skip=i*size``
        ``$top=size`` of the same query would return if nothing moved since the scan.
        """
        bucket: list[tuple[str, str]] = []
        current = -1
        last = 0
        while True:
            rows = self.db.execute("SELECT pos, ref, change FROM todo WHERE pos > ? ORDER BY pos LIMIT 5000",
                                   (last,)).fetchall()
            if not rows:
                break
            last = rows[-1][0]
            for pos, ref, change in rows:
                index = (pos - 1) // size
                if index != current and bucket:
                    yield current, bucket
                    bucket = []
                current = index
                bucket.append((ref, change))
        if bucket:
            yield current, bucket

    def changes_of(self, refs: Iterable[str]) -> dict[str, str]:
        """The to-do label of each of ``refs`` that is on the to-do list."""
        out: dict[str, str] = {}
        batch = list(refs)
        for i in range(0, len(batch), 500):  # SQLite's default limit of host parameters is 999
            part = batch[i:i + 500]
            marks = ",".join("?" * len(part))
            out.update(self.db.execute(f"SELECT t.ref, t.change FROM todo t WHERE t.ref IN ({marks})", part))
        return out

    def gone_chunks(self, size: int) -> Iterator[list[str]]:
        """Refs of the old state that this scan did not see, ``size`` at a time."""
        if not self.has_old:
            return
        last = ""
        while True:
            rows = self.db.execute(
                """SELECT o.ref FROM old.events o WHERE o.ref > ?
                   AND NOT EXISTS (SELECT 1 FROM scan s WHERE s.ref = o.ref) ORDER BY o.ref LIMIT ?""",
                (last, size)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [r for (r,) in rows]

    def old_count(self) -> int:
        if not self.has_old:
            return 0
        return int(self.db.execute("SELECT count(*) FROM old.events").fetchone()[0])

    # -- end -----------------------------------------------------------------------------------
    def commit(self) -> None:
        """Finish the new state and move it over the old one (atomic within the directory)."""
        if self._tmp is None:
            raise RuntimeError("StateRun.commit() after commit or abort")
        db = self.db
        db.execute("DROP TABLE todo")
        db.execute("DROP TABLE scan")
        count = db.execute("SELECT count(*) FROM events").fetchone()[0]
        meta = {**self.meta, "format": FORMAT, "updated": datetime.now().isoformat(timespec="seconds"),
                "events": str(count)}
        db.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", meta.items())
        db.execute("COMMIT")
        if self.has_old:
            db.execute("DETACH DATABASE old")
        db.execute("VACUUM")  # give back the pages of the dropped work tables
        db.close()
        with open(self._tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(self._tmp, self.path)
        self._tmp = None

    def abort(self) -> None:
        if self._tmp is None:
            return
        try:
            self.db.close()
        finally:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None

    def __enter__(self) -> StateRun:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.abort()


def scope_key(values: Mapping[str, object]) -> str:
    """Canonical JSON of the filters a state belongs to (None values dropped)."""
    return json.dumps({k: v for k, v in sorted(values.items()) if v is not None}, ensure_ascii=False,
                      sort_keys=True, default=str)


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def _check_format(db: sqlite3.Connection, path: Path, *, schema: str = "main") -> None:
    try:
        row = db.execute(f"SELECT value FROM {schema}.meta WHERE key = 'format'").fetchone()
    except sqlite3.DatabaseError:
        row = None
    if row is None or row[0] != FORMAT:
        raise ConfigError(f"{path} is not an onec-history export state file",
                          hint="Give --state a new file name (it is created on the first run).")


def _legacy_base(key: str, old: str, new: str) -> bool:
    """A state file written before the base's identity carried its user (``url#user``) names the
    bare service root: the same base when the roots agree."""
    return key == "base" and "#" not in old and not old.startswith("demo:") \
        and base_key(old).partition("#")[0] == new.partition("#")[0]
